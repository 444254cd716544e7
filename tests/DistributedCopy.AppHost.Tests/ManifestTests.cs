using System.Text.Json;

namespace DistributedCopy.AppHost.Tests;

/// <summary>aspire-manifest.json is what Aspire's own publisher writes for the AppHost, with every secret a parameter.</summary>
public sealed class ManifestTests
{
    [Fact]
    public async Task TheRepositoryManifestIsWhatAspiresPublisherWrites()
    {
        var root = AppHostTests.Root();
        var generated = Path.Combine(Path.GetTempPath(), $"aspire-manifest.test-{Guid.NewGuid():N}.json");
        try
        {
            var (exit, _, stderr) = await AppHostTests.RunAsync("--publisher", "manifest", "--output-path", generated);
            Assert.True(exit == 0, stderr);
            // paths in the manifest are relative to its folder: compare the resources, not the text
            var committed = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "aspire-manifest.json"))).RootElement.GetProperty("resources");
            var fresh = JsonDocument.Parse(await File.ReadAllTextAsync(generated)).RootElement.GetProperty("resources");
            Assert.Equal(Names(committed), Names(fresh));
            foreach (var name in Names(committed))
            {
                if (committed.GetProperty(name).TryGetProperty("path", out var path))
                {
                    Assert.True(File.Exists(Path.Combine(root, path.GetString()!)), $"{name}: {path}");
                    Assert.Equal(Path.GetFullPath(Path.Combine(root, path.GetString()!)),
                        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(generated)!, fresh.GetProperty(name).GetProperty("path").GetString()!)));
                }
                Assert.Equal(Without(committed.GetProperty(name), "path"), Without(fresh.GetProperty(name), "path"));
            }

            // what a deployment runs: Aspire's Redis containers, passwords as generated secret parameters
            foreach (var redis in new[] { "source", "target", "control" })
            {
                Assert.Equal("container.v0", committed.GetProperty(redis).GetProperty("type").GetString());
                var password = committed.GetProperty($"{redis}-password");
                Assert.Equal("parameter.v0", password.GetProperty("type").GetString());
                Assert.True(password.GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
            }
            var job = committed.GetProperty("copy-job");
            Assert.Equal("project.v0", job.GetProperty("type").GetString());
            var args = job.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToList();
            Assert.Equal("{source.bindings.tcp.host}:{source.bindings.tcp.port}", args[args.IndexOf("--source") + 1]);
            Assert.DoesNotContain(args, a => a.Contains("password", StringComparison.OrdinalIgnoreCase));
            foreach (var project in new[] { job, committed.GetProperty("copy-silo") })
            {
                var env = project.GetProperty("env");
                Assert.Equal("{source-password.value}", env.GetProperty("DCOPY_SOURCE_PASSWORD").GetString());
                Assert.Equal("{control-password.value}", env.GetProperty("DCOPY_CONTROL_PASSWORD").GetString());
            }
            Assert.Equal("{control.bindings.tcp.host}:{control.bindings.tcp.port}", committed.GetProperty("copy-silo").GetProperty("env").GetProperty("DCOPY_CONTROL").GetString());
        }
        finally
        {
            File.Delete(generated);
        }
    }

    private static List<string> Names(JsonElement resources) => resources.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();

    private static string Without(JsonElement resource, string property) =>
        JsonSerializer.Serialize(resource.EnumerateObject().Where(p => p.Name != property).ToDictionary(p => p.Name, p => p.Value));
}
