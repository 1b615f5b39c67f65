using System.Reflection;
using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// The registry against the optimizers themselves: it lists every optimizer class of the library
/// and README's table names every entry; each entry builds its optimizer on each implementation it
/// claims, exactly as the constructor called with the same flags would (found by reflection), and
/// refuses a flag the constructor does not take; what an entry says the algorithm needs (sparse
/// gradients, a closure, matrices, one group) is what the optimizer enforces, no more, no less.
/// </summary>
public class OptimizerRegistryTests
{
    public static TheoryData<string> Entries => new(OptimizerRegistry.Names);

    public static TheoryData<string, ImplementationChoice> EntryChoices()
    {
        var rows = new TheoryData<string, ImplementationChoice>();
        foreach (var info in OptimizerRegistry.All)
            foreach (var choice in Enum.GetValues<ImplementationChoice>()) rows.Add(info.Name, choice);
        return rows;
    }

    [Fact]
    public void EveryOptimizerClassOfTheLibraryIsRegisteredOnce()
    {
        var classes = typeof(Optimizer).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(Optimizer)) && !t.IsAbstract)
            .Select(t => t.Name).Order(StringComparer.Ordinal);
        Assert.Equal(classes, OptimizerRegistry.All.Select(info => info.Type.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ReadmeSupportTableNamesEveryEntry()
    {
        string readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "README.md"));
        int start = readme.IndexOf("## What is supported so far", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no section \"What is supported so far\"");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string table = readme[start..(end < 0 ? readme.Length : end)];
        var missing = OptimizerRegistry.Names.Where(name => !table.Contains($"`{name}`", StringComparison.Ordinal)).ToArray();
        Assert.True(missing.Length == 0, $"README's support table does not name {string.Join(", ", missing)}");
    }

    [Fact]
    public void NamesAndFixturePrefixesAreUnambiguous()
    {
        var keys = OptimizerRegistry.All.SelectMany(info => new[] { info.Name, info.FixturePrefix }.Distinct(StringComparer.OrdinalIgnoreCase));
        Assert.Equal(keys.Count(), keys.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(OptimizerRegistry.All.Select(info => info.Name), OptimizerRegistry.Names);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void LookupTakesTheClassNameOrTheFixturePrefixInAnyCase(string name)
    {
        var info = OptimizerRegistry.All.Single(i => i.Name == name);
        foreach (var key in new[] { info.Name, info.Name.ToLowerInvariant(), info.Name.ToUpperInvariant(), info.FixturePrefix, info.FixturePrefix.ToUpperInvariant() })
        {
            Assert.Same(info, OptimizerRegistry.Get(key));
            Assert.True(OptimizerRegistry.TryGet(key, out var found));
            Assert.Same(info, found);
        }
    }

    [Fact]
    public void AnUnknownNameIsRefusedWithTheKnownNames()
    {
        var error = Assert.Throws<ArgumentException>(() => OptimizerRegistry.Get("adamm"));
        Assert.Equal("name", error.ParamName);
        Assert.Contains("'adamm'", error.Message);
        foreach (var name in OptimizerRegistry.Names) Assert.Contains(name, error.Message);
        Assert.False(OptimizerRegistry.TryGet("adamm", out var none));
        Assert.Null(none);
        Assert.False(OptimizerRegistry.TryGet(null, out _));
        Assert.Throws<ArgumentNullException>(() => OptimizerRegistry.Get(null!));
    }

    /// <summary>An implementation is claimed exactly when the constructor takes its flag; default and reference always.</summary>
    [Theory]
    [MemberData(nameof(Entries))]
    public void ImplementationsAreTheConstructorsFlags(string name)
    {
        var info = OptimizerRegistry.Get(name);
        var flags = Constructor(info).GetParameters().Select(p => p.Name).ToHashSet();
        Assert.Equal(flags.Contains("foreach"), info.Supports(ImplementationChoice.ForEach));
        Assert.Equal(flags.Contains("fused"), info.Supports(ImplementationChoice.Fused));
        Assert.Equal(flags.Contains("differentiable"), info.Supports(ImplementationChoice.Differentiable));
        Assert.True(info.Supports(ImplementationChoice.Default) && info.Supports(ImplementationChoice.Reference));
        Assert.Equal(Enum.GetValues<ImplementationChoice>().Where(info.Supports), info.Implementations);
    }

    /// <summary>
    /// Each choice builds the optimizer the constructor builds with the flags <see cref="OptimizerInfo.FlagsFor"/>
    /// gives, and it steps (with what the entry says it needs) to the same bits; a choice it lacks is refused.
    /// </summary>
    [Theory]
    [MemberData(nameof(EntryChoices))]
    public void EachChoiceBuildsWhatTheConstructorBuildsAndAnAbsentOneIsRefused(string name, ImplementationChoice choice)
    {
        var info = OptimizerRegistry.Get(name);
        var (registryParams, constructorParams) = (Params(choice), Params(choice));
        if (!info.Supports(choice))
        {
            var refused = Assert.Throws<ArgumentException>(() => info.Create(registryParams, choice));
            Assert.Contains($"{info.Name} has no {choice.ToString().ToLowerInvariant()} implementation", refused.Message);
            Assert.Throws<ArgumentException>(() => info.FlagsFor(choice));
            return;
        }
        var flags = info.FlagsFor(choice);
        var viaRegistry = info.Create(registryParams, choice);
        var viaConstructor = Construct(info, constructorParams, flags.ForEach, flags.Fused, flags.Differentiable);
        Assert.IsType(info.Type, viaRegistry);
        Assert.Equal(viaConstructor.ToString(), viaRegistry.ToString());
        StepTwice(info, viaRegistry, registryParams);
        StepTwice(info, viaConstructor, constructorParams);
        for (int i = 0; i < registryParams.Length; i++)
            Assert.Equal(constructorParams[i].AsBytes().ToArray(), registryParams[i].AsBytes().ToArray());
    }

    /// <summary>
    /// Every combination of the three flags: a flag the constructor does not take is refused (as
    /// Python refuses an unexpected keyword); otherwise the registry throws what the constructor
    /// throws, or builds what it builds.
    /// </summary>
    [Theory]
    [MemberData(nameof(Entries))]
    public void FlagsAreRefusedAsTheConstructorRefusesThem(string name)
    {
        var info = OptimizerRegistry.Get(name);
        var taken = Constructor(info).GetParameters().Select(p => p.Name).ToHashSet();
        bool?[] tristate = [null, false, true];
        foreach (var forEach in tristate)
            foreach (var fused in tristate)
                foreach (var differentiable in new[] { false, true })
                {
                    string what = $"{name}(foreach: {forEach}, fused: {fused}, differentiable: {differentiable})";
                    var absent = new (string Flag, bool Given)[] { ("foreach", forEach is not null), ("fused", fused is not null), ("differentiable", differentiable) }
                        .FirstOrDefault(f => f.Given && !taken.Contains(f.Flag));
                    var ps = Params(ImplementationChoice.Default);
                    if (absent.Flag is not null)
                    {
                        var refused = Assert.Throws<ArgumentException>(() => info.Create(ps, forEach, fused, differentiable));
                        Assert.Equal(absent.Flag, refused.ParamName);
                        Assert.Contains($"{info.Name} has no `{absent.Flag}` option", refused.Message);
                        continue;
                    }
                    Exception? expected = null, actual = null;
                    Optimizer? viaConstructor = null, viaRegistry = null;
                    try { viaConstructor = Construct(info, ps, forEach, fused, differentiable); } catch (Exception e) { expected = e; }
                    try { viaRegistry = info.Create(ps, forEach, fused, differentiable); } catch (Exception e) { actual = e; }
                    Assert.True(expected?.GetType() == actual?.GetType(), $"{what}: the constructor threw {expected?.GetType().Name ?? "nothing"}, the registry {actual?.GetType().Name ?? "nothing"}");
                    Assert.Equal(expected?.Message, actual?.Message);
                    Assert.Equal(viaConstructor?.ToString(), viaRegistry?.ToString());
                }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void SparseGradientsOnlyIsWhatTheStepEnforces(string name)
    {
        var info = OptimizerRegistry.Get(name);
        if (info.StepRequiresClosure) return;   // its closure makes its gradients (LBFGS densifies any)
        var ps = Params(ImplementationChoice.Default);
        var optimizer = info.Create(ps);
        foreach (var p in ps) p.Grad = Torch.OnesLike(p);
        if (info.SparseGradientsOnly) Assert.ThrowsAny<Exception>(() => optimizer.Step());
        else optimizer.Step();
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void StepRequiresClosureIsWhatTheStepEnforces(string name)
    {
        var info = OptimizerRegistry.Get(name);
        var ps = Params(ImplementationChoice.Default);
        var optimizer = info.Create(ps);
        SetGradients(info, ps, step: 0);
        if (info.StepRequiresClosure) Assert.ThrowsAny<Exception>(() => optimizer.Step());
        else optimizer.Step();
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void MatricesOnlyIsWhatTheConstructorEnforces(string name)
    {
        var info = OptimizerRegistry.Get(name);
        Tensor[] withVector = [.. Params(ImplementationChoice.Default), Torch.Randn([3]).RequiresGrad_()];
        if (info.MatricesOnly) Assert.Throws<ArgumentException>(() => info.Create(withVector));
        else info.Create(withVector);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void SupportsParamGroupsIsWhatTheConstructorEnforces(string name)
    {
        var info = OptimizerRegistry.Get(name);
        var ps = Params(ImplementationChoice.Default);
        ParamGroup[] groups = [new([.. ps.Take(1)]), new([.. ps.Skip(1)])];
        if (info.SupportsParamGroups) Assert.Equal(2, info.Create(groups).ParamGroups.Count);
        else Assert.Throws<ArgumentException>(() => info.Create(groups));
    }

    /// <summary>A training lr wherever the algorithm can train the dense digits MLP; the lr argument reaches the optimizer.</summary>
    [Theory]
    [MemberData(nameof(Entries))]
    public void TrainingLrIsGivenWhereTheAlgorithmTrainsDenseModels(string name)
    {
        var info = OptimizerRegistry.Get(name);
        Assert.Equal(!info.SparseGradientsOnly, info.TrainingLr is > 0);
        var optimizer = info.Create(Params(ImplementationChoice.Default), lr: 0.125);
        Assert.Equal(0.125, optimizer.ParamGroups[0].GetDouble("lr"));
    }

    /// <summary>The one public constructor, which the registry's factory calls.</summary>
    private static ConstructorInfo Constructor(OptimizerInfo info) => Assert.Single(info.Type.GetConstructors());

    /// <summary>
    /// The constructor called with these flags by name (when it takes them) and every other argument
    /// at its default, then made ready to step as the registry hands optimizers out (a schedule-free
    /// one put in train mode).
    /// </summary>
    private static Optimizer Construct(OptimizerInfo info, Tensor[] ps, bool? forEach, bool? fused, bool differentiable)
    {
        var optimizer = ConstructOnly(info, ps, forEach, fused, differentiable);
        if (optimizer is ScheduleFreeOptimizer scheduleFree) scheduleFree.Train();
        return optimizer;
    }

    private static Optimizer ConstructOnly(OptimizerInfo info, Tensor[] ps, bool? forEach, bool? fused, bool differentiable)
    {
        var arguments = Constructor(info).GetParameters().Select(p => p.Name switch
        {
            "parameters" => (OptimizerParams)ps,
            "foreach" => forEach,
            "fused" => fused,
            "differentiable" => differentiable,
            _ => p.DefaultValue,
        }).ToArray();
        try
        {
            return (Optimizer)Constructor(info).Invoke(arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    /// <summary>
    /// Two matrices (every algorithm takes them), the same values on every call. For the
    /// differentiable path they are views of leaves, as PyTorch's differentiable tests step them.
    /// </summary>
    private static Tensor[] Params(ImplementationChoice choice)
    {
        var generator = new Generator(11);
        return new[] { new[] { 4, 3 }, new[] { 2, 5 } }.Select(shape =>
        {
            var leaf = Torch.Randn(shape, DType.Float64, generator).RequiresGrad_();
            return choice == ImplementationChoice.Differentiable ? leaf.Mul(1.0) : leaf;
        }).ToArray();
    }

    /// <summary>Gradients of the kind the entry says it needs: sparse rows for SparseAdam, dense otherwise.</summary>
    private static void SetGradients(OptimizerInfo info, Tensor[] ps, int step)
    {
        var generator = new Generator(20 + step);
        foreach (var p in ps)
        {
            var grad = Torch.Randn(p.Shape, DType.Float64, generator);
            p.Grad = info.SparseGradientsOnly ? Torch.SparseCooTensor(Torch.Tensor(new long[] { 0, p.Shape[0] - 1 }, [1, 2]), grad.Narrow(0, 0, 2), p.Shape) : grad;
        }
    }

    /// <summary>Two steps as the entry says the algorithm steps: with a closure over a quadratic where it needs one.</summary>
    private static void StepTwice(OptimizerInfo info, Optimizer optimizer, Tensor[] ps)
    {
        for (int step = 0; step < 2; step++)
        {
            if (!info.StepRequiresClosure)
            {
                SetGradients(info, ps, step);
                optimizer.Step();
                continue;
            }
            optimizer.Step(() =>
            {
                optimizer.ZeroGrad();
                var loss = ps.Select(p => p.Mul(p).Sum()).Aggregate((a, b) => a.Add(b));
                loss.Backward();
                return loss;
            });
        }
    }
}
