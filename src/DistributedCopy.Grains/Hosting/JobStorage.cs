using DistributedCopy.Core;

namespace DistributedCopy.Grains;

public static class JobStorage
{
    /// <summary>The grain storage the coordinator persists to: Redis on the control server, or files in embedded mode.</summary>
    public const string Name = "dcopy";
}
