using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistributedCopy.Cli;

/// <summary>
/// The one JSON shape of every command's --json: camelCase names, enums as lowercase strings ("completed", "sync"),
/// as the summaries write them.
/// </summary>
public static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(new LowerCase()) },
    };

    private sealed class LowerCase : JsonNamingPolicy
    {
        public override string ConvertName(string name) => name.ToLowerInvariant();
    }
}
