namespace EdgeCam.Vision;

/// <summary>One class of a classifier's answer: its index into the labels and its probability.</summary>
public readonly record struct ClassScore(int Index, float Score);
