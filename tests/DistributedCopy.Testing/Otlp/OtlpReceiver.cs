using System.Net;

namespace DistributedCopy.Testing.Otlp;

/// <summary>
/// An OTLP/HTTP collector on a free loopback port, as far as a test needs one: it takes what exporters POST to
/// <c>/v1/metrics</c> (protobuf) and keeps, per process (service.instance.id) and metric, the last value received. Sums and
/// gauges: the sum of their data points (every attribute set); histograms: the sum of their counts. A service's value is
/// the sum over its processes. Traces and logs are taken and dropped.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly Dictionary<(string Service, string Instance, string Metric), double> _last = [];
    private readonly Lock _lock = new();

    private OtlpReceiver(int port)
    {
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>What OTEL_EXPORTER_OTLP_ENDPOINT is set to (with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf).</summary>
    public string Endpoint { get; }

    public int MetricPayloads { get; private set; }

    public static OtlpReceiver Start() => new(PortAllocator.Next());

    /// <summary>The variables that point an exporter here, exporting metrics every <paramref name="intervalMs"/>.</summary>
    public Dictionary<string, string> Environment(int intervalMs = 500) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = intervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
    };

    /// <summary>The last value of <paramref name="metric"/> received from each process of <paramref name="service"/>, summed; null if none came.</summary>
    public double? Last(string service, string metric)
    {
        lock (_lock)
        {
            var values = _last.Where(l => l.Key.Service == service && l.Key.Metric == metric).Select(l => l.Value).ToList();
            return values.Count == 0 ? null : values.Sum();
        }
    }

    /// <summary>How many processes of <paramref name="service"/> sent metrics.</summary>
    public int Processes(string service)
    {
        lock (_lock)
        {
            return _last.Keys.Where(k => k.Service == service).Select(k => k.Instance).Distinct().Count();
        }
    }

    public IReadOnlyList<string> Metrics(string service)
    {
        lock (_lock)
        {
            return [.. _last.Keys.Where(k => k.Service == service).Select(k => k.Metric).Distinct().Order()];
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/metrics")
                {
                    Take(body.ToArray());
                }
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
            {
                // a request cut off by the exporter or by this receiver's stop: what arrived whole is kept
            }
        }
    }

    // ExportMetricsServiceRequest: resource_metrics = 1; ResourceMetrics: resource = 1, scope_metrics = 2;
    // Resource: attributes = 1 (KeyValue: key = 1, value = 2; AnyValue: string_value = 1); ScopeMetrics: metrics = 2;
    // Metric: name = 1, gauge = 5, sum = 7, histogram = 9; Gauge/Sum/Histogram: data_points = 1;
    // NumberDataPoint: as_double = 4 (64-bit), as_int = 6 (64-bit); HistogramDataPoint: count = 4 (64-bit).
    private void Take(byte[] payload)
    {
        lock (_lock)
        {
            MetricPayloads++;
            foreach (var resourceMetrics in ProtoReader.Messages(payload, 1))
            {
                var attributes = ProtoReader.Messages(resourceMetrics, 1).SelectMany(r => ProtoReader.Messages(r, 1))
                    .Select(kv => (Key: ProtoReader.Text(kv, 1), Value: ProtoReader.Messages(kv, 2).Select(v => ProtoReader.Text(v, 1)).FirstOrDefault()))
                    .ToList();
                var service = attributes.FirstOrDefault(a => a.Key == "service.name").Value ?? "";
                var instance = attributes.FirstOrDefault(a => a.Key == "service.instance.id").Value ?? "";
                foreach (var metric in ProtoReader.Messages(resourceMetrics, 2).SelectMany(s => ProtoReader.Messages(s, 2)))
                {
                    var name = ProtoReader.Text(metric, 1) ?? "";
                    double? value = null;
                    foreach (var (kind, data) in ProtoReader.Fields(metric).Where(f => f.WireType == 2 && f.Number is 5 or 7 or 9).Select(f => (f.Number, f.Bytes)))
                    {
                        foreach (var point in ProtoReader.Messages(data, 1))
                        {
                            value = (value ?? 0) + PointValue(point, histogram: kind == 9);
                        }
                    }
                    if (value is not null)
                    {
                        _last[(service, instance, name)] = value.Value;
                    }
                }
            }
        }
    }

    private static double PointValue(ReadOnlyMemory<byte> point, bool histogram)
    {
        foreach (var field in ProtoReader.Fields(point))
        {
            if (histogram && field.Number == 4 && field.WireType == 1)
            {
                return field.Scalar;
            }
            if (!histogram && field.Number == 4 && field.WireType == 1)
            {
                return BitConverter.UInt64BitsToDouble(field.Scalar);
            }
            if (!histogram && field.Number == 6 && field.WireType == 1)
            {
                return (long)field.Scalar;
            }
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
