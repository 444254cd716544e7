using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace DistributedCopy.Core.Resp;

/// <summary>
/// One connection to one Redis node, used strictly in turn: send a whole batch of commands, then read its replies.
/// Replies are parsed in place from a reused buffer, so the copy path allocates nothing per key.
/// </summary>
public sealed class RespConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly CancellationTokenSource _deadline = new();
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _frameLength;

    private RespConnection(RedisEndpoint endpoint, Socket socket, Stream stream)
    {
        Endpoint = endpoint;
        _socket = socket;
        _stream = stream;
    }

    public RedisEndpoint Endpoint { get; }

    /// <summary>The reply read by the last <see cref="ReadFrameAsync"/>; valid until the next read.</summary>
    public ReadOnlySpan<byte> Frame => _buffer.AsSpan(_start, _frameLength);

    public static async Task<RespConnection> ConnectAsync(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        // keepalive finds a peer that vanished while the connection idles (between jobs' batches, behind a NAT)
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 30);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 5);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
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
            await connection.HandshakeAsync(cancellationToken).ConfigureAwait(false);
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

    /// <summary>Sends what <paramref name="writer"/> holds, within the endpoint's deadline.</summary>
    public async ValueTask SendAsync(RespWriter writer, CancellationToken cancellationToken = default)
    {
        var token = StartDeadline(cancellationToken, out var link);
        try
        {
            await _stream.WriteAsync(writer.Written, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut("send to");
        }
        finally
        {
            link.Dispose();
        }
    }

    /// <summary>Reads the next complete reply into <see cref="Frame"/>; returns its first byte's type.</summary>
    public ValueTask ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        _start += _frameLength;
        _frameLength = 0;
        if (_start == _end && _buffer.Length > 1024 * 1024)
        {
            // every reply consumed: a buffer that grew for a big value gives its memory back
            _buffer = new byte[64 * 1024];
            _start = _end = 0;
        }
        var length = RespFrame.Length(_buffer.AsSpan(_start, _end - _start));
        if (length >= 0)
        {
            _frameLength = length;
            return ValueTask.CompletedTask;
        }
        return ReadMoreAsync(cancellationToken);
    }

    /// <summary>Sends one command and returns a copy of its reply; throws on an error reply. For the cold path.</summary>
    public async Task<byte[]> ExecuteAsync(params string[] parts)
    {
        var writer = new RespWriter(256);
        writer.Command(parts);
        await SendAsync(writer).ConfigureAwait(false);
        await ReadFrameAsync().ConfigureAwait(false);
        ThrowIfError(Frame);
        return Frame.ToArray();
    }

    public async Task<string> ExecuteStringAsync(params string[] parts) => RespFrame.String(await ExecuteAsync(parts).ConfigureAwait(false));

    public async Task<long> ExecuteIntegerAsync(params string[] parts) => RespFrame.Integer(await ExecuteAsync(parts).ConfigureAwait(false));

    public static void ThrowIfError(ReadOnlySpan<byte> frame)
    {
        if (RespFrame.IsError(frame))
        {
            throw new RedisErrorException(RespFrame.ErrorText(frame));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        _deadline.Dispose();
    }

    /// <summary>
    /// Arms the connection's deadline for one socket operation, linked to the caller's token. One reused source per
    /// connection: no allocation per operation beyond the registration.
    /// </summary>
    private CancellationToken StartDeadline(CancellationToken cancellationToken, out CancellationTokenRegistration link)
    {
        if (!_deadline.TryReset())
        {
            // an earlier operation timed out: the reply stream is out of step, this connection is done
            throw new RedisConnectException($"connection to {Endpoint.Address} timed out earlier and cannot be used again");
        }
        _deadline.CancelAfter(Endpoint.Timeout);
        link = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _deadline)
            : default;
        return _deadline.Token;
    }

    private RedisConnectException TimedOut(string what) =>
        new($"no progress on the {what} {Endpoint.Address} within {Endpoint.Timeout.TotalSeconds:0.#} s (a stalled network or server)");

    private async ValueTask ReadMoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            int read;
            var token = StartDeadline(cancellationToken, out var link);
            try
            {
                read = await _stream.ReadAsync(_buffer.AsMemory(_end), token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw TimedOut("reply from");
            }
            finally
            {
                link.Dispose();
            }
            if (read == 0)
            {
                throw new RedisConnectException($"connection to {Endpoint.Address} closed by the server");
            }
            _end += read;
            var length = RespFrame.Length(_buffer.AsSpan(0, _end));
            if (length >= 0)
            {
                _frameLength = length;
                return;
            }
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
        writer.Command("CLIENT", "SETNAME", "dcopy");
        replies++;
        await SendAsync(writer, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < replies; i++)
        {
            await ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            if (!RespFrame.IsError(Frame))
            {
                continue;
            }
            var text = RespFrame.ErrorText(Frame);
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
