namespace EdgeCam.Tests;

/// <summary>
/// Where the real models, photos and the ONNX Runtime library live: the cache that
/// scripts/fetch-assets.sh fills (EDGECAM_CACHE, default ~/.cache/edgecam). A missing asset
/// fails the test that needs it, with the command that fetches it; nothing is skipped silently.
/// </summary>
public static class TestAssets
{
    public static string Cache { get; } = Environment.GetEnvironmentVariable("EDGECAM_CACHE") is { Length: > 0 } c
        ? c
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "edgecam");

    public static string OrtLibrary => Require(Path.Combine(Cache, "ort", "linux-x64", "libonnxruntime.so.1"));
    public static string BlazeFaceFront => Require(Path.Combine(Cache, "models", "blazeface", "face_detection_front_128x128.onnx"));
    public static string BlazeFaceBack => Require(Path.Combine(Cache, "models", "blazeface", "face_detection_back_256x256.onnx"));
    public static string OcrClassifier => Require(Path.Combine(Cache, "models", "ppocr", "ch_ppocr_mobile_v2.0_cls_infer.onnx"));
    public static string OcrDetector => Require(Path.Combine(Cache, "models", "ppocr", "ch_PP-OCRv4_det_infer.onnx"));
    public static string GraceHopper => Require(Path.Combine(Cache, "data", "matplotlib", "grace_hopper.jpg"));
    public static string Fruits => Require(Path.Combine(Cache, "data", "opencv", "fruits.jpg"));
    public static string Messi => Require(Path.Combine(Cache, "data", "opencv", "messi5.jpg"));
    public static string DarknetDir => RequireDir(Path.Combine(Cache, "data", "darknet"));
    public static string FacesDir => RequireDir(Path.Combine(Cache, "data", "faces"));
    /// <summary>Page images with lines of real text (scikit-image's page.png and bw_text.png, OpenCV's imageTextN.png).</summary>
    public static string TextPage(string name) => Require(Path.Combine(Cache, "data", "text", name));
    /// <summary>Photos with text in them (scikit-image's text.png; OpenCV's sudoku.png, text_defocus.jpg, text_motion.jpg, licenseplate_motion.jpg).</summary>
    public static string TextPhoto(string name) => Require(Path.Combine(Cache, "data", "text-photos", name));

    public static string Require(string path) => File.Exists(path)
        ? path
        : throw new FileNotFoundException($"test asset {path} is missing; run scripts/fetch-assets.sh", path);

    public static string RequireDir(string path) => Directory.Exists(path)
        ? path
        : throw new DirectoryNotFoundException($"test asset directory {path} is missing; run scripts/fetch-assets.sh");

    /// <summary>A fresh temporary directory for one test.</summary>
    public static string TempDir(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "edgecam-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
