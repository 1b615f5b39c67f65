namespace SharpOptim.Optim;

// A step in two phases: gather and check every parameter's state (and everything else the step
// refuses), then change things. PyTorch raises a missing state entry in _init_group before its
// group changes, but only after it has created state for the parameters before the bad one, and
// after updating the groups before; here a failed step changes nothing at all.
public abstract partial class Optimizer
{
    /// <summary>
    /// The checks <see cref="StepGroup"/> makes before it changes anything (its gather phase,
    /// with no state created). With several groups a step runs them for every group before the
    /// first group changes, so that a bad entry in a later group leaves the earlier ones as they
    /// were. The default checks nothing.
    /// </summary>
    protected virtual void CheckGroup(ParamGroup group) { }

    /// <summary>With several groups, every group's checks before any group steps (one group checks itself as it gathers).</summary>
    private protected void CheckGroupsBeforeStep()
    {
        if (_paramGroups.Count < 2) return;
        for (int g = 0; g < _paramGroups.Count; g++) CheckGroup(_paramGroups[g]);
    }

    /// <summary>
    /// Fills <paramref name="into"/> (cleared first) with the state of each parameter in
    /// <paramref name="ps"/>, read and checked by <paramref name="schema"/>, before the step changes
    /// anything: existing states are all read (and any bad entry refused) first; only then, and only
    /// with <paramref name="create"/>, are missing states or entries created (a new parameter's
    /// first step). On a kernel path (<paramref name="kernelAlgorithm"/> given) the parameters'
    /// dtypes are checked in the same pass. A steady-state step makes one pass and allocates nothing.
    /// </summary>
    internal void GatherStates<TState, TSchema>(List<Tensor> ps, List<TState> into, TSchema schema, bool create,
                                                         string? kernelAlgorithm = null)
        where TState : struct where TSchema : struct, IStepStateSchema<TState>
    {
        into.Clear();
        bool incomplete = false;
        for (int i = 0; i < ps.Count; i++)
        {
            var p = ps[i];
            if (kernelAlgorithm is not null) StepGuards.CheckKernelDType(kernelAlgorithm, p);
            if (State.TryGetValue(p, out var existing) && existing.Count > 0)
            {
                var state = schema.Read(new StepStateEntries(this, p, existing, kernel: kernelAlgorithm is not null));
                incomplete |= schema.LacksEntries(state);
                into.Add(state);
            }
            else
            {
                into.Add(default);
                incomplete = true;
            }
        }
        if (!incomplete || !create) return;
        // Every existing state passed: create what is missing, then read again (a parameter listed
        // twice is created once and read twice).
        for (int i = 0; i < ps.Count; i++)
        {
            var entries = new StepStateEntries(this, ps[i], StateFor(ps[i]), kernel: kernelAlgorithm is not null);
            if (entries.State.Count > 0)
            {
                into[i] = schema.Read(entries);
                if (!schema.LacksEntries(into[i])) continue;
            }
            schema.Create(entries.State, ps[i]);
            into[i] = schema.Read(entries);
        }
    }

    /// <summary>
    /// <paramref name="param"/>'s index as <see cref="StateDict"/> numbers it (its first position
    /// over the groups in order), for messages; -1 when it is in no group.
    /// </summary>
    internal int StateIndexOf(Tensor param)
    {
        int start = 0;
        foreach (var group in _paramGroups)
        {
            for (int i = 0; i < group.Params.Count; i++)
                if (ReferenceEquals(group.Params[i], param)) return start + i;
            start += group.Params.Count;
        }
        return -1;
    }
}
