using DistributedCopy.AppHost;
using DistributedCopy.Aspire.Hosting;
using DistributedCopy.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// The demo on Aspire: a source and a target Redis Cluster (redis-server executables on loopback), a control Redis, three
// silos and a copy job; the dashboard shows them all with the job's traces, metrics and logs.
//   dotnet run --project AppHost                                                   run it all, verify, stop everything
//   dotnet run --project AppHost -- --scale 0.5                                    ten times the sample data
//   dotnet run --project AppHost -- --keep                                         keep it all running after the job (the dashboard), until Ctrl+C
//   dotnet run --project AppHost -- --publisher manifest --output-path <file>      write the Aspire manifest instead
if (DemoOptions.Check(args) is { } error)
{
    Console.Error.WriteLine("apphost: " + error);
    return AppHostExitCodes.BadInput;
}
var publishing = args.Contains("--publisher");
if (!publishing && RedisBinaries.EnsureInstalled(Console.Error) is { } missing)
{
    Console.Error.WriteLine("apphost: " + missing);
    return AppHostExitCodes.RedisMissing;
}
var dashboard = publishing ? null : DashboardDefaults.Apply();

var builder = DistributedApplication.CreateBuilder(args);
// stdout carries the job's output alone (its JSON summary last); the orchestrator's log goes to stderr
builder.Services.AddLogging(logging => logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
var folder = Path.Combine(Path.GetTempPath(), "dcopy-apphost-" + Guid.NewGuid().ToString("N")[..8]);
var migration = Demo.Add(builder, folder, builder.Configuration.GetValue("scale", 0.05));

await using var app = builder.Build();
if (dashboard is not null)
{
    Console.Error.WriteLine($"apphost: dashboard {dashboard} (resources, and the silos' and the job's traces, metrics and logs)");
}
try
{
    return await app.RunMigrationAsync(migration, Console.Out, Console.Error, keepRunning: args.Contains("--keep"));
}
finally
{
    if (Directory.Exists(folder))
    {
        Directory.Delete(folder, recursive: true);
    }
}
