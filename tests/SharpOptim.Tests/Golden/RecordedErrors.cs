using System.Text.Json.Nodes;
using SharpOptim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// An algorithm's recorded invalid-call cases (<c>common.run_error_case</c> records written by
/// <c>common.write_error_fixture</c>) and their C# reproductions, keyed by case name.
/// </summary>
public interface IRecordedErrors
{
    /// <summary>The fixture file, e.g. <c>adam_errors.json</c>.</summary>
    static abstract string ErrorFixture { get; }

    /// <summary>The C# reproduction of each recorded case.</summary>
    static abstract IReadOnlyDictionary<string, Action> ErrorCases { get; }

    /// <summary>
    /// Recorded cases that SharpOptim deliberately handles otherwise than PyTorch, each with the
    /// reason: PyTorch's record must still be an error or a warning (or the deviation is gone), and
    /// the reproduction must succeed, asserting what SharpOptim does instead.
    /// </summary>
    static virtual IReadOnlyDictionary<string, string> Deviations { get; } = new Dictionary<string, string>();
}

/// <summary>
/// Every recorded case must have a reproduction, and each must behave as PyTorch did: throw with
/// PyTorch's message (ValueError/TypeError/KeyError → <see cref="ArgumentException"/>,
/// RuntimeError → <see cref="InvalidOperationException"/>), warn with its message, or succeed;
/// except the algorithm's documented <see cref="IRecordedErrors.Deviations"/>.
/// </summary>
public abstract class RecordedErrorConformance<T> where T : IRecordedErrors
{
    public static IEnumerable<object[]> Recorded()
        => Fixture.Load(T.ErrorFixture).AsArray().Select(c => new object[] { c!["name"]!.GetValue<string>() });

    [Theory]
    [MemberData(nameof(Recorded))]
    public void BehavesAsPyTorch(string name)
    {
        var record = Fixture.Load(T.ErrorFixture).AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;
        Assert.True(T.ErrorCases.TryGetValue(name, out var action), $"no C# reproduction for recorded case {name}");
        if (T.Deviations.ContainsKey(name))
        {
            Assert.True(record["kind"]!.GetValue<string>() != "ok", $"{name}: PyTorch now accepts it; drop the deviation and reproduce it");
            action!();
            return;
        }
        RecordedErrorCheck.AssertBehavesAsRecorded(record, action!);
    }

    /// <summary>Each deviation names a recorded case and says why.</summary>
    [Fact]
    public void DeviationsNameRecordedCases()
    {
        var recorded = Recorded().Select(row => (string)row[0]).ToHashSet();
        foreach (var (name, reason) in T.Deviations)
        {
            Assert.True(recorded.Contains(name), $"deviation {name} is not a recorded case of {T.ErrorFixture}");
            Assert.False(string.IsNullOrWhiteSpace(reason), $"deviation {name} has no reason");
        }
    }
}

internal static class RecordedErrorCheck
{
    public static void AssertBehavesAsRecorded(JsonNode record, Action action)
    {
        switch (record["kind"]!.GetValue<string>())
        {
            case "error":
                var ex = Assert.ThrowsAny<Exception>(action);
                Assert.Contains(record["message"]!.GetValue<string>(), ex.Message);
                Assert.IsAssignableFrom(ExceptionTypeFor(record["type"]!.GetValue<string>()), ex);
                break;
            case "warning":
                var warnings = CaptureWarnings(action);
                Assert.Contains(warnings, w => w.Message == record["message"]!.GetValue<string>() && w.Category == record["type"]!.GetValue<string>());
                break;
            default:
                action();
                break;
        }
    }

    /// <summary>PyTorch's ValueError/TypeError map to ArgumentException, RuntimeError to InvalidOperationException.</summary>
    public static Type ExceptionTypeFor(string pythonType) => pythonType switch
    {
        "ValueError" or "TypeError" or "KeyError" => typeof(ArgumentException),
        "RuntimeError" => typeof(InvalidOperationException),
        _ => typeof(Exception),
    };

    public static List<TorchWarningEventArgs> CaptureWarnings(Action action)
    {
        var seen = new List<TorchWarningEventArgs>();
        EventHandler<TorchWarningEventArgs> handler = (_, w) => { lock (seen) seen.Add(w); };
        TorchWarnings.Warned += handler;
        try { action(); }
        finally { TorchWarnings.Warned -= handler; }
        return seen;
    }
}
