using System.Globalization;

namespace DistributedCopy.AppHost;

internal sealed record AppHostOptions(string? Publisher, string? OutputPath, double Scale, string? Error, bool Dashboard = false)
{
    public static AppHostOptions Parse(string[] args)
    {
        string? publisher = null, output = null, error = null;
        var dashboard = false;
        var scale = 0.05;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--publisher" when value is not null:
                    publisher = value;
                    i++;
                    break;
                case "--output-path" when value is not null:
                    output = value;
                    i++;
                    break;
                case "--scale" when value is not null && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s <= 10:
                    scale = s;
                    i++;
                    break;
                case "--dashboard":
                    dashboard = true;
                    break;
                default:
                    error = $"unexpected argument '{args[i]}' (options: --publisher manifest --output-path <file>, --scale <0-10>, --dashboard)";
                    break;
            }
        }
        if (publisher is not null && publisher != "manifest")
        {
            error = "--publisher takes manifest";
        }
        return new AppHostOptions(publisher, output, scale, error, dashboard);
    }
}
