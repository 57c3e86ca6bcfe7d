using System.Xml;

namespace EdgeCam.Vision.Evaluation;

/// <summary>One annotated image: its file and the ground-truth boxes (pixels) that count, plus
/// the ones marked ignore (a detection there is neither right nor wrong).</summary>
public sealed record AnnotatedImage(string File, IReadOnlyList<BoxF> Boxes, IReadOnlyList<BoxF> Ignored);

/// <summary>
/// Reads dlib's imglab XML (the format of dlib's examples/faces/training.xml and testing.xml):
/// &lt;image file='x.jpg'&gt;&lt;box top='..' left='..' width='..' height='..' [ignore='1']/&gt;.
/// File names are resolved against the XML's directory.
/// </summary>
public static class DlibDataset
{
    public static IReadOnlyList<AnnotatedImage> Load(string xmlPath)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(xmlPath)) ?? ".";
        var images = new List<AnnotatedImage>();
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, IgnoreComments = true };
        using var reader = XmlReader.Create(xmlPath, settings);
        string? file = null;
        List<BoxF> boxes = [], ignored = [];
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element && reader.Name == "image")
            {
                file = reader.GetAttribute("file") ?? throw new FormatException($"{xmlPath}: <image> without a file attribute");
                boxes = []; ignored = [];
                if (reader.IsEmptyElement) { images.Add(new(Path.Combine(dir, file), boxes, ignored)); file = null; }
            }
            else if (reader.NodeType == XmlNodeType.Element && reader.Name == "box" && file is not null)
            {
                float top = Number(reader, "top", xmlPath), left = Number(reader, "left", xmlPath);
                float width = Number(reader, "width", xmlPath), height = Number(reader, "height", xmlPath);
                var box = new BoxF(left, top, left + width, top + height);
                (reader.GetAttribute("ignore") == "1" ? ignored : boxes).Add(box);
            }
            else if (reader.NodeType == XmlNodeType.EndElement && reader.Name == "image" && file is not null)
            {
                images.Add(new(Path.Combine(dir, file), boxes, ignored));
                file = null;
            }
        }
        return images;
    }

    private static float Number(XmlReader reader, string name, string xmlPath) =>
        float.TryParse(reader.GetAttribute(name), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out float v)
            ? v
            : throw new FormatException($"{xmlPath}: <box> attribute '{name}' is missing or not a number");
}
