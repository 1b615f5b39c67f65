"""Record every scheduler's state dict with its Python types.

From the repository root:
    tools/oracle/python tools/golden/scheduler_state_types.py

Writes
    tests/SharpOptim.Tests/Fixtures/scheduler_state_types.json

A state dict that goes PyTorch -> SharpOptim -> PyTorch must come back with the same Python
types: an int stays an int (OneCycleLR's last end_step, ReduceLROnPlateau's default min_lr 0,
an eta_min=0 a user wrote), a float stays a float. For every scheduler of
torch.optim.lr_scheduler and SWALR, each case builds it (specs as in lr_scheduler.py), takes
a few steps, and records scheduler.state_dict() (ints written without a decimal point, floats
with one; see StateDictJson in the tests). "construct": true marks the cases whose arguments
C# can pass with PyTorch's types (its parameters are typed: a float argument given as the int
1 in Python is a double in C#), whose state dict SharpOptim must reproduce from its own
construction; every case's state dict must survive LoadStateDict then StateDict() unchanged.
The script checks that PyTorch's own load_state_dict + state_dict keeps every type.
"""

import copy
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch.optim.swa_utils import SWALR  # noqa: E402

import common as C  # noqa: E402
import lr_scheduler as L  # noqa: E402

FIXTURE = "tests/SharpOptim.Tests/Fixtures/scheduler_state_types.json"
STEPS = 6


def build_scheduler(spec, opt):
    if spec["class"] == "SWALR":
        return SWALR(opt, **spec["kwargs"])
    return L.build_scheduler(spec, opt)


def rising(i):
    """A metric that stops improving, so ReduceLROnPlateau reduces the lr within the steps."""
    return 1.0 + 0.25 * i


S, OPT = L.S, L.OPT
SGD_MOM = L.SGD2_MOM
INT_LRS = OPT(groups=({}, {"lr": 2}), lr=1)  # Python int lrs: base_lrs and _last_lr hold ints
CHAIN = [S("ConstantLR", factor=0.5, total_iters=2), S("ExponentialLR", gamma=0.9)]

# (id, optimizer, scheduler, construct, metric)
CASES = [
    ("LambdaLR", L.SGD2, S("LambdaLR", lr_lambda=L.fn("power", base=0.9)), True, None),
    ("MultiplicativeLR", L.SGD2, S("MultiplicativeLR", lr_lambda=L.fn("constant", value=0.95)), True, None),
    ("StepLR", L.SGD2, S("StepLR", step_size=2), True, None),
    ("StepLR-int-gamma", INT_LRS, S("StepLR", step_size=2, gamma=1), False, None),
    ("MultiStepLR", L.SGD2, S("MultiStepLR", milestones=[2, 4, 4]), True, None),
    ("ConstantLR", L.SGD2, S("ConstantLR"), True, None),
    ("ConstantLR-int-factor", INT_LRS, S("ConstantLR", factor=1, total_iters=3), False, None),
    ("LinearLR", L.SGD2, S("LinearLR"), True, None),
    ("LinearLR-int-factors", L.SGD2, S("LinearLR", start_factor=1, end_factor=0, total_iters=10), False, None),
    ("ExponentialLR", L.SGD2, S("ExponentialLR", gamma=0.9), True, None),
    ("ExponentialLR-int-lrs", INT_LRS, S("ExponentialLR", gamma=1), False, None),
    ("SequentialLR", L.SGD2, S("SequentialLR", schedulers=CHAIN, milestones=[3]), True, None),
    ("CosineAnnealingLR", L.SGD2, S("CosineAnnealingLR", T_max=4), True, None),
    ("CosineAnnealingLR-int-eta_min", L.SGD2, S("CosineAnnealingLR", T_max=4, eta_min=0), False, None),
    ("ChainedScheduler", L.SGD2, S("ChainedScheduler", schedulers=CHAIN, optimizer={"optimizer": "same"}), True, None),
    ("ReduceLROnPlateau", L.SGD2, S("ReduceLROnPlateau", patience=1), True, rising),
    ("ReduceLROnPlateau-float-min_lr", L.SGD2, S("ReduceLROnPlateau", patience=1, min_lr=0.001), True, rising),
    ("ReduceLROnPlateau-min_lr-list", L.SGD2, S("ReduceLROnPlateau", patience=1, min_lr=[0.001, 0.0005]), True, rising),
    ("ReduceLROnPlateau-int-args", L.SGD2, S("ReduceLROnPlateau", patience=1, factor=0.5, threshold=0, eps=0, min_lr=[0, 1]), False, rising),
    ("CyclicLR", SGD_MOM, S("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=2), True, None),
    ("CyclicLR-int-lrs", SGD_MOM, S("CyclicLR", base_lr=1, max_lr=5, step_size_up=2, base_momentum=0, max_momentum=1, gamma=1), False, None),
    ("CyclicLR-adam", L.ADAM2, S("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=2, mode="exp_range", gamma=0.99), True, None),
    ("OneCycleLR", SGD_MOM, S("OneCycleLR", max_lr=0.1, total_steps=14), True, None),
    ("OneCycleLR-three-phase", SGD_MOM, S("OneCycleLR", max_lr=0.1, total_steps=14, three_phase=True, anneal_strategy="linear"), True, None),
    ("OneCycleLR-int-args", SGD_MOM, S("OneCycleLR", max_lr=1, epochs=2, steps_per_epoch=7, div_factor=25, final_div_factor=10000, base_momentum=0, max_momentum=1), False, None),
    ("CosineAnnealingWarmRestarts", L.SGD2, S("CosineAnnealingWarmRestarts", T_0=3, T_mult=2), True, None),
    ("CosineAnnealingWarmRestarts-int-eta_min", L.SGD2, S("CosineAnnealingWarmRestarts", T_0=3, eta_min=0), False, None),
    ("PolynomialLR", L.SGD2, S("PolynomialLR", total_iters=10), True, None),
    ("PolynomialLR-int-power", L.SGD2, S("PolynomialLR", total_iters=10, power=2), False, None),
    ("SWALR", L.SGD2, S("SWALR", swa_lr=0.05, anneal_epochs=4), True, None),
    ("SWALR-linear-int-lr", L.SGD2, S("SWALR", swa_lr=1, anneal_epochs=0, anneal_strategy="linear"), False, None),
]


def run(opt_spec, sched_spec, metric):
    opt = L.build_optimizer(opt_spec)
    sched = build_scheduler(sched_spec, opt)
    for i in range(STEPS):
        opt.step()
        if metric is None:
            sched.step()
        else:
            sched.step(metric(i))
    return opt, sched


def main():
    torch.set_num_threads(1)
    cases = []
    for case_id, opt_spec, sched_spec, construct, metric in CASES:
        opt, sched = run(opt_spec, sched_spec, metric)
        state = C.encode_state_dict_value(sched.state_dict())
        # PyTorch's own round trip keeps every type.
        opt2 = L.build_optimizer(opt_spec)
        sched2 = build_scheduler(sched_spec, opt2)
        opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
        sched2.load_state_dict(copy.deepcopy(sched.state_dict()))
        assert C.dumps(C.encode_state_dict_value(sched2.state_dict())) == C.dumps(state), case_id
        case = {"id": case_id, "optimizer": opt_spec, "scheduler": sched_spec, "construct": construct, "steps": STEPS}
        if metric is not None:
            case["metrics"] = [metric(i) for i in range(STEPS)]
        case["state_dict"] = state
        cases.append(case)
    C.write_json(FIXTURE, {"torch_version": torch.__version__, "cases": cases})
    print(f"wrote {FIXTURE}: {len(cases)} cases")


if __name__ == "__main__":
    main()
