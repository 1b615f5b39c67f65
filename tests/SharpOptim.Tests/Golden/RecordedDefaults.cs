using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// The reproductions of <c>recorder.defaults_cases</c> ("ok" cases of an error fixture, named
/// <c>&lt;class&gt;_default_group</c>, <c>_repr</c> and <c>_load_old_state_dict</c>): the group a
/// bare constructor builds, its repr, and an older state dict whose groups lack the newer flags.
/// </summary>
internal static class RecordedDefaults
{
    /// <summary>The three cases for an algorithm whose bare constructor over one parameter is <paramref name="bare"/>.</summary>
    public static Dictionary<string, Action> Cases(string fixture, string name, Func<Tensor, Optimizer> bare) => new()
    {
        [$"{name}_default_group"] = () => AssertGroup(bare(ErrorSetups.AnyParam()).ParamGroups[0], RecordedResult.Of(fixture, $"{name}_default_group")),
        [$"{name}_repr"] = () => Assert.Equal(RecordedResult.Of(fixture, $"{name}_repr").GetValue<string>(), bare(ErrorSetups.AnyParam()).ToString()),
        [$"{name}_load_old_state_dict"] = () => LoadOldStateDict(fixture, $"{name}_load_old_state_dict", bare),
    };

    /// <summary>A state dict saved after one step, its groups stripped of the recorded dropped keys, loaded: the flags get their defaults, in PyTorch's order.</summary>
    private static void LoadOldStateDict(string fixture, string name, Func<Tensor, Optimizer> bare)
    {
        var p = ErrorSetups.AnyParam();
        var old = bare(p);
        p.Grad = Torch.OnesLike(p);
        old.Step();
        var saved = old.StateDict().DeepCopy();
        var record = Fixture.Load(fixture).AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;
        foreach (var key in record["dropped_keys"]!.AsArray()) Assert.True(saved.ParamGroups[0].Remove(key!.GetValue<string>()));
        var optimizer = bare(p);
        optimizer.LoadStateDict(saved);
        AssertGroup(optimizer.ParamGroups[0], record["result"]!);
    }

    /// <summary>A group's options against PyTorch's (<c>{k: v for k, v in group.items() if k != 'params'}</c>): keys in order, equal values.</summary>
    public static void AssertGroup(ParamGroup group, JsonNode expected)
    {
        var options = expected.AsObject();
        Assert.Equal(options.Select(kv => kv.Key), group.Keys);
        foreach (var (key, value) in options) StateDictCheck.AssertOptionEqual(group[key], value, key);
    }
}
