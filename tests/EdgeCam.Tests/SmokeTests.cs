namespace EdgeCam.Tests;

public class SmokeTests
{
    [Fact]
    public void AssetsAreFetched()
    {
        Assert.True(new FileInfo(TestAssets.OrtLibrary).Length > 1_000_000);
    }
}
