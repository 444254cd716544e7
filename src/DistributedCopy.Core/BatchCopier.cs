using System.Net.Sockets;
using DistributedCopy.Core.Resp;

namespace DistributedCopy.Core;

/// <summary>
/// One pipeline: reads a batch with pipelined DUMP+PTTL from the source masters and writes it with pipelined RESTORE to the
/// target masters that own each key's slot. Connection failures and redirects re-read the topology and retry the batch;
/// keys already written are not written again.
/// </summary>
internal sealed class BatchCopier(ClusterView source, ClusterView target, CopyOptions options, CopyProgress progress) : IAsyncDisposable
{
    private readonly ShardConnections _source = new(source);
    private readonly ShardConnections _target = new(target);
    private int[] _route = new int[options.BatchSize];

    public async Task CopyAsync(KeyBatch batch, CancellationToken cancellationToken)
    {
        if (_route.Length < batch.Count)
        {
            _route = new int[batch.Count];
        }
        var read = false;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _source.SyncAsync().ConfigureAwait(false);
                await _target.SyncAsync().ConfigureAwait(false);
                if (!read)
                {
                    if (options.BeforeReadHook is { } hook)
                    {
                        await hook(Enumerable.Range(0, batch.Count).Select(i => batch.Key(i).ToArray()).ToList()).ConfigureAwait(false);
                    }
                    await ReadAsync(batch, cancellationToken).ConfigureAwait(false);
                    read = true;
                }
                await WriteAsync(batch, retried: attempt > 0, cancellationToken).ConfigureAwait(false);
                Commit(batch);
                return;
            }
            catch (Exception ex) when (IsTransient(ex, cancellationToken) && attempt < options.MaxRetries)
            {
                progress.AddError();
                var sourceVersion = _source.Version;
                var targetVersion = _target.Version;
                await _source.CloseAsync().ConfigureAwait(false);
                await _target.CloseAsync().ConfigureAwait(false);
                await Task.Delay(Backoff.Delay(attempt), cancellationToken).ConfigureAwait(false);
                await RefreshQuietlyAsync(_source.View, sourceVersion, cancellationToken).ConfigureAwait(false);
                await RefreshQuietlyAsync(_target.View, targetVersion, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync().ConfigureAwait(false);
        await _target.DisposeAsync().ConfigureAwait(false);
    }

    internal static bool IsTransient(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && ex is RedisConnectException or TopologyChangedException or IOException or SocketException
            or RedisErrorException { Code: "LOADING" or "TRYAGAIN" or "CLUSTERDOWN" or "MASTERDOWN" or "READONLY" };

    private static async Task RefreshQuietlyAsync(ClusterView view, int seenVersion, CancellationToken cancellationToken)
    {
        try
        {
            await view.RefreshAsync(seenVersion, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisConnectException)
        {
            // the next attempt fails the same way and is counted; the last one gives the error
        }
    }

    private async Task ReadAsync(KeyBatch batch, CancellationToken cancellationToken)
    {
        var topology = _source.Topology;
        batch.ClearPayloads();
        for (var i = 0; i < batch.Count; i++)
        {
            var shard = topology.IsCluster ? topology.ShardIndexOf(batch.Slot[i]) : 0;
            if (shard < 0)
            {
                throw new TopologyChangedException($"no source master serves slot {batch.Slot[i]}");
            }
            _route[i] = shard;
            _source.Writer(shard).Command(2).Bulk("DUMP"u8).Bulk(batch.Key(i)).Command(2).Bulk("PTTL"u8).Bulk(batch.Key(i));
        }
        await _source.SendAllAsync(cancellationToken).ConfigureAwait(false);
        string? redirect = null;
        for (var shard = 0; shard < topology.Shards.Count; shard++)
        {
            if (!_source.HasCommands(shard))
            {
                continue;
            }
            var connection = await _source.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                if (_route[i] != shard)
                {
                    continue;
                }
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                var dump = connection.Frame;
                var vanished = false;
                if (RespFrame.IsError(dump))
                {
                    redirect ??= RespFrame.ErrorText(dump);
                }
                else if (!RespFrame.TryBulk(dump, out var payload))
                {
                    vanished = true;
                }
                else
                {
                    batch.SetPayload(i, payload);
                }
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                var ttl = connection.Frame;
                if (RespFrame.IsError(ttl))
                {
                    redirect ??= RespFrame.ErrorText(ttl);
                    continue;
                }
                var pttl = RespFrame.Integer(ttl);
                batch.Ttl[i] = vanished || pttl == KeyBatch.Vanished ? KeyBatch.Vanished : pttl;
            }
        }
        _source.ClearWriters();
        batch.ReadAt = Environment.TickCount64;
        if (redirect is not null)
        {
            throw Classify(redirect, "source");
        }
    }

    private async Task WriteAsync(KeyBatch batch, bool retried, CancellationToken cancellationToken)
    {
        var topology = _target.Topology;
        var elapsed = Environment.TickCount64 - batch.ReadAt;
        var replace = options.Policy == OverwritePolicy.Replace;
        for (var i = 0; i < batch.Count; i++)
        {
            _route[i] = -1;
            if (batch.State[i] != KeyState.Pending)
            {
                continue;
            }
            var ttl = batch.Ttl[i];
            if (ttl == KeyBatch.Vanished || (ttl >= 0 && ttl - elapsed <= 0))
            {
                // gone before it was read, or expired while in flight: RESTORE with TTL 0 would make it immortal
                batch.State[i] = KeyState.Vanished;
                continue;
            }
            var payload = batch.Payload(i);
            RdbVersions.EnsureRestorable(payload, topology);
            var shard = topology.IsCluster ? topology.ShardIndexOf(batch.Slot[i]) : 0;
            if (shard < 0)
            {
                throw new TopologyChangedException($"no target master serves slot {batch.Slot[i]}");
            }
            _route[i] = shard;
            var writer = _target.Writer(shard).Command(replace ? 5 : 4).Bulk("RESTORE"u8).Bulk(batch.Key(i)).Bulk(ttl < 0 ? 0 : ttl - elapsed).Bulk(payload);
            if (replace)
            {
                writer.Bulk("REPLACE"u8);
            }
        }
        await _target.SendAllAsync(cancellationToken).ConfigureAwait(false);
        Exception? failure = null;
        string? redirect = null;
        for (var shard = 0; shard < topology.Shards.Count; shard++)
        {
            if (!_target.HasCommands(shard))
            {
                continue;
            }
            var connection = await _target.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                if (_route[i] != shard)
                {
                    continue;
                }
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                var reply = connection.Frame;
                if (!RespFrame.IsError(reply))
                {
                    batch.State[i] = KeyState.Copied;
                    continue;
                }
                var text = RespFrame.ErrorText(reply);
                if (text.StartsWith("BUSYKEY", StringComparison.Ordinal))
                {
                    if (options.Policy == OverwritePolicy.SkipExisting || retried || options.Resuming)
                    {
                        batch.State[i] = KeyState.Skipped;
                    }
                    else
                    {
                        failure ??= new TargetKeyExistsException(KeyText.Printable(batch.Key(i)));
                    }
                }
                else if (text.StartsWith("OOM", StringComparison.Ordinal))
                {
                    failure ??= new TargetOutOfMemoryException(text);
                }
                else if (RdbVersions.ExplainRestoreError(text, batch.Key(i), batch.Payload(i), topology) is { } explained)
                {
                    failure ??= explained;
                }
                else if (Classify(text, "target") is TopologyChangedException or RedisErrorException { Code: "LOADING" or "TRYAGAIN" or "CLUSTERDOWN" or "MASTERDOWN" or "READONLY" })
                {
                    redirect ??= text;
                }
                else
                {
                    failure ??= new CopyException($"RESTORE of key {KeyText.Printable(batch.Key(i))} failed at {topology.Shards[shard].Master.Address}: {text}");
                }
            }
        }
        _target.ClearWriters();
        if (failure is not null)
        {
            throw failure;
        }
        if (redirect is not null)
        {
            throw Classify(redirect, "target");
        }
    }

    private static Exception Classify(string errorText, string side) =>
        errorText.StartsWith("MOVED ", StringComparison.Ordinal) || errorText.StartsWith("ASK ", StringComparison.Ordinal)
            ? new TopologyChangedException($"the {side} redirected: {errorText}")
            : new RedisErrorException(errorText);

    private void Commit(KeyBatch batch)
    {
        long copied = 0, bytes = 0, skipped = 0, vanished = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            switch (batch.State[i])
            {
                case KeyState.Copied:
                    copied++;
                    bytes += batch.PayloadLength[i];
                    break;
                case KeyState.Skipped:
                    skipped++;
                    break;
                case KeyState.Vanished:
                    vanished++;
                    break;
            }
        }
        progress.AddBatch(copied, bytes, skipped, vanished);
    }
}

/// <summary>A MOVED or ASK redirect, or a slot no master serves: re-read the topology and retry.</summary>
internal sealed class TopologyChangedException(string message) : Exception(message);

internal static class Backoff
{
    /// <summary>Exponential from 100 ms, capped at 5 s, with ±50% jitter so pipelines do not retry in step.</summary>
    public static TimeSpan Delay(int attempt)
    {
        var baseMs = Math.Min(5000, 100 * (1 << Math.Min(attempt, 10)));
        return TimeSpan.FromMilliseconds(baseMs * (0.5 + Random.Shared.NextDouble()));
    }
}
