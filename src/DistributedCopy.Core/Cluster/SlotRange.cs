using System.Globalization;

namespace DistributedCopy.Core.Cluster;

/// <summary>A contiguous, inclusive range of hash slots.</summary>
public readonly record struct SlotRange(int Start, int End)
{
    public int Count => End - Start + 1;

    public bool Contains(int slot) => slot >= Start && slot <= End;

    /// <summary>The slots as the fewest ranges (sorted; neighbours joined).</summary>
    public static List<SlotRange> Of(IEnumerable<int> slots)
    {
        var ranges = new List<SlotRange>();
        foreach (var slot in slots.Order())
        {
            if (ranges.Count > 0 && ranges[^1].End == slot - 1)
            {
                ranges[^1] = ranges[^1] with { End = slot };
            }
            else
            {
                ranges.Add(new SlotRange(slot, slot));
            }
        }
        return ranges;
    }

    public override string ToString() => Start == End ? Start.ToString(CultureInfo.InvariantCulture) : $"{Start}-{End}";
}
