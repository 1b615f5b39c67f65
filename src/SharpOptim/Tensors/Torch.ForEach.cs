using SharpOptim.Autograd;

namespace SharpOptim;

public static partial class Torch
{
    /// <summary>
    /// PyTorch's multi-tensor ("foreach") operations, <c>torch._foreach_*</c>: one call applies an
    /// operation to every tensor of a list, e.g. <c>Torch.ForEach.Lerp_(averaged, current, w)</c>
    /// for <c>torch._foreach_lerp_(averaged, current, w)</c>. In-place forms end in <c>_</c> and
    /// return nothing, as PyTorch's; the others return a new list.
    /// </summary>
    /// <remarks>
    /// Each tensor is processed by the matching per-tensor operation (<see cref="Tensor.Add_(Tensor, double)"/>,
    /// <see cref="Tensor.Lerp_(Tensor, double)"/>, ...), so a foreach call rounds exactly like a loop
    /// of per-tensor calls, which is also what PyTorch's CPU foreach path does. Unlike PyTorch,
    /// which checks each tensor as it reaches it, every pair of operands is checked before the
    /// first tensor changes, so a bad call leaves the whole list as it was. Second operands
    /// follow PyTorch's overloads: a scalar, a list of scalars (one per tensor), a list of
    /// tensors (each broadcast to its partner), or one 0-d tensor.
    /// </remarks>
    public static class ForEach
    {
        // ------------------------------------------------------------ add / sub

        /// <summary><c>self[i] += scalar</c> (<c>torch._foreach_add_(self, scalar)</c>).</summary>
        public static void Add_(IReadOnlyList<Tensor> self, double scalar)
            => InPlace(self, "add", null, (t, _) => t.Add_(scalar));

        /// <summary><c>self[i] += scalars[i]</c>.</summary>
        public static void Add_(IReadOnlyList<Tensor> self, IReadOnlyList<double> scalars)
            => InPlace(self, "add", null, (t, i) => t.Add_(scalars[i]), scalars);

        /// <summary><c>self[i] += alpha * other[i]</c>, each <c>other[i]</c> broadcast to <c>self[i]</c>.</summary>
        public static void Add_(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor> other, double alpha = 1)
            => InPlace(self, "add", other, (t, i) => t.Add_(other[i], alpha));

        /// <summary><c>self[i] += alpha * other</c> for a 0-d tensor <paramref name="other"/>.</summary>
        public static void Add_(IReadOnlyList<Tensor> self, Tensor other, double alpha = 1)
        {
            CheckScalarTensor(other);
            InPlace(self, "add", null, (t, _) => t.Add_(other, alpha));
        }

        /// <summary><c>self[i] -= scalar</c>.</summary>
        public static void Sub_(IReadOnlyList<Tensor> self, double scalar)
            => InPlace(self, "sub", null, (t, _) => t.Sub_(scalar));

        /// <summary><c>self[i] -= scalars[i]</c>.</summary>
        public static void Sub_(IReadOnlyList<Tensor> self, IReadOnlyList<double> scalars)
            => InPlace(self, "sub", null, (t, i) => t.Sub_(scalars[i]), scalars);

        /// <summary><c>self[i] -= alpha * other[i]</c>.</summary>
        public static void Sub_(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor> other, double alpha = 1)
            => InPlace(self, "sub", other, (t, i) => t.Sub_(other[i], alpha));

        // ------------------------------------------------------------ mul / div

        /// <summary><c>self[i] *= scalar</c>.</summary>
        public static void Mul_(IReadOnlyList<Tensor> self, double scalar)
            => InPlace(self, "mul", null, (t, _) => t.Mul_(scalar));

        /// <summary><c>self[i] *= scalars[i]</c>.</summary>
        public static void Mul_(IReadOnlyList<Tensor> self, IReadOnlyList<double> scalars)
            => InPlace(self, "mul", null, (t, i) => t.Mul_(scalars[i]), scalars);

        /// <summary><c>self[i] *= other[i]</c>.</summary>
        public static void Mul_(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor> other)
            => InPlace(self, "mul", other, (t, i) => t.Mul_(other[i]));

        /// <summary><c>self[i] *= other</c> for a 0-d tensor <paramref name="other"/>.</summary>
        public static void Mul_(IReadOnlyList<Tensor> self, Tensor other)
        {
            CheckScalarTensor(other);
            InPlace(self, "mul", null, (t, _) => t.Mul_(other));
        }

        /// <summary><c>self[i] /= scalar</c>.</summary>
        public static void Div_(IReadOnlyList<Tensor> self, double scalar)
            => InPlace(self, "div", null, (t, _) => t.Div_(scalar));

        /// <summary><c>self[i] /= scalars[i]</c>.</summary>
        public static void Div_(IReadOnlyList<Tensor> self, IReadOnlyList<double> scalars)
            => InPlace(self, "div", null, (t, i) => t.Div_(scalars[i]), scalars);

        /// <summary><c>self[i] /= other[i]</c>.</summary>
        public static void Div_(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor> other)
            => InPlace(self, "div", other, (t, i) => t.Div_(other[i]));

        /// <summary><c>self[i] /= other</c> for a 0-d tensor <paramref name="other"/>.</summary>
        public static void Div_(IReadOnlyList<Tensor> self, Tensor other)
        {
            CheckScalarTensor(other);
            InPlace(self, "div", null, (t, _) => t.Div_(other));
        }

        // ------------------------------------------------------------ lerp / copy

        /// <summary><c>self[i] += weight * (end[i] - self[i])</c>, PyTorch's two-branch lerp.</summary>
        public static void Lerp_(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor> end, double weight)
            => InPlace(self, "lerp", end, (t, i) => t.Lerp_(end[i], weight));

        /// <summary>Lerp with one scalar weight per tensor.</summary>
        public static void Lerp_(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor> end, IReadOnlyList<double> weights)
            => InPlace(self, "lerp", end, (t, i) => t.Lerp_(end[i], weights[i]), weights);

        /// <summary>Lerp with one weight tensor per tensor (broadcast element-wise).</summary>
        public static void Lerp_(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor> end, IReadOnlyList<Tensor> weights)
        {
            CheckOperands(self, weights);
            InPlace(self, "lerp", end, (t, i) => t.Lerp_(end[i], weights[i]));
        }

        /// <summary><c>self[i].copy_(src[i])</c> for tensors of any dtype (<c>torch._foreach_copy_</c>).</summary>
        public static void Copy_(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor> src)
            => InPlace(self, null, src, (t, i) => t.Copy_(src[i]));

        // ------------------------------------------------------------ out of place

        /// <summary><c>self[i] + alpha * other[i]</c> as a new list (<c>torch._foreach_add</c>).</summary>
        public static Tensor[] Add(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor> other, double alpha = 1)
            => Map(self, other, i => self[i].Add(other[i], alpha));

        /// <summary><c>self[i] + scalar</c> as a new list.</summary>
        public static Tensor[] Add(IReadOnlyList<Tensor> self, double scalar) => Map(self, null, i => self[i].Add(scalar));

        /// <summary><c>self[i] - alpha * other[i]</c> as a new list (<c>torch._foreach_sub</c>).</summary>
        public static Tensor[] Sub(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor> other, double alpha = 1)
            => Map(self, other, i => self[i].Sub(other[i], alpha));

        /// <summary><c>self[i] - scalar</c> as a new list.</summary>
        public static Tensor[] Sub(IReadOnlyList<Tensor> self, double scalar) => Map(self, null, i => self[i].Sub(scalar));

        /// <summary><c>self[i] * other[i]</c> as a new list.</summary>
        public static Tensor[] Mul(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor> other) => Map(self, other, i => self[i].Mul(other[i]));

        /// <summary><c>self[i] * scalar</c> as a new list.</summary>
        public static Tensor[] Mul(IReadOnlyList<Tensor> self, double scalar) => Map(self, null, i => self[i].Mul(scalar));

        /// <summary><c>self[i] / other[i]</c> as a new list.</summary>
        public static Tensor[] Div(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor> other) => Map(self, other, i => self[i].Div(other[i]));

        /// <summary><c>self[i] / scalar</c> as a new list.</summary>
        public static Tensor[] Div(IReadOnlyList<Tensor> self, double scalar) => Map(self, null, i => self[i].Div(scalar));

        /// <summary><c>lerp(self[i], end[i], weight)</c> as a new list.</summary>
        public static Tensor[] Lerp(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor> end, double weight)
            => Map(self, end, i => self[i].Lerp(end[i], weight));

        // ------------------------------------------------------------ checks

        /// <summary>
        /// Checks every operand (PyTorch's list checks, then each pair as the per-tensor op would),
        /// then applies <paramref name="apply"/> to each tensor in order. <paramref name="op"/> names
        /// an arithmetic op (floating tensors only); null is a copy (any dtype).
        /// </summary>
        private static void InPlace(IReadOnlyList<Tensor> self, string? op, IReadOnlyList<Tensor>? other, Action<Tensor, int> apply,
                                    IReadOnlyList<double>? scalars = null)
        {
            CheckOperands(self, other);
            if (scalars is not null && scalars.Count != self.Count)
                throw new InvalidOperationException("Tensor list must have same number of elements as scalar list.");
            foreach (var t in self)
            {
                t.ThrowIfSparse();
                if (op is not null && !t.IsFloatingPoint) throw SharpOptim.Tensor.NotFloating(t, op);
                if (GradMode.IsEnabled && t.IsLeaf && t.RequiresGrad)
                    throw new InvalidOperationException("a leaf Variable that requires grad is being used in an in-place operation.");
            }
            for (int i = 0; i < self.Count; i++) apply(self[i], i);
        }

        /// <summary>Non-empty, equal lengths, and each <c>other[i]</c> broadcastable to <c>self[i]</c>'s shape.</summary>
        private static void CheckOperands(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor>? other)
        {
            CheckLists(self, other);
            if (other is null) return;
            for (int i = 0; i < self.Count; i++)
            {
                other[i].ThrowIfSparse();
                var shape = ShapeUtil.Broadcast(self[i].ShapeRef, other[i].ShapeRef);
                if (!ShapeUtil.SameShape(shape, self[i].ShapeRef))
                    throw new ArgumentException($"output with shape {ShapeUtil.Format(self[i].ShapeRef)} doesn't match the broadcast shape {ShapeUtil.Format(shape)}");
            }
        }

        private static void CheckScalarTensor(Tensor other)
        {
            ArgumentNullException.ThrowIfNull(other);
            if (other.Dim != 0)
                throw new InvalidOperationException($"scalar tensor expected to be 0 dim but it has {other.Dim} dimensions and {other.Numel} elements.");
        }

        /// <summary>PyTorch's list checks: a non-empty first list, and a second list of the same length.</summary>
        private static void CheckLists(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor>? other)
        {
            ArgumentNullException.ThrowIfNull(self);
            if (self.Count == 0) throw new InvalidOperationException("Tensor list must have at least one tensor.");
            if (other is not null && other.Count != self.Count)
                throw new InvalidOperationException($"Tensor lists must have the same number of tensors, got {self.Count} and {other.Count}");
        }

        private static Tensor[] Map(IReadOnlyList<Tensor> self, IReadOnlyList<Tensor>? other, Func<int, Tensor> op)
        {
            CheckLists(self, other);
            var result = new Tensor[self.Count];
            for (int i = 0; i < result.Length; i++) result[i] = op(i);
            return result;
        }
    }
}
