using Orleans.Runtime.Placement;

namespace DistributedCopy.Grains;

public sealed class SpreadPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target).OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        var key = target.GrainIdentity.Key.ToString() ?? "";
        var slash = key.LastIndexOf('/');
        var index = slash >= 0 && int.TryParse(key[(slash + 1)..], out var n) ? n : key.GetHashCode(StringComparison.Ordinal) & int.MaxValue;
        return Task.FromResult(silos[index % silos.Length]);
    }
}
