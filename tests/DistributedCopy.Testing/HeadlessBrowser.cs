using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DistributedCopy.Testing;

/// <summary>
/// A page as a person sees it: Debian's chromium, headless, driven over the DevTools protocol on a loopback port, so a
/// page that renders after load (a Blazor or script app) is read and photographed once its text shows what is awaited.
/// </summary>
public sealed class HeadlessBrowser : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket;
    private int _nextId;

    private HeadlessBrowser(Process process, string profile, ClientWebSocket socket)
    {
        _process = process;
        _profile = profile;
        _socket = socket;
    }

    /// <summary>Where chromium is, or null (a test that needs it fails under CI=true, and says how to install it otherwise).</summary>
    public static string? Executable => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    public static async Task<HeadlessBrowser> OpenAsync(string url, int width = 1600, int height = 1000, CancellationToken cancellationToken = default)
    {
        var executable = Executable ?? throw new InvalidOperationException("chromium is not installed (apt-get install -y chromium)");
        var port = PortAllocator.Next();
        var profile = Path.Combine(Path.GetTempPath(), "dcopy-tests", "chromium-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--disable-extensions",
            $"--remote-debugging-port={port.ToString(CultureInfo.InvariantCulture)}", "--remote-debugging-address=127.0.0.1",
            $"--user-data-dir={profile}", $"--window-size={width.ToString(CultureInfo.InvariantCulture)},{height.ToString(CultureInfo.InvariantCulture)}", "about:blank",
        })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        ProcessRegistry.Add(process);
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        _ = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddSeconds(30);
            JsonNode? page = null;
            while (page is null)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Put, $"http://127.0.0.1:{port}/json/new?{Uri.EscapeDataString(url)}");
                    using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                    page = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200, cancellationToken).ConfigureAwait(false);
                }
            }
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri(page!["webSocketDebuggerUrl"]!.GetValue<string>()), cancellationToken).ConfigureAwait(false);
            return new HeadlessBrowser(process, profile, socket);
        }
        catch
        {
            ProcessRegistry.Stop(process);
            throw;
        }
    }

    /// <summary>The page's visible text now.</summary>
    public async Task<string> TextAsync(CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync("Runtime.evaluate", new JsonObject { ["expression"] = "document.body ? document.body.innerText : ''", ["returnByValue"] = true }, cancellationToken).ConfigureAwait(false);
        return reply["result"]?["value"]?.GetValue<string>() ?? "";
    }

    /// <summary>Waits until the page's text holds every one of <paramref name="texts"/>; returns the text (throws at the deadline).</summary>
    public async Task<string> WaitForTextAsync(TimeSpan timeout, CancellationToken cancellationToken, params string[] texts)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var text = await TextAsync(cancellationToken).ConfigureAwait(false);
            if (texts.All(t => text.Contains(t, StringComparison.Ordinal)))
            {
                return text;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the page did not show {string.Join(", ", texts)} within {timeout.TotalSeconds} s; it shows: {text[..Math.Min(text.Length, 2000)]}");
            }
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task ScreenshotAsync(string file, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" }, cancellationToken).ConfigureAwait(false);
        await File.WriteAllBytesAsync(file, Convert.FromBase64String(reply["data"]!.GetValue<string>()), cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonNode> CallAsync(string method, JsonObject parameters, CancellationToken cancellationToken)
    {
        var id = ++_nextId;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters }.ToJsonString();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, timeout.Token).ConfigureAwait(false);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var received = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(buffer, timeout.Token).ConfigureAwait(false);
                received.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);
            var reply = JsonNode.Parse(received.ToArray())!;
            // events arrive on the same socket; the reply is the message with this call's id
            if (reply["id"]?.GetValue<int>() == id)
            {
                return reply["result"] ?? throw new InvalidOperationException($"{method}: {reply["error"]?.ToJsonString(new JsonSerializerOptions())}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
        }
        catch (WebSocketException)
        {
            // the browser goes anyway
        }
        _socket.Dispose();
        ProcessRegistry.Stop(_process, TimeSpan.FromSeconds(5));
        RedisServer.TryDelete(_profile);
    }
}
