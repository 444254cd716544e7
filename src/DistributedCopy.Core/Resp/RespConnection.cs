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
    private long _busySince;
    private volatile bool _timedOut;
    private readonly byte[] _initial = new byte[64 * 1024];
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _frameLength;

    private RespConnection(RedisEndpoint endpoint, Socket socket, Stream stream)
    {
        Endpoint = endpoint;
        _buffer = _initial;
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

    /// <summary>Sends what <paramref name="writer"/> holds, within the endpoint's deadline.</summary>
    public async ValueTask SendAsync(RespWriter writer, CancellationToken cancellationToken = default)
    {
        Begin();
        try
        {
            await writer.WriteToAsync(_stream, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (_timedOut && ex is not RedisConnectException)
        {
            throw TimedOut("send to");
        }
        finally
        {
            End();
        }
    }

    /// <summary>Reads the next complete reply into <see cref="Frame"/>; returns its first byte's type.</summary>
    public ValueTask ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        _start += _frameLength;
        _frameLength = 0;
        if (_start == _end && _buffer.Length > LargeBuffers.Threshold)
        {
            // every reply consumed: a buffer that grew for a big value gives its memory back
            LargeBuffers.Shrink(ref _buffer, _initial);
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

    /// <summary>
    /// Gives a buffer that grew for a big reply back once every reply is consumed (call when done with <see cref="Frame"/>),
    /// so an idle connection does not keep a big value's memory until its next read.
    /// </summary>
    public void Compact()
    {
        if (_start + _frameLength == _end && _buffer.Length > LargeBuffers.Threshold)
        {
            LargeBuffers.Shrink(ref _buffer, _initial);
            _start = _end = _frameLength = 0;
        }
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
        ConnectionWatchdog.Remove(this);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }

    /// <summary>Called by the <see cref="ConnectionWatchdog"/>: a socket operation that has run past the deadline is aborted.</summary>
    internal void CheckDeadline(long now)
    {
        var since = Volatile.Read(ref _busySince);
        if (since != 0 && now - since > (long)Endpoint.Timeout.TotalMilliseconds)
        {
            _timedOut = true;
            // closing the socket ends the pending read or write at once; the connection is done either way
            _socket.Dispose();
        }
    }

    /// <summary>
    /// Marks a socket operation as started, for the watchdog: two field writes per operation instead of a timer per call.
    /// </summary>
    private void Begin()
    {
        if (_timedOut)
        {
            throw new RedisConnectException($"connection to {Endpoint.Address} timed out earlier and cannot be used again");
        }
        Volatile.Write(ref _busySince, Environment.TickCount64);
    }

    private void End() => Volatile.Write(ref _busySince, 0);

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
                LargeBuffers.Grow(ref _buffer, _end, _buffer.Length * 2);
            }
            int read;
            Begin();
            try
            {
                read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (_timedOut && ex is not RedisConnectException)
            {
                throw TimedOut("reply from");
            }
            finally
            {
                End();
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
