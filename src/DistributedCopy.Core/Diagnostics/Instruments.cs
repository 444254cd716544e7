using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DistributedCopy.Core.Diagnostics;

/// <summary>The project's one Meter and one ActivitySource, both named <see cref="Name"/>, and every instrument, named in one place.</summary>
public static class Instruments
{
    public const string Name = "DistributedCopy";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> KeysCopied = Meter.CreateCounter<long>("distributedcopy.keys.copied", "{key}", "Keys written to the target");

    public static readonly Counter<long> BytesCopied = Meter.CreateCounter<long>("distributedcopy.bytes.copied", "By", "DUMP payload bytes written to the target");

    public static readonly Counter<long> KeysSkipped = Meter.CreateCounter<long>("distributedcopy.keys.skipped", "{key}", "Keys the target had already");

    public static readonly Counter<long> KeysVanished = Meter.CreateCounter<long>("distributedcopy.keys.vanished", "{key}", "Keys gone between listing and reading");

    public static readonly Counter<long> SlotsCompleted = Meter.CreateCounter<long>("distributedcopy.slots.completed", "{slot}", "Slots whose keys are all written");

    public static readonly Counter<long> Errors = Meter.CreateCounter<long>("distributedcopy.errors", "{error}", "Errors met, retried or not");

    public static readonly Counter<long> LeasesGranted = Meter.CreateCounter<long>("distributedcopy.leases.granted", "{lease}", "Partitions leased to workers");

    public static readonly Counter<long> LeasesExpired = Meter.CreateCounter<long>("distributedcopy.leases.expired", "{lease}", "Leases taken back from workers that stopped reporting");

    public static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>("distributedcopy.batch.duration", "ms", "Time to read and write one batch");
}
