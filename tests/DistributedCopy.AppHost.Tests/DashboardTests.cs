using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using DistributedCopy.Testing;

namespace DistributedCopy.AppHost.Tests;

/// <summary>
/// The demo's dashboard as an operator sees it: the job's spans (job → partition → batch), the distributedcopy metrics
/// and the silos' log lines reached it by OTLP (read back through the dashboard's telemetry API), and its traces page
/// shows them in a browser (screenshot kept in the test's output folder).
/// </summary>
public sealed partial class DashboardTests
{
    [BrowserFact]
    public async Task TheDashboardShowsTheJobsSpansMetricsAndLogsAndItsTracesPage()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppHostTests.Root() };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DistributedCopy.AppHost.dll"));
        start.ArgumentList.Add("--keep");
        using var process = Process.Start(start)!;
        ProcessRegistry.Add(process);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = new System.Text.StringBuilder();
        var kept = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
            {
                lock (stderr)
                {
                    stderr.AppendLine(line);
                }
                if (line.StartsWith("apphost: everything keeps running", StringComparison.Ordinal))
                {
                    kept.TrySetResult();
                }
            }
        }, timeout.Token);
        try
        {
            await Task.WhenAny(kept.Task, process.WaitForExitAsync(timeout.Token));
            Assert.True(kept.Task.IsCompleted, $"the demo ended early: {Text(stderr)}");
            var dashboard = Dashboard().Match(Text(stderr)).Groups[1].Value;
            using var http = new HttpClient { BaseAddress = new Uri(dashboard), Timeout = TimeSpan.FromSeconds(10) };

            // every process of the migration sent telemetry: the job and three silos, metrics from each
            var resources = await EventuallyAsync(http, "/api/telemetry/resources", r =>
                r.EnumerateArray().Count(x => x.GetProperty("name").GetString() == "copy-silo" && x.GetProperty("hasMetrics").GetBoolean()) == 3
                && r.EnumerateArray().Any(x => x.GetProperty("name").GetString() == "copy-job" && x.GetProperty("hasMetrics").GetBoolean()), timeout.Token);
            var silos = resources.EnumerateArray().Where(x => x.GetProperty("name").GetString() == "copy-silo").Select(x => x.GetProperty("displayName").GetString()!).ToList();

            // the job's spans: one job span, a partition span for each of the job's partitions, batches under them
            var names = new List<string>();
            string? copying = null;
            foreach (var silo in silos)
            {
                var spans = await GetAsync(http, $"/api/telemetry/spans?resource={silo}&limit=10000", timeout.Token);
                var mine = spans is null ? [] : Spans(spans.Value).Select(s => s.GetProperty("name").GetString()!).ToList();
                names.AddRange(mine);
                // a silo that copied batches (not every silo need run a worker): the one whose copy instruments are shown
                copying ??= mine.Contains("batch") ? silo : null;
            }
            Assert.Equal(1, names.Count(n => n == "job"));
            Assert.InRange(names.Count(n => n == "partition"), 10, 1000);
            Assert.True(names.Count(n => n == "batch") >= names.Count(n => n == "partition"), string.Join(",", names.Distinct()));

            // the coordinator's log lines (the plan) are there as structured logs
            var logs = new List<string>();
            foreach (var silo in silos)
            {
                if (await GetAsync(http, $"/api/telemetry/logs?resource={silo}&limit=1000", timeout.Token) is { } found)
                {
                    logs.AddRange(found.GetProperty("data").GetProperty("resourceLogs").EnumerateArray()
                        .SelectMany(r => r.GetProperty("scopeLogs").EnumerateArray()).SelectMany(s => s.GetProperty("logRecords").EnumerateArray())
                        .Select(l => l.GetProperty("body").GetProperty("stringValue").GetString()!));
                }
            }
            Assert.Contains(logs, l => l.Contains("partitions", StringComparison.Ordinal));

            // the traces page, in a browser, lists the job's trace
            await using (var browser = await HeadlessBrowser.OpenAsync(dashboard + "/traces", cancellationToken: timeout.Token))
            {
                var page = await browser.WaitForTextAsync(TimeSpan.FromSeconds(60), timeout.Token, "copy-silo", "job");
                await browser.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "dashboard-traces.png"), timeout.Token);
                Assert.Contains("Traces", page, StringComparison.Ordinal);
            }

            // a silo's metrics page lists the copy's instruments beside Orleans' own
            Assert.NotNull(copying);
            await using (var browser = await HeadlessBrowser.OpenAsync($"{dashboard}/metrics/resource/{copying}", cancellationToken: timeout.Token))
            {
                await browser.WaitForTextAsync(TimeSpan.FromSeconds(60), timeout.Token, "distributedcopy.keys.copied", "distributedcopy.bytes.copied",
                    "distributedcopy.batch.duration", "distributedcopy.slots.completed", "Microsoft.Orleans");
                await browser.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "dashboard-metrics.png"), timeout.Token);
            }

            // a stop signal (Ctrl+C's SIGINT, or SIGTERM as here: a runner started in the background passes SIGINT on
            // ignored, and .NET keeps an inherited ignore) stops everything; the exit code is still the job's
            ProcessRegistry.Signal(process.Id, "TERM");
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {Text(stderr)}");
            var summary = JsonDocument.Parse((await stdout).Trim().Split('\n')[^1]).RootElement;
            Assert.Equal("completed", summary.GetProperty("phase").GetString());
        }
        finally
        {
            ProcessRegistry.Stop(process, TimeSpan.FromSeconds(15));
        }
    }

    private static IEnumerable<JsonElement> Spans(JsonElement reply) =>
        reply.GetProperty("data").GetProperty("resourceSpans").EnumerateArray()
            .SelectMany(r => r.GetProperty("scopeSpans").EnumerateArray()).SelectMany(s => s.GetProperty("spans").EnumerateArray());

    /// <summary>The API's JSON, or null while the resource has sent nothing yet (404).</summary>
    private static async Task<JsonElement?> GetAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement;
    }

    private static async Task<JsonElement> EventuallyAsync(HttpClient http, string path, Func<JsonElement, bool> done, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (await GetAsync(http, path, cancellationToken) is { } reply && done(reply))
            {
                return reply;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{path} did not show it within 60 s: {(await GetAsync(http, path, cancellationToken))?.ToString()}");
            await Task.Delay(500, cancellationToken);
        }
    }

    private static string Text(System.Text.StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }

    [GeneratedRegex(@"apphost: dashboard (http://localhost:\d+)")]
    private static partial Regex Dashboard();
}
