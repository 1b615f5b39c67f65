namespace SharpOptim.Optim;

/// <summary>Reads a per-parameter state entry that the step keeps as a tensor.</summary>
internal static class StateTensor
{
    /// <summary>The tensor under <paramref name="key"/>; a clear error when a (loaded) state holds something else.</summary>
    public static Tensor Get(IReadOnlyDictionary<string, object?> state, string key)
        => state.TryGetValue(key, out var v) && v is Tensor t
            ? t
            : throw new InvalidOperationException($"optimizer state '{key}' is {StateValues.Describe(state.GetValueOrDefault(key))}, expected a tensor");
}
