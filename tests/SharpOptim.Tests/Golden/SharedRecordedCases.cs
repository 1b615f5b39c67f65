using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>Builds the optimizer under test for a shared recorded case (the options the shared cases vary).</summary>
public delegate Optimizer SharedCaseFactory(IEnumerable<object> parameters, FloatOrTensor? lr = null, double weightDecay = 0,
                                            bool? @foreach = null, bool maximize = false, bool differentiable = false);

/// <summary>
/// The C# reproductions of the cases <c>algorithm_fixtures.shared_error_cases</c> records for every
/// algorithm (named <c>&lt;prefix&gt;_...</c>): lr and weight_decay checks, repr, and the step-time
/// refusals of sparse gradients and of foreach with differentiable.
/// </summary>
internal static class SharedRecordedCases
{
    public static Dictionary<string, Action> For(string prefix, SharedCaseFactory build)
    {
        var p = new Parameter(Torch.Randn([1, 1], generator: new Generator(1)));
        return new()
        {
            [$"{prefix}_negative_lr"] = () => build([p], lr: -0.1),
            [$"{prefix}_nan_lr"] = () => build([p], lr: double.NaN),
            [$"{prefix}_negative_tensor_lr"] = () => build([p], lr: Torch.Tensor(-0.1)),
            [$"{prefix}_tensor_lr_not_1_element"] = () => build([p], lr: Torch.Tensor([0.001f, 0.001f])),
            [$"{prefix}_negative_weight_decay"] = () => build([p], weightDecay: -0.5),
            [$"{prefix}_repr"] = () => build([p]),
            [$"{prefix}_repr_tensor_lr"] = () => build([p], lr: Torch.Tensor(0.01), maximize: true),
            [$"{prefix}_sparse_grad"] = () =>
            {
                // PyTorch's snippet: q = [[1, 2], [3, 4]], gradient entries (0, 1) = 0.5 and (1, 0) = -1.
                var q = new Parameter(Torch.Tensor([1f, 2f, 3f, 4f], [2, 2]));
                q.Grad = Torch.SparseCooTensor(Torch.Tensor([0L, 1L, 1L, 0L], [2, 2]), Torch.Tensor([0.5f, -1f]), [2, 2]);
                build([q]).Step();
            },
            [$"{prefix}_foreach_differentiable"] = () =>
            {
                var q = new Parameter(Torch.Ones(2)).Clone();
                q.Grad = Torch.Ones(2);
                build([q], @foreach: true, differentiable: true).Step();
            },
        };
    }

    /// <summary>Our <c>ToString()</c> against PyTorch's recorded <c>repr(optimizer)</c> for the two repr cases.</summary>
    public static void AssertReprs(string fixture, string prefix, SharedCaseFactory build)
    {
        var p = new Parameter(Torch.Randn([1, 1], generator: new Generator(1)));
        Assert.Equal(Result(fixture, $"{prefix}_repr"), build([p]).ToString());
        Assert.Equal(Result(fixture, $"{prefix}_repr_tensor_lr"), build([p], lr: Torch.Tensor(0.01), maximize: true).ToString());
    }

    public static string Result(string fixture, string name)
        => Fixture.Load(fixture).AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!["result"]!.GetValue<string>();
}
