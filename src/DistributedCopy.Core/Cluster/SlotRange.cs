using System.Globalization;

namespace DistributedCopy.Core.Cluster;

/// <summary>A contiguous, inclusive range of hash slots.</summary>
public readonly record struct SlotRange(int Start, int End)
{
    public int Count => End - Start + 1;

    public bool Contains(int slot) => slot >= Start && slot <= End;

    /// <summary>Every slot of <paramref name="ranges"/>, in order.</summary>
    public static IEnumerable<int> Each(IEnumerable<SlotRange> ranges) => ranges.SelectMany(r => Enumerable.Range(r.Start, r.Count));

    /// <summary>One flag per bucket (<paramref name="buckets"/>, a cluster's 16384 slots by default), set for the slots of <paramref name="ranges"/>.</summary>
    public static bool[] Mask(IEnumerable<SlotRange> ranges, int buckets = HashSlot.Count)
    {
        var mask = new bool[buckets];
        foreach (var range in ranges)
        {
            Array.Fill(mask, true, range.Start, range.Count);
        }
        return mask;
    }

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
