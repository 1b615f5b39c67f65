"""Record torch.optim.RAdam behaviour into fixtures (through recorder.py).

From the repository root:
    tools/oracle/python tools/golden/radam.py

Writes tests/SharpOptim.Tests/Fixtures/radam_{trajectories,state_dict,differentiable}.sofx
(differentiable runs on the problem's recorded gradients) and radam_errors.json.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch.testing._internal.common_optimizers import (  # noqa: E402
    optim_error_inputs_func_radam, optim_inputs_func_radam)

import recorder as R  # noqa: E402
from recorder import RECORDED_GRADS_STEPS, extra, shared_error_cases  # noqa: E402

RAdam = torch.optim.RAdam

# Beyond PyTorch's CPU grid: a tensor lr (its tensor-lr config is CUDA-only, with capturable), and
# the two rectification regimes. With beta2 = 0.999 (every grid config) the unrectified update runs
# for steps 1-5 and the rectified one from step 6; with beta2 = 0.6, rho_inf = 2/(1-beta2) - 1 = 4,
# so rho_t never exceeds 5 and every step is unrectified; with beta2 = 0.99 rectification starts
# at step 6 too but rho_t grows more slowly.
EXTRAS = [
    extra("tensor lr, weight_decay, decoupled_weight_decay", lr=torch.tensor(0.001), weight_decay=0.1,
          decoupled_weight_decay=True),
    extra("tensor lr, weight_decay", lr=torch.tensor(0.002), weight_decay=0.1),
    extra("never rectified", lr=0.01, betas=(0.9, 0.6)),
    extra("beta2 0.99, maximize", betas=(0.8, 0.99), maximize=True, eps=1e-6),
]

ERRORS = shared_error_cases("radam", "RAdam") + [
    ("radam_negative_eps", "torch.optim.RAdam([p], eps=-1e-8)"),
    ("radam_beta1_one", "torch.optim.RAdam([p], lr=1e-2, betas=(1.0, 0.0))"),
    ("radam_beta2_negative", "torch.optim.RAdam([p], betas=(0.9, -0.1))"),
    ("radam_int_weight_decay", "torch.optim.RAdam([p], lr=1e-2, weight_decay=-1)"),
    ("radam_first_invalid_wins", "torch.optim.RAdam([p], lr=-1.5, betas=(2.0, 2.0), weight_decay=-1.0)"),
]

S = RECORDED_GRADS_STEPS
DIFFERENTIABLE = [
    (extra("default"), S),
    (extra("tensor lr", lr=torch.tensor(0.001)), S),
    (extra("tensor lr, weight_decay, maximize", lr=torch.tensor(0.001), weight_decay=0.1, maximize=True), S),
    (extra("tensor lr, decoupled_weight_decay", lr=torch.tensor(0.001), weight_decay=0.1,
           decoupled_weight_decay=True), S),
]


def main():
    grid = optim_inputs_func_radam(device="cpu", dtype=torch.float32)
    R.record(R.Algorithm(
        RAdam, "radam", list(grid) + EXTRAS,
        extra_descs=[c.desc for c in EXTRAS],
        state_dict_descs=("nonzero weight_decay", "decoupled_weight_decay"),
        errors=ERRORS,
        error_grid=optim_error_inputs_func_radam(device="cpu", dtype=torch.float32),
        differentiable=R.Differentiable("recorded_grads", DIFFERENTIABLE),
    ))


if __name__ == "__main__":
    main()
