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
}

/// <summary>
/// Every recorded case must have a reproduction, and each must behave as PyTorch did: throw with
/// PyTorch's message (ValueError/TypeError/KeyError → <see cref="ArgumentException"/>,
/// RuntimeError → <see cref="InvalidOperationException"/>), warn with its message, or succeed.
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
        RecordedErrorCheck.AssertBehavesAsRecorded(record, action!);
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
