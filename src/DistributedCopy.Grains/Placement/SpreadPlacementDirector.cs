using DistributedCopy.Abstractions;
using Orleans.Runtime.Placement;

namespace DistributedCopy.Grains;

public sealed class SpreadPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target).OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        var key = target.GrainIdentity.Key.ToString() ?? "";
        // worker i of a job goes to silo i (modulo); any other key by its hash
        var index = WorkerKey.TryParse(key, out var worker) ? worker.Index : key.GetHashCode(StringComparison.Ordinal) & int.MaxValue;
        return Task.FromResult(silos[index % silos.Length]);
    }
}
