using System.CommandLine;

namespace DistributedCopy.Cli;

/// <summary>The options several commands share, declared once.</summary>
public static class CliOptions
{
    public static readonly Option<string?> Control = new("--control")
    {
        Description = "Run on a silo cluster: the control Redis its silos use (connection string or redis:// URI). Without it, dcopy runs the job in this process.",
    };

    /// <summary>Where the control Redis's password comes from, besides the --control text.</summary>
    public static readonly PasswordOptions ControlPassword = new("control");

    public static readonly Option<string> ClusterId = new("--cluster-id")
    {
        Description = "The silo cluster's id (with --control).",
        DefaultValueFactory = _ => "dcopy",
    };

    public static readonly Option<string?> SiloCert = new("--silo-cert")
    {
        Description = "With --control: dcopy's certificate for the silos' gateways when the silos use TLS (PEM with its key, or .pfx/.p12 with DCOPY_SILO_CERT_PASSWORD). Env: DCOPY_SILO_CERT.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DCOPY_SILO_CERT"),
    };

    public static readonly Option<string?> SiloKey = new("--silo-key")
    {
        Description = "The PEM private key of --silo-cert, when not in the same file. Env: DCOPY_SILO_KEY.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DCOPY_SILO_KEY"),
    };

    public static readonly Option<string?> SiloCa = new("--silo-ca")
    {
        Description = "The CA (PEM) the silos' certificates must chain to. Env: DCOPY_SILO_CA.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DCOPY_SILO_CA"),
    };

    public static readonly Option<string> StateDir = new("--state-dir")
    {
        Description = "Where an embedded run keeps job state and checkpoints; keep it to resume.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DCOPY_STATE_DIR")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "dcopy"),
    };

    public static readonly Option<bool> Json = new("--json") { Description = "Print a JSON summary on stdout (human text goes to stderr)." };

    public static readonly Option<string> Progress = new("--progress")
    {
        Description = "Progress display: auto (a live line on a terminal, else a log line per interval), bar, log or none.",
        DefaultValueFactory = _ => "auto",
    };

    public static readonly Option<double> Interval = new("--interval")
    {
        Description = "Seconds between progress log lines.",
        DefaultValueFactory = _ => 5,
    };

    public static readonly Argument<string> JobId = new("job-id") { Description = "The job's id, as copy or verify printed it." };

    static CliOptions()
    {
        Progress.AcceptOnlyFromAmong("auto", "bar", "log", "none");
    }

    public static Command WithHostOptions(this Command command)
    {
        command.Options.Add(Control);
        ControlPassword.AddTo(command);
        command.Options.Add(ClusterId);
        command.Options.Add(SiloCert);
        command.Options.Add(SiloKey);
        command.Options.Add(SiloCa);
        command.Options.Add(StateDir);
        return command;
    }

    /// <summary>The TLS settings for the silos' gateways, or null when none are given; bad files are a one-line error.</summary>
    public static Grains.SiloTls? SiloTlsOf(ParseResult parse)
    {
        try
        {
            return Grains.SiloTls.FromOptions(parse.GetValue(SiloCert), parse.GetValue(SiloKey), parse.GetValue(SiloCa));
        }
        catch (ArgumentException ex)
        {
            throw new CliException(ExitCodes.BadInput, ex.Message);
        }
    }

    public static Command WithOutputOptions(this Command command)
    {
        command.Options.Add(Json);
        command.Options.Add(Progress);
        command.Options.Add(Interval);
        return command;
    }
}
