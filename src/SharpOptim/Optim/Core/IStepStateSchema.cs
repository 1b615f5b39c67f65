namespace SharpOptim.Optim;

/// <summary>
/// How an algorithm's step reads, checks and completes one parameter's state, for
/// <see cref="Optimizer.GatherStates{TState, TSchema}"/>. A struct, so that gathering is generic
/// code without delegates or allocation.
/// </summary>
internal interface IStepStateSchema<TState> where TState : struct
{
    /// <summary>
    /// An existing (non-empty) state, each entry the step uses read through
    /// <paramref name="entries"/>, which refuses a missing or malformed one. Changes nothing.
    /// </summary>
    TState Read(in StepStateEntries entries);

    /// <summary>
    /// Whether a state that <see cref="Read"/> accepted still lacks entries this step creates (an
    /// optional buffer that a changed option now needs); false for most algorithms.
    /// </summary>
    bool LacksEntries(in TState state);

    /// <summary>Adds the entries a step creates to a new (empty) or incomplete state, in PyTorch's key order.</summary>
    void Create(OrderedDictionary<string, object?> state, Tensor param);
}
