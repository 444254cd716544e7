using System.Text.Json;
using DistributedCopy.Core;

namespace DistributedCopy.Bench;

internal sealed record CopyFigures(long Keys, long Bytes, long Vanished, long Errors, double WallSeconds, double CpuSeconds, long PeakRssBytes)
{
    public double KeysPerSecond => Keys / WallSeconds;

    public double MegabytesPerSecond => Bytes / WallSeconds / 1e6;

    public double CpuMicrosPerKey => Keys == 0 ? 0 : CpuSeconds * 1e6 / Keys;
}
