using System.Globalization;
using DistributedCopy.Testing;

namespace DistributedCopy.AppHost;

/// <summary>
/// The dashboard on plain http with free loopback ports, unless the environment says otherwise: a fresh machine has no
/// developer certificate, and Aspire's https defaults would stop the AppHost there. The dashboard listens on localhost only.
/// </summary>
internal static class DashboardDefaults
{
    /// <returns>The dashboard's URL.</returns>
    public static string Apply()
    {
        Default("ASPNETCORE_URLS", Url());
        Default("ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", Url());
        Default("ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL", Url());
        Default("ASPIRE_ALLOW_UNSECURED_TRANSPORT", "true");
        Default("ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS", "true");
        return Environment.GetEnvironmentVariable("ASPNETCORE_URLS")!.Split(';')[0];
    }

    private static string Url() => "http://localhost:" + DistributedCopy.Testing.PortAllocator.Next().ToString(CultureInfo.InvariantCulture);

    private static void Default(string variable, string value)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
        {
            Environment.SetEnvironmentVariable(variable, value);
        }
    }
}
