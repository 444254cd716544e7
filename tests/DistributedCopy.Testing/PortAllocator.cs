using System.Net;
using System.Net.Sockets;

namespace DistributedCopy.Testing;

/// <summary>
/// Hands out loopback ports in 20000–29999 whose cluster bus port (+10000) is free too. Each test process starts at its
/// own offset (from its process id), so test projects that run at the same time rarely probe the same ports.
/// </summary>
public static class PortAllocator
{
    public const int First = 20000;
    public const int Last = 29999;
    public const int BusOffset = 10000;

    private static readonly object _gate = new();
    private static int _next = First + (Environment.ProcessId * 97 % (Last - First));

    public static int Next()
    {
        lock (_gate)
        {
            for (var tries = 0; tries < Last - First; tries++)
            {
                var port = _next;
                _next = _next >= Last ? First : _next + 1;
                if (IsFree(port) && IsFree(port + BusOffset))
                {
                    return port;
                }
            }
        }
        throw new InvalidOperationException($"no free loopback port in {First}-{Last}");
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
