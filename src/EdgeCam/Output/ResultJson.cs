using System.Text.Json;
using EdgeCam.Vision;
using EdgeCam.Vision.Cards;

namespace EdgeCam.Output;

/// <summary>Writes one frame's result as JSON properties: "detections" for detectors
/// ({label, score, box [x0,y0,x1,y1], keypoints [[x,y],...]}, source pixels), "classes" for classifiers.</summary>
public static class ResultJson
{
    public static void Write(Utf8JsonWriter w, InferenceResult result, BoundModel model)
    {
        if (model.IsDetector)
        {
            w.WriteStartArray("detections");
            foreach (ref readonly var d in result.Detections.AsSpan())
            {
                w.WriteStartObject();
                w.WriteString("label", model.Label(d.ClassIndex));
                w.WriteNumber("score", Round(d.Score, 4));
                w.WriteStartArray("box");
                w.WriteNumberValue(Round(d.Box.X0, 1)); w.WriteNumberValue(Round(d.Box.Y0, 1));
                w.WriteNumberValue(Round(d.Box.X1, 1)); w.WriteNumberValue(Round(d.Box.Y1, 1));
                w.WriteEndArray();
                if (d.KeypointCount > 0)
                {
                    w.WriteStartArray("keypoints");
                    for (int k = 0; k < d.KeypointCount; k++)
                    {
                        var (x, y) = d.Keypoint(k);
                        w.WriteStartArray();
                        w.WriteNumberValue(Round(x, 1)); w.WriteNumberValue(Round(y, 1));
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        else
        {
            w.WriteStartArray("classes");
            foreach (var c in result.TopClasses)
            {
                w.WriteStartObject();
                w.WriteString("label", model.Label(c.Index));
                w.WriteNumber("index", c.Index);
                w.WriteNumber("score", Round(c.Score, 6));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
    }

    private static double Round(float v, int digits) => Math.Round((double)v, digits);
}
