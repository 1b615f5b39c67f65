namespace SharpOptim.Distributed.Worker;

/// <summary>Assertions inside a rank: a failure throws, which aborts every rank with its message.</summary>
internal static class Check
{
    public static void True(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException($"check failed on rank {Dist.GetRank()}: {what}");
    }

    public static void Equal<T>(T expected, T actual, string what) where T : IEquatable<T>
        => True(expected.Equals(actual), $"{what}: expected {expected}, got {actual}");

    public static void SequenceEqual<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what) where T : IEquatable<T>
    {
        True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            True(expected[i].Equals(actual[i]), $"{what}: element {i} is {actual[i]}, expected {expected[i]}");
    }

    public static void Throws<TException>(Action action, string messagePart, string what) where TException : Exception
    {
        try
        {
            action();
        }
        catch (TException e)
        {
            True(e.Message.Contains(messagePart, StringComparison.Ordinal), $"{what}: message '{e.Message}' lacks '{messagePart}'");
            return;
        }
        throw new InvalidOperationException($"check failed on rank {Dist.GetRank()}: {what}: no {typeof(TException).Name}");
    }

    /// <summary>Prints one line that the test reads (rank 0 only unless <paramref name="allRanks"/>).</summary>
    public static void Report(string key, object value, bool allRanks = false)
    {
        if (allRanks || Dist.GetRank() == 0) Console.WriteLine($"RESULT {key} {value}");
    }
}
