using System.Net.Sockets;

namespace DistributedCopy.Core.Resp;

/// <summary>
/// One connection to one Redis node, used strictly in turn: send a whole batch of commands, then read its replies.
/// Replies are parsed in place from a reused buffer, so the copy path allocates nothing per key.
/// </summary>
public sealed partial class RespConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private long _busySince;
    private volatile bool _timedOut;
    // small to start: a copy holds a connection per target master in every pipeline (1,600 of them for 100 masters and 16
    // pipelines); one that needs more grows
    private readonly byte[] _initial = new byte[4 * 1024];
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _frameLength;

    private RespConnection(RedisEndpoint endpoint, Socket socket, Stream stream)
    {
        Endpoint = endpoint;
        _buffer = _initial;
        _socket = socket;
        _stream = stream;
    }

    public RedisEndpoint Endpoint { get; }

    /// <summary>The reply read by the last <see cref="ReadFrameAsync"/>; valid until the next read.</summary>
    public ReadOnlySpan<byte> Frame => _buffer.AsSpan(_start, _frameLength);

    /// <summary>Sends what <paramref name="writer"/> holds, within the endpoint's deadline.</summary>
    public async ValueTask SendAsync(RespWriter writer, CancellationToken cancellationToken = default)
    {
        Begin();
        try
        {
            await writer.WriteToAsync(_stream, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (_timedOut && ex is not RedisConnectException)
        {
            throw TimedOut("send to");
        }
        finally
        {
            End();
        }
    }

    /// <summary>Reads the next complete reply into <see cref="Frame"/>; returns its first byte's type.</summary>
    public ValueTask ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        _start += _frameLength;
        _frameLength = 0;
        if (_start == _end && _buffer.Length > LargeBuffers.Threshold)
        {
            // every reply consumed: a buffer that grew for a big value gives its memory back
            LargeBuffers.Shrink(ref _buffer, _initial);
            _start = _end = 0;
        }
        var length = RespFrame.Length(_buffer.AsSpan(_start, _end - _start));
        if (length >= 0)
        {
            _frameLength = length;
            return ValueTask.CompletedTask;
        }
        return ReadMoreAsync(cancellationToken);
    }

    /// <summary>
    /// Gives a buffer that grew for a big reply back once every reply is consumed (call when done with <see cref="Frame"/>),
    /// so an idle connection does not keep a big value's memory until its next read.
    /// </summary>
    public void Compact()
    {
        if (_start + _frameLength == _end && _buffer.Length > LargeBuffers.Threshold)
        {
            LargeBuffers.Shrink(ref _buffer, _initial);
            _start = _end = _frameLength = 0;
        }
    }

    /// <summary>
    /// Gives a buffer that grew back whatever its size once every reply is consumed: for a connection its owner stopped
    /// using for now (a pipeline that moved on to another shard), which would otherwise keep a batch's worth of memory.
    /// </summary>
    public void Release()
    {
        if (_start + _frameLength == _end)
        {
            LargeBuffers.Reset(ref _buffer, _initial);
            _start = _end = _frameLength = 0;
        }
    }

    /// <summary>Sends one command and returns a copy of its reply; throws on an error reply. For the cold path.</summary>
    public async Task<byte[]> ExecuteAsync(params string[] parts)
    {
        var writer = new RespWriter(256);
        writer.Command(parts);
        await SendAsync(writer).ConfigureAwait(false);
        await ReadFrameAsync().ConfigureAwait(false);
        ThrowIfError(Frame);
        return Frame.ToArray();
    }

    public async Task<string> ExecuteStringAsync(params string[] parts) => RespFrame.String(await ExecuteAsync(parts).ConfigureAwait(false));

    public async Task<long> ExecuteIntegerAsync(params string[] parts) => RespFrame.Integer(await ExecuteAsync(parts).ConfigureAwait(false));

    public static void ThrowIfError(ReadOnlySpan<byte> frame)
    {
        if (RespFrame.IsError(frame))
        {
            throw new RedisErrorException(RespFrame.ErrorText(frame));
        }
    }

    public async ValueTask DisposeAsync()
    {
        ConnectionWatchdog.Remove(this);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }

    private async ValueTask ReadMoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                LargeBuffers.Grow(ref _buffer, _end, _buffer.Length * 2);
            }
            int read;
            Begin();
            try
            {
                read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (_timedOut && ex is not RedisConnectException)
            {
                throw TimedOut("reply from");
            }
            finally
            {
                End();
            }
            if (read == 0)
            {
                throw new RedisConnectException($"connection to {Endpoint.Address} closed by the server");
            }
            _end += read;
            var length = RespFrame.Length(_buffer.AsSpan(0, _end));
            if (length >= 0)
            {
                _frameLength = length;
                return;
            }
        }
    }
}
