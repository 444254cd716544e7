using System.Globalization;

namespace DistributedCopy.Core.Replication;

// ReplicationLink, part 3: the stream read from the socket as it comes, and the ACKs that keep the master sending it.
public sealed partial class ReplicationLink
{
    /// <summary>REPLCONF ACK now (the master asked with GETACK): everything up to <see cref="Applied"/> is applied.</summary>
    public async ValueTask AcknowledgeAsync(CancellationToken cancellationToken = default)
    {
        var writer = new RespWriter(64);
        writer.Command("REPLCONF", "ACK", Applied.ToString(CultureInfo.InvariantCulture));
        // the heartbeat sends too: one command at a time on the connection (a read may go on meanwhile)
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }
    }

    private void StartReading()
    {
        _heartbeat ??= HeartbeatAsync(_stop.Token);
        if (_pump is null)
        {
            _received = _offset + (_end - _start);
            // bytes of the stream read already (past the snapshot, or with the CONTINUE line) come first
            if (_end > _start)
            {
                _spool.Writer.TryWrite((_buffer.AsSpan(_start, _end - _start).ToArray(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                _start = _end = 0;
            }
            _pump = PumpAsync(_stop.Token);
        }
    }

    /// <summary>Reads the stream from the socket into the spool, whoever applies it and however slowly.</summary>
    private async Task PumpAsync(CancellationToken stop)
    {
        try
        {
            // one buffer to read into; the spool holds what each read brought, at its size
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var read = await _connection.ReadRawAsync(buffer, SilenceLimit, stop).ConfigureAwait(false);
                _streaming = true;
                Interlocked.Add(ref _received, read);
                Interlocked.Exchange(ref _heardAt, Environment.TickCount64);
                await _spool.Writer.WriteAsync((buffer.AsSpan(0, read).ToArray(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), stop).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            _spool.Writer.TryComplete(ex is OperationCanceledException && stop.IsCancellationRequested ? null : ex);
        }
    }

    private async Task HeartbeatAsync(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await AcknowledgeAsync(stop).ConfigureAwait(false);
                // often until the stream flows: a diskless master ignores an ACK that comes before it has reaped its child,
                // and keeps the stream for this replica in its own memory until one counts
                await Task.Delay(_streaming ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(100), stop).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or RedisConnectException or ObjectDisposedException or IOException or System.Net.Sockets.SocketException)
        {
            // stopped, or the link is lost: its reads say so
        }
    }
}
