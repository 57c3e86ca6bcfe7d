namespace EdgeCam.Imaging.Preprocessing;

/// <summary>Argument checks every preprocessor shares, with messages that name the value.</summary>
internal static class PlanCheck
{
    public static PreprocessPlan Validated(PreprocessPlan plan)
    {
        if (plan.Width <= 0 || plan.Height <= 0) throw new ArgumentException($"plan size {plan.Width}x{plan.Height} is not positive");
        if (plan.Channels is not (1 or 3)) throw new ArgumentException($"plan channels {plan.Channels}: expected 1 or 3");
        if (!(plan.QuantScale > 0) || !float.IsFinite(plan.QuantScale)) throw new ArgumentException($"plan quantisation scale {plan.QuantScale}: expected a finite number > 0");
        return plan;
    }

    public static void Tensor(PreprocessPlan plan, Span<byte> tensor)
    {
        if (tensor.Length != plan.TensorBytes)
            throw new ArgumentException($"tensor buffer of {tensor.Length} bytes does not match the plan's {plan.Width}x{plan.Height}x{plan.Channels} {plan.Element} ({plan.TensorBytes} bytes)");
    }
}
