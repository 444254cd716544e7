using System.Collections.Concurrent;
using DistributedCopy.Abstractions;
using DistributedCopy.Core;
using Microsoft.Extensions.Options;

namespace DistributedCopy.Grains;

// WorkerGrain, part 2: what a lease's work is reported as, and stopping it.
public sealed partial class WorkerGrain
{
    private static async Task StopWorkAsync(CancellationTokenSource linked, Task? work)
    {
        if (work is null || work.IsCompleted)
        {
            return;
        }
        await linked.CancelAsync();
        try
        {
            await work;
        }
        catch (Exception)
        {
            // cancelled, or failed while stopping: either way it writes nothing more
        }
    }

    private static List<int> Drain(ConcurrentQueue<int> queue)
    {
        var items = new List<int>();
        while (queue.TryDequeue(out var item))
        {
            items.Add(item);
        }
        return items;
    }

    internal static Counters Snapshot(CopyProgress p) => new(p.KeysCopied, p.BytesCopied, p.KeysSkipped, p.KeysVanished, p.Errors, p.KeysTyped, p.KeysChunked, p.KeysExcluded);

    internal static Counters Minus(Counters a, Counters b) => new(a.Keys - b.Keys, a.Bytes - b.Bytes, a.Skipped - b.Skipped, a.Vanished - b.Vanished, a.Errors - b.Errors, a.Typed - b.Typed, a.Chunked - b.Chunked, a.Excluded - b.Excluded);

    internal static VerifyReport ToReport(VerifyResult r) => new(r.Compared, r.Missing, r.TypeMismatch, r.ValueMismatch, r.TtlDrift, r.Examples) { Extra = r.Extra, Kept = r.Kept };
}
