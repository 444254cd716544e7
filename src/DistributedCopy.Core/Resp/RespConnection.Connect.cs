using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace DistributedCopy.Core.Resp;

// RespConnection, part 2: opening a connection (TCP with keepalive, TLS, AUTH/HELLO, SELECT, CLIENT SETNAME), each step within the endpoint's deadline.
public sealed partial class RespConnection
{
    public static async Task<RespConnection> ConnectAsync(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        // keepalive finds a peer that vanished while the connection idles (between jobs' batches, behind a NAT)
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 30);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 5);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
        // closing resets the connection: bytes of a write cut short (a deadline, a lease that ran out) are dropped, never
        // delivered late; every reply this connection waits for has been read by the time it closes normally
        socket.LingerState = new LingerOption(true, 0);
        Stream? stream = null;
        try
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(endpoint.Timeout);
                try
                {
                    await socket.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    throw new RedisConnectException($"cannot connect to {endpoint.Address}: {(ex is SocketException se ? se.SocketErrorCode.ToString() : "timed out")}", ex);
                }
            }
            stream = new NetworkStream(socket, ownsSocket: false);
            if (endpoint.UseTls)
            {
                stream = await StartTlsAsync(endpoint, stream, cancellationToken).ConfigureAwait(false);
            }
            var connection = new RespConnection(endpoint, socket, stream);
            ConnectionWatchdog.Add(connection);
            try
            {
                await connection.HandshakeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                // a peer that resets the connection while it is being set up fails the connect, like a refusal
                ConnectionWatchdog.Remove(connection);
                throw new RedisConnectException($"cannot connect to {endpoint.Address}: the connection was closed during the handshake", ex);
            }
            catch
            {
                ConnectionWatchdog.Remove(connection);
                throw;
            }
            return connection;
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            socket.Dispose();
            throw;
        }
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        var writer = new RespWriter(256);
        var replies = 0;
        if (Endpoint.Password is not null)
        {
            if (Endpoint.User is not null)
            {
                writer.Command("AUTH", Endpoint.User, Endpoint.Password);
            }
            else
            {
                writer.Command("AUTH", Endpoint.Password);
            }
            replies++;
        }
        if (Endpoint.Database != 0)
        {
            writer.Command("SELECT", Endpoint.Database.ToString(System.Globalization.CultureInfo.InvariantCulture));
            replies++;
        }
        if (Endpoint.ReadOnly)
        {
            // a cluster replica serves reads of its master's slots only to a connection that asks
            writer.Command("READONLY");
            replies++;
        }
        writer.Command("CLIENT", "SETNAME", Endpoint.ClientName);
        replies++;
        await SendAsync(writer, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < replies; i++)
        {
            await ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            if (!RespFrame.IsError(Frame))
            {
                continue;
            }
            var text = ServerText.Redact(RespFrame.ErrorText(Frame), Endpoint.Password);
            if (text.StartsWith("WRONGPASS", StringComparison.Ordinal) || text.StartsWith("NOAUTH", StringComparison.Ordinal)
                || text.Contains("invalid password", StringComparison.OrdinalIgnoreCase) || text.Contains("invalid username", StringComparison.OrdinalIgnoreCase))
            {
                throw new RedisAuthException($"authentication failed at {Endpoint.Address}: {text}");
            }
            throw new RedisErrorException(text);
        }
    }

    private static async Task<Stream> StartTlsAsync(RedisEndpoint endpoint, Stream inner, CancellationToken cancellationToken)
    {
        X509Certificate2? ca = endpoint.CaCertificatePath is null ? null : X509CertificateLoader.LoadCertificateFromFile(endpoint.CaCertificatePath);
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false, (_, certificate, chain, errors) =>
        {
            if (endpoint.SkipCertificateValidation || errors == SslPolicyErrors.None)
            {
                return true;
            }
            if (ca is null || certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                return false;
            }
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.Add(ca);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return custom.Build(new X509Certificate2(certificate));
        });
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(endpoint.Timeout);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = endpoint.Host }, timeout.Token).ConfigureAwait(false);
        }
        catch (AuthenticationException ex)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new RedisTlsException($"TLS handshake with {endpoint.Address} failed: {ex.Message}", ex);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new RedisConnectException($"TLS handshake with {endpoint.Address} did not finish within {endpoint.Timeout.TotalSeconds:0.#} s");
        }
        return ssl;
    }
}
