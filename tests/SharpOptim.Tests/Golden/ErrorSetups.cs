using SharpOptim;
using SharpOptim.NN;

namespace SharpOptim.Tests.Golden;

/// <summary>The parameters the recorded error snippets start from (common.error_env and sgd.SPARSE_GRAD_SETUP).</summary>
internal static class ErrorSetups
{
    /// <summary>A 1×1 float32 parameter (the snippets' <c>p</c>, <c>p2</c>), for cases whose outcome does not depend on its value.</summary>
    public static Parameter AnyParam(int seed = 1) => new(Torch.Randn([1, 1], generator: new Generator(seed)));

    /// <summary><c>q = [[1, 2], [3, 4]]</c> with the sparse gradient (0,1) = 0.5, (1,0) = -1.</summary>
    public static Parameter ParamWithSparseGrad()
    {
        var q = new Parameter(Torch.Tensor([1f, 2f, 3f, 4f], [2, 2]));
        q.Grad = Torch.SparseCooTensor(Torch.Tensor([0L, 1L, 1L, 0L], [2, 2]), Torch.Tensor([0.5f, -1f]), [2, 2]);
        return q;
    }
}
