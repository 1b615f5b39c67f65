using SharpOptim;
using SharpOptim.NN;
using SharpOptim.Optim;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// C# reproductions of the error-fixture cases that tools/golden/adaptive.py records the same way
/// for several optimizers (<c>requires_grad_lr_cases</c>, <c>sparse_rejected_case</c>).
/// </summary>
internal static class CommonErrorCases
{
    /// <summary>Builds the optimizer under test over <paramref name="parameters"/> with the given lr and differentiable flag.</summary>
    public delegate Optimizer Make(Tensor[] parameters, FloatOrTensor lr, bool differentiable);

    /// <summary>
    /// <c>{prefix}_requires_grad_lr</c>: one step with grad 1 and a requires-grad tensor lr 0.1 from
    /// the recorded starting value of p, compared with PyTorch's p afterwards (or PyTorch's
    /// error); <c>{prefix}_requires_grad_lr_differentiable</c>: the same with differentiable=True.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, Action>> RequiresGradLr(string fixture, string prefix, Make make)
    {
        string plain = $"{prefix}_requires_grad_lr";
        yield return new(plain, () =>
        {
            var start = ErrorSetups.AnyParam(1);
            if (RecordedResult.IsOk(fixture, plain)) using (Torch.NoGrad()) start.Copy_(RecordedResult.TensorAt(fixture, plain, 0));
            var optimizer = make([start], Torch.Tensor(0.1, DType.Float32, requiresGrad: true), differentiable: false);
            start.Grad = Torch.OnesLike(start);
            optimizer.Step();
            if (RecordedResult.IsOk(fixture, plain))
                RecordedResult.AssertMatches(RecordedResult.Of(fixture, plain)[1], start, plain);
        });
        yield return new($"{prefix}_requires_grad_lr_differentiable", () =>
        {
            var q = ErrorSetups.AnyParam(1).Mul(1.0);
            var optimizer = make([q], Torch.Tensor(0.1, DType.Float32, requiresGrad: true), differentiable: true);
            q.Grad = Torch.OnesLike(q);
            optimizer.Step();
        });
    }

    /// <summary><c>{prefix}_sparse_grad</c>: a step on a sparse gradient, which the optimizer refuses.</summary>
    public static Action SparseRejected(Func<Tensor[], Optimizer> make)
        => () => make([ErrorSetups.ParamWithSparseGrad()]).Step();
}
