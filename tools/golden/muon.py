"""Record torch.optim.Muon behaviour into fixtures (through recorder.py).

From the repository root:
    tools/oracle/python tools/golden/muon.py

Writes
    tests/SharpOptim.Tests/Fixtures/muon_trajectories.sofx
    tests/SharpOptim.Tests/Fixtures/muon_state_dict.sofx
    tests/SharpOptim.Tests/Fixtures/muon_newton_schulz.sofx
    tests/SharpOptim.Tests/Fixtures/muon_errors.json
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch.optim._muon import _zeropower_via_newtonschulz  # noqa: E402

import common as C  # noqa: E402
import recorder as R  # noqa: E402
Muon = torch.optim.Muon


def muon_configs():
    # PyTorch's own grid (CPU), imported rather than transcribed; the dtype argument does not
    # change it. Muon has no foreach/fused/differentiable flags at all: only its for-loop exists.
    from torch.testing._internal.common_optimizers import optim_inputs_func_muon

    grid = optim_inputs_func_muon(device="cpu", dtype=torch.float32)
    # Options the grid leaves at their defaults, added here (desc "extra: ..."), so that every
    # option of Muon is exercised: nesterov off, the explicit "original" adjustment (the same as
    # None), no momentum at all (the buffer then equals the gradient), and a non-default eps.
    extras = [
        R.Extra({"nesterov": False}, "extra: nesterov off"),
        R.Extra({"adjust_lr_fn": "original", "lr": 0.02}, "extra: original lr adjustment"),
        R.Extra({"momentum": 0.0, "nesterov": False, "weight_decay": 0.0}, "extra: no momentum no weight_decay"),
        R.Extra({"eps": 1e-3, "ns_steps": 3}, "extra: eps and 3 ns_steps"),
    ]
    return grid + extras


# ---------------------------------------------------------------------------
# Muon's test problem
# ---------------------------------------------------------------------------
# Muon refuses any param that is not 2-D, so the standard problem's b (3,) and s (0-d) cannot be
# used. This problem keeps the standard X, Y and W (3,4) and adds V (4,3), drawn from seed 1:
#     pred = tanh(X @ W.T + tanh(X @ V)),  loss = mean((pred - Y) ** 2)
# W is wider than tall and V taller than wide, so both branches of the Newton-Schulz iteration
# (with and without the transpose) run.
def muon_loss(problem, params):
    W, V = params
    X = problem["X"].to(W.dtype)
    Y = problem["Y"].to(W.dtype)
    pred = torch.tanh(X @ W.T + torch.tanh(X @ V))
    return ((pred - Y) ** 2).mean()


def make_muon_problem():
    base = C.make_problem()
    gen = torch.Generator().manual_seed(1)
    V0 = torch.randn(4, 3, dtype=torch.float64, generator=gen) * 0.5
    return C.Problem({"X": base["X"], "Y": base["Y"], "W": base["W"], "V": V0}, muon_loss)


# ---------------------------------------------------------------------------
# The Newton-Schulz iteration alone
# ---------------------------------------------------------------------------
# PyTorch runs it in bfloat16. The trajectories only have 3x4 and 4x3 matrices, so the
# iteration is also recorded here on its own for more shapes, scales, coefficients and step
# counts: input float32 (as given) and the bfloat16 output (exact as float32 values).
NS_SHAPES = [(3, 4), (4, 3), (1, 5), (5, 1), (2, 2), (5, 7), (7, 5), (6, 9), (9, 6), (8, 8), (12, 16), (16, 12)]
NS_SETTINGS = [((3.4445, -4.775, 2.0315), 5, 1e-7), ((3.4, -4.7, 2.0), 6, 1e-7), ((2.0, -1.5, 0.5), 2, 1e-3)]
NS_SCALES = [1e-3, 1.0, 30.0]


def record_newton_schulz():
    gen = torch.Generator().manual_seed(2)
    cases = []
    for shape in NS_SHAPES:
        for coefficients, steps, eps in NS_SETTINGS:
            for scale in NS_SCALES:
                g = (torch.randn(shape, dtype=torch.float64, generator=gen) * scale).to(torch.float32)
                out = _zeropower_via_newtonschulz(g, coefficients, steps, eps)
                assert out.dtype == torch.bfloat16 and list(out.shape) == list(shape)
                cases.append({
                    "shape": list(shape),
                    "ns_coefficients": list(coefficients),
                    "ns_steps": steps,
                    "eps": eps,
                    "input": C.tensor_flat(g),
                    "output": C.tensor_flat(out.float()),
                })
    # A zero matrix: its norm is clamped to eps, and the output stays zero.
    z = torch.zeros(2, 3)
    cases.append({"shape": [2, 3], "ns_coefficients": [3.4445, -4.775, 2.0315], "ns_steps": 5, "eps": 1e-7,
                  "input": C.tensor_flat(z),
                  "output": C.tensor_flat(_zeropower_via_newtonschulz(z, (3.4445, -4.775, 2.0315), 5, 1e-7).float())})
    # float64 input: PyTorch rounds it to bfloat16 through float32 (double rounding).
    g64 = torch.randn(4, 3, dtype=torch.float64, generator=gen)
    cases.append({"shape": [4, 3], "ns_coefficients": [3.4445, -4.775, 2.0315], "ns_steps": 5, "eps": 1e-7,
                  "input_dtype": "float64",
                  "input": C.tensor_flat(g64),
                  "output": C.tensor_flat(_zeropower_via_newtonschulz(g64, (3.4445, -4.775, 2.0315), 5, 1e-7).float())})
    return {**C.header("Muon"), "cases": cases}


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
# Every check of Muon.__init__ and of its step. PyTorch's complex-parameter error is not
# recorded: SharpOptim has no complex dtype, so it cannot occur.
SPARSE_GRAD = (
    "q = torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))\n"
    "q.grad = torch.sparse_coo_tensor(torch.tensor([[0, 1], [1, 0]]), torch.tensor([0.5, -1.0]), (2, 2),\n"
    "                                 check_invariants=True)\n"
)
ERROR_CASES = [
    ("muon_negative_lr", "torch.optim.Muon([p], lr=-0.1)"),
    ("muon_nan_lr", "torch.optim.Muon([p], lr=float('nan'))"),
    ("muon_negative_tensor_lr", "torch.optim.Muon([p], lr=torch.tensor(-0.1))"),
    ("muon_tensor_lr_not_1_element", "torch.optim.Muon([p], lr=torch.tensor([0.01, 0.01]))"),
    ("muon_negative_momentum", "torch.optim.Muon([p], momentum=-0.5)"),
    ("muon_negative_weight_decay", "torch.optim.Muon([p], weight_decay=-0.1)"),
    ("muon_unsupported_adjust_lr_fn", "torch.optim.Muon([p], adjust_lr_fn='arbitrary')"),
    ("muon_1d_param", "torch.optim.Muon([torch.nn.Parameter(torch.randn(3))])"),
    ("muon_0d_param", "torch.optim.Muon([torch.nn.Parameter(torch.tensor(1.0))])"),
    ("muon_3d_param", "torch.optim.Muon([p, torch.nn.Parameter(torch.randn(2, 3, 4))])"),
    ("muon_1d_param_in_second_group",
     'torch.optim.Muon([{"params": [p]}, {"params": [torch.nn.Parameter(torch.randn(3))]}])'),
    # The 2-D check runs only in __init__: a group added later is refused at the step instead.
    ("muon_1d_param_added_later",
     "opt = torch.optim.Muon([p])\n"
     "b = torch.nn.Parameter(torch.randn(3))\n"
     'opt.add_param_group({"params": [b]})\n'
     "b.grad = torch.ones_like(b)\n"
     "opt.step()"),
    ("muon_ns_steps_100", "opt = torch.optim.Muon([p], ns_steps=100)\np.grad = torch.ones_like(p)\nopt.step()"),
    ("muon_ns_steps_99_ok", "opt = torch.optim.Muon([p], ns_steps=99)\np.grad = torch.ones_like(p)\nopt.step()"),
    ("muon_two_ns_coefficients",
     "opt = torch.optim.Muon([p], ns_coefficients=(1.0, 2.0))\np.grad = torch.ones_like(p)\nopt.step()"),
    ("muon_sparse_grad", SPARSE_GRAD + "opt = torch.optim.Muon([q])\nopt.step()"),
]


ALGORITHM = R.Algorithm(
    Muon, "muon", muon_configs(),
    state_dict_descs=("default", "passing alternative ns_coefficients", "Tensor lr"),
    errors=ERROR_CASES,
    problem=make_muon_problem(),
    extra_files=[lambda problem: ("muon_newton_schulz.sofx", record_newton_schulz())],
)


if __name__ == "__main__":
    R.record(ALGORITHM)
