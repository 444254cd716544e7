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
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly Task _accepting;
    private TaskCompletionSource _flowing = NewGate(open: true);
    private FaultMode _mode;
    private long _bytes;

    private FaultProxy(int targetPort, Socket listener, int port)
    {
        TargetPort = targetPort;
        Port = port;
        _listener = listener;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public int TargetPort { get; }

    /// <summary>Extra latency for each chunk in each direction.</summary>
    public TimeSpan Delay { get; set; }

    public long BytesForwarded => Interlocked.Read(ref _bytes);

    /// <summary>Open client-side connections.</summary>
    public int Connections => _sockets.Count / 2;

    public FaultMode Mode
    {
        get => _mode;
        set
        {
            lock (_sockets)
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
                listener.Dispose();
            }
        }
    }

    /// <summary>Closes every open connection with a reset, both sides.</summary>
    public void ResetAll()
    {
        foreach (var socket in _sockets.Keys)
        {
            Reset(socket);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        _flowing.TrySetResult();
        ResetAll();
        try
        {
            await _accepting.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or TimeoutException)
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
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            if (Mode == FaultMode.Refuse)
            {
                Reset(client);
                continue;
            }
            _ = ConnectAsync(client);
        }
    }

    private async Task ConnectAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(new IPEndPoint(IPAddress.Loopback, TargetPort), _stop.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            Reset(client);
            server.Dispose();
            return;
        }
        _sockets[client] = 0;
        _sockets[server] = 0;
        await Task.WhenAll(PumpAsync(client, server), PumpAsync(server, client));
        _sockets.TryRemove(client, out _);
        _sockets.TryRemove(server, out _);
        client.Dispose();
        server.Dispose();
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                // held here while stalled: nothing more is read, so the sender's buffers fill as on a real stall
                await _flowing.Task.WaitAsync(_stop.Token);
                if (Delay > TimeSpan.Zero)
                {
                    await Task.Delay(Delay, _stop.Token);
                }
                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, _stop.Token);
                }
                Interlocked.Add(ref _bytes, read);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            Reset(from);
            Reset(to);
        }
    }

    private static void Reset(Socket socket)
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
}
