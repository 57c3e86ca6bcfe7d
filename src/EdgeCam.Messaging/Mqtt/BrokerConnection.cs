using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace EdgeCam.Messaging.Mqtt;

/// <summary>Opens the byte stream to the broker: TCP, optionally wrapped in TLS, and reads whole packets from it.</summary>
internal static class BrokerConnection
{
    public static async Task<Stream> OpenAsync(MqttClientOptions o, X509Certificate2Collection? trustedCas, CancellationToken ct)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(o.Host, o.Port, ct).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            tcp.Dispose();
            throw new IOException($"TCP connection to {o.Host}:{o.Port} failed: {e.Message}", e);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
        Stream stream = tcp.GetStream();
        if (!o.UseTls) return stream;

        string serverName = o.TlsServerName ?? o.Host;
        string? why = null;
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                    CertificateIsTrusted(cert, errors, trustedCas, serverName, o.CaFile, out why),
            }, ct).ConfigureAwait(false);
        }
        catch (AuthenticationException e)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            tcp.Dispose();
            throw new IOException($"TLS with {o.Host}:{o.Port} failed: {why ?? e.Message}", e);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            tcp.Dispose();
            throw;
        }
        return ssl;
    }

    /// <summary>With a CA file, the broker's chain must end in one of its certificates (and no
    /// other root); the name must match either way. <paramref name="why"/> says what failed.</summary>
    private static bool CertificateIsTrusted(X509Certificate? cert, SslPolicyErrors errors, X509Certificate2Collection? trustedCas,
        string serverName, string? caFile, out string? why)
    {
        why = null;
        if (cert is null)
        {
            why = "the broker sent no certificate";
            return false;
        }
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            why = $"the broker's certificate is not issued for \"{serverName}\"";
            return false;
        }
        if (trustedCas is null)
        {
            if (errors == SslPolicyErrors.None) return true;
            why = $"the broker's certificate is not trusted by the system ({errors}); set a CA file";
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustedCas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(cert);
        if (chain.Build(leaf)) return true;
        why = $"the broker's certificate is not signed by the CA in {caFile} ({string.Join(", ", chain.ChainStatus.Select(s => s.Status))})";
        return false;
    }

    /// <summary>Loads the PEM CA file; a one-line error names the file when it cannot.</summary>
    public static X509Certificate2Collection LoadCaFile(string path)
    {
        var cas = new X509Certificate2Collection();
        try
        {
            cas.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"MQTT TLS CA file {path}: cannot be read as PEM certificates: {e.Message}", e);
        }
        if (cas.Count == 0) throw new ArgumentException($"MQTT TLS CA file {path}: holds no PEM certificate");
        return cas;
    }

    /// <summary>Reads one whole packet. The body is rented; the caller returns it to the pool.</summary>
    public static async Task<(MqttPacketType Type, byte Flags, byte[] Body, int Length)> ReadPacketAsync(
        Stream stream, byte[] header, int maxPacketBytes, CancellationToken ct)
    {
        await ReadExactly(stream, header.AsMemory(0, 1), ct).ConfigureAwait(false);
        var (type, flags) = MqttDecoder.ReadFirstByte(header[0]);
        int length, n = 0;
        while (true)
        {
            await ReadExactly(stream, header.AsMemory(1 + n, 1), ct).ConfigureAwait(false);
            n++;
            var status = RemainingLength.TryDecode(header.AsSpan(1, n), out length, out _);
            if (status == OperationStatus.Done) break;
            if (n == RemainingLength.MaxBytes)
                throw new MqttProtocolException($"MQTT {type}: remaining length runs past {RemainingLength.MaxBytes} bytes (spec 2.2.3)");
        }
        MqttDecoder.CheckSize(type, length, maxPacketBytes);
        var body = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            await ReadExactly(stream, body.AsMemory(0, length), ct).ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(body);
            throw;
        }
        return (type, flags, body, length);
    }

    private static async ValueTask ReadExactly(Stream stream, Memory<byte> buffer, CancellationToken ct)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, ct).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new IOException("the broker closed the connection");
        }
    }
}
