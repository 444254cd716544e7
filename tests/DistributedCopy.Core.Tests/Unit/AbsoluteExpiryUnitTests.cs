using System.Text;
using DistributedCopy.Core.Replication;

namespace DistributedCopy.Core.Tests.Unit;

/// <summary>An older master's relative expiries, as its stream carries them, made absolute from when dcopy received them.</summary>
public sealed class AbsoluteExpiryUnitTests
{
    private const long Received = 1_700_000_000_000;

    public static TheoryData<string, string?> Commands => new()
    {
        { "EXPIRE k 60", "PEXPIREAT k 1700000060000" },
        { "expire k 60 NX", "PEXPIREAT k 1700000060000 NX" },
        { "PEXPIRE k 1500", "PEXPIREAT k 1700000001500" },
        { "SETEX k 10 v", "SET k v PXAT 1700000010000" },
        { "PSETEX k 250 v", "SET k v PXAT 1700000000250" },
        { "SET k v EX 5", "SET k v PXAT 1700000005000" },
        { "SET k v NX PX 700 GET", "SET k v NX PXAT 1700000000700 GET" },
        { "GETEX k EX 2", "GETEX k PXAT 1700000002000" },
        { "RESTORE k 3000 payload REPLACE", "RESTORE k 1700000003000 payload REPLACE ABSTTL" },
        // already absolute (Redis 7 masters), or nothing to change
        { "SET k v PXAT 1700000009999", null },
        { "PEXPIREAT k 1700000009999", null },
        { "RESTORE k 1700000009999 payload ABSTTL", null },
        { "RESTORE k 0 payload", null },
        { "SET k v", null },
        { "SET k v KEEPTTL", null },
        { "GETEX k PERSIST", null },
        { "EXPIRE k notanumber", null },
        { "INCR k", null },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void ARelativeExpiryBecomesAbsoluteFromWhenItCame(string command, string? expected)
    {
        var rewritten = AbsoluteExpiry.Rewrite(Resp(command), Received);
        Assert.Equal(expected is null ? null : Encoding.ASCII.GetString(Resp(expected)), rewritten is null ? null : Encoding.ASCII.GetString(rewritten));
    }

    private static byte[] Resp(string command)
    {
        var writer = new RespWriter(256);
        writer.Command(command.Split(' '));
        return writer.Written.ToArray();
    }
}
