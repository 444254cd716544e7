namespace DistributedCopy.Core.Resilience;

/// <summary>
/// The engine's one retry policy: transient errors (dropped or stalled connections, redirects, a cluster that is failing
/// over or loading) are retried with backoff and jitter under one bounded budget (<see cref="CopyOptions.RetryBudget"/>
/// and <see cref="CopyOptions.MaxRetries"/>); then, or on any other error, the work fails with the last error's text.
/// </summary>
internal static class Retry
{
    /// <summary>
    /// Runs <paramref name="body"/>; after a connection failure or a redirect, closes the connections, waits with backoff
    /// and jitter, re-reads the topology of each side and runs it again.
    /// </summary>
    public static Task RunAsync(CopyOptions options, CopyProgress progress, IReadOnlyList<ShardConnections> sides, Func<int, Task> body, CancellationToken cancellationToken)
    {
        var versions = new int[sides.Count];
        return RunAsync(options, progress, async attempt =>
        {
            for (var i = 0; i < sides.Count; i++)
            {
                await sides[i].SyncAsync().ConfigureAwait(false);
                versions[i] = sides[i].Version;
            }
            await body(attempt).ConfigureAwait(false);
        }, async () =>
        {
            foreach (var side in sides)
            {
                await side.CloseAsync().ConfigureAwait(false);
            }
        }, sides.Select((s, i) => (s.View, (Func<int>)(() => versions[i]))).ToList(), cancellationToken);
    }

    public static Task RunAsync(CopyOptions options, CopyProgress progress, IReadOnlyList<ShardConnections> sides, Func<Task> body, CancellationToken cancellationToken) =>
        RunAsync(options, progress, sides, _ => body(), cancellationToken);

    /// <summary>
    /// The loop itself: <paramref name="reset"/> drops what the failed attempt left (connections out of step), then each
    /// view is re-read unless someone already did since the version the attempt saw.
    /// </summary>
    public static async Task RunAsync(CopyOptions options, CopyProgress progress, Func<int, Task> body, Func<Task> reset,
        IReadOnlyList<(ClusterView View, Func<int> SeenVersion)> views, CancellationToken cancellationToken)
    {
        var started = Environment.TickCount64;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await body(attempt).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (IsTransient(ex, cancellationToken))
            {
                progress.AddError(ex);
                var delay = Delay(attempt);
                var spent = TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
                if (attempt >= options.MaxRetries || spent + delay > options.RetryBudget)
                {
                    throw new RetriesExhaustedException(attempt + 1, spent, ex);
                }
                await reset().ConfigureAwait(false);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                foreach (var (view, seen) in views)
                {
                    try
                    {
                        await view.RefreshAsync(seen(), cancellationToken).ConfigureAwait(false);
                    }
                    catch (RedisConnectException)
                    {
                        // the next attempt fails the same way and is counted; the last one gives the error
                    }
                }
            }
        }
    }

    /// <summary>Worth another try: a dropped, stalled or refused connection, a redirect, or a server failing over or loading.</summary>
    public static bool IsTransient(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && (ex is RedisConnectException or TopologyChangedException or IOException or System.Net.Sockets.SocketException
            || (ex is RedisErrorException error && ServerErrors.IsTransient(error.Message)));

    /// <summary>Exponential from 100 ms, capped at 5 s, with ±50% jitter so pipelines do not retry in step.</summary>
    public static TimeSpan Delay(int attempt)
    {
        var baseMs = Math.Min(5000, 100 * (1 << Math.Min(attempt, 10)));
        return TimeSpan.FromMilliseconds(baseMs * (0.5 + Random.Shared.NextDouble()));
    }
}
