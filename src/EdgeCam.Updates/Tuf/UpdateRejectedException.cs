namespace EdgeCam.Updates.Tuf;

/// <summary>Why an update was refused; each names one of the attacks or failures the client guards against.</summary>
public enum UpdateFailure
{
    /// <summary>The origin could not be reached or answered with an HTTP error.</summary>
    Network,
    /// <summary>Metadata that does not parse, lacks a field, or has the wrong type.</summary>
    Malformed,
    /// <summary>A signature by a key the role does not list, or one that does not verify.</summary>
    Signature,
    /// <summary>Fewer valid signatures from distinct keys than the role's threshold.</summary>
    Threshold,
    /// <summary>A version older than one already trusted (a replay).</summary>
    Rollback,
    /// <summary>Metadata past its expiry (a freeze attack, or a stale origin).</summary>
    Expired,
    /// <summary>Metadata that does not match the version or hash another role pinned.</summary>
    MixAndMatch,
    /// <summary>Bytes whose length or hash differ from what signed metadata declares.</summary>
    Hash,
    /// <summary>More bytes than declared (an endless-data attack).</summary>
    TooLong,
    /// <summary>A download that did not finish before its deadline (a slow-retrieval attack).</summary>
    Timeout,
    /// <summary>A bundle for other hardware or a newer edgecam.</summary>
    Incompatible,
    /// <summary>A bundle whose contents are not a usable bundle.</summary>
    BadBundle,
    /// <summary>A model that ONNX Runtime refuses to load.</summary>
    ModelLoad,
    /// <summary>A model whose self-test vectors fail, or whose outputs are not finite or not of the declared shapes.</summary>
    SelfTest,
    /// <summary>Another process holds the update state.</summary>
    Busy,
}

/// <summary>An update was refused; the message is one line that names the file and the reason.</summary>
public sealed class UpdateRejectedException(UpdateFailure failure, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public UpdateFailure Failure { get; } = failure;

    public override string ToString() => $"{Failure}: {Message}";
}
