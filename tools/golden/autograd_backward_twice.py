"""Record what PyTorch does on a second backward() through the same graph.

From the repository root:
    tools/oracle/python tools/golden/autograd_backward_twice.py

Writes
    tests/SharpOptim.Tests/Fixtures/autograd_backward_twice.json

PyTorch frees a node's saved tensors once its backward ran (unless retain_graph=True), and a
later backward that reaches such a node raises. A node that saved nothing (a sum, an add, a
view) can run again, so backward twice through a graph made only of such nodes accumulates
silently. Each case below builds, from the same inputs, the op that records one of
SharpOptim's graph nodes (named by the node SharpOptim records), reduced to a scalar by a sum
(SumBackward0, which saves nothing), then calls backward twice. It records the gradients after
the first backward, whether the second raised, and the gradients after it. The C# test
(Autograd/BackwardTwiceTests.cs) builds each case with SharpOptim's ops.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import common as C  # noqa: E402

FIXTURE = "tests/SharpOptim.Tests/Fixtures/autograd_backward_twice.json"

X = [0.5, -1.25, 2.0, 3.5]
W = [1.5, 0.75, -0.5, 2.25]
V = [0.25, 2.0, 1.5, -3.0]


def inputs():
    """x, w, v: float64 leaves that require grad."""
    return [torch.tensor(values, dtype=torch.float64, requires_grad=True) for values in (X, W, V)]


IDX = torch.tensor([2, 0, 2])


def copy_into(x):
    y = torch.zeros(4, dtype=torch.float64)
    y.copy_(x)
    return y


def fill(x):
    y = x.clone()
    y.fill_(3.0)
    return y


# id -> (the node SharpOptim records for it, the op over x, w, v; a sum makes it a scalar)
CASES = {
    "sum": ("SumBackward0", lambda x, w, v: x),
    "mean": ("MeanBackward0", lambda x, w, v: x.mean()),
    "sum_dim": ("SumBackward1", lambda x, w, v: x.reshape(2, 2).sum(0)),
    "mean_dim": ("MeanBackward1", lambda x, w, v: x.reshape(2, 2).mean(0)),
    "add": ("AddBackward0", lambda x, w, v: x + w),
    "add_alpha": ("AddBackward0", lambda x, w, v: x.add(w, alpha=2.0)),
    "add_scalar": ("AddBackward1", lambda x, w, v: x + 2.0),
    "sub": ("SubBackward0", lambda x, w, v: x - w),
    "sub_scalar": ("SubBackward1", lambda x, w, v: x - 2.0),
    "rsub_scalar": ("RsubBackward1", lambda x, w, v: 1.0 - x),
    "neg": ("NegBackward0", lambda x, w, v: -x),
    "mul": ("MulBackward0", lambda x, w, v: x * w),
    "mul_self": ("MulBackward0", lambda x, w, v: x * x),
    "mul_scalar": ("MulBackward1", lambda x, w, v: x * 2.0),
    "div": ("DivBackward0", lambda x, w, v: x / w),
    "div_scalar": ("DivBackward1", lambda x, w, v: x / 2.0),
    "rdiv_scalar": ("MulBackward1", lambda x, w, v: 2.0 / x),  # x.reciprocal() * 2.0, as Python divides
    "exp": ("ExpBackward0", lambda x, w, v: x.exp()),
    "log": ("LogBackward0", lambda x, w, v: x.abs().log()),
    "sqrt": ("SqrtBackward0", lambda x, w, v: x.abs().sqrt()),
    "rsqrt": ("RsqrtBackward0", lambda x, w, v: x.abs().rsqrt()),
    "abs": ("AbsBackward0", lambda x, w, v: x.abs()),
    "sign": ("SignBackward0", lambda x, w, v: x.sign()),
    "square": ("PowBackward0", lambda x, w, v: x.square()),
    "pow_scalar": ("PowBackward0", lambda x, w, v: x.pow(3.0)),
    "pow_tensor": ("PowBackward1", lambda x, w, v: x.abs().pow(w)),
    "reciprocal": ("ReciprocalBackward0", lambda x, w, v: x.reciprocal()),
    "tanh": ("TanhBackward0", lambda x, w, v: x.tanh()),
    "sigmoid": ("SigmoidBackward0", lambda x, w, v: x.sigmoid()),
    "relu": ("ReluBackward0", lambda x, w, v: x.relu()),
    "addcmul": ("AddcmulBackward0", lambda x, w, v: x.addcmul(w, v, value=0.5)),
    "addcdiv": ("AddcdivBackward0", lambda x, w, v: x.addcdiv(w, v, value=0.5)),
    "lerp": ("LerpBackward0", lambda x, w, v: x.lerp(w, v)),
    "clamp": ("ClampBackward1", lambda x, w, v: x.clamp(min=0.0, max=2.5)),
    "where": ("WhereBackward0", lambda x, w, v: torch.where(v > 0, x, w)),
    "max": ("MaxBackward1", lambda x, w, v: x.max()),
    "min": ("MinBackward1", lambda x, w, v: x.min()),
    "max_dim": ("MaxBackward0", lambda x, w, v: x.reshape(2, 2).max(0).values),
    "norm": ("NormBackward1", lambda x, w, v: x.reshape(2, 2).norm(dim=1)),
    "mm": ("MmBackward0", lambda x, w, v: x.reshape(2, 2) @ w.reshape(2, 2)),
    "linear": ("AddmmBackward0", lambda x, w, v: F.linear(x.reshape(2, 2), w.reshape(2, 2), v[:2])),
    "linear_no_bias": ("MmBackward0", lambda x, w, v: F.linear(x.reshape(2, 2), w.reshape(2, 2))),
    "linear_bias_only": ("AddmmBackward0", lambda x, w, v: F.linear(x.detach().reshape(2, 2), w.detach().reshape(2, 2), v[:2])),
    "log_softmax": ("LogSoftmaxBackward0", lambda x, w, v: x.reshape(2, 2).log_softmax(1)),
    "log_softmax_dim0": ("LogSoftmaxBackward0", lambda x, w, v: x.reshape(2, 2).log_softmax(0)),
    "cross_entropy": ("NllLossBackward0", lambda x, w, v: F.cross_entropy(x.reshape(2, 2), torch.tensor([1, 0]))),
    "bce_with_logits": ("BinaryCrossEntropyWithLogitsBackward0",
                        lambda x, w, v: F.binary_cross_entropy_with_logits(x, w.sigmoid().detach(), reduction="none")),
    "index_select": ("IndexSelectBackward0", lambda x, w, v: x.index_select(0, IDX)),
    "embedding": ("IndexSelectBackward0", lambda x, w, v: F.embedding(IDX, x.reshape(4, 1))),
    "gather": ("GatherBackward0", lambda x, w, v: x.reshape(2, 2).gather(1, torch.tensor([[1], [0]]))),
    "cat": ("CatBackward0", lambda x, w, v: torch.cat([x, w])),
    "reshape": ("ViewBackward0", lambda x, w, v: x.reshape(2, 2)),
    "narrow": ("NarrowBackward0", lambda x, w, v: x.narrow(0, 1, 2)),
    "t": ("TBackward0", lambda x, w, v: x.reshape(2, 2).t()),
    "clone": ("CloneBackward0", lambda x, w, v: x.clone()),
    "to_float32": ("ToCopyBackward0", lambda x, w, v: x.float()),
    "copy": ("CopyBackwards", lambda x, w, v: copy_into(x)),
    "fill": ("FillBackward0", lambda x, w, v: fill(x)),
}


def grads(tensors):
    return [None if t.grad is None else C.tensor_flat(t.grad.to_dense()) for t in tensors]


def record(case_id, node, op):
    x, w, v = leaves = inputs()
    out = op(x, w, v)
    loss = out.sum()
    loss.backward()
    first = grads(leaves)
    entry = {"id": case_id, "node": node, "grads_after_first": first}
    try:
        loss.backward()
        entry["raises"] = False
    except RuntimeError as e:
        entry["raises"] = True
        entry["message"] = str(e)
    entry["grads_after_second"] = grads(leaves)
    return entry


def retain_graph_case():
    """retain_graph=True keeps the saved tensors for one more backward; the one after that raises."""
    x, w, v = leaves = inputs()
    loss = (x * w).sum()
    loss.backward(retain_graph=True)
    after_retained = grads(leaves)
    loss.backward()
    after_second = grads(leaves)
    try:
        loss.backward()
        raised = False
    except RuntimeError:
        raised = True
    return {"grads_after_retained": after_retained, "grads_after_second": after_second, "third_raises": raised}


def main():
    torch.set_num_threads(1)
    cases = [record(case_id, node, op) for case_id, (node, op) in CASES.items()]
    messages = {c["message"] for c in cases if c["raises"]}
    assert len(messages) == 1, messages
    for c in cases:
        c.pop("message", None)
    C.write_json(FIXTURE, {
        "torch_version": torch.__version__,
        "message": messages.pop(),
        "cases": cases,
        "retain_graph": retain_graph_case(),
    })
    print(f"wrote {FIXTURE}: {len(cases)} cases, {sum(c['raises'] for c in cases)} raise")


if __name__ == "__main__":
    main()
