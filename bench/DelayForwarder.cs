using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Collections.Concurrent;

namespace DistributedCopy.Bench;

/// <summary>
/// A TCP forwarder on loopback that holds every chunk for a fixed delay in each direction: a stand-in for a network
/// round trip on a machine without netem. Runs in its own process so its CPU is not counted as the copier's.
/// </summary>
internal static class DelayForwarder
{
    public static async Task RunAsync(TimeSpan delay, IReadOnlyList<(int Listen, int Target)> pairs)
    {
        var listeners = pairs.Select(p => (Listener: new TcpListener(IPAddress.Loopback, p.Listen), p.Target)).ToList();
        foreach (var (listener, _) in listeners)
        {
            listener.Start();
        }
        Console.WriteLine("ready");
        await Task.WhenAll(listeners.Select(l => AcceptLoopAsync(l.Listener, l.Target, delay)));
    }

    private static async Task AcceptLoopAsync(TcpListener listener, int targetPort, TimeSpan delay)
    {
        while (true)
        {
            var client = await listener.AcceptSocketAsync();
            _ = Task.Run(async () =>
            {
                using var inbound = client;
                using var outbound = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                inbound.NoDelay = true;
                try
                {
                    await outbound.ConnectAsync(IPAddress.Loopback, targetPort);
                    await Task.WhenAny(PumpAsync(inbound, outbound, delay), PumpAsync(outbound, inbound, delay));
                }
                catch (SocketException)
                {
                }
            });
        }
    }

    /// <summary>
    /// One direction: a thread receives and stamps each chunk with its due time, another sends it when due. Threads with
    /// Thread.Sleep, not timers: async timers here fire milliseconds late, which would measure the timer, not the copier.
    /// </summary>
    private static Task PumpAsync(Socket from, Socket to, TimeSpan delay)
    {
        var queue = new BlockingCollection<(long Due, byte[] Data)>();
        var ticks = (long)(delay.TotalSeconds * Stopwatch.Frequency);
        var done = new TaskCompletionSource();
        var sender = new Thread(() =>
        {
            try
            {
                foreach (var (due, data) in queue.GetConsumingEnumerable())
                {
                    while (Stopwatch.GetTimestamp() < due)
                    {
                        var remainingMs = (due - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                        if (remainingMs >= 1)
                        {
                            Thread.Sleep(1);
                        }
                        else
                        {
                            Thread.Yield();
                        }
                    }
                    to.Send(data);
                }
                to.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
            done.TrySetResult();
        }) { IsBackground = true };
        var receiver = new Thread(() =>
        {
            var buffer = new byte[256 * 1024];
            try
            {
                while (true)
                {
                    var read = from.Receive(buffer);
                    if (read == 0)
                    {
                        break;
                    }
                    queue.Add((Stopwatch.GetTimestamp() + ticks, buffer.AsSpan(0, read).ToArray()));
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
            queue.CompleteAdding();
        }) { IsBackground = true };
        sender.Start();
        receiver.Start();
        return done.Task;
    }
}
