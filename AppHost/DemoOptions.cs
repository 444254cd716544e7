using System.Globalization;

namespace DistributedCopy.AppHost;

/// <summary>The demo's options, checked before anything starts (Aspire itself takes any --key value pair without a word).</summary>
internal static class DemoOptions
{
    private const string Usage = "options: --scale <0-10>, --keep, --publisher manifest --output-path <file>";

    public static string? Check(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--publisher" when value == "manifest":
                case "--output-path" when value is not null:
                case "--scale" when value is not null && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var scale) && scale is > 0 and <= 10:
                    i++;
                    break;
                case "--keep":
                    break;
                case "--publisher":
                    return "--publisher takes manifest";
                default:
                    return $"unexpected argument '{args[i]}' ({Usage})";
            }
        }
        return null;
    }
}
