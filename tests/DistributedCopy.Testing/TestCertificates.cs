using System.Diagnostics;

namespace DistributedCopy.Testing;

/// <summary>A CA and a server certificate for 127.0.0.1, made with openssl in a directory of their own.</summary>
public sealed class TestCertificates
{
    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaCertificate => Path.Combine(Directory, "ca.crt");

    public string ServerCertificate => Path.Combine(Directory, "server.crt");

    public string ServerKey => Path.Combine(Directory, "server.key");

    public static TestCertificates Create(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var ext = Path.Combine(directory, "san.ext");
        File.WriteAllText(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        Run(directory, "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=dcopy-test-ca -keyout ca.key -out ca.crt");
        Run(directory, "req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr");
        Run(directory, "x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt");
        return new TestCertificates(directory);
    }

    private static void Run(string directory, string arguments)
    {
        var start = new ProcessStartInfo("openssl", arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start openssl");
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {arguments.Split(' ')[0]} failed: {error.Result}");
        }
    }
}
