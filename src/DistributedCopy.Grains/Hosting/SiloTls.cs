using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace DistributedCopy.Grains;

/// <summary>
/// Mutual TLS for silo-to-silo and client-to-silo traffic: each side shows its certificate and takes the other's only
/// when it chains to the cluster's own CA (<c>--silo-ca</c>), so a process without a certificate from that CA can
/// neither join the cluster nor reach a gateway. Names are not checked: silos are addressed by IP; the CA is the trust.
/// </summary>
public sealed class SiloTls
{
    private readonly X509Certificate2Collection _authority;

    private SiloTls(X509Certificate2 certificate, X509Certificate2Collection authority)
    {
        Certificate = certificate;
        _authority = authority;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>
    /// The TLS settings of --silo-cert, --silo-key and --silo-ca (dcopy's and the silo host's alike, the PKCS#12
    /// password from DCOPY_SILO_CERT_PASSWORD), or null when none is given. Throws <see cref="ArgumentException"/> with
    /// a one-line reason when only some are given or a file is not what it should be.
    /// </summary>
    public static SiloTls? FromOptions(string? certificateFile, string? keyFile, string? authorityFile)
    {
        if (certificateFile is null && keyFile is null && authorityFile is null)
        {
            return null;
        }
        if (certificateFile is null || authorityFile is null)
        {
            throw new ArgumentException("--silo-cert and --silo-ca go together: this process's certificate and the CA every silo's and client's certificate chains to");
        }
        return Load(certificateFile, keyFile, authorityFile, Environment.GetEnvironmentVariable("DCOPY_SILO_CERT_PASSWORD"));
    }

    /// <summary>
    /// The certificate (PEM with its key in the same file or in <paramref name="keyFile"/>, or PKCS#12 .pfx/.p12 with
    /// <paramref name="pfxPassword"/>) and the CA (PEM, one or more certificates). Throws <see cref="ArgumentException"/>
    /// with a one-line reason naming the file.
    /// </summary>
    public static SiloTls Load(string certificateFile, string? keyFile, string authorityFile, string? pfxPassword = null)
    {
        X509Certificate2 certificate;
        try
        {
            var extension = Path.GetExtension(certificateFile).ToLowerInvariant();
            certificate = extension is ".pfx" or ".p12"
                ? X509CertificateLoader.LoadPkcs12FromFile(certificateFile, pfxPassword)
                : X509Certificate2.CreateFromPemFile(certificateFile, keyFile ?? certificateFile);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ArgumentException($"--silo-cert: {certificateFile} is not a readable certificate with its private key ({Reason(ex)}; a PEM key in another file goes with --silo-key)");
        }
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException($"--silo-cert: {certificateFile} holds no private key");
        }
        var authority = new X509Certificate2Collection();
        try
        {
            authority.ImportFromPemFile(authorityFile);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--silo-ca: {authorityFile} is not a readable PEM certificate ({Reason(ex)})");
        }
        if (authority.Count == 0)
        {
            throw new ArgumentException($"--silo-ca: {authorityFile} holds no certificate");
        }
        var tls = new SiloTls(certificate, authority);
        if (!tls.Trusts(certificate))
        {
            throw new ArgumentException($"--silo-cert: {certificateFile} is not signed by the CA in {authorityFile} (or has expired): the other silos would refuse it");
        }
        return tls;
    }

    /// <summary>The certificate chains to the cluster's CA (and is in its validity period).</summary>
    public bool Trusts(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>Silo to silo and gateway traffic: this certificate shown, the other side's required and checked against the CA.</summary>
    public ISiloBuilder Apply(ISiloBuilder silo) => silo.UseTls(Certificate, Configure);

    /// <summary>Client to gateway traffic, the same way.</summary>
    public IClientBuilder Apply(IClientBuilder client) => client.UseTls(Certificate, Configure);

    private void Configure(TlsOptions options)
    {
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // the platform's verdict (unknown root, name mismatch for an IP) is replaced by the cluster CA's
        options.RemoteCertificateValidation = (certificate, _, _) => Trusts(certificate);
        options.HandshakeTimeout = TimeSpan.FromSeconds(10);
    }

    private static string Reason(Exception ex) => ex.Message.Split('\n')[0].TrimEnd('.');
}
