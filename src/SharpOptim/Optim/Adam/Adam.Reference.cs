namespace SharpOptim.Optim;

// The reference paths: PyTorch's _single_tensor_adam, operation for operation. Its
// non-differentiable branch takes the step's scalars as numbers (AdamScalars, computed with the
// for-loop's arithmetic); its differentiable branch keeps the step count, the bias corrections and
// the step size as tensors, so autograd sees every hyper-parameter.
public partial class Adam
{
    /// <summary>The for-loop, with the scalars passed as numbers.</summary>
    private static void Reference(List<Tensor> ps, List<ParamState> states, in Hyper h)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            var (param, st) = (ps[i], states[i]);
            var s = h.Scalars(ScalarState.Increment(st.Step), param.DType, fusedArithmetic: false);
            var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
            if (h.WeightDecay != 0)
            {
                if (h.Decoupled) param.Mul_(s.DecayFactor);
                else grad = grad.Add(param, alpha: h.WeightDecay);
            }
            st.ExpAvg.Lerp_(grad, s.LerpWeight);
            st.ExpAvgSq.Mul_(s.Beta2).Addcmul_(grad, grad, value: s.OneMinusBeta2);
            Tensor secondMoment = st.ExpAvgSq;
            if (st.MaxExpAvgSq is { } max) secondMoment = max.Copy_(max.Maximum(st.ExpAvgSq));
            var denom = secondMoment.Sqrt().Div(s.Bc2Sqrt).Add_(h.Eps);
            param.Addcdiv_(st.ExpAvg, denom, value: -s.StepSize);
        }
    }

    /// <summary>
    /// PyTorch's differentiable branch: the same update written with the bias corrections and the
    /// step size as tensors (<c>1 - beta ** step</c> with the step counter itself), so that a tensor
    /// lr or betas requiring grad receive gradients, and copies where PyTorch makes them so that no
    /// value autograd saved is overwritten.
    /// </summary>
    private static void DifferentiableReference(List<Tensor> ps, List<ParamState> states, in Hyper h)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            var (param, st) = (ps[i], states[i]);
            ScalarState.Increment(st.Step);
            var grad = h.Maximize ? param.Grad!.Neg() : param.Grad!;
            if (h.WeightDecay != 0)
            {
                if (!h.Decoupled) grad = grad.Add(param, alpha: h.WeightDecay);
                else if (h.Lr.Tensor is { } lrTensor) param.Mul_(lrTensor.Mul(h.WeightDecay).RSub(1));
                else param.Mul_(1 - h.Lr.Value * h.WeightDecay);
            }

            if (h.Beta1.Tensor is { } beta1) st.ExpAvg.Lerp_(grad, beta1.To(param.DType).RSub(1));
            else st.ExpAvg.Lerp_(grad, 1 - h.Beta1.Value);

            if (h.Beta2.Tensor is { RequiresGrad: true } beta2)
                st.ExpAvgSq.Lerp_(grad.Square(), beta2.RSub(1)); // PyTorch's two-op form with a tensor weight
            else
                st.ExpAvgSq.Mul_(h.Beta2.Value).Addcmul_(grad, grad, value: (1 - HyperScalar.Of(h.Beta2)).Value);

            var biasCorrection1 = BetaPowerOfStep(h.Beta1, st.Step).RSub(1);
            var biasCorrection2 = BetaPowerOfStep(h.Beta2, st.Step).RSub(1);
            var stepSize = h.Lr.Tensor is { } lr ? lr.Div(biasCorrection1) : biasCorrection1.RDiv(h.Lr.Value);
            var stepSizeNeg = stepSize.Neg();
            var biasCorrection2Sqrt = biasCorrection2.Sqrt();

            Tensor secondMoment = st.ExpAvgSq;
            if (st.MaxExpAvgSq is { } max)
            {
                var previous = max.Clone();
                secondMoment = max.Copy_(previous.Maximum(st.ExpAvgSq));
            }
            // -(1 - beta1^t)·(sqrt(v / (1 - beta2^t)) + eps) / lr, with the step size folded in
            var denom = secondMoment.Sqrt().Div(biasCorrection2Sqrt.Mul(stepSizeNeg)).Add_(stepSizeNeg.RDiv(h.Eps));
            param.Addcdiv_(st.ExpAvg.Clone(), denom);
        }
    }

    /// <summary><c>beta ** step</c> with the step counter tensor: a tensor beta's dtype, or the counter's for a number.</summary>
    private static Tensor BetaPowerOfStep(FloatOrTensor beta, Tensor step)
        => beta.Tensor is { } t ? t.Pow(step.Clone()) : Torch.Pow(beta.Value, step);
}
