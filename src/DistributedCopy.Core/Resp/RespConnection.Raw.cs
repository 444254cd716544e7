namespace DistributedCopy.Core.Resp;

// RespConnection, part 4: raw bytes, for a stream that is not made of replies throughout (a replication link's snapshot).
public sealed partial class RespConnection
{
    /// <summary>
    /// Reads raw bytes into <paramref name="destination"/>: first those already buffered after the last frame, then from the
    /// socket. No byte within <paramref name="deadline"/> fails the read: the peer went silent.
    /// </summary>
    internal async ValueTask<int> ReadRawAsync(Memory<byte> destination, TimeSpan deadline, CancellationToken cancellationToken)
    {
        _start += _frameLength;
        _frameLength = 0;
        if (_start < _end)
        {
            var buffered = Math.Min(destination.Length, _end - _start);
            _buffer.AsSpan(_start, buffered).CopyTo(destination.Span);
            _start += buffered;
            return buffered;
        }
        _start = _end = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        try
        {
            var read = await _stream.ReadAsync(destination, timeout.Token).ConfigureAwait(false);
            return read > 0 ? read : throw new RedisConnectException($"connection to {Endpoint.Address} closed by the server");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RedisConnectException($"nothing from {Endpoint.Address} within {deadline.TotalSeconds:0.#} s (a stalled network or server)");
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            throw new RedisConnectException($"connection to {Endpoint.Address} lost: {ex.Message}", ex);
        }
    }
}
