using System.Globalization;

namespace DistributedCopy.Core.Cluster;

/// <summary>A contiguous, inclusive range of hash slots.</summary>
public readonly record struct SlotRange(int Start, int End)
{
    public int Count => End - Start + 1;

    public bool Contains(int slot) => slot >= Start && slot <= End;

    public override string ToString() => Start == End ? Start.ToString(CultureInfo.InvariantCulture) : $"{Start}-{End}";
}
