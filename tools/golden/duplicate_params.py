"""Record what PyTorch does with a parameter listed twice in one group.

From the repository root:
    tools/oracle/python tools/golden/duplicate_params.py

Writes
    tests/SharpOptim.Tests/Fixtures/duplicate_params.sofx

PyTorch warns at construction ("optimizer contains a parameter group with duplicate
parameters; ...", recorded in optimizer_errors.json by sgd.py) and then steps the list as it
is. Its default CPU implementation, the for-loop, updates the parameter twice in sequence:
the first copy completely (its step counter included), then the second, both reading the same
gradient and the same state tensors. That is what is recorded here, for every algorithm that
has a kernel path in SharpOptim. PyTorch's foreach implementation (each foreach op applied to
the whole list before the next op, so the copies' updates interleave op by op) and its fused
Adam/AdamW (every step counter incremented before any update) give other numbers; SharpOptim
follows the for-loop for such a group whatever its flags, so only the for-loop is recorded.

The problem: a matrix p (4, 5) and a matrix q (3, 2) (2-D, so that Muon takes them and
Adafactor factors them), the group's params [p, q, p]; every step sets fresh gradients on p
and q (float64 draws, cast to the case's dtype) and steps once. SparseAdam takes sparse
gradients: its p (6, 3) and q (4, 3) get sparse gradients over fixed rows.

Layout (numbers encoded as in tools/golden/README.md):
    {header..., "order": [0, 1, 0],
     "cases": [{"id": "<algorithm>/<dtype>", "algorithm", "kwargs", "dtype",
                "initial": {"shapes": [[4, 5], [3, 2]], "params": [p0, q0]},
                "steps": [{"grads": [gp, gq], "params": [p, q], "state": [{...}, {...}]}]}]}
    "algorithm" is the name SharpOptim's tests know the configuration by (KernelAllocationTests);
    "kwargs" are the constructor's arguments as PyTorch took them. For SparseAdam each step's
    "grads" are {"indices": [[rows]], "values": [...flat...], "shape"} per param.
"""

import os
import sys
import warnings

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import common as C  # noqa: E402
import fixture_format as FF  # noqa: E402

FIXTURE = "tests/SharpOptim.Tests/Fixtures/duplicate_params.sofx"
ORDER = [0, 1, 0]
STEPS = 4
O = torch.optim

# The configurations of KernelAllocationTests.Factories, under the same names; every flag
# False selects PyTorch's for-loop.
FORLOOP = {"foreach": False}
CONFIGS = {
    "sgd": (O.SGD, dict(lr=0.01, momentum=0.9, weight_decay=0.01, **FORLOOP)),
    "sgd-nesterov": (O.SGD, dict(lr=0.01, momentum=0.9, nesterov=True, maximize=True, **FORLOOP)),
    "adam": (O.Adam, dict(weight_decay=0.01, **FORLOOP)),
    "adam-amsgrad": (O.Adam, dict(amsgrad=True, maximize=True, **FORLOOP)),
    "adamw": (O.AdamW, dict(**FORLOOP)),
    "adagrad": (O.Adagrad, dict(lr_decay=0.01, weight_decay=0.01, **FORLOOP)),
    "adadelta": (O.Adadelta, dict(weight_decay=0.01, **FORLOOP)),
    "adamax": (O.Adamax, dict(weight_decay=0.01, **FORLOOP)),
    "asgd": (O.ASGD, dict(t0=2, weight_decay=0.01, **FORLOOP)),
    "nadam": (O.NAdam, dict(weight_decay=0.01, **FORLOOP)),
    "nadam-decoupled": (O.NAdam, dict(weight_decay=0.01, decoupled_weight_decay=True, **FORLOOP)),
    "radam": (O.RAdam, dict(weight_decay=0.01, **FORLOOP)),
    "rmsprop": (O.RMSprop, dict(weight_decay=0.01, **FORLOOP)),
    "rmsprop-centered-momentum": (O.RMSprop, dict(momentum=0.9, centered=True, **FORLOOP)),
    "rprop": (O.Rprop, dict(**FORLOOP)),
    "adafactor": (O.Adafactor, dict(weight_decay=0.01, **FORLOOP)),
    "muon": (O.Muon, dict()),
}
SPARSE_ROWS = [[0, 2, 2, 5], [1, 3]]  # p's gradient repeats row 2 (uncoalesced)


def dense_case(name, dtype_name, draws):
    cls, kwargs = CONFIGS[name]
    dtype = C.DTYPES[dtype_name]
    p = draws["p0"].to(dtype).clone().requires_grad_(True)
    q = draws["q0"].to(dtype).clone().requires_grad_(True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        opt = cls([[p, q][i] for i in ORDER], **kwargs)
    assert any("duplicate parameters" in str(w.message) for w in caught), name
    steps = []
    for gp, gq in draws["grads"]:
        p.grad, q.grad = gp.to(dtype), gq.to(dtype)
        opt.step()
        steps.append({
            "grads": [C.tensor_flat(p.grad), C.tensor_flat(q.grad)],
            "params": [C.tensor_flat(p), C.tensor_flat(q)],
            "state": [C.param_state_record(opt, p), C.param_state_record(opt, q)],
        })
    return {
        "id": f"{name}/{dtype_name}", "algorithm": name, "kwargs": C.encode_kwargs(kwargs)[0], "dtype": dtype_name,
        "initial": {"shapes": [list(p.shape), list(q.shape)], "params": [C.tensor_flat(draws["p0"].to(dtype)), C.tensor_flat(draws["q0"].to(dtype))]},
        "steps": steps,
    }


def sparse_grad(rows, values, shape):
    return torch.sparse_coo_tensor(torch.tensor([rows]), values, shape, check_invariants=True)


def sparse_case(dtype_name, draws):
    dtype = C.DTYPES[dtype_name]
    p = draws["p0"].to(dtype).clone().requires_grad_(True)
    q = draws["q0"].to(dtype).clone().requires_grad_(True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = O.SparseAdam([[p, q][i] for i in ORDER])
    steps = []
    for values in draws["grads"]:
        grads = [sparse_grad(rows, v.to(dtype), t.shape) for rows, v, t in zip(SPARSE_ROWS, values, (p, q))]
        p.grad, q.grad = grads
        opt.step()
        steps.append({
            "grads": [{"indices": [rows], "values": C.tensor_flat(g._values()), "shape": list(g.shape)}
                      for rows, g in zip(SPARSE_ROWS, grads)],
            "params": [C.tensor_flat(p), C.tensor_flat(q)],
            "state": [C.param_state_record(opt, p), C.param_state_record(opt, q)],
        })
    return {
        "id": f"sparse_adam/{dtype_name}", "algorithm": "sparse_adam", "kwargs": {}, "dtype": dtype_name,
        "initial": {"shapes": [list(p.shape), list(q.shape)], "params": [C.tensor_flat(draws["p0"].to(dtype)), C.tensor_flat(draws["q0"].to(dtype))]},
        "steps": steps,
    }


def main():
    torch.manual_seed(0)
    dense = {"p0": torch.randn(4, 5, dtype=torch.float64), "q0": torch.randn(3, 2, dtype=torch.float64)}
    dense["grads"] = [(torch.randn(4, 5, dtype=torch.float64), torch.randn(3, 2, dtype=torch.float64)) for _ in range(STEPS)]
    sparse = {"p0": torch.randn(6, 3, dtype=torch.float64), "q0": torch.randn(4, 3, dtype=torch.float64)}
    sparse["grads"] = [tuple(torch.randn(len(rows), 3, dtype=torch.float64) for rows in SPARSE_ROWS) for _ in range(STEPS)]

    cases = [dense_case(name, dtype_name, dense) for name in CONFIGS for dtype_name in C.DTYPES]
    cases += [sparse_case(dtype_name, sparse) for dtype_name in C.DTYPES]
    out = {**C.header("duplicate_params"), "order": ORDER, "cases": cases}
    size = FF.write(FIXTURE, out)
    print(f"{FIXTURE}: {len(cases)} cases, {size} bytes")


if __name__ == "__main__":
    main()
