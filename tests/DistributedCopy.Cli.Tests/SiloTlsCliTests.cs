using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// Silos on mutual TLS (--silo-cert, --silo-key, --silo-ca): a job through them copies identically; a silo or a dcopy
/// without a certificate from the cluster's CA is refused with one line and exit 3, and writes nothing.
/// </summary>
public sealed class SiloTlsCliTests
{
    [RedisFact]
    public async Task ACopyThroughTlsSilosIsIdenticalAndWhatHasNoCertificateFromTheirCaIsRefused()
    {
        var folder = Path.Combine(Path.GetTempPath(), "dcopy-tests", "silo-tls-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var cluster = TestCertificates.Create(Path.Combine(folder, "cluster"));
            var stranger = TestCertificates.Create(Path.Combine(folder, "stranger"));
            var tls = Environment(cluster.ServerCertificate, cluster.ServerKey, cluster.CaCertificate);
            // a certificate of another CA, with the cluster's CA to check the silos by: the silos refuse it
            var foreign = Environment(stranger.ServerCertificate, stranger.ServerKey, cluster.CaCertificate);
            await using var control = await RedisServer.StartAsync();
            await using var source = await RedisServer.StartAsync();
            await using var target = await RedisServer.StartAsync();
            await using var untouched = await RedisServer.StartAsync();
            var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
            var clusterId = "tls-" + Guid.NewGuid().ToString("N")[..6];
            await using var first = await SiloProcess.StartAsync(control, clusterId, tls);
            await using var second = await SiloProcess.StartAsync(control, clusterId, tls);

            // a silo with a certificate from another CA cannot join
            var rogue = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloProcess.StartAsync(control, clusterId, Environment(stranger.ServerCertificate, stranger.ServerKey, stranger.CaCertificate)));
            Assert.Contains("exited with 3", rogue.Message, StringComparison.Ordinal);

            // a silo whose own certificate is not from the CA it is given refuses to start, before it joins
            var mismatched = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloProcess.StartAsync(control, clusterId, foreign));
            Assert.Contains("exited with 2", mismatched.Message, StringComparison.Ordinal);

            var copy = await Dcopy.RunAsync(tls, "copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address,
                "--control", control.Endpoint.Address, "--cluster-id", clusterId, "--json", "--progress", "none");
            Assert.True(copy.ExitCode == ExitCodes.Success, copy.ToString());
            var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
            Assert.True(compared.Identical, compared.ToString());
            Assert.Equal(report.Total, compared.TargetKeys);

            // dcopy without a certificate, or with one of another CA: one line, exit 3, nothing written
            string[] args = ["copy", "--source", source.Endpoint.Address, "--target", untouched.Endpoint.Address, "--control", control.Endpoint.Address,
                "--cluster-id", clusterId, "--progress", "none"];
            var refused = await Task.WhenAll(Dcopy.RunAsync(args), Dcopy.RunAsync(Environment(stranger.ServerCertificate, stranger.ServerKey, stranger.CaCertificate), args),
                Dcopy.RunAsync(foreign, args));
            // a certificate that its own --silo-ca does not sign is bad input, said before anything connects
            Assert.True(refused[2].ExitCode == ExitCodes.BadInput, refused[2].ToString());
            Assert.Contains("is not signed by the CA", refused[2].Stderr, StringComparison.Ordinal);
            refused = refused[..2];
            foreach (var result in refused)
            {
                Assert.True(result.ExitCode == ExitCodes.CannotConnect, result.ToString());
                var line = Assert.Single(result.Stderr.Split('\n'), l => l.Contains("cannot reach a silo", StringComparison.Ordinal));
                Assert.Contains("--silo-c", line, StringComparison.Ordinal);
            }
            Assert.Equal(0, await KeyCounter.DbSizeAsync(untouched.Endpoint));
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // cleaned with the temporary folder
            }
        }
    }

    private static Dictionary<string, string> Environment(string certificate, string key, string authority) =>
        new() { ["DCOPY_SILO_CERT"] = certificate, ["DCOPY_SILO_KEY"] = key, ["DCOPY_SILO_CA"] = authority };
}
