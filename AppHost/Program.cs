using DistributedCopy.AppHost;

// The local orchestrator: a source and a target Redis Cluster, a control Redis, three silos and a copy job.
//   dotnet run --project AppHost                                                   run it all, verify, stop everything
//   dotnet run --project AppHost -- --dashboard                                    also serve the Orleans dashboard from the first silo
//   dotnet run --project AppHost -- --publisher manifest --output-path <file>      write the Aspire manifest instead
var builder = DistributedApplication.CreateBuilder(args);

var source = builder.AddRedisCluster("source", masters: 3).WithSampleData(builder.Scale);
var target = builder.AddRedisCluster("target", masters: 3);
var control = builder.AddRedis("control");

var silo = builder.AddProject<Projects.DistributedCopy_Silo>("silo")
    .WithReplicas(3)
    .WithReference(control)
    .WaitFor(control);
if (builder.Dashboard)
{
    silo.WithDashboard();
}

builder.AddProject<Projects.DistributedCopy_Cli>("job")
    .WithArgs("copy", "--source", source.ConnectionString, "--target", target.ConnectionString, "--control", control.ConnectionString,
        "--workers", "6", "--verify", "--json", "--progress", "log", "--interval", "1")
    .WithReference(control)
    .WaitFor(source)
    .WaitFor(target)
    .WaitFor(silo)
    .AsJob();

return await builder.Build().RunAsync();
