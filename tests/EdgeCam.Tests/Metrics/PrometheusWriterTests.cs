using EdgeCam.Metrics;
using EdgeCam.Pipeline;
using EdgeCam.Tests.Http;

namespace EdgeCam.Tests.Metrics;

public class PrometheusWriterTests
{
    [Fact]
    public void CumulativeBucketCountsAreExactAtTheHistogramsOwnEdges()
    {
        var h = new LatencyHistogram();
        var rng = new Random(6);
        var values = Enumerable.Range(0, 20000).Select(_ => (long)Math.Exp(rng.NextDouble() * 22)).ToList(); // 1 ns .. ~3.6 s
        foreach (var v in values) h.RecordNs(v);
        long[] edges = new long[] { 1_000, 250_000, 1_000_000, 5_000_000, 100_000_000, 1_000_000_000 }.Select(LatencyHistogram.EdgeAtOrAboveNs).ToArray();
        var counts = new long[edges.Length];
        h.ReadCumulative(edges, counts, out long total, out long sum);
        Assert.Equal(values.Count, total);
        Assert.Equal(values.Sum(), sum);
        for (int i = 0; i < edges.Length; i++)
        {
            Assert.InRange(edges[i], new[] { 1_000L, 250_000, 1_000_000, 5_000_000, 100_000_000, 1_000_000_000 }[i], long.MaxValue);
            Assert.Equal(values.Count(v => v <= edges[i]), counts[i]);
        }
    }

    [Fact]
    public void LabelValuesAreEscapedAndTheOutputParses()
    {
        var registry = new MetricsRegistry();
        registry.Register(w => w.Family("x_info", "gauge", "help with \\ and\nnewline")
            .Sample("x_info", 1, ("path", "C:\\dir \"quoted\"\nnext")));
        registry.Counter("x_total", "a counter", () => 3);
        registry.Gauge("x_nan", "not a number", () => double.NaN);
        string text = registry.Scrape();
        var (samples, types) = PrometheusTextParser.Parse(text);
        Assert.Equal("C:\\dir \"quoted\"\nnext", samples[0].Labels["path"]);
        Assert.Equal(3, samples.Single(s => s.Name == "x_total").Value);
        Assert.True(double.IsNaN(samples.Single(s => s.Name == "x_nan").Value));
        Assert.Equal("counter", types["x_total"]);
    }

    [Theory]
    [InlineData("9lives")]
    [InlineData("has-dash")]
    [InlineData("")]
    public void BadNamesAreRefusedWhenRegisteredNotWhenScraped(string name)
    {
        var w = new PrometheusWriter();
        Assert.Throws<ArgumentException>(() => w.Family(name, "gauge", "h"));
        Assert.Throws<ArgumentException>(() => new PrometheusWriter().Family("ok", "gauge", "h").Sample("ok", 1, (name, "v")));
    }

    [Fact]
    public void AFamilyRegisteredTwiceIsAnError()
    {
        var registry = new MetricsRegistry();
        registry.Gauge("dup", "a", () => 1);
        registry.Gauge("dup", "b", () => 2);
        Assert.Throws<ArgumentException>(registry.Scrape);
    }

    [Fact]
    public void TheParserRejectsWhatIsNotTheFormat()
    {
        Assert.Throws<FormatException>(() => PrometheusTextParser.Parse("metric-name 1\n"));
        Assert.Throws<FormatException>(() => PrometheusTextParser.Parse("m{l=\"x} 1\n".Replace("\"x}", "x}")));
        Assert.Throws<FormatException>(() => PrometheusTextParser.Parse("m one\n"));
        Assert.Throws<FormatException>(() => PrometheusTextParser.Parse("# TYPE m colour\n"));
        Assert.Throws<FormatException>(() => PrometheusTextParser.Parse("m 1"));
    }
}
