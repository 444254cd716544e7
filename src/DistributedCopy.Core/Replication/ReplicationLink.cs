using System.Globalization;
using System.Text;

namespace DistributedCopy.Core.Replication;

/// <summary>
/// dcopy as a replica of one master (self-hosted Redis; managed caches refuse SYNC and PSYNC): the handshake (REPLCONF
/// listening-port, capa eof psync2), PSYNC from a <see cref="ReplicationPosition"/> or from nothing; when the master starts
/// over, its snapshot (<see cref="ReceiveSnapshotAsync"/>: the RDB, sized or in the diskless "EOF:" form); then the command
/// stream, one command at a time, each moving <see cref="Position"/> on by its bytes. <see cref="AcknowledgeAsync"/> tells
/// the master how far the target has applied. Every read has a deadline: a master pings its replicas (every 10 s by default).
/// </summary>
public sealed class ReplicationLink : IAsyncDisposable
{
    /// <summary>
    /// Longer than a master's default repl-timeout (60 s), which bounds its own silences: it pings every 10 s, but a
    /// diskless snapshot shared with a slow replica may stall for up to repl-timeout. A link silent for longer is lost.
    /// </summary>
    public static readonly TimeSpan SilenceLimit = TimeSpan.FromSeconds(70);

    private const int MarkLength = 40;

    /// <summary>Reads of the stream (64 KB at most each, up to 1 GB in all) held for the applier; beyond, the master holds the rest.</summary>
    private const int SpoolChunks = 16 * 1024;

    private readonly RespConnection _connection;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _heartbeat;
    private Task? _pump;
    private volatile bool _streaming;
    private ReadOnlyMemory<byte> _pumped;
    // the stream as read from the socket, until the applier takes it: a master keeps nothing for a replica that loads its
    // snapshot (or writes a slow target) meanwhile, where its output buffer limit would drop the replica
    private readonly System.Threading.Channels.Channel<byte[]> _spool = System.Threading.Channels.Channel.CreateBounded<byte[]>(
        new System.Threading.Channels.BoundedChannelOptions(SpoolChunks) { SingleReader = true, SingleWriter = true });
    private long _applied;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _returned;
    private string _replicationId = "";
    private long _offset;
    private long _received;
    private long _heardAt = Environment.TickCount64;

    private ReplicationLink(RespConnection connection) => _connection = connection;

    /// <summary>
    /// The master's replication id and the offset of the stream's last byte read (the last command returned); the database
    /// is the applier's to follow (<see cref="ReplicationApplier.Database"/>).
    /// </summary>
    public ReplicationPosition Position => new(_replicationId, _offset, _database);

    private int _database;

    /// <summary>The offset of the last byte of the stream read from the master (applied or not).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>How long since the master last sent anything (it pings every 10 s when nothing is written).</summary>
    public TimeSpan SilentFor => TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _heardAt));

    /// <summary>The master could not continue from the position asked for (or none was given): its snapshot comes first.</summary>
    public bool StartedOver { get; private set; }

    public RedisEndpoint Master => _connection.Endpoint;

    /// <summary>The snapshot came in the diskless form (streamed by the master's child with an end mark, no file on its disk).</summary>
    public bool Diskless { get; private set; }

    /// <summary>
    /// The offset up to which the target holds the stream, as the master is told every second (REPLCONF ACK) once the
    /// stream runs: a master drops a replica silent for repl-timeout, and a diskless one starts the stream on the first ACK.
    /// </summary>
    public long Applied
    {
        get => Volatile.Read(ref _applied);
        set => Volatile.Write(ref _applied, value);
    }

    /// <summary>
    /// Connects to <paramref name="master"/> as a replica and asks for the stream after <paramref name="from"/>; without a
    /// position, or one the master's backlog no longer holds, the master starts over (<see cref="StartedOver"/>).
    /// </summary>
    public static async Task<ReplicationLink> OpenAsync(RedisEndpoint master, ReplicationPosition? from, CancellationToken cancellationToken = default)
    {
        var connection = await RespConnection.ConnectAsync(master, cancellationToken).ConfigureAwait(false);
        var link = new ReplicationLink(connection);
        try
        {
            try
            {
                await connection.ExecuteAsync("REPLCONF", "listening-port", "0").ConfigureAwait(false);
                await connection.ExecuteAsync("REPLCONF", "capa", "eof", "capa", "psync2").ConfigureAwait(false);
            }
            catch (RedisErrorException ex)
            {
                throw new CopyException($"{master.Address} does not take a replica ({ex.Message}): managed caches refuse replication, and so does an ACL user without the admin commands; follow it by keyspace notifications instead");
            }
            var writer = new RespWriter(256);
            writer.Command("PSYNC", from?.ReplicationId ?? "?", from is { } position ? (position.Offset + 1).ToString(CultureInfo.InvariantCulture) : "-1");
            await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
            var reply = await link.ReadLineAsync(skipEmpty: true, cancellationToken).ConfigureAwait(false);
            var parts = reply.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts[0] == "+FULLRESYNC" && parts.Length == 3 && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                (link._replicationId, link._offset, link.StartedOver) = (parts[1], offset, true);
            }
            else if (parts[0] == "+CONTINUE" && from is { } continued)
            {
                // psync2: a master that took over from another announces its own id; the offsets go on
                (link._replicationId, link._offset, link._database) = (parts.Length > 1 ? parts[1] : continued.ReplicationId, continued.Offset, continued.Database);
                link.StartReading();
            }
            else
            {
                throw new CopyException($"{master.Address} refused to replicate to dcopy: {reply.TrimStart('-', '+')}");
            }
            link.Applied = link._offset;
            return link;
        }
        catch
        {
            await link.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Writes the master's snapshot (an RDB file's bytes) to <paramref name="destination"/> and tells the master it is
    /// loaded, so the command stream follows; returns its length. Only after <see cref="StartedOver"/>.
    /// </summary>
    public async Task<long> ReceiveSnapshotAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        if (!StartedOver)
        {
            throw new InvalidOperationException("the master continues its stream: there is no snapshot");
        }
        // a master sends newlines while it prepares the snapshot
        var header = await ReadLineAsync(skipEmpty: true, cancellationToken).ConfigureAwait(false);
        long written;
        if (header.StartsWith("$EOF:", StringComparison.Ordinal) && header.Length == 5 + MarkLength)
        {
            Diskless = true;
            written = await CopyUntilMarkAsync(destination, Encoding.ASCII.GetBytes(header[5..]), cancellationToken).ConfigureAwait(false);
        }
        else if (header.StartsWith('$') && long.TryParse(header.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            written = await CopyAsync(destination, length, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw new CopyException($"{Master.Address} sent no snapshot: {header.TrimStart('-', '+')}");
        }
        // acknowledged from now on, while the snapshot is loaded too (a diskless master starts the stream on an ACK), and
        // the stream read as it comes
        StartReading();
        return written;
    }

    /// <summary>The next command of the stream, read from the master as needed; valid until the next call.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadCommandAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (TryReadCommand(out var command))
            {
                return command;
            }
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The next command when it has arrived already (no wait); valid until the next read.</summary>
    public bool TryReadCommand(out ReadOnlyMemory<byte> command)
    {
        _start += _returned;
        _returned = 0;
        var length = RespFrame.Length(_buffer.AsSpan(_start, _end - _start));
        if (length <= 0)
        {
            command = default;
            return false;
        }
        if (_buffer[_start] != (byte)'*')
        {
            throw new CopyException($"{Master.Address} sent something other than a command on its replication stream: {RespFrame.Describe(_buffer.AsSpan(_start, length))}");
        }
        _returned = length;
        _offset += length;
        command = _buffer.AsMemory(_start, length);
        return true;
    }

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

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_heartbeat is not null)
        {
            await _heartbeat.ConfigureAwait(false);
        }
        if (_pump is not null)
        {
            await _pump.ConfigureAwait(false);
        }
        await _connection.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _sending.Dispose();
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
                _spool.Writer.TryWrite(_buffer.AsSpan(_start, _end - _start).ToArray());
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
                await _spool.Writer.WriteAsync(buffer.AsSpan(0, read).ToArray(), stop).ConfigureAwait(false);
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

    private async Task<string> ReadLineAsync(bool skipEmpty, CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (_end - _start > 4096)
                {
                    throw new CopyException($"{Master.Address} sent a line of over 4 KB where a replication reply was expected");
                }
                await FillAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            var line = Encoding.ASCII.GetString(_buffer, _start, newline).TrimEnd('\r');
            _start += newline + 1;
            if (line.Length > 0 || !skipEmpty)
            {
                return line;
            }
        }
    }

    /// <summary>Reads more of the stream into the buffer, keeping what is not consumed (grown when a command does not fit).</summary>
    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        if (_pump is null)
        {
            // the handshake and the snapshot: straight from the socket
            _end += await _connection.ReadRawAsync(_buffer.AsMemory(_end), SilenceLimit, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (_pumped.IsEmpty)
        {
            try
            {
                _pumped = await _spool.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (System.Threading.Channels.ChannelClosedException closed) when (closed.InnerException is { } lost)
            {
                // what ended the pump (the link lost, silent too long) is the reader's error
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(lost).Throw();
            }
        }
        var take = Math.Min(_pumped.Length, _buffer.Length - _end);
        _pumped.Span[..take].CopyTo(_buffer.AsSpan(_end));
        _pumped = _pumped[take..];
        _end += take;
    }

    private async Task<long> CopyAsync(Stream destination, long length, CancellationToken cancellationToken)
    {
        var left = length;
        while (left > 0)
        {
            if (_start == _end)
            {
                _start = _end = 0;
                _end = await _connection.ReadRawAsync(_buffer, SilenceLimit, cancellationToken).ConfigureAwait(false);
            }
            var take = (int)Math.Min(left, _end - _start);
            await destination.WriteAsync(_buffer.AsMemory(_start, take), cancellationToken).ConfigureAwait(false);
            _start += take;
            left -= take;
        }
        return length;
    }

    /// <summary>The diskless form: bytes up to the 40-byte mark the header named, which ends them (and is not written).</summary>
    private async Task<long> CopyUntilMarkAsync(Stream destination, byte[] mark, CancellationToken cancellationToken)
    {
        // the last bytes read are held back until the next read shows they are not the mark
        var held = new byte[MarkLength];
        var heldLength = 0;
        long written = 0;
        var window = new byte[MarkLength];
        while (true)
        {
            if (_start == _end)
            {
                _start = _end = 0;
                _end = await _connection.ReadRawAsync(_buffer, SilenceLimit, cancellationToken).ConfigureAwait(false);
            }
            var chunk = _buffer.AsMemory(_start, _end - _start);
            _start = _end;
            var total = heldLength + chunk.Length;
            // the last 40 bytes of what was held and what came
            var fromChunk = Math.Min(MarkLength, chunk.Length);
            var fromHeld = Math.Min(MarkLength - fromChunk, heldLength);
            held.AsSpan(heldLength - fromHeld, fromHeld).CopyTo(window);
            chunk.Span[^fromChunk..].CopyTo(window.AsSpan(fromHeld));
            var ends = fromHeld + fromChunk == MarkLength && window.AsSpan().SequenceEqual(mark);
            var keep = ends ? MarkLength : Math.Min(MarkLength, total);
            var write = total - keep;
            var writeHeld = Math.Min(heldLength, write);
            await destination.WriteAsync(held.AsMemory(0, writeHeld), cancellationToken).ConfigureAwait(false);
            await destination.WriteAsync(chunk[..(write - writeHeld)], cancellationToken).ConfigureAwait(false);
            written += write;
            if (ends)
            {
                return written;
            }
            // held from here: what was held and not written, then the chunk's rest
            var rest = held.AsSpan(writeHeld, heldLength - writeHeld).ToArray();
            rest.CopyTo(held);
            chunk.Span[(write - writeHeld)..].CopyTo(held.AsSpan(rest.Length));
            heldLength = keep;
        }
    }
}
