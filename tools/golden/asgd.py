"""Record torch.optim.ASGD behaviour into fixtures (through recorder.py).

From the repository root:
    tools/oracle/python tools/golden/asgd.py

Writes tests/SharpOptim.Tests/Fixtures/asgd_{trajectories,state_dict,differentiable}.sofx
(differentiable runs on the problem's recorded gradients) and asgd_errors.json.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch.testing._internal.common_optimizers import (  # noqa: E402
    optim_error_inputs_func_asgd, optim_inputs_func_asgd)

import recorder as R  # noqa: E402
from recorder import RECORDED_GRADS_STEPS, extra, shared_error_cases  # noqa: E402

ASGD = torch.optim.ASGD

# Beyond PyTorch's CPU grid: a tensor lr (its tensor-lr config is CUDA-only, with capturable), and
# averaging. mu = 1 / max(1, step - t0) stays 1 for the grid's t0 (1e6, and 100 over 100 steps), so
# `ax` is only ever a copy of the param there; with t0 = 10 the running average starts at step 12.
EXTRAS = [
    extra("tensor lr, weight_decay, maximize", lr=torch.tensor(0.001), weight_decay=0.1, maximize=True),
    extra("averaging from step 12", t0=10, lambd=0.01),
    extra("tensor lr, averaging, weight_decay", lr=torch.tensor(0.02), t0=10.5, alpha=0.5, weight_decay=0.1),
]

ERRORS = shared_error_cases("asgd", "ASGD") + [
    ("asgd_first_invalid_wins", "torch.optim.ASGD([p], lr=-1.5, weight_decay=-1.0)"),
    # ASGD checks neither lambd, alpha nor t0.
    ("asgd_unchecked_options", "torch.optim.ASGD([p], lambd=-1.0, alpha=-2.0, t0=-3.0)"),
]

S = RECORDED_GRADS_STEPS
# The step reads eta with .item(), so no gradient reaches a tensor lr (lr_grad is null).
DIFFERENTIABLE = [
    (extra("default"), S),
    (extra("weight_decay, maximize, averaging", weight_decay=0.1, maximize=True, t0=2), S),
    (extra("tensor lr, averaging", lr=torch.tensor(0.02), t0=2, lambd=0.1), S),
]


def main():
    grid = optim_inputs_func_asgd(device="cpu", dtype=torch.float32)
    R.record(R.Algorithm(
        ASGD, "asgd", list(grid) + EXTRAS,
        extra_descs=[c.desc for c in EXTRAS],
        state_dict_descs=("averaging from step 12", "tensor lr, averaging, weight_decay"),
        errors=ERRORS,
        error_grid=optim_error_inputs_func_asgd(device="cpu", dtype=torch.float32),
        differentiable=R.Differentiable("recorded_grads", DIFFERENTIABLE),
    ))


if __name__ == "__main__":
    main()
