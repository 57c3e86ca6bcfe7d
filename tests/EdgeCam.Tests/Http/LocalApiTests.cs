using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeCam.Imaging.Codecs;

namespace EdgeCam.Tests.Http;

/// <summary>One real run (BlazeFace on the demo photos, looping at 20 fps) with its API, shared by the tests.</summary>
public sealed class ApiRunFixture : IAsyncLifetime
{
    public InProcessRun Run { get; private set; } = null!;
    public string SnapshotDir { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        SnapshotDir = Path.Combine(TestAssets.TempDir("api-snapshots"), "events");
        Run = new InProcessRun("api",
            $$"""{ "kind": "directory", "path": "{{TestAssets.RequireDir(Path.Combine(TestAssets.Cache, "data", "demo"))}}", "fps": 20, "framesPerImage": 2, "loop": true }""",
            $$""", "snapshots": { "directory": "{{SnapshotDir}}", "maxMegabytes": 5 }""");
        await Run.WaitReady();
        // Past warm-up, whose end resets the stage histograms, so every test sees a steady run.
        var until = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < until)
        {
            using var status = JsonDocument.Parse(await Run.Client.GetStringAsync("/status"));
            if (status.RootElement.GetProperty("stages").GetProperty("inference").GetProperty("count").GetInt64() >= 5) return;
            await Task.Delay(50);
        }
        throw new TimeoutException("the run did not get past warm-up within 20 s");
    }

    public Task DisposeAsync()
    {
        Assert.Equal(0, Run.Stop());
        Run.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The HTTP API of a running pipeline, through a real HttpClient over loopback TCP.</summary>
public class LocalApiTests(ApiRunFixture fixture) : IClassFixture<ApiRunFixture>
{
    private HttpClient Client => fixture.Run.Client;

    [Fact]
    public async Task HealthAndReadinessAnswer200()
    {
        using var health = await Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok\n", await health.Content.ReadAsStringAsync());
        using var ready = await Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(3, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task StatusDescribesTheRunAsJson()
    {
        using var response = await Client.GetAsync("/status");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;
        Assert.True(root.GetProperty("ready").GetBoolean());
        Assert.Equal("blazeface-front", root.GetProperty("model").GetString());
        Assert.True(root.GetProperty("framesProcessed").GetInt64() > 0);
        Assert.True(root.GetProperty("stages").GetProperty("inference").GetProperty("meanMs").GetDouble() > 0);
        Assert.Equal(["door_light", "buzzer"], root.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        Assert.Equal("face_seen", root.GetProperty("rules")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task MetricsParseAsThePrometheusTextFormat()
    {
        using var response = await Client.GetAsync("/metrics");
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var (samples, types) = PrometheusTextParser.Parse(await response.Content.ReadAsStringAsync());

        double Value(string name, params (string, string)[] labels) =>
            samples.Single(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Item1, out var v) && v == l.Item2)).Value;
        Assert.True(Value("edgecam_frames_processed_total") > 0);
        Assert.Equal("counter", types["edgecam_frames_processed_total"]);
        Assert.Equal(1, Value("edgecam_ready"));
        Assert.Equal(1, Value("edgecam_build_info", ("model", "blazeface-front"), ("model_version", "1.2.0")));
        Assert.InRange(Value("edgecam_output_state", ("output", "buzzer")), 0, 1);
        Assert.InRange(Value("edgecam_rule_active", ("rule", "face_seen")), 0, 1);

        // Histograms: per stage, cumulative buckets in ascending "le", +Inf equal to _count, a positive sum.
        Assert.Equal("histogram", types["edgecam_stage_duration_seconds"]);
        foreach (var stage in new[] { "wait", "preprocess", "inference", "postprocess", "rules", "total" })
        {
            var buckets = samples.Where(s => s.Name == "edgecam_stage_duration_seconds_bucket" && s.Labels["stage"] == stage).ToList();
            Assert.True(buckets.Count > 5, stage);
            var bounds = buckets.Select(b => b.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(b.Labels["le"], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(bounds.Order(), bounds);
            Assert.True(double.IsPositiveInfinity(bounds[^1]));
            for (int i = 1; i < buckets.Count; i++) Assert.True(buckets[i].Value >= buckets[i - 1].Value, $"{stage}: buckets not cumulative");
            double count = Value("edgecam_stage_duration_seconds_count", ("stage", stage));
            Assert.Equal(count, buckets[^1].Value);
            if (count > 0) Assert.True(Value("edgecam_stage_duration_seconds_sum", ("stage", stage)) > 0);
        }
        Assert.True(Value("edgecam_stage_duration_seconds_count", ("stage", "inference")) > 0);
        // Every sample belongs to a declared family.
        foreach (var s in samples)
            Assert.True(types.ContainsKey(s.Name) || types.ContainsKey(s.Name[..s.Name.LastIndexOf('_')]), $"{s.Name} has no TYPE");
    }

    [Fact]
    public async Task TheFrameCounterGrowsBetweenScrapes()
    {
        static double Frames(string text) => PrometheusTextParser.Parse(text).Samples.Single(s => s.Name == "edgecam_frames_processed_total").Value;
        double first = Frames(await Client.GetStringAsync("/metrics"));
        await Task.Delay(400);
        Assert.True(Frames(await Client.GetStringAsync("/metrics")) > first);
    }

    [Fact]
    public async Task SnapshotIsTheNewestFrameAsAJpeg()
    {
        using var first = await Client.GetAsync("/snapshot.jpg");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("image/jpeg", first.Content.Headers.ContentType?.MediaType);
        using var decoder = new ImageDecoder();
        var image = decoder.Decode(await first.Content.ReadAsByteArrayAsync(), "snapshot.jpg");
        // Every demo photo is at least 300 pixels on a side; a decoded frame is not flat.
        Assert.True(image.Width >= 300 && image.Height >= 300, $"{image.Width}x{image.Height}");
        Assert.True(image.Pixels.Max() - image.Pixels.Min() > 100);
        long seq1 = long.Parse(first.Headers.GetValues("X-Frame-Sequence").Single());
        await Task.Delay(500);
        using var second = await Client.GetAsync("/snapshot.jpg");
        Assert.True(long.Parse(second.Headers.GetValues("X-Frame-Sequence").Single()) > seq1);
    }

    [Fact]
    public async Task MutatingEndpointsNeedTheBearerToken()
    {
        using var none = await Client.PostAsync("/update/check", null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("Authorization: Bearer", await none.Content.ReadAsStringAsync());

        using var basic = await Send(HttpMethod.Post, "/update/check", new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz"));
        Assert.Equal(HttpStatusCode.Unauthorized, basic.StatusCode);
        using var wrong = await Send(HttpMethod.Post, "/outputs/buzzer/pulse", new AuthenticationHeaderValue("Bearer", InProcessRun.Token + "x"));
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Contains("does not match", await wrong.Content.ReadAsStringAsync());
        using var right = await Send(HttpMethod.Post, "/update/check", new AuthenticationHeaderValue("Bearer", InProcessRun.Token));
        Assert.Equal(HttpStatusCode.NotImplemented, right.StatusCode);
    }

    [Fact]
    public async Task WrongMethodsPathsAndArgumentsAreClearErrors()
    {
        using var get = await Client.GetAsync("/outputs/buzzer/pulse");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(["POST"], get.Content.Headers.Allow);
        using var post = await Send(HttpMethod.Post, "/metrics", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        using var unknown = await Client.GetAsync("/nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var token = new AuthenticationHeaderValue("Bearer", InProcessRun.Token);
        using var noOutput = await Send(HttpMethod.Post, "/outputs/siren/pulse", token);
        Assert.Equal(HttpStatusCode.NotFound, noOutput.StatusCode);
        Assert.Contains("door_light, buzzer", await noOutput.Content.ReadAsStringAsync());
        using var badMs = await Send(HttpMethod.Post, "/outputs/buzzer/pulse?ms=0", token);
        Assert.Equal(HttpStatusCode.BadRequest, badMs.StatusCode);
    }

    [Fact]
    public async Task APulseSwitchesTheOutputOnAndBackOff()
    {
        // Long enough that a cold first /status (JIT) cannot miss it; nothing else drives the buzzer.
        await Client.GetStringAsync("/status");
        Assert.True(await BuzzerBecomes(false, TimeSpan.FromSeconds(1)), "the buzzer is on before the pulse");
        using var accepted = await Send(HttpMethod.Post, "/outputs/buzzer/pulse?ms=1500", new AuthenticationHeaderValue("Bearer", InProcessRun.Token));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.True(await BuzzerBecomes(true, TimeSpan.FromSeconds(1.4)), "the buzzer did not go on");
        Assert.True(await BuzzerBecomes(false, TimeSpan.FromSeconds(3)), "the buzzer did not go off again");
    }

    [Fact]
    public async Task ARuleActivationWritesAnEventSnapshot()
    {
        // The demo shows Grace Hopper within the first seconds; face_seen fires and a JPEG lands in the directory.
        var until = DateTime.UtcNow.AddSeconds(15);
        string[] files = [];
        while (DateTime.UtcNow < until && files.Length == 0)
        {
            await Task.Delay(200);
            files = Directory.Exists(fixture.SnapshotDir) ? Directory.GetFiles(fixture.SnapshotDir, "*-face_seen-*.jpg") : [];
        }
        Assert.NotEmpty(files);
        // Only whole files ever carry the .jpg name (writes go to a temp name first): every one decodes.
        using var decoder = new ImageDecoder();
        foreach (var file in Directory.GetFiles(fixture.SnapshotDir, "*.jpg"))
            Assert.True(decoder.DecodeFile(file).Width >= 300, file);
    }

    private async Task<bool> BuzzerBecomes(bool value, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            using var doc = JsonDocument.Parse(await Client.GetStringAsync("/status"));
            if (doc.RootElement.GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "buzzer")
                    .GetProperty("value").GetBoolean() == value) return true;
            await Task.Delay(50);
        }
        return false;
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, AuthenticationHeaderValue? auth)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = auth;
        return Client.SendAsync(request);
    }
}
