"""Record torch.optim.Adam and torch.optim.AdamW behaviour into fixtures (through recorder.py).

From the repository root:
    tools/oracle/python tools/golden/adam.py

Writes (for each of adam and adamw)
    tests/SharpOptim.Tests/Fixtures/<prefix>_trajectories.sofx
    tests/SharpOptim.Tests/Fixtures/<prefix>_state_dict.sofx
    tests/SharpOptim.Tests/Fixtures/<prefix>_errors.json          (with defaults, repr, old state dicts, capturable on CPU)
    tests/SharpOptim.Tests/Fixtures/<prefix>_differentiable.sofx  (pytorch_diff_fn_chain)
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import recorder as R  # noqa: E402


def adam_configs():
    """PyTorch's own CPU grid, then the configs PyTorch's grid keeps for other devices that
    CPU can run once `capturable` is dropped (tensor lr, tensor betas); see recorder.cpu_grid_with_device_extras."""
    from torch.testing._internal.common_optimizers import optim_inputs_func_adam

    # optim_inputs_func_adamw is optim_inputs_func_adam; the dtype changes the grid only for
    # float16 (eps), so the float32 grid serves float32 and float64.
    return R.cpu_grid_with_device_extras(torch.optim.Adam, optim_inputs_func_adam, torch.float32)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
SPARSE_GRAD_STEP = (
    "q = torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))\n"
    "q.grad = torch.sparse_coo_tensor(torch.tensor([[0, 1], [1, 0]]), torch.tensor([0.5, -1.0]), (2, 2))\n"
    "opt = torch.optim.{cls}([q])\n"
    "opt.step()"
)


def error_cases(cls):
    """Every check of Adam.__init__ (AdamW inherits them) and the step-time errors on CPU."""
    o = f"torch.optim.{cls}"
    s = cls.lower()
    return [
        (f"{s}_negative_lr", f"{o}([p], lr=-0.1)"),
        (f"{s}_nan_lr", f"{o}([p], lr=float('nan'))"),
        (f"{s}_negative_tensor_lr", f"{o}([p], lr=torch.tensor(-0.1))"),
        (f"{s}_tensor_lr_not_1_element", f"{o}([p], lr=torch.tensor([0.001, 0.001]))"),
        (f"{s}_tensor_lr_with_foreach", f"{o}([p], lr=torch.tensor(0.001), foreach=True)"),
        (f"{s}_tensor_lr_with_foreach_capturable", f"{o}([p], lr=torch.tensor(0.001), foreach=True, capturable=True)"),
        (f"{s}_negative_eps", f"{o}([p], eps=-1e-8)"),
        (f"{s}_beta1_one", f"{o}([p], lr=1e-2, betas=(1.0, 0.0))"),
        (f"{s}_beta1_negative", f"{o}([p], betas=(-0.1, 0.999))"),
        (f"{s}_beta2_one", f"{o}([p], betas=(0.9, 1.0))"),
        (f"{s}_beta2_nan", f"{o}([p], betas=(0.9, float('nan')))"),
        (f"{s}_negative_weight_decay", f"{o}([p], lr=1e-2, weight_decay=-1)"),
        (f"{s}_betas_float_and_tensor", f"{o}([p], lr=1e-2, betas=(0.9, torch.tensor(0.99)))"),
        (f"{s}_betas_tensor_and_float", f"{o}([p], lr=1e-2, betas=(torch.tensor(0.9), 0.99))"),
        (f"{s}_tensor_betas_with_foreach", f"{o}([p], lr=1e-2, betas=(torch.tensor(0.9), torch.tensor(0.99)), foreach=True)"),
        (f"{s}_tensor_betas_with_foreach_capturable",
         f"{o}([p], betas=(torch.tensor(0.9), torch.tensor(0.99)), foreach=True, capturable=True)"),
        (f"{s}_tensor_beta1_out_of_range", f"{o}([p], betas=(torch.tensor(1.5), torch.tensor(0.99)))"),
        (f"{s}_tensor_beta2_out_of_range", f"{o}([p], betas=(torch.tensor(0.9), torch.tensor(-0.5)))"),
        (f"{s}_tensor_beta1_not_1_element", f"{o}([p], betas=(torch.tensor([0.9, 0.9]), torch.tensor(0.99)))"),
        (f"{s}_fused_and_foreach", f"{o}([p], fused=True, foreach=True)"),
        (f"{s}_fused_and_differentiable", f"{o}([p], fused=True, differentiable=True)"),
        (f"{s}_sparse_grad", SPARSE_GRAD_STEP.format(cls=cls)),
        (f"{s}_differentiable_step_requires_grad",
         "x = torch.randn(2, requires_grad=True)\n"
         "q = x.clone()\n"
         f"opt = {o}([q], differentiable=True)\n"
         "q.grad = torch.ones(2)\n"
         "opt.step()\n"
         "opt.state[q]['step'].requires_grad_(True)\n"
         "opt.step()"),
        (f"{s}_tensor_betas_later_set_with_foreach",
         f"opt = {o}([p], foreach=True)\n"
         "opt.param_groups[0]['betas'] = (torch.tensor(0.9), torch.tensor(0.99))\n"
         "p.grad = torch.ones_like(p)\n"
         "opt.step()"),
        (f"{s}_tensor_beta2_later_set_with_foreach",
         f"opt = {o}([p], foreach=True)\n"
         "opt.param_groups[0]['betas'] = (0.9, torch.tensor(0.99))\n"
         "p.grad = torch.ones_like(p)\n"
         "opt.step()"),
        (f"{s}_tensor_lr_later_set_with_foreach",
         f"opt = {o}([p], foreach=True)\n"
         "opt.param_groups[0]['lr'] = torch.tensor(0.01)\n"
         "p.grad = torch.ones_like(p)\n"
         "opt.step()"),
    ]


# ---------------------------------------------------------------------------
# The differentiable path through autograd; defaults; capturable on CPU
# ---------------------------------------------------------------------------
def differentiable_configs(cls):
    """(desc, kwargs builder) for the autograd checks. Tensor hyper-parameters require grad so
    their gradients are recorded too."""
    f64 = torch.float64

    def t(v):
        return torch.tensor(v, dtype=f64, requires_grad=True)

    cases = [
        ("tensor lr", lambda: {"lr": t(0.01)}),
        ("tensor lr, weight_decay, amsgrad", lambda: {"lr": t(0.01), "weight_decay": 0.1, "amsgrad": True}),
        ("tensor lr, tensor betas, maximize", lambda: {"lr": t(0.01), "betas": (t(0.8), t(0.9)), "maximize": True}),
        ("tensor lr, tensor betas, weight_decay, amsgrad",
         lambda: {"lr": t(0.02), "betas": (t(0.85), t(0.95)), "weight_decay": 0.2, "amsgrad": True}),
    ]
    if cls is torch.optim.Adam:
        cases.append(("tensor lr, decoupled_weight_decay",
                      lambda: {"lr": t(0.01), "weight_decay": 0.1, "decoupled_weight_decay": True}))
    return cases


def defaults_and_capturable_cases(cls):
    """The default group, repr and older state dicts (recorder.defaults_cases), and capturable on
    the CPU: PyTorch refuses it at the step except on its fused path."""
    name = cls.__name__
    cases = R.defaults_cases(cls, ("amsgrad", "maximize", "foreach", "capturable", "differentiable", "fused",
                                   "decoupled_weight_decay"))
    if cls is torch.optim.AdamW:
        # AdamW.__setstate__ forces decoupled weight decay whatever the dict says.
        cases.append(("adamw_load_adam_state_dict",
                      "sd = torch.optim.Adam([p], weight_decay=0.1).state_dict()\n"
                      "opt = torch.optim.AdamW([p])\n"
                      "opt.load_state_dict(sd)\n"
                      f"result = {R.GROUP_OPTIONS}"))
    return cases + [
        (f"{name.lower()}_capturable_step_on_cpu",
         f"opt = torch.optim.{name}([p], capturable=True)\n"
         "p.grad = torch.ones_like(p)\n"
         "opt.step()"),
        (f"{name.lower()}_capturable_fused_step_on_cpu",
         "q = torch.nn.Parameter(torch.tensor([0.5, -1.0]))\n"
         f"opt = torch.optim.{name}([q], capturable=True, fused=True)\n"
         "q.grad = torch.tensor([0.25, -2.0])\n"
         "opt.step()\n"
         "result = q.detach()"),
    ]


# ---------------------------------------------------------------------------
def algorithm(cls, prefix):
    return R.Algorithm(
        cls, prefix, adam_configs(), impls=("forloop", "fused"),
        state_dict_descs=("amsgrad", "maximize", "Tensor lr, Tensor betas, with capturable" + R.CAPTURABLE_DROPPED),
        errors=error_cases(cls.__name__) + defaults_and_capturable_cases(cls),
        differentiable=R.Differentiable("pytorch_diff_fn_chain", differentiable_configs(cls)),
    )


def main():
    for cls, prefix in ((torch.optim.Adam, "adam"), (torch.optim.AdamW, "adamw")):
        R.record(algorithm(cls, prefix))


if __name__ == "__main__":
    main()
