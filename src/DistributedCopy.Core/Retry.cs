using DistributedCopy.Core.Resp;

namespace DistributedCopy.Core;

/// <summary>A pipeline's work on one batch: copy it, or verify it.</summary>
internal interface IBatchProcessor : IAsyncDisposable
{
    Task ProcessAsync(KeyBatch batch, CancellationToken cancellationToken);
}

internal static class Retry
{
    /// <summary>
    /// Runs <paramref name="body"/>; after a connection failure or a redirect, closes the connections, waits with backoff
    /// and jitter, re-reads the topology of each side and runs it again, up to <see cref="CopyOptions.MaxRetries"/> times.
    /// </summary>
    public static async Task RunAsync(CopyOptions options, CopyProgress progress, IReadOnlyList<ShardConnections> sides, Func<int, Task> body, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                foreach (var side in sides)
                {
                    await side.SyncAsync().ConfigureAwait(false);
                }
                await body(attempt).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (IsTransient(ex, cancellationToken) && attempt < options.MaxRetries)
            {
                progress.AddError();
                var versions = sides.Select(s => s.Version).ToList();
                foreach (var side in sides)
                {
                    await side.CloseAsync().ConfigureAwait(false);
                }
                await Task.Delay(Delay(attempt), cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < sides.Count; i++)
                {
                    try
                    {
                        await sides[i].View.RefreshAsync(versions[i], cancellationToken).ConfigureAwait(false);
                    }
                    catch (RedisConnectException)
                    {
                        // the next attempt fails the same way and is counted; the last one gives the error
                    }
                }
            }
        }
    }

    public static Task RunAsync(CopyOptions options, CopyProgress progress, IReadOnlyList<ShardConnections> sides, Func<Task> body, CancellationToken cancellationToken) =>
        RunAsync(options, progress, sides, _ => body(), cancellationToken);

    public static bool IsTransient(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && ex is RedisConnectException or TopologyChangedException or IOException or System.Net.Sockets.SocketException
            or RedisErrorException { Code: "LOADING" or "TRYAGAIN" or "CLUSTERDOWN" or "MASTERDOWN" or "READONLY" };

    /// <summary>Exponential from 100 ms, capped at 5 s, with ±50% jitter so pipelines do not retry in step.</summary>
    public static TimeSpan Delay(int attempt)
    {
        var baseMs = Math.Min(5000, 100 * (1 << Math.Min(attempt, 10)));
        return TimeSpan.FromMilliseconds(baseMs * (0.5 + Random.Shared.NextDouble()));
    }
}
