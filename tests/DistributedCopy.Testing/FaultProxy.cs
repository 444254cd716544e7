using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace DistributedCopy.Testing;

/// <summary>
/// A TCP forwarder on loopback in front of a test server that injects real faults: stall (bytes held, connections open),
/// reset (RST on every open connection), refuse (new connections reset) and delay (each chunk held for a while). Bytes
/// keep their order; a stalled pipe stops reading, so TCP back-pressure reaches the sender as on a real network.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
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

    private async Task ForwardAsync(Link link)
    {
        try
        {
            await link.Server.ConnectAsync(new IPEndPoint(IPAddress.Loopback, TargetPort), _stop.Token).ConfigureAwait(false);
            await Task.WhenAll(PumpAsync(link, link.Client, link.Server), PumpAsync(link, link.Server, link.Client)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            link.Reset();
        }
        finally
        {
            _links.TryRemove(link, out _);
            link.Dispose();
        }
    }

    private async Task PumpAsync(Link link, Socket from, Socket to)
    {
        var buffer = new byte[ChunkSize];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    // pass the half-close on; the other direction may still have bytes to deliver
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                var delay = Delay;
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                }
                // held here while stalled: nothing more is read, so the sender's buffers fill as on a real stall
                var flowing = _flowing.Task;
                if (!flowing.IsCompleted)
                {
                    await Task.WhenAny(flowing, link.ResetRequested).ConfigureAwait(false);
                    if (link.ResetRequested.IsCompleted)
                    {
                        return;
                    }
                }
                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                }
                Interlocked.Add(ref _bytes, read);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            link.Reset();
        }
    }

    /// <summary>One client connection and its server connection; a reset also releases a pipe that a stall holds.</summary>
    private sealed class Link(Socket client) : IDisposable
    {
        private readonly TaskCompletionSource _reset = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Socket Client { get; } = Configure(client);

        public Socket Server { get; } = Configure(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));

        public Task ResetRequested => _reset.Task;

        public Task Closed => _closed.Task;

        public void Reset()
        {
            _reset.TrySetResult();
            Reset(Client);
            Reset(Server);
        }

        public static void Reset(Socket socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            Client.Dispose();
            Server.Dispose();
            _closed.TrySetResult();
        }

        // small RESP commands must not wait for Nagle on either hop
        private static Socket Configure(Socket socket)
        {
            socket.NoDelay = true;
            return socket;
        }
    }
}
