using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace DistributedCopy.Grains;

/// <summary>
/// Places worker n of a job on silo n mod (number of silos), silos ordered by address, so a job's workers spread evenly
/// even when they are all activated at once (activation-count placement lags behind and piles them on one silo).
/// After a silo dies its workers spread over the rest the same way.
/// </summary>
[GenerateSerializer, Immutable, Alias("dcopy.SpreadPlacement")]
public sealed class SpreadPlacement : PlacementStrategy
{
    public static SpreadPlacement Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SpreadPlacementAttribute() : PlacementAttribute(SpreadPlacement.Instance);

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
