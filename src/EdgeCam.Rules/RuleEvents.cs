namespace EdgeCam.Rules;

/// <summary>A rule became active or inactive at <see cref="TimeMs"/>, with what it saw then.</summary>
public readonly record struct RuleEvent(string Rule, bool Active, long TimeMs, float BestScore, int Count);

/// <summary>Receives what the rule engine does. Called on the pipeline thread; only on changes.</summary>
public interface IRuleEventSink
{
    void OnRule(in RuleEvent e);
    void OnOutput(string output, bool value, long timeMs);
}

/// <summary>A binary input a rule may require, such as a PIR sensor on a GPIO line.
/// Reading it must be cheap (a cached level, not a syscall): it is read every frame.</summary>
public interface IBinaryInput
{
    string Name { get; }
    bool IsActive { get; }
}
