using SharpOptim.Optim.Kernels;

namespace SharpOptim.Optim;

// Muon's kernel path, param by param: the momentum pass writes the bfloat16 update straight into
// the Newton–Schulz workspace of the param's shape, the iteration runs there, and a second pass
// applies the result. Workspaces are kept per shape, so a steady-state step allocates nothing.
public sealed partial class Muon
{
    private readonly Dictionary<(int Rows, int Cols), NewtonSchulzWorkspace> _workspaces = [];

    /// <summary>The kernel path: for each param, momentum in one pass, the Newton–Schulz iteration, the param update in a second pass.</summary>
    private void Kernel<TMath>(List<Tensor> ps, List<MomentumBuffer> buffers, MuonHyper h) where TMath : IKernelMath
    {
        for (int t = 0; t < ps.Count; t++)
        {
            var (param, buffer) = (ps[t], buffers[t].Buffer!);
            var workspace = WorkspaceFor(param.Size(0), param.Size(1));
            ParallelChunker.Run(1, new MomentumChunks(param.Grad!, buffer, workspace.Input, h.Momentum, h.Nesterov));
            var ortho = NewtonSchulz.Orthogonalize(workspace, h.Coefficients, h.Steps, h.Eps);
            ParallelChunker.Run(1, new ApplyChunks<TMath>(param, ortho, h.DecayFactor, -h.AdjustedLr(param.ShapeRef)));
            param.MarkModified();
            buffer.MarkModified();
        }
    }

    private NewtonSchulzWorkspace WorkspaceFor(int rows, int cols)
    {
        if (!_workspaces.TryGetValue((rows, cols), out var workspace))
            _workspaces[(rows, cols)] = workspace = new NewtonSchulzWorkspace(rows, cols);
        return workspace;
    }

    /// <summary>The momentum pass over one param: buffer in place, the bfloat16 update into <c>update</c>.</summary>
    private readonly struct MomentumChunks(Tensor grad, Tensor buffer, float[] update, double momentum, bool nesterov) : IChunkBody
    {
        public int Length(int tensor) => grad.Numel;

        public void Run(int tensor, int start, int length)
        {
            var u = update.AsSpan(start, length);
            if (grad.DType == DType.Float32)
                MuonPasses.Momentum<float>(grad.AsSpan<float>().Slice(start, length), buffer.AsSpan<float>().Slice(start, length), u, momentum, nesterov);
            else
                MuonPasses.Momentum<double>(grad.AsSpan<double>().Slice(start, length), buffer.AsSpan<double>().Slice(start, length), u, momentum, nesterov);
        }
    }

    /// <summary>The update pass over one param: decay, then the scaled orthogonalised matrix.</summary>
    private readonly struct ApplyChunks<TMath>(Tensor param, float[] ortho, double decay, double scale) : IChunkBody where TMath : IKernelMath
    {
        public int Length(int tensor) => param.Numel;

        public void Run(int tensor, int start, int length)
        {
            var o = ortho.AsSpan(start, length);
            if (param.DType == DType.Float32) MuonPasses.Apply<float, TMath>(param.AsSpan<float>().Slice(start, length), o, decay, scale);
            else MuonPasses.Apply<double, TMath>(param.AsSpan<double>().Slice(start, length), o, decay, scale);
        }
    }
}
