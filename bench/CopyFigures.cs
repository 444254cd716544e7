using System.Text.Json;
using DistributedCopy.Core;

namespace DistributedCopy.Bench;

internal sealed record CopyFigures(long Keys, long Bytes, long Vanished, long Errors, double WallSeconds, double CpuSeconds, long PeakRssBytes)
{
    public double KeysPerSecond => Keys / WallSeconds;

    public double MegabytesPerSecond => Bytes / WallSeconds / 1e6;

    public double CpuMicrosPerKey => Keys == 0 ? 0 : CpuSeconds * 1e6 / Keys;

    /// <summary>The CPU the source's and the target's servers spent during the copy (from /proc), in seconds; 0 when not measured.</summary>
    public double ServerCpuSeconds { get; init; }

    public double ServerMicrosPerKey => Keys == 0 ? 0 : ServerCpuSeconds * 1e6 / Keys;
}
