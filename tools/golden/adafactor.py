"""Record torch.optim.Adafactor behaviour into fixtures (through recorder.py).

From the repository root:
    tools/oracle/python tools/golden/adafactor.py

Writes
    tests/SharpOptim.Tests/Fixtures/adafactor_trajectories.sofx
    tests/SharpOptim.Tests/Fixtures/adafactor_state_dict.sofx
    tests/SharpOptim.Tests/Fixtures/adafactor_shapes.sofx
    tests/SharpOptim.Tests/Fixtures/adafactor_errors.json
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import common as C  # noqa: E402
import recorder as R  # noqa: E402
Adafactor = torch.optim.Adafactor


def adafactor_configs():
    # PyTorch's own grid (CPU), imported rather than transcribed; the dtype argument does not
    # change it. PyTorch has no fused Adafactor, so only its for-loop is recorded.
    from torch.testing._internal.common_optimizers import optim_inputs_func_adafactor

    grid = optim_inputs_func_adafactor(device="cpu", dtype=torch.float32)
    # Options the grid leaves at their defaults, added here (desc "extra: ..."): a tensor lr;
    # an lr above 1/sqrt(step), so rho_t = 1/sqrt(step) from step 5 on; an explicit epsilon1
    # (the grid only has None, i.e. the dtype's machine epsilon); an epsilon2 above RMS(param),
    # so the step size is epsilon2 * rho_t.
    extras = [
        R.Extra({"lr": torch.tensor(0.01)}, "extra: tensor lr"),
        R.Extra({"lr": 0.5, "weight_decay": 0.01}, "extra: lr above 1/sqrt(step)"),
        R.Extra({"eps": (1e-3, 1e-3)}, "extra: explicit epsilon1"),
        R.Extra({"eps": (None, 2.0)}, "extra: epsilon2 above RMS(param)"),
    ]
    return grid + extras


# ---------------------------------------------------------------------------
# Shapes the test problem lacks
# ---------------------------------------------------------------------------
# The test problem has a matrix, a vector and a 0-d param. Adafactor factors the last two dims
# of any param with 2+ dims, so a 3-D param (row_var (2,3,1), col_var (2,1,4)) and the
# degenerate one-row / one-column matrices are recorded here: a lone param fed seeded gradients.
SHAPES = [(2, 3, 4), (1, 5), (5, 1)]
SHAPE_CONFIGS = [({}, "default"), ({"weight_decay": 0.1, "maximize": True, "d": 1.5}, "weight_decay maximize d")]
SHAPE_STEPS = 20


def record_shapes():
    cases = []
    for shape in SHAPES:
        for kwargs, desc in SHAPE_CONFIGS:
            for dt in ("float32", "float64"):
                dtype = C.DTYPES[dt]
                gen = torch.Generator().manual_seed(1)
                p0 = torch.randn(shape, dtype=torch.float64, generator=gen)
                p = p0.to(dtype).clone().requires_grad_(True)
                opt = Adafactor([p], **kwargs, foreach=False)
                steps = []
                for _ in range(SHAPE_STEPS):
                    grad = torch.randn(shape, dtype=torch.float64, generator=gen).to(dtype)
                    p.grad = grad.clone()
                    opt.step()
                    steps.append({
                        "grad": C.tensor_flat(grad),
                        "param": C.tensor_flat(p),
                        "state": C.param_state_record(opt, p),
                    })
                kwargs_json, tensor_names = C.encode_kwargs(kwargs)
                cases.append({
                    "id": f"adafactor_shapes/{'x'.join(map(str, shape))}/{C.slug(desc)}/{dt}",
                    "shape": list(shape),
                    "dtype": dt,
                    "kwargs": kwargs_json,
                    "tensor_kwargs": tensor_names,
                    "param0": C.tensor_flat(p0.to(dtype)),
                    "steps": steps,
                })
    return {**C.header("Adafactor"), "cases": cases}


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
# Every check of Adafactor.__init__, and the step-time refusal of sparse gradients. PyTorch's
# complex-parameter error is not recorded: SharpOptim has no complex dtype, so it cannot occur.
SPARSE_GRAD = (
    "q = torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))\n"
    "q.grad = torch.sparse_coo_tensor(torch.tensor([[0, 1], [1, 0]]), torch.tensor([0.5, -1.0]), (2, 2),\n"
    "                                 check_invariants=True)\n"
)
ERROR_CASES = [
    ("adafactor_negative_lr", "torch.optim.Adafactor([p], lr=-0.1)"),
    ("adafactor_nan_lr", "torch.optim.Adafactor([p], lr=float('nan'))"),
    ("adafactor_negative_tensor_lr", "torch.optim.Adafactor([p], lr=torch.tensor(-0.1))"),
    ("adafactor_tensor_lr_not_1_element", "torch.optim.Adafactor([p], lr=torch.tensor([0.01, 0.01]))"),
    ("adafactor_positive_beta2_decay", "torch.optim.Adafactor([p], beta2_decay=0.8)"),
    ("adafactor_negative_epsilon1", "torch.optim.Adafactor([p], eps=(-1e-30, 1e-3))"),
    ("adafactor_negative_epsilon2", "torch.optim.Adafactor([p], eps=(None, -1e-3))"),
    ("adafactor_d_below_1", "torch.optim.Adafactor([p], d=0.0)"),
    ("adafactor_negative_weight_decay", "torch.optim.Adafactor([p], weight_decay=-0.1)"),
    ("adafactor_zero_lr_ok", "torch.optim.Adafactor([p], lr=0.0, eps=(0.0, 0.0), d=1.0, beta2_decay=0.0)"),
    ("adafactor_sparse_grad", SPARSE_GRAD + "opt = torch.optim.Adafactor([q])\nopt.step()"),
    ("adafactor_sparse_grad_foreach", SPARSE_GRAD + "opt = torch.optim.Adafactor([q], foreach=True)\nopt.step()"),
]


ALGORITHM = R.Algorithm(
    Adafactor, "adafactor", adafactor_configs(),
    state_dict_descs=("default", "nonzero weight_decay"),
    errors=ERROR_CASES,
    extra_files=[lambda problem: ("adafactor_shapes.sofx", record_shapes())],
)


if __name__ == "__main__":
    R.record(ALGORITHM)
