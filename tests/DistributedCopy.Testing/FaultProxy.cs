using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace DistributedCopy.Testing;

/// <summary>
/// A TCP forwarder on loopback in front of a test server that injects real faults: stall (bytes held, connections open),
/// reset (RST on every open connection), refuse (new connections reset) and delay (each chunk held for a while). Bytes
/// keep their order; a stalled pipe stops reading, so TCP back-pressure reaches the sender as on a real network.
/// </summary>
public sealed partial class FaultProxy : IAsyncDisposable
{
    private const int ChunkSize = 64 * 1024;

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly Lock _modeLock = new();
    private readonly Task _accepting;
    private TaskCompletionSource _flowing = NewGate(open: true);
    private volatile FaultMode _mode;
    private long _bytes;

    private FaultProxy(int targetPort, Socket listener, int port)
    {
        TargetPort = targetPort;
        Port = port;
        _listener = listener;
        _accepting = AcceptAsync();
    }

    /// <summary>The loopback port clients connect to.</summary>
    public int Port { get; }

    /// <summary>The loopback port every accepted connection is forwarded to.</summary>
    public int TargetPort { get; }

    /// <summary>Extra latency for each chunk in each direction; chunks of one direction stay in order, so it also caps throughput.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Bytes delivered so far, both directions together.</summary>
    public long BytesForwarded => Interlocked.Read(ref _bytes);

    /// <summary>Client connections accepted and not yet closed (stalled ones included).</summary>
    public int Connections => _links.Count;

    public FaultMode Mode
    {
        get => _mode;
        set
        {
            // one gate for all pipes: a stall holds every connection, old and new, and Forward releases them together
            lock (_modeLock)
            {
                _mode = value;
                if (value == FaultMode.Stall && _flowing.Task.IsCompleted)
                {
                    _flowing = NewGate(open: false);
                }
                else if (value != FaultMode.Stall)
                {
                    _flowing.TrySetResult();
                }
            }
        }
    }

    /// <summary>Listens on a free loopback port (from <see cref="PortAllocator"/>) and forwards to 127.0.0.1:<paramref name="targetPort"/>.</summary>
    public static FaultProxy Start(int targetPort)
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = PortAllocator.Next();
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
                listener.Listen(128);
                return new FaultProxy(targetPort, listener, port);
            }
            catch (SocketException) when (attempt < 5)
            {
                // another process took the port between the allocator's probe and our bind
                listener.Dispose();
            }
        }
    }

    /// <summary>Closes every open connection with a reset (RST), on the client side and the server side.</summary>
    public void ResetAll()
    {
        foreach (var link in _links.Keys)
        {
            link.Reset();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        try
        {
            await _accepting.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        // no link can be added any more; resetting wakes the pipes a stall holds, too
        ResetAll();
        try
        {
            await Task.WhenAll(_links.Keys.Select(l => l.Closed)).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        _stop.Dispose();
    }

    private static TaskCompletionSource NewGate(bool open)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (open)
        {
            gate.SetResult();
        }
        return gate;
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            if (_mode == FaultMode.Refuse)
            {
                // accepted, then reset: the client's connect succeeds and its first read or write fails, as with a crashed listener
                Link.Reset(client);
                continue;
            }
            var link = new Link(client);
            _links[link] = 0;
            _ = ForwardAsync(link);
        }
    }
}
