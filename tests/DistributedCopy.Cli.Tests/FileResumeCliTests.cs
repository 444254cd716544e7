using System.Text;
using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// An RDB load is a job with checkpoints (positions in the file): killed, it resumes where its checkpoint is rather than at
/// the start; a key whose bytes are damaged stops it with every key before the damage written, and a resume goes on there.
/// </summary>
public sealed class FileResumeCliTests
{
    [RedisFact]
    public async Task AFileLoadKilledMidFileResumesFromItsPositionAndEndsIdentical()
    {
        await using var source = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.1).LoadAsync(source.Endpoint);
        var file = await source.SaveToFileAsync();
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var state = Dcopy.StateDir();

        // a key per batch, one pipeline: slow enough to be killed in the middle of the file, after a few checkpoints (a second each)
        using (var load = Dcopy.Start("copy", "--source", "rdb:" + file, "--target", Dcopy.Address(target), "--job-id", "rdbkill", "--state-dir", state,
            "--batch-size", "1", "--pipelines", "1", "--progress", "none"))
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            var started = DateTime.UtcNow;
            while ((await KeyCounter.DbSizeAsync(target.Endpoint) < report.Total / 3 || DateTime.UtcNow - started < TimeSpan.FromSeconds(4)) && DateTime.UtcNow < deadline && !load.HasExited)
            {
                await Task.Delay(100);
            }
            Assert.False(load.HasExited, "the load ended before it could be killed");
            load.Kill();
            await load.WaitForExitAsync();
        }
        var atKill = await KeyCounter.DbSizeAsync(target.Endpoint);
        Assert.InRange(atKill, report.Total / 3, report.Total - 1);

        var resumed = await Dcopy.RunAsync("resume", "rdbkill", "--state-dir", state, "--json", "--progress", "none");
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.ToString());
        Assert.Equal("completed", resumed.Json.GetProperty("phase").GetString());
        // each key of the file counted once over both runs
        Assert.Equal(report.Total, resumed.Json.GetProperty("keysCopied").GetInt64());
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, ttlToleranceMs: 2000);
        Assert.True(comparison.Identical, comparison.ToString());
        // the resume sought its position: a load started over would have restored every key killed-in-time once more
        var restores = await RestoresAsync(target);
        Assert.True(restores >= report.Total && restores < report.Total + atKill - 1000, $"{restores:N0} RESTOREs for {report.Total:N0} keys, {atKill:N0} written when killed; {resumed}");
    }

    [RedisFact]
    public async Task ADamagedKeyMidFilePausesWithEveryEarlierKeyWrittenAndTheRepairedFileResumes()
    {
        // a file saved without a checksum: damage shows only where the reader meets it
        await using var source = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = ["rdbchecksum no"] });
        var report = await new StandardDataSet(0.05).LoadAsync(source.Endpoint);
        var file = await source.SaveToFileAsync();
        var original = await File.ReadAllBytesAsync(file);
        var damageAt = TypeByteOfAHashKeyAfter(original, original.Length / 2);
        var damaged = (byte[])original.Clone();
        damaged[damageAt] = 0x30;
        await File.WriteAllBytesAsync(file, damaged);

        // what a correct load stops with: the file up to the damaged key, ended there, as redis-server itself loads it
        await using var before = await RedisServer.StartOnFileAsync([.. original.AsSpan(0, damageAt), 0xFF, 0, 0, 0, 0, 0, 0, 0, 0]);

        await using var target = await RedisCluster.StartAsync(masters: 3);
        var state = Dcopy.StateDir();
        var load = await Dcopy.RunAsync("copy", "--source", "rdb:" + file, "--target", Dcopy.Address(target), "--job-id", "rdbdamage", "--state-dir", state,
            "--batch-size", "50", "--json", "--progress", "none");
        Assert.True(load.ExitCode == ExitCodes.JobFailed, load.ToString());
        Assert.Equal("paused", load.Json.GetProperty("phase").GetString());
        Assert.Contains($"at byte {damageAt:N0}", load.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        var partial = await DataComparer.CompareAsync(before.Endpoint, target.Endpoint, ttlToleranceMs: 2000);
        Assert.True(partial.Identical, partial.ToString());
        var written = await KeyCounter.DbSizeAsync(target.Endpoint);
        var restoredBefore = await RestoresAsync(target);

        // the file repaired (the same file: size, first MB and end unchanged), the resume goes on from the damaged key
        await File.WriteAllBytesAsync(file, original);
        var resumed = await Dcopy.RunAsync("resume", "rdbdamage", "--state-dir", state, "--json", "--progress", "none");
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.ToString());
        var whole = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, ttlToleranceMs: 2000);
        Assert.True(whole.Identical, whole.ToString());
        // the resume restored only the keys from the damaged one on (and probed RESTORE once as it opened the target)
        Assert.InRange(await RestoresAsync(target) - restoredBefore, report.Total - written, report.Total - written + 2);
    }

    /// <summary>Where a key "hash:…" (13 bytes, a listpack hash, type 16) starts after <paramref name="from"/>: its type byte.</summary>
    private static int TypeByteOfAHashKeyAfter(byte[] file, int from)
    {
        var pattern = new byte[] { 13 }.Concat(Encoding.ASCII.GetBytes("hash:")).ToArray();
        for (var at = file.AsSpan(from).IndexOf(pattern) + from; at > from; at = file.AsSpan(at + 1).IndexOf(pattern) + at + 1)
        {
            if (file[at - 1] == 16)
            {
                return at - 1;
            }
        }
        throw new InvalidOperationException("no hash key in the second half of the file");
    }

    private static Task<long> RestoresAsync(RedisCluster target) => target.SucceededCallsAsync("restore");
}
