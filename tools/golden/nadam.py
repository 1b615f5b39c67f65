"""Record torch.optim.NAdam behaviour into fixtures (through recorder.py).

From the repository root:
    tools/oracle/python tools/golden/nadam.py

Writes tests/SharpOptim.Tests/Fixtures/nadam_{trajectories,state_dict,differentiable}.sofx
(differentiable runs on the problem's recorded gradients) and nadam_errors.json.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch.testing._internal.common_optimizers import (  # noqa: E402
    optim_error_inputs_func_nadam, optim_inputs_func_nadam)

import recorder as R  # noqa: E402
from recorder import RECORDED_GRADS_STEPS, extra, shared_error_cases  # noqa: E402

NAdam = torch.optim.NAdam

# PyTorch's CPU grid has no tensor lr (its tensor-lr configs are CUDA-only, with capturable).
EXTRAS = [
    extra("tensor lr, weight_decay", lr=torch.tensor(0.001), weight_decay=0.1),
    extra("tensor lr, decoupled_weight_decay", lr=torch.tensor(0.001), weight_decay=0.9,
          momentum_decay=6e-3, decoupled_weight_decay=True),
]

ERRORS = shared_error_cases("nadam", "NAdam") + [
    ("nadam_negative_eps", "torch.optim.NAdam([p], eps=-1e-8)"),
    ("nadam_beta1_one", "torch.optim.NAdam([p], lr=1e-2, betas=(1.0, 0.0))"),
    ("nadam_beta1_negative", "torch.optim.NAdam([p], betas=(-0.5, 0.999))"),
    ("nadam_beta2_one", "torch.optim.NAdam([p], betas=(0.9, 1.0))"),
    ("nadam_negative_momentum_decay", "torch.optim.NAdam([p], lr=1e-2, momentum_decay=-0.2)"),
    ("nadam_first_invalid_wins", "torch.optim.NAdam([p], lr=-1.5, eps=-1.0, momentum_decay=-1.0)"),
]

S = RECORDED_GRADS_STEPS
# With a tensor lr that requires grad, PyTorch's differentiable NAdam saves exp_avg for the
# backward of `exp_avg * (-lr * mu_next / ...)` and the next step's lerp_ overwrites it: backward
# works through one step and fails through two (recorded as "backward_error").
DIFFERENTIABLE = [
    (extra("default"), S),
    (extra("weight_decay, maximize", weight_decay=0.1, maximize=True), S),
    (extra("decoupled_weight_decay", weight_decay=0.9, momentum_decay=6e-3, decoupled_weight_decay=True), S),
    (extra("tensor lr", lr=torch.tensor(0.001)), 1),
    (extra("tensor lr", lr=torch.tensor(0.001)), 2),
    (extra("tensor lr, weight_decay, maximize", lr=torch.tensor(0.001), weight_decay=0.1, maximize=True), 1),
    (extra("tensor lr, decoupled_weight_decay", lr=torch.tensor(0.001), weight_decay=0.9,
           momentum_decay=6e-3, decoupled_weight_decay=True), 1),
]


def main():
    grid = optim_inputs_func_nadam(device="cpu", dtype=torch.float32)
    R.record(R.Algorithm(
        NAdam, "nadam", list(grid) + EXTRAS,
        extra_descs=[c.desc for c in EXTRAS],
        state_dict_descs=("weight_decay, momentum_decay", "decoupled_weight_decay"),
        errors=ERRORS,
        error_grid=optim_error_inputs_func_nadam(device="cpu", dtype=torch.float32),
        differentiable=R.Differentiable("recorded_grads", DIFFERENTIABLE),
        # mu_product is a float32 scalar; loading casts it to a float64 param's dtype, so a
        # float64 run continues differently after a reload (more precisely) than carrying on.
        exact_continuation_dtypes=("float32",),
    ))


if __name__ == "__main__":
    main()
