using SharpOptim.NN;

namespace SharpOptim.Optim.SwaUtils;

/// <summary>
/// A running average of a model's weights, for Stochastic Weight Averaging (SWA) and
/// exponential moving averages (EMA), as <c>torch.optim.swa_utils.AveragedModel</c>. It holds a
/// deep copy of the model (the child <c>module</c>) and the number of models averaged so far
/// (the int64 buffer <c>n_averaged</c>), so its state dict has PyTorch's keys:
/// <c>n_averaged</c>, then <c>module.&lt;name&gt;</c> for every entry of the model's own.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="UpdateParameters"/> folds the model's current values into the average. The first
/// call copies them; later calls apply <c>avgFn</c> to each parameter, or <c>multiAvgFn</c> to
/// each list of parameters sharing a dtype; with neither, the equal-weight average of
/// <see cref="Swa.GetSwaAvgFn"/> is applied tensor by tensor, which is what PyTorch does on
/// the CPU (its foreach version is for accelerators only). With <c>useBuffers</c> the buffers
/// (e.g. BatchNorm's running statistics) are averaged like parameters; otherwise they are copied
/// from the model at each update and <see cref="Swa.UpdateBn"/> recomputes them at the end.
/// </para>
/// <para>
/// PyTorch's <c>device</c> argument has no counterpart: every tensor lives on the CPU. Before
/// anything changes, an update checks that the model's buffers pair up with the average's and
/// that each value can be copied into its average, so a mismatched model leaves the average as
/// it was; dtype groups of integer tensors are averaged before floating ones, so an averaging
/// function that refuses integers (<see cref="Swa.GetSwaMultiAvgFn"/>) fails before any
/// parameter moved.
/// </para>
/// </remarks>
public class AveragedModel : Module
{
    /// <param name="model">The model to average; it is deep-copied (<see cref="Module.DeepCopy"/>).</param>
    /// <param name="avgFn">Averages one tensor (the copy's value, the model's value, the count) and returns the new value.</param>
    /// <param name="multiAvgFn">Averages lists of tensors in place; at most one of the two functions may be given.</param>
    /// <param name="useBuffers">Average the buffers too, instead of copying them from the model.</param>
    public AveragedModel(Module model, AvgFn? avgFn = null, MultiAvgFn? multiAvgFn = null, bool useBuffers = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (avgFn is not null && multiAvgFn is not null)
            throw new ArgumentException("Only one of avg_fn and multi_avg_fn should be provided");
        RegisterModule("module", model.DeepCopy());
        RegisterBuffer("n_averaged", Torch.Zeros([], DType.Int64));
        AvgFn = avgFn;
        MultiAvgFn = multiAvgFn;
        UseBuffers = useBuffers;
    }

    /// <summary>
    /// An average of <paramref name="model"/> typed by the model's own type, so that
    /// <see cref="AveragedModel{TModule}.Module"/> reaches its layers without a cast.
    /// </summary>
    public static AveragedModel<TModule> Of<TModule>(TModule model, AvgFn? avgFn = null, MultiAvgFn? multiAvgFn = null, bool useBuffers = false)
        where TModule : NN.Module
        => new(model, avgFn, multiAvgFn, useBuffers);

    /// <summary>The averaged copy of the model (PyTorch's <c>module</c> attribute).</summary>
    public Module Module => GetModule("module")!;

    /// <summary>How many models have been averaged: a 0-d int64 tensor (the <c>n_averaged</c> buffer).</summary>
    public Tensor NAveraged => GetBuffer("n_averaged")!;

    /// <summary>The per-tensor averaging function given to the constructor (PyTorch's <c>avg_fn</c>); null when none was given.</summary>
    public AvgFn? AvgFn { get; }

    /// <summary>The in-place per-dtype-list averaging function given to the constructor (PyTorch's <c>multi_avg_fn</c>), e.g. <see cref="Swa.GetEmaMultiAvgFn"/>; null when none was given.</summary>
    public MultiAvgFn? MultiAvgFn { get; }

    /// <summary>Whether <see cref="UpdateParameters"/> averages the buffers too (PyTorch's <c>use_buffers</c>); when false they are copied from the model.</summary>
    public bool UseBuffers { get; }

    /// <summary>Runs the averaged copy.</summary>
    public override Tensor Forward(Tensor input) => Module.Call(input);

    /// <summary>Folds <paramref name="model"/>'s current parameters (and buffers with <see cref="UseBuffers"/>) into the average.</summary>
    public void UpdateParameters(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        // Pairs are taken as Python's zip takes them: up to the shorter of the two lists.
        var averaged = Detached(UseBuffers ? Module.Parameters().Concat<Tensor>(Module.Buffers()) : Parameters());
        var current = Detached(UseBuffers ? model.Parameters().Concat<Tensor>(model.Buffers()) : model.Parameters());
        int pairs = Math.Min(averaged.Count, current.Count);
        averaged.RemoveRange(pairs, averaged.Count - pairs);
        current.RemoveRange(pairs, current.Count - pairs);
        var syncedBuffers = UseBuffers ? [] : PairBuffers(model);
        for (int i = 0; i < pairs; i++) CheckCopyable(averaged[i], current[i]);
        foreach (var (target, source) in syncedBuffers) CheckCopyable(target, source);

        using var noGrad = Torch.NoGrad();
        long n = NAveraged.Item<long>();
        if (n == 0)
            for (int i = 0; i < pairs; i++) averaged[i].Copy_(current[i]);
        if (n > 0) Average(averaged, current);
        foreach (var (target, source) in syncedBuffers) target.Copy_(source);
        NAveraged.AsSpan<long>()[0]++;
        NAveraged.MarkModified();
    }

    private static List<Tensor> Detached(IEnumerable<Tensor> tensors) => tensors.Select(t => t.Detach()).ToList();

    private void Average(List<Tensor> averaged, List<Tensor> current)
    {
        if (MultiAvgFn is null && AvgFn is not null)
        {
            for (int i = 0; i < averaged.Count; i++) averaged[i].Copy_(AvgFn(averaged[i], current[i], NAveraged));
            return;
        }
        foreach (var (groupAveraged, groupCurrent) in GroupByDType(averaged, current))
        {
            if (MultiAvgFn is not null) MultiAvgFn(groupAveraged, groupCurrent, NAveraged);
            else
                for (int i = 0; i < groupAveraged.Count; i++)
                    groupAveraged[i].Copy_(Swa.SwaValue(groupAveraged[i], groupCurrent[i], NAveraged));
        }
    }

    /// <summary>
    /// PyTorch's <c>_group_tensors_by_device_and_dtype</c> on one device: pairs grouped by the
    /// averaged tensor's dtype, order kept within a group. PyTorch's group order is a hash
    /// map's; here integer groups come first, then floating ones in order of appearance.
    /// </summary>
    private static IEnumerable<(List<Tensor> Averaged, List<Tensor> Current)> GroupByDType(List<Tensor> averaged, List<Tensor> current)
    {
        var groups = new List<(DType DType, List<Tensor> Averaged, List<Tensor> Current)>();
        for (int i = 0; i < averaged.Count; i++)
        {
            int g = groups.FindIndex(x => x.DType == averaged[i].DType);
            if (g < 0)
            {
                groups.Add((averaged[i].DType, [], []));
                g = groups.Count - 1;
            }
            groups[g].Averaged.Add(averaged[i]);
            groups[g].Current.Add(current[i]);
        }
        return groups.OrderBy(x => x.DType.IsFloatingPoint()).Select(x => (x.Averaged, x.Current));
    }

    /// <summary>The buffers copied from the model when they are not averaged; PyTorch zips them strictly.</summary>
    private List<(Tensor Target, Tensor Source)> PairBuffers(Module model)
    {
        var own = Module.Buffers().ToList();
        var theirs = model.Buffers().ToList();
        if (own.Count != theirs.Count)
            throw new ArgumentException(
                $"the model has {theirs.Count} buffers but the averaged model has {own.Count} " +
                $"(zip() argument 2 is {(theirs.Count < own.Count ? "shorter" : "longer")} than argument 1)", nameof(model));
        return own.Zip(theirs, (t, s) => (t.Detach(), s.Detach())).ToList();
    }

    private static void CheckCopyable(Tensor target, Tensor source)
    {
        var shape = ShapeUtil.Broadcast(target.ShapeRef, source.ShapeRef);
        if (!ShapeUtil.SameShape(shape, target.ShapeRef))
            throw new ArgumentException($"cannot average a tensor of shape {PyRepr.Size(source.ShapeRef)} into one of shape {PyRepr.Size(target.ShapeRef)}", "model");
    }
}

/// <summary>
/// <see cref="AveragedModel"/> over a model of type <typeparamref name="TModule"/>: the averaged
/// copy is a <typeparamref name="TModule"/> too (<see cref="Module"/>), as in Python, where
/// <c>swa_model.module</c> has the model's class.
/// </summary>
public sealed class AveragedModel<TModule> : AveragedModel where TModule : NN.Module
{
    /// <inheritdoc cref="AveragedModel(NN.Module, AvgFn?, MultiAvgFn?, bool)"/>
    public AveragedModel(TModule model, AvgFn? avgFn = null, MultiAvgFn? multiAvgFn = null, bool useBuffers = false)
        : base(model, avgFn, multiAvgFn, useBuffers)
    {
        if (base.Module is not TModule)
            throw new InvalidOperationException(
                $"{model.GetType().Name}.DeepCopy() returned a {base.Module.GetType().Name}, not a {typeof(TModule).Name}: a module's copy must have its type");
    }

    /// <summary>The averaged copy of the model, with the model's type.</summary>
    public new TModule Module => (TModule)base.Module;
}
