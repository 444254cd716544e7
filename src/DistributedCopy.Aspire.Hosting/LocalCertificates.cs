using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DistributedCopy.Aspire.Hosting;

/// <summary>
/// A CA of the run's own and one certificate it signed, shown by every silo and by dcopy (server and client use): the
/// files a local run's mutual TLS needs, made with .NET alone, valid for 30 days.
/// </summary>
public static class LocalCertificates
{
    /// <returns>The certificate, its private key and the CA, as PEM files in <paramref name="folder"/> (the key readable by this user only).</returns>
    public static (string Certificate, string Key, string Authority) Create(string folder)
    {
        Directory.CreateDirectory(folder);
        var notBefore = DateTimeOffset.UtcNow.AddHours(-1);
        var notAfter = notBefore.AddDays(30);
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=DistributedCopy local silo CA", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        authorityRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(authorityRequest.PublicKey, false));
        using var authority = authorityRequest.CreateSelfSigned(notBefore, notAfter);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=DistributedCopy silo", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        // one certificate for both ends of every connection: silos accept and open connections, dcopy opens them
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        using var certificate = request.Create(authority, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));

        var (certificateFile, keyFile, authorityFile) = (Path.Combine(folder, "silo.crt"), Path.Combine(folder, "silo.key"), Path.Combine(folder, "ca.crt"));
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyFile, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(authorityFile, authority.ExportCertificatePem() + "\n");
        return (certificateFile, keyFile, authorityFile);
    }
}
