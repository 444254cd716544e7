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
public sealed partial class ReplicationLink : IAsyncDisposable
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
    private readonly System.Threading.Channels.Channel<(byte[] Data, long At)> _spool = System.Threading.Channels.Channel.CreateBounded<(byte[] Data, long At)>(
        new System.Threading.Channels.BoundedChannelOptions(SpoolChunks) { SingleReader = true, SingleWriter = true });
    private long _applied;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _returned;
    private string _replicationId = "";
    private long _offset;
    private long _received;
    private long _receivedAt;
    private long _heardAt = Environment.TickCount64;

    private ReplicationLink(RespConnection connection) => _connection = connection;

    /// <summary>
    /// The master's replication id and the offset of the stream's last byte read (the last command returned); the database
    /// is the applier's to follow (<see cref="ReplicationApplier.Database"/>).
    /// </summary>
    public ReplicationPosition Position => new(_replicationId, _offset, _database);

    private int _database;

    /// <summary>
    /// When (Unix ms) the bytes of the command last read came from the master (the latest read they were part of): a
    /// relative expiry counts from there (<see cref="AbsoluteExpiry"/>).
    /// </summary>
    public long ReceivedAtMs => Interlocked.Read(ref _receivedAt) is var at and > 0 ? at : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

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
                var chunk = await _spool.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                (_pumped, _receivedAt) = (chunk.Data, chunk.At);
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
}
