namespace EdgeCam.Inference.Onnx;

/// <summary>Reads OrtModelMetadata: producer, graph, domain, description, version, custom map.
/// Strings ORT allocates are freed with the allocator that made them, each exactly once.</summary>
internal static unsafe class SessionMetadata
{
    public static ModelMetadata Read(nint session, string path)
    {
        nint meta;
        OrtStatus.Check(OrtApi.SessionGetModelMetadata(session, &meta), path);
        nint allocator;
        OrtStatus.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator), path);
        try
        {
            string? producer = Take(OrtApi.ModelMetadataGetProducerName, meta, allocator, path);
            string? graph = Take(OrtApi.ModelMetadataGetGraphName, meta, allocator, path);
            string? domain = Take(OrtApi.ModelMetadataGetDomain, meta, allocator, path);
            string? description = Take(OrtApi.ModelMetadataGetDescription, meta, allocator, path);
            long version;
            OrtStatus.Check(OrtApi.ModelMetadataGetVersion(meta, &version), path);

            var custom = new Dictionary<string, string>(StringComparer.Ordinal);
            byte** keys;
            long count;
            OrtStatus.Check(OrtApi.ModelMetadataGetCustomMetadataMapKeys(meta, allocator, &keys, &count), path);
            if (keys != null)
            {
                for (long i = 0; i < count; i++)
                {
                    string key = OrtApi.Utf8(keys[i]) ?? "";
                    byte* value;
                    OrtStatus.Check(OrtApi.ModelMetadataLookupCustomMetadataMap(meta, allocator, keys[i], &value), path);
                    custom[key] = OrtApi.Utf8(value) ?? "";
                    if (value != null) OrtStatus.Check(OrtApi.AllocatorFree(allocator, value), path);
                    OrtStatus.Check(OrtApi.AllocatorFree(allocator, keys[i]), path);
                }
                OrtStatus.Check(OrtApi.AllocatorFree(allocator, keys), path);
            }
            return new ModelMetadata(producer, graph, domain, description, version, custom);
        }
        finally
        {
            OrtApi.ReleaseModelMetadata(meta);
        }
    }

    private static string? Take(delegate* unmanaged<nint, nint, byte**, nint> getter, nint meta, nint allocator, string path)
    {
        byte* s;
        OrtStatus.Check(getter(meta, allocator, &s), path);
        if (s == null) return null;
        string? value = OrtApi.Utf8(s);
        OrtStatus.Check(OrtApi.AllocatorFree(allocator, s), path);
        return string.IsNullOrEmpty(value) ? null : value;
    }
}
