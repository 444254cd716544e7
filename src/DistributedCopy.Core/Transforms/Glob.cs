namespace DistributedCopy.Core.Transforms;

/// <summary>
/// Redis's glob (as KEYS, SCAN MATCH and PSUBSCRIBE read it), over bytes: <c>*</c> any run, <c>?</c> one byte,
/// <c>[abc]</c>, <c>[^abc]</c>, <c>[a-z]</c> one of a set, <c>\x</c> the byte x itself. Binary-safe.
/// </summary>
public static class Glob
{
    public static bool Matches(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> key)
    {
        // iterative, remembering the last star: linear in most patterns, never exponential
        int p = 0, k = 0, starP = -1, starK = 0;
        while (k < key.Length)
        {
            if (p < pattern.Length && pattern[p] == (byte)'*')
            {
                starP = ++p;
                starK = k;
                continue;
            }
            if (p < pattern.Length && One(pattern, ref p, key[k]))
            {
                k++;
                continue;
            }
            if (starP < 0)
            {
                return false;
            }
            // let the last star take one byte more
            p = starP;
            k = ++starK;
        }
        while (p < pattern.Length && pattern[p] == (byte)'*')
        {
            p++;
        }
        return p == pattern.Length;
    }

    /// <summary>Whether the pattern element at <paramref name="p"/> matches <paramref name="c"/>; on a match, moves past it.</summary>
    private static bool One(ReadOnlySpan<byte> pattern, ref int p, byte c)
    {
        switch (pattern[p])
        {
            case (byte)'?':
                p++;
                return true;
            case (byte)'[':
                return Set(pattern, ref p, c);
            case (byte)'\\' when p + 1 < pattern.Length:
                if (pattern[p + 1] != c)
                {
                    return false;
                }
                p += 2;
                return true;
            default:
                if (pattern[p] != c)
                {
                    return false;
                }
                p++;
                return true;
        }
    }

    private static bool Set(ReadOnlySpan<byte> pattern, ref int p, byte c)
    {
        var i = p + 1;
        var negate = i < pattern.Length && pattern[i] == (byte)'^';
        if (negate)
        {
            i++;
        }
        var matched = false;
        while (i < pattern.Length && pattern[i] != (byte)']')
        {
            if (pattern[i] == (byte)'\\' && i + 1 < pattern.Length)
            {
                matched |= pattern[i + 1] == c;
                i += 2;
            }
            else if (i + 2 < pattern.Length && pattern[i + 1] == (byte)'-' && pattern[i + 2] != (byte)']')
            {
                var (low, high) = pattern[i] <= pattern[i + 2] ? (pattern[i], pattern[i + 2]) : (pattern[i + 2], pattern[i]);
                matched |= c >= low && c <= high;
                i += 3;
            }
            else
            {
                matched |= pattern[i] == c;
                i++;
            }
        }
        // an unclosed '[' ends the pattern (as Redis reads it)
        if (matched == negate)
        {
            return false;
        }
        p = i < pattern.Length ? i + 1 : i;
        return true;
    }
}
