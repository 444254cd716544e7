namespace DistributedCopy.Core.Tests.Unit;

/// <summary>
/// The pool of big buffers: an array goes back to it only if it was rented from it, and only once, so no two owners ever
/// write the same memory (a writer whose own initial buffer was over 1 MB once put it in the pool on every Clear, and a
/// connection then read replies into the array the writer was filling).
/// </summary>
public sealed class LargeBuffersUnitTests
{
    [Fact]
    public void AnOwnersOwnBigInitialArrayNeverGoesToThePool()
    {
        var initial = new byte[2 * 1024 * 1024];
        var writer = initial;
        for (var i = 0; i < 10; i++)
        {
            LargeBuffers.Shrink(ref writer, initial);
        }
        Assert.Same(initial, writer);

        var rented = new List<byte[]>();
        for (var i = 0; i < 10; i++)
        {
            var buffer = new byte[16];
            LargeBuffers.Grow(ref buffer, 0, 2 * 1024 * 1024);
            rented.Add(buffer);
        }
        Assert.DoesNotContain(rented, b => ReferenceEquals(b, initial));
        Assert.Equal(rented.Count, rented.Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    [Fact]
    public void ARentedArrayGoesBackOnceHoweverOftenItIsReleased()
    {
        var small = new byte[16];
        var buffer = small;
        LargeBuffers.Grow(ref buffer, 0, 3 * 1024 * 1024);
        var big = buffer;
        LargeBuffers.Shrink(ref buffer, small);
        var again = big;
        LargeBuffers.Shrink(ref again, small);

        var first = new byte[16];
        var second = new byte[16];
        LargeBuffers.Grow(ref first, 0, 3 * 1024 * 1024);
        LargeBuffers.Grow(ref second, 0, 3 * 1024 * 1024);
        Assert.NotSame(first, second);
    }
}
