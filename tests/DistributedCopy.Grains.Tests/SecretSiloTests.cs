using DistributedCopy.Abstractions;
using DistributedCopy.Testing;

namespace DistributedCopy.Grains.Tests;

/// <summary>
/// Job specs on a silo cluster hold password references; each silo resolves them from its own environment or files, and
/// the control Redis never sees a password. This test process never has the passwords in its environment.
/// </summary>
public sealed class SecretSiloTests
{
    /// <summary>Commas, '@', ':', a space and '%': what breaks naive parsers; distinctive pieces to look for.</summary>
    private const string Password = "Kp3Zt,Vn8@Lq:Rw5 Yd%";

    private const string SourceVariable = "DCOPY_TEST_SILO_SOURCE_SECRET";

    private const string TargetVariable = "DCOPY_TEST_SILO_TARGET_SECRET";

    private static readonly string[] _fragments = [Password, "Kp3Zt", "Vn8@Lq", "Lq:Rw5", "Rw5 Yd", "Kp3Zt%2C", "Vn8%40"];

    private static readonly StandardDataSet _data = new(0.005);

    [RedisFact]
    public async Task ThePasswordsComeOnlyFromEachSilosEnvironmentAndFilesAndTheControlRedisNeverHoldsThem()
    {
        Assert.Null(Environment.GetEnvironmentVariable(SourceVariable));
        await using var control = await RedisServer.StartAsync();
        await using var source = await RedisServer.StartAsync(new RedisServerOptions { Password = Password });
        await using var target = await RedisServer.StartAsync(new RedisServerOptions { Password = Password });
        var report = await _data.LoadAsync(source.Endpoint);
        var file = Path.Combine(Path.GetTempPath(), "dcopy-tests", "silo-secret-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, Password + "\n");
        var clusterId = "s" + Guid.NewGuid().ToString("N")[..8];
        var environment = new Dictionary<string, string> { [SourceVariable] = Password };
        var silos = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => SiloProcess.StartAsync(control, clusterId, environment)));
        try
        {
            await using var client = await JobClient.ConnectAsync(control, clusterId);
            var spec = new JobSpec("secret-refs", JobKind.Copy,
                Endpoints.FromCore(source.Endpoint, PasswordReference.FromEnvironment(SourceVariable)),
                Endpoints.FromCore(target.Endpoint, PasswordReference.FromFile(file))) { VerifyAfterCopy = true };
            Assert.Null(spec.Source.Password);
            await client.Job(spec.JobId).StartAsync(spec);

            var done = await client.WaitAsync(spec.JobId, s => s.IsFinished || s.Phase == JobPhase.Paused, TimeSpan.FromSeconds(120));

            Assert.True(done.Phase == JobPhase.Completed, done.Message);
            Assert.Equal(report.Total, done.Verify!.Compared);
            Assert.Equal(0, done.Verify.Differences);
            Assert.Equal(await KeyCounter.DbSizeAsync(source.Endpoint), await KeyCounter.DbSizeAsync(target.Endpoint));
            Assert.Equal(report.ByType, await KeyCounter.CountByTypeAsync(target.Endpoint));
            var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
            Assert.True(comparison.Identical, comparison.ToString());
            Assert.Empty(await SecretScanner.ScanRedisAsync(control.Endpoint, _fragments));
            // the scan reads stored values: it finds the references the spec holds instead
            Assert.NotEmpty(await SecretScanner.ScanRedisAsync(control.Endpoint, ["env:" + SourceVariable]));
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
        await AssertLogsHoldNoSecretAsync(silos);
    }

    [RedisFact]
    public async Task ASiloThatCannotResolveAReferencePausesTheJobNamingItAndResumeOnASiloThatCanCompletesIt()
    {
        await using var control = await RedisServer.StartAsync();
        await using var source = await RedisServer.StartAsync(new RedisServerOptions { Password = Password });
        await using var target = await RedisServer.StartAsync(new RedisServerOptions { Password = Password });
        var report = await _data.LoadAsync(source.Endpoint);
        var clusterId = "s" + Guid.NewGuid().ToString("N")[..8];
        // this silo can read the source (planning works) but not the target: its workers cannot open the target
        var lacking = await SiloProcess.StartAsync(control, clusterId, new Dictionary<string, string> { [SourceVariable] = Password });
        SiloProcess? able = null;
        try
        {
            await using var client = await JobClient.ConnectAsync(control, clusterId);
            var spec = new JobSpec("secret-missing", JobKind.Copy,
                Endpoints.FromCore(source.Endpoint, PasswordReference.FromEnvironment(SourceVariable)),
                Endpoints.FromCore(target.Endpoint, PasswordReference.FromEnvironment(TargetVariable)));
            await client.Job(spec.JobId).StartAsync(spec);

            var paused = await client.WaitAsync(spec.JobId, s => s.IsFinished || s.Phase == JobPhase.Paused, TimeSpan.FromSeconds(60));

            Assert.True(paused.Phase == JobPhase.Paused, $"{paused.Phase}: {paused.Message}");
            Assert.Contains("env:" + TargetVariable, paused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', paused.Message!);
            Assert.Equal(0, await KeyCounter.DbSizeAsync(target.Endpoint));

            // the secret is mounted on another silo; the first leaves; resume continues there
            able = await SiloProcess.StartAsync(control, clusterId, new Dictionary<string, string> { [SourceVariable] = Password, [TargetVariable] = Password });
            await lacking.DisposeAsync();
            await ResumeAsync(client, spec.JobId);
            var done = await client.WaitAsync(spec.JobId, s => s.IsFinished || s.Phase == JobPhase.Paused, TimeSpan.FromSeconds(120));

            Assert.True(done.Phase == JobPhase.Completed, done.Message);
            Assert.Equal(report.ByType, await KeyCounter.CountByTypeAsync(target.Endpoint));
            Assert.Empty(await SecretScanner.ScanRedisAsync(control.Endpoint, _fragments));
        }
        finally
        {
            await lacking.DisposeAsync();
            if (able is not null)
            {
                await able.DisposeAsync();
            }
        }
        await AssertLogsHoldNoSecretAsync(able is null ? [lacking] : [lacking, able]);
    }

    /// <summary>Resumes the job; the client may still send to the silo that left until its view of the cluster is fresh.</summary>
    private static async Task ResumeAsync(JobClient client, string jobId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                await client.Job(jobId).ResumeAsync();
                return;
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    private static async Task AssertLogsHoldNoSecretAsync(IEnumerable<SiloProcess> silos)
    {
        foreach (var silo in silos)
        {
            // the log is written when the silo's stderr closes, just after it exits
            for (var wait = 0; wait < 50 && !File.Exists(silo.LogPath); wait++)
            {
                await Task.Delay(100);
            }
            Assert.Empty(await SecretScanner.ScanFilesAsync(silo.LogPath, _fragments));
        }
    }
}
