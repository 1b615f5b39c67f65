namespace SharpOptim.Optim;

/// <summary>The messages of a refused state entry, at a step or at load, in one wording.</summary>
internal static class StateProblem
{
    /// <summary>
    /// "{Algorithm} state for parameter {index} has '{key}' {what}" (or "has no '{key}'" when
    /// <paramref name="what"/> is null), then <paramref name="detail"/>.
    /// </summary>
    public static InvalidOperationException AtStep(Optimizer owner, Tensor param, string key, string? what, string? detail = null)
        => new(Describe($"{owner.GetType().Name} state for parameter {owner.StateIndexOf(param)}", key, what, detail));

    /// <summary>The same wording for a state dict being loaded ("loaded state for parameter {id} ...").</summary>
    public static ArgumentException AtLoad(int paramId, string key, string? what, string? detail = null)
        => new(Describe($"loaded state for parameter {paramId}", key, what, detail), "stateDict");

    private static string Describe(string subject, string key, string? what, string? detail)
        => (what is null ? $"{subject} has no '{key}'" : $"{subject} has '{key}' {what}") + (detail is null ? "" : $": {detail}");
}
