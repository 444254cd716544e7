using System.Text;

namespace DistributedCopy.Core.Replication;

/// <summary>
/// Applies a <see cref="ReplicationLink"/>'s command stream to one standalone target, in order and pipelined, each command
/// as the master sent it (SELECT, MULTI/EXEC, expiries as the master made them absolute). The master's PINGs and REPLCONFs
/// are the link's own: a GETACK is answered with the offset applied. An offset counts as applied (<see cref="Applied"/>,
/// and the master's ACK) once the target has answered every command up to it.
/// </summary>
public sealed class ReplicationApplier(ReplicationLink link, RespConnection target)
{
    /// <summary>Commands a pipeline to the target holds at most (or 1 MB of them).</summary>
    private const int PipelineCommands = 1000;

    private long _applied = link.Position.Offset;
    private long _commands;
    private long _errors;

    /// <summary>The master's offset up to which the target has answered every command.</summary>
    public long Applied => Volatile.Read(ref _applied);

    /// <summary>Commands written to the target (the link's own PINGs and REPLCONFs not counted).</summary>
    public long Commands => Volatile.Read(ref _commands);

    /// <summary>Commands the target answered with an error; the last one in <see cref="LastError"/>.</summary>
    public long Errors => Volatile.Read(ref _errors);

    public string? LastError { get; private set; }

    /// <summary>
    /// Applies the stream until <paramref name="cancellationToken"/> ends it (between two pipelines) or the link or the
    /// target fails. A target that fails in the middle of a pipeline leaves the commands after <see cref="Applied"/>
    /// perhaps applied: resuming from there may apply some of them twice.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var writer = new RespWriter();
        while (true)
        {
            var asked = Add(writer, (await link.ReadCommandAsync(cancellationToken).ConfigureAwait(false)).Span);
            while (writer.Commands < PipelineCommands && writer.Length < 1 << 20 && link.TryReadCommand(out var next))
            {
                asked |= Add(writer, next.Span);
            }
            var sent = writer.Commands;
            if (sent > 0)
            {
                // not cancelled halfway: a stop comes between pipelines, so the offset applied is exactly what the target holds
                // (the target's deadline still bounds the wait)
                await target.SendAsync(writer, CancellationToken.None).ConfigureAwait(false);
                for (var i = 0; i < sent; i++)
                {
                    await target.ReadFrameAsync(CancellationToken.None).ConfigureAwait(false);
                    if (RespFrame.IsError(target.Frame))
                    {
                        LastError = RespFrame.ErrorText(target.Frame);
                        Interlocked.Increment(ref _errors);
                    }
                }
                writer.Clear();
                Interlocked.Add(ref _commands, sent);
            }
            Volatile.Write(ref _applied, link.Position.Offset);
            // the link acknowledges every second; a GETACK is answered at once
            link.Applied = Applied;
            if (asked)
            {
                await link.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Adds a command for the target, unless it is the link's own; true for a GETACK (the master asks for an ACK).</summary>
    private static bool Add(RespWriter writer, ReadOnlySpan<byte> command)
    {
        var parts = RespFrame.Array(command);
        if (parts.Count > 0 && RespFrame.TryBulk(parts.Next(), out var name))
        {
            if (name.Length == 4 && Ascii.EqualsIgnoreCase(name, "PING"u8))
            {
                return false;
            }
            if (name.Length == 8 && Ascii.EqualsIgnoreCase(name, "REPLCONF"u8))
            {
                return parts.Count > 1 && RespFrame.TryBulk(parts.Next(), out var sub) && Ascii.EqualsIgnoreCase(sub, "GETACK"u8);
            }
        }
        writer.Raw(command);
        return false;
    }
}
