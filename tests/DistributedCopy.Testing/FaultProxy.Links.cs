using System.Net;
using System.Net.Sockets;

namespace DistributedCopy.Testing;

// FaultProxy, part 2: each client connection, forwarded both ways under the current fault.
public sealed partial class FaultProxy
{
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
