using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace DistributedCopy.Silo;

/// <summary>The silo host's command line: every option documented, each with its environment fallback (DCOPY_&lt;NAME&gt;).</summary>
public static class SiloCommand
{
    public static readonly Option<string?> Control = new("--control")
    {
        Description = "The control Redis (host:port[,user=...,ssl=true] or redis:// URI) that holds membership, job state and reminders. "
            + "Env: DCOPY_CONTROL, or ConnectionStrings__control as an orchestrator hands it over.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DCOPY_CONTROL") ?? Environment.GetEnvironmentVariable("ConnectionStrings__control"),
    };

    public static readonly Option<string?> ControlPasswordFile = new("--control-password-file")
    {
        Description = "Read the control Redis's password from this file (a mounted secret). Wins over the others; then "
            + "--control-password-env, then password= in --control, then DCOPY_CONTROL_PASSWORD (the order dcopy reads them in).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DCOPY_CONTROL_PASSWORD_FILE"),
    };

    public static readonly Option<string?> ControlPasswordEnv = new("--control-password-env")
    {
        Description = "Read the control Redis's password from this environment variable.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DCOPY_CONTROL_PASSWORD_ENV"),
    };

    public static readonly Option<string> ClusterId = new("--cluster-id")
    {
        Description = "The silo cluster's id; dcopy --cluster-id must match. Env: DCOPY_CLUSTER_ID.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DCOPY_CLUSTER_ID") ?? "dcopy",
    };

    public static readonly Option<int> SiloPort = new("--silo-port")
    {
        Description = "Port for silo-to-silo traffic (0: a free one). Env: DCOPY_SILO_PORT.",
        DefaultValueFactory = result => FromEnvironment(result, "DCOPY_SILO_PORT", 11111),
    };

    public static readonly Option<int> GatewayPort = new("--gateway-port")
    {
        Description = "Port clients (dcopy --control) connect to (0: a free one; clients find it through the control Redis). Env: DCOPY_GATEWAY_PORT.",
        DefaultValueFactory = result => FromEnvironment(result, "DCOPY_GATEWAY_PORT", 30000),
    };

    public static readonly Option<string> Advertise = new("--advertise")
    {
        Description = "The address this silo listens on and tells the others (never every interface unless --silo-cert encrypts silo traffic). Env: DCOPY_ADVERTISE.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DCOPY_ADVERTISE") ?? "127.0.0.1",
    };

    public static readonly Option<string> Failover = new("--failover")
    {
        Description = "fast declares a dead silo in under 5 s; relaxed keeps Orleans' defaults (about 10-60 s), for hosts with long GC pauses. Env: DCOPY_FAILOVER.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DCOPY_FAILOVER") ?? "fast",
    };

    public static readonly Option<int> DashboardPort = new("--dashboard-port")
    {
        Description = "Serve the Orleans dashboard on http://<advertise>:N/ (0: off). Env: DCOPY_DASHBOARD_PORT.",
        DefaultValueFactory = result => FromEnvironment(result, "DCOPY_DASHBOARD_PORT", 0),
    };

    public static readonly Option<string?> SiloCert = new("--silo-cert")
    {
        Description = "This silo's certificate for TLS between silos and with dcopy (PEM with its key, or .pfx/.p12 with DCOPY_SILO_CERT_PASSWORD); "
            + "with --silo-ca, every silo and client must show one signed by that CA. Env: DCOPY_SILO_CERT.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DCOPY_SILO_CERT"),
    };

    public static readonly Option<string?> SiloKey = new("--silo-key")
    {
        Description = "The PEM private key of --silo-cert, when not in the same file. Env: DCOPY_SILO_KEY.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DCOPY_SILO_KEY"),
    };

    public static readonly Option<string?> SiloCa = new("--silo-ca")
    {
        Description = "The CA (PEM) whose certificates silos and clients must show. Env: DCOPY_SILO_CA.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DCOPY_SILO_CA"),
    };

    static SiloCommand()
    {
        Failover.AcceptOnlyFromAmong("fast", "relaxed");
        foreach (var port in new[] { SiloPort, GatewayPort, DashboardPort })
        {
            port.Validators.Add(result =>
            {
                // a token that is no number at all is the parser's error already; this one is about the range
                if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, CultureInfo.InvariantCulture, out var value) && value is < 0 or > 65535)
                {
                    result.AddError($"{result.Option.Name} takes a port number (0 to 65535)");
                }
            });
        }
    }

    public static RootCommand Create()
    {
        var root = new RootCommand("dcopy-silo: a silo of a DistributedCopy cluster; joins through the control Redis and hosts coordinator and worker grains.")
        {
            Control, ControlPasswordFile, ControlPasswordEnv, ClusterId, SiloPort, GatewayPort, Advertise, Failover, DashboardPort, SiloCert, SiloKey, SiloCa,
        };
        root.SetAction(async (result, cancellationToken) =>
        {
            var settings = SiloSettings.From(result);
            if (settings.Error is not null)
            {
                Console.Error.WriteLine("dcopy-silo: " + settings.Error);
                return SiloExitCodes.BadInput;
            }
            return await SiloHost.RunAsync(settings, cancellationToken);
        });
        return root;
    }

    private static int FromEnvironment(ArgumentResult result, string variable, int fallback)
    {
        if (Environment.GetEnvironmentVariable(variable) is not { } text)
        {
            return fallback;
        }
        if (int.TryParse(text, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 65535)
        {
            return value;
        }
        result.AddError($"{variable} takes a port number (0 to 65535)");
        return fallback;
    }
}
