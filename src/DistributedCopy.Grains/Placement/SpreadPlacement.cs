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
