using System.Collections.Concurrent;

namespace DistributedCopy.Core.Resp;

/// <summary>
/// Gives every socket read and write of every open connection a deadline: a timer checks them four times a second and
/// aborts an operation that has waited longer than its endpoint's timeout (a stalled network, a frozen server). One
/// timer for the process, so the copy path pays two field writes per operation, not a timer each.
/// </summary>
internal static class ConnectionWatchdog
{
    private static readonly ConcurrentDictionary<RespConnection, byte> _open = new();
    private static readonly Timer _timer = new(_ => Check(), null, Timeout.Infinite, Timeout.Infinite);
    private static int _started;

    public static void Add(RespConnection connection)
    {
        _open[connection] = 0;
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _timer.Change(250, 250);
        }
    }

    public static void Remove(RespConnection connection) => _open.TryRemove(connection, out _);

    private static void Check()
    {
        var now = Environment.TickCount64;
        foreach (var connection in _open.Keys)
        {
            connection.CheckDeadline(now);
        }
    }
}
