using System.Text.Json;
using System.Text.Json.Nodes;

namespace DistributedCopy.AppHost;

/// <summary>
/// Writes the resources as an Aspire manifest (schema aspire-8.0): Redis as container.v0 resources (a cluster as one
/// container per master, an init container that joins them, and a value.v0 with the cluster's connection string),
/// projects as project.v0 with their environment and arguments. Paths are relative to the manifest's folder.
/// </summary>
public static class ManifestWriter
{
    private const string RedisImage = "docker.io/library/redis";
    private const string RedisTag = "7.0";

    public static string Write(IReadOnlyList<Resource> resources, string manifestDirectory, string repositoryRoot)
    {
        var all = new JsonObject();
        foreach (var resource in resources)
        {
            switch (resource)
            {
                case RedisResource redis:
                    all[redis.Name] = Container(redis.Name, ["--save", "", "--appendonly", "no", "--requirepass", redis.Password], connectionString: true);
                    // the password is a secret parameter the deployment tool fills (or generates), never a value in this file
                    all[redis.PasswordParameter] = new JsonObject
                    {
                        ["type"] = "parameter.v0",
                        ["value"] = $"{{{redis.PasswordParameter}.inputs.value}}",
                        ["inputs"] = new JsonObject
                        {
                            ["value"] = new JsonObject
                            {
                                ["type"] = "string",
                                ["secret"] = true,
                                ["default"] = new JsonObject { ["generate"] = new JsonObject { ["minLength"] = 22, ["special"] = false } },
                            },
                        },
                    };
                    break;
                case RedisClusterResource cluster:
                    var nodes = Enumerable.Range(0, cluster.Masters).Select(i => $"{cluster.Name}-{i}").ToList();
                    foreach (var node in nodes)
                    {
                        all[node] = Container(node, ["--cluster-enabled", "yes", "--save", "", "--appendonly", "no"], connectionString: false);
                    }
                    var init = new JsonObject
                    {
                        ["type"] = "container.v0",
                        ["image"] = $"{RedisImage}:{RedisTag}",
                        ["entrypoint"] = "redis-cli",
                        ["args"] = Array(["--cluster", "create", .. nodes.Select(Address), "--cluster-yes"]),
                    };
                    all[cluster.Name + "-init"] = init;
                    all[cluster.Name] = new JsonObject
                    {
                        ["type"] = "value.v0",
                        ["connectionString"] = string.Join(",", nodes.Select(Address)),
                    };
                    break;
                case ProjectResource project:
                    all[project.Name] = Project(project, manifestDirectory, repositoryRoot);
                    break;
            }
        }
        all["otlp-endpoint"] = new JsonObject
        {
            ["type"] = "parameter.v0",
            ["value"] = "{otlp-endpoint.inputs.value}",
            ["inputs"] = new JsonObject { ["value"] = new JsonObject { ["type"] = "string" } },
        };
        var manifest = new JsonObject
        {
            ["$schema"] = "https://json.schemastore.org/aspire-8.0.json",
            ["resources"] = all,
        };
        return manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static string Address(string node) => $"{{{node}.bindings.tcp.host}}:{{{node}.bindings.tcp.port}}";

    private static JsonObject Container(string name, string[] args, bool connectionString)
    {
        var container = new JsonObject
        {
            ["type"] = "container.v0",
            ["image"] = $"{RedisImage}:{RedisTag}",
            ["args"] = Array(args),
            ["bindings"] = new JsonObject
            {
                ["tcp"] = new JsonObject { ["scheme"] = "tcp", ["protocol"] = "tcp", ["transport"] = "tcp", ["targetPort"] = 6379 },
            },
        };
        if (connectionString)
        {
            container["connectionString"] = Address(name);
        }
        return container;
    }

    private static JsonObject Project(ProjectResource project, string manifestDirectory, string repositoryRoot)
    {
        var env = new JsonObject
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "{otlp-endpoint.value}",
            ["OTEL_SERVICE_NAME"] = project.Name,
        };
        foreach (var (name, value) in project.Environment)
        {
            env[name] = value;
        }
        var node = new JsonObject
        {
            ["type"] = "project.v0",
            ["path"] = Path.GetRelativePath(manifestDirectory, Path.Combine(repositoryRoot, project.ProjectPath)).Replace('\\', '/'),
            ["env"] = env,
        };
        if (project.Args.Count > 0)
        {
            node["args"] = Array([.. project.Args]);
        }
        if (!project.IsJob)
        {
            // a silo listens for other silos and for clients
            env["DCOPY_SILO_PORT"] = "{" + project.Name + ".bindings.silo.targetPort}";
            env["DCOPY_GATEWAY_PORT"] = "{" + project.Name + ".bindings.gateway.targetPort}";
            node["bindings"] = new JsonObject
            {
                ["silo"] = new JsonObject { ["scheme"] = "tcp", ["protocol"] = "tcp", ["transport"] = "tcp", ["targetPort"] = 11111 },
                ["gateway"] = new JsonObject { ["scheme"] = "tcp", ["protocol"] = "tcp", ["transport"] = "tcp", ["targetPort"] = 30000 },
            };
        }
        return node;
    }

    private static JsonArray Array(string[] items) => new([.. items.Select(i => (JsonNode)JsonValue.Create(i)!)]);
}
