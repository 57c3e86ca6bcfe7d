namespace EdgeCam.Tests;

/// <summary>Tests that must not run alongside any other (allocation and timing measurements).</summary>
[CollectionDefinition(nameof(SerialTests), DisableParallelization = true)]
public sealed class SerialTests;
