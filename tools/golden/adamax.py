"""Record torch.optim.Adamax behaviour into fixtures (through recorder.py).

From the repository root:
    tools/oracle/python tools/golden/adamax.py

Writes
    tests/SharpOptim.Tests/Fixtures/adamax_trajectories.sofx
    tests/SharpOptim.Tests/Fixtures/adamax_state_dict.sofx
    tests/SharpOptim.Tests/Fixtures/adamax_errors.json          (with defaults, repr, old state dicts, capturable on CPU)
    tests/SharpOptim.Tests/Fixtures/adamax_differentiable.sofx  (pytorch_diff_fn_chain)
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import recorder as R  # noqa: E402
Adamax = torch.optim.Adamax


def adamax_configs():
    """PyTorch's own CPU grid, then its CUDA-only configs that differ once `capturable` is
    dropped (tensor lr, weight_decay 0.9); see recorder.cpu_grid_with_device_extras."""
    from torch.testing._internal.common_optimizers import optim_inputs_func_adamax

    return R.cpu_grid_with_device_extras(Adamax, optim_inputs_func_adamax, torch.float32)


ERROR_CASES = [
    ("adamax_negative_lr", "torch.optim.Adamax([p], lr=-0.1)"),
    ("adamax_nan_lr", "torch.optim.Adamax([p], lr=float('nan'))"),
    ("adamax_negative_tensor_lr", "torch.optim.Adamax([p], lr=torch.tensor(-0.1))"),
    ("adamax_tensor_lr_not_1_element", "torch.optim.Adamax([p], lr=torch.tensor([0.001, 0.001]))"),
    ("adamax_negative_eps", "torch.optim.Adamax([p], eps=-1e-8)"),
    ("adamax_beta1_one", "torch.optim.Adamax([p], betas=(1.0, 0.0))"),
    ("adamax_beta1_negative", "torch.optim.Adamax([p], betas=(-0.1, 0.999))"),
    ("adamax_beta2_one", "torch.optim.Adamax([p], lr=1e-2, betas=(0.0, 1.0))"),
    ("adamax_negative_weight_decay", "torch.optim.Adamax([p], weight_decay=-0.5)"),
    ("adamax_tensor_lr_with_foreach",
     "q = torch.nn.Parameter(torch.tensor([0.5, -1.0]))\n"
     "opt = torch.optim.Adamax([q], lr=torch.tensor(0.01), foreach=True)\n"
     "q.grad = torch.tensor([0.25, -2.0])\n"
     "opt.step()\n"
     "result = q.detach()"),
    ("adamax_sparse_grad",
     "q = torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))\n"
     "q.grad = torch.sparse_coo_tensor(torch.tensor([[0, 1], [1, 0]]), torch.tensor([0.5, -1.0]), (2, 2))\n"
     "opt = torch.optim.Adamax([q])\n"
     "opt.step()"),
    ("adamax_differentiable_tensor_lr_requires_grad",
     "x = torch.randn(2, requires_grad=True)\n"
     "q = x.clone()\n"
     "opt = torch.optim.Adamax([q], lr=torch.tensor(0.01, requires_grad=True), differentiable=True)\n"
     "q.grad = torch.ones(2)\n"
     "opt.step()"),
]


def differentiable_configs():
    # A tensor lr that requires grad cannot go through Adamax's for-loop: it passes
    # -lr/bias_correction to addcdiv_ as a plain number (see the error case
    # adamax_differentiable_tensor_lr_requires_grad), so the tensor lr here does not require grad.
    return [
        ("tensor lr", lambda: {"lr": torch.tensor(0.01, dtype=torch.float64)}),
        ("weight_decay, maximize", lambda: {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
        ("betas, eps", lambda: {"lr": 0.02, "betas": (0.8, 0.9), "eps": 0.5}),
    ]


# The default group, repr and older state dicts, and capturable on the CPU (PyTorch refuses it at the step).
DEFAULTS_AND_CAPTURABLE = R.defaults_cases(Adamax, ("foreach", "maximize", "differentiable", "capturable")) + [
    ("adamax_capturable_step_on_cpu",
     "opt = torch.optim.Adamax([p], capturable=True)\n"
     "p.grad = torch.ones_like(p)\n"
     "opt.step()"),
]


ALGORITHM = R.Algorithm(
    Adamax, "adamax", adamax_configs(),
    state_dict_descs=("maximize, weight_decay", "non-default lr"),
    errors=ERROR_CASES + DEFAULTS_AND_CAPTURABLE,
    differentiable=R.Differentiable("pytorch_diff_fn_chain", differentiable_configs()),
)


if __name__ == "__main__":
    R.record(ALGORITHM)
