"""Record what PyTorch does with non-finite numbers: NaN/Inf gradients, huge float64 gradients,
torch.sign of NaN/Inf/-0.0, addcmul's rounding, and NaN (or otherwise degenerate) arguments.

From the repository root (~40 s):
    tools/oracle/python tools/golden/nonfinite.py

Writes (each regenerates byte-identically)
    tests/SharpOptim.Tests/Fixtures/nonfinite.sofx
        {"module", "torch_version", "cpu_capability", "num_threads",
         "sign": {dtype: {"input", "scalar_output", "scalar_signbit",          # torch.sign of each value as a 0-d tensor
                          "vector_input", "vector_output", "vector_signbit"}},   # and of a 64-element vector of them
         "addcmul_probe": {"overflow": {"<dtype>/n<n>": addcmul(inf, g, g, value=-1) with g*g beyond the range},
                           "random": [{"dtype", "value", "self", "tensor1", "tensor2", "result"}]},
         "cases": [{"id": "<optimizer>/<case>/<impl>/<dtype>", "optimizer", "kwargs", "impl": "forloop" | "foreach",
                    "dtype", "param0": {"shape", "data"},
                    "steps": [{"grad", "param", "state"}]}]}      # the grad fed to each step, then param and state after it
        One parameter per case, fed gradients drawn from a seed (float64, cast to the dtype) with
        NaN/Inf elements put in ("poison"); numbers as in the other fixtures ("nan", "inf", "-inf").
    tests/SharpOptim.Tests/Fixtures/nonfinite_errors.json
        records of common.run_error_case, scope "nonfinite": every float argument of every optimizer
        given NaN, and the schedulers' and averaging functions' NaN arguments (with the lrs after
        three steps as "result").
    tests/SharpOptim.Tests/Fixtures/nonfinite_lr_scheduler.json.gz
        replayable scheduler cases in lr_scheduler.json.gz's format (lr_scheduler.py's case() and run()):
        PolynomialLR with a negative power, ChainedScheduler([], optimizer).
"""

import math
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch.optim import SGD, Adafactor, RMSprop, Rprop  # noqa: E402

import common as C  # noqa: E402
import fixture_format as FF  # noqa: E402
import lr_scheduler as LS  # noqa: E402

FIXTURE = "tests/SharpOptim.Tests/Fixtures/nonfinite.sofx"
ERRORS = "tests/SharpOptim.Tests/Fixtures/nonfinite_errors.json"
SCHEDULERS = "tests/SharpOptim.Tests/Fixtures/nonfinite_lr_scheduler.json.gz"

NAN, INF = float("nan"), float("inf")


# ---------------------------------------------------------------------------
# torch.sign
# ---------------------------------------------------------------------------
SIGN_VALUES = [NAN, INF, -INF, -0.0, 0.0, 1.5, -2.0, 5e-324, -1e-45, 3.0e38]


def record_sign():
    """torch.sign of the awkward values, on a 0-d tensor each (the scalar path) and on a
    64-element vector holding them in vector lanes and in the tail (the vectorised path)."""
    out = {}
    for name, dtype in C.DTYPES.items():
        scalars = [C.tensor_scalar(torch.sign(torch.tensor(v, dtype=dtype))) for v in SIGN_VALUES]
        vector = torch.tensor([SIGN_VALUES[i % len(SIGN_VALUES)] for i in range(64)], dtype=dtype)
        out[name] = {
            "input": C.tensor_flat(torch.tensor(SIGN_VALUES, dtype=dtype)),
            "scalar_output": scalars,
            "vector_input": C.tensor_flat(vector),
            "vector_output": C.tensor_flat(torch.sign(vector)),
            # -0.0 == 0.0 in JSON readers that drop the sign: record the sign bits too
            "scalar_signbit": [bool(torch.signbit(torch.sign(torch.tensor(v, dtype=dtype)))) for v in SIGN_VALUES],
            "vector_signbit": [bool(b) for b in torch.signbit(torch.sign(vector)).tolist()],
        }
    return out


# ---------------------------------------------------------------------------
# Steps with non-finite gradients
# ---------------------------------------------------------------------------
def gradients(shape, n_steps, seed, scale=1.0, poison=()):
    """n_steps float64 gradients drawn from a seed, times scale; poison: (step, flat index, value)."""
    gen = torch.Generator().manual_seed(seed)
    grads = [torch.randn(shape, dtype=torch.float64, generator=gen) * scale for _ in range(n_steps)]
    for step, index, value in poison:
        grads[step].view(-1)[index] = value
    return grads


def run_case(cid, opt_cls, kwargs, impl, dtype, param0, grads):
    """One parameter, fed the given gradients (cast to dtype) one step at a time."""
    flags = {"foreach": impl == "foreach"}
    p = param0.to(C.DTYPES[dtype]).clone().requires_grad_(True)
    opt = opt_cls([p], **kwargs, **flags)
    steps = []
    for g in grads:
        p.grad = g.to(C.DTYPES[dtype]).clone()
        opt.step()
        steps.append({
            "grad": C.tensor_flat(p.grad),
            "param": C.tensor_flat(p),
            "state": C.param_state_record(opt, p),
        })
    return {
        "id": cid,
        "optimizer": opt_cls.__name__,
        "kwargs": C.encode_kwargs(kwargs)[0],
        "impl": impl,
        "dtype": dtype,
        "param0": C.tensor_json_shaped(param0.to(C.DTYPES[dtype])),
        "steps": steps,
    }


def record_steps():
    cases = []

    def add(name, opt_cls, kwargs, param0, grads, dtypes=("float32", "float64")):
        for dtype in dtypes:
            for impl in ("forloop", "foreach"):
                cases.append(run_case(f"{opt_cls.__name__.lower()}/{name}/{impl}/{dtype}", opt_cls, kwargs, impl, dtype, param0, grads))

    torch.manual_seed(0)
    matrix = torch.randn(3, 5, dtype=torch.float64)
    vector = torch.randn(11, dtype=torch.float64)  # 11: full vector lanes and a scalar tail in both dtypes

    # Adafactor: factored (2-D) and full (1-D) second moments, one poisoned element.
    add("factored_nan", Adafactor, {"lr": 0.01}, matrix, gradients((3, 5), 4, 1, poison=[(1, 7, NAN)]))
    add("factored_inf", Adafactor, {"lr": 0.01}, matrix, gradients((3, 5), 4, 2, poison=[(1, 7, INF)]))
    add("factored_inf_first_step", Adafactor, {"lr": 0.01}, matrix, gradients((3, 5), 3, 3, poison=[(0, 3, -INF)]))
    # A batch of two matrices: each has its own row_var mean, so a NaN stays in its matrix.
    batch = torch.randn(2, 3, 4, dtype=torch.float64)
    add("factored_batched_nan", Adafactor, {"lr": 0.01}, batch, gradients((2, 3, 4), 4, 9, poison=[(1, 5, NAN)]))
    add("factored_batched_inf", Adafactor, {"lr": 0.01}, batch, gradients((2, 3, 4), 4, 10, poison=[(1, 17, INF)]))
    add("factored_nan_weight_decay", Adafactor, {"lr": 0.01, "weight_decay": 0.1}, matrix,
        gradients((3, 5), 4, 4, poison=[(1, 0, NAN)]))
    add("full_nan", Adafactor, {"lr": 0.01}, vector, gradients(11, 4, 5, poison=[(1, 3, NAN)]))
    add("full_inf", Adafactor, {"lr": 0.01}, vector, gradients(11, 4, 6, poison=[(1, 9, INF)]))
    add("full_inf_first_step", Adafactor, {"lr": 0.01}, vector, gradients(11, 3, 7, poison=[(0, 2, -INF)]))
    add("full_nan_maximize", Adafactor, {"lr": 0.01, "maximize": True}, vector, gradients(11, 4, 8, poison=[(2, 10, NAN)]))

    # Rprop: NaN gradients (the sign of NaN), Inf on the first step (Inf * 0 = NaN), signed zeros.
    add("nan", Rprop, {"lr": 0.01}, vector, gradients(11, 4, 11, poison=[(1, 2, NAN), (1, 9, NAN), (2, 2, NAN)]))
    add("inf_first_step", Rprop, {"lr": 0.01}, vector, gradients(11, 4, 12, poison=[(0, 1, INF), (0, 10, -INF), (2, 1, 0.0)]))
    add("signed_zeros", Rprop, {"lr": 0.01}, vector, gradients(11, 3, 13, poison=[(0, 0, -0.0), (1, 4, -0.0), (1, 10, 0.0)]))
    add("nan_maximize", Rprop, {"lr": 0.01, "maximize": True}, vector, gradients(11, 3, 14, poison=[(1, 5, NAN), (1, 6, INF)]))

    # RMSprop centered with gradients so large that g² overflows: square_avg becomes inf.
    add("centered_huge", RMSprop, {"lr": 0.01, "centered": True}, vector, gradients(11, 4, 21, scale=1e200), dtypes=("float64",))
    add("centered_huge_momentum", RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.9}, vector,
        gradients(11, 4, 22, scale=1e200), dtypes=("float64",))
    add("centered_huge", RMSprop, {"lr": 0.01, "centered": True}, vector, gradients(11, 4, 23, scale=1e25), dtypes=("float32",))
    return cases


def addcmul_probe():
    """Why centered RMSprop stays finite: PyTorch's CPU addcmul is fma(value * t1, t2, self),
    rounded once (its kernel is compiled with contraction). "overflow": addcmul(inf, g, g,
    value=-1) with g² beyond the range, where a product rounded on its own would be -inf and
    inf - inf = NaN; "random": random operands, whose every result is the fused one."""
    overflow, random = {}, []
    for name, dtype in C.DTYPES.items():
        big = 1e198 if dtype == torch.float64 else 1e25
        for n in (1, 64):  # the scalar path and the vectorised one
            sq = torch.full((n,), INF, dtype=dtype)
            g = torch.full((n,), big, dtype=dtype)
            overflow[f"{name}/n{n}"] = C.tensor_flat(torch.addcmul(sq, g, g, value=-1))
        gen = torch.Generator().manual_seed(31)
        for n in (7, 64):
            for value in (-1.0, 0.37):
                a, b, c = (torch.randn(n, dtype=dtype, generator=gen) for _ in range(3))
                random.append({"dtype": name, "value": value, "self": C.tensor_flat(a), "tensor1": C.tensor_flat(b),
                               "tensor2": C.tensor_flat(c), "result": C.tensor_flat(torch.addcmul(a, b, c, value=value))})
    return {"overflow": overflow, "random": random}


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------
# Every float argument of every optimizer, given NaN: PyTorch's `x < 0.0` lets it through,
# `not 0.0 <= x` refuses it.
NAN_ARGUMENTS = {
    "SGD": ["lr", "momentum", "dampening", "weight_decay"],
    "Adam": ["lr", "betas[0]", "betas[1]", "eps", "weight_decay"],
    "AdamW": ["lr", "betas[0]", "betas[1]", "eps", "weight_decay"],
    "Adamax": ["lr", "betas[0]", "betas[1]", "eps", "weight_decay"],
    "NAdam": ["lr", "betas[0]", "betas[1]", "eps", "weight_decay", "momentum_decay"],
    "RAdam": ["lr", "betas[0]", "betas[1]", "eps", "weight_decay"],
    "Adagrad": ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"],
    "Adadelta": ["lr", "rho", "eps", "weight_decay"],
    "ASGD": ["lr", "lambd", "alpha", "t0", "weight_decay"],
    "RMSprop": ["lr", "alpha", "eps", "weight_decay", "momentum"],
    "Rprop": ["lr", "etas[0]", "etas[1]", "step_sizes[0]", "step_sizes[1]"],
    "SparseAdam": ["lr", "betas[0]", "betas[1]", "eps"],
    "LBFGS": ["lr", "tolerance_grad", "tolerance_change"],
    "Adafactor": ["lr", "beta2_decay", "eps[0]", "eps[1]", "d", "weight_decay"],
    "Muon": ["lr", "weight_decay", "momentum", "eps"],
}

PAIR_DEFAULTS = {"betas": "(0.9, 0.999)", "etas": "(0.5, 1.2)", "step_sizes": "(1e-06, 50)", "eps": "(None, 0.001)"}


def nan_argument_code(opt, arg):
    if "[" in arg:
        name, index = arg[:-1].split("[")
        items = list(eval(PAIR_DEFAULTS[name]))  # noqa: S307 (our own constant)
        items[int(index)] = "float('nan')"
        value = "(" + ", ".join(x if isinstance(x, str) else repr(x) for x in items) + ")"
    else:
        name, value = arg, "float('nan')"
    return f"torch.optim.{opt}([p], {name}={value})"


def record_errors():
    recs = []

    def rec(name, code):
        recs.append(C.run_error_case(name, code, {"scope": "nonfinite"}))

    for opt, args in NAN_ARGUMENTS.items():
        for arg in args:
            rec(f"{opt}/nan_{arg.replace('[', '').replace(']', '')}", nan_argument_code(opt, arg))

    # Schedulers and averaging functions given NaN: constructed (or refused), then the lrs after two steps.
    sched = "opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)\n"
    after = "\nfor _ in range(3):\n    opt.step()\n    s.step()\nresult = [g['lr'] for g in opt.param_groups]"
    for name, ctor in [
        ("StepLR/nan_gamma", "StepLR(opt, step_size=1, gamma=float('nan'))"),
        ("MultiStepLR/nan_gamma", "MultiStepLR(opt, milestones=[1], gamma=float('nan'))"),
        ("ConstantLR/nan_factor", "ConstantLR(opt, factor=float('nan'))"),
        ("LinearLR/nan_start_factor", "LinearLR(opt, start_factor=float('nan'))"),
        ("LinearLR/nan_end_factor", "LinearLR(opt, end_factor=float('nan'))"),
        ("ExponentialLR/nan_gamma", "ExponentialLR(opt, gamma=float('nan'))"),
        ("PolynomialLR/nan_power", "PolynomialLR(opt, power=float('nan'))"),
        ("CosineAnnealingLR/nan_eta_min", "CosineAnnealingLR(opt, T_max=5, eta_min=float('nan'))"),
        ("CosineAnnealingWarmRestarts/nan_eta_min", "CosineAnnealingWarmRestarts(opt, T_0=5, eta_min=float('nan'))"),
        ("CyclicLR/nan_base_lr", "CyclicLR(opt, base_lr=float('nan'), max_lr=0.1)"),
        ("CyclicLR/nan_gamma", "CyclicLR(opt, base_lr=0.01, max_lr=0.1, mode='exp_range', gamma=float('nan'))"),
        ("OneCycleLR/nan_pct_start", "OneCycleLR(opt, max_lr=0.1, total_steps=10, pct_start=float('nan'))"),
        ("OneCycleLR/nan_div_factor", "OneCycleLR(opt, max_lr=0.1, total_steps=10, div_factor=float('nan'))"),
        ("OneCycleLR/nan_final_div_factor", "OneCycleLR(opt, max_lr=0.1, total_steps=10, final_div_factor=float('nan'))"),
        # patience=0 and a metric that never improves: every step after the first reduces
        ("ReduceLROnPlateau/nan_factor", "ReduceLROnPlateau(opt, patience=0, factor=float('nan'))"),
        ("ReduceLROnPlateau/nan_threshold", "ReduceLROnPlateau(opt, patience=0, threshold=float('nan'))"),
        ("ReduceLROnPlateau/nan_min_lr", "ReduceLROnPlateau(opt, patience=0, min_lr=float('nan'))"),
        ("ReduceLROnPlateau/nan_eps", "ReduceLROnPlateau(opt, patience=0, eps=float('nan'))"),
    ]:
        step = after.replace("s.step()", "s.step(1.0)") if name.startswith("ReduceLROnPlateau") else after
        rec(f"{name}", sched + f"s = torch.optim.lr_scheduler.{ctor}" + step)
    rec("SWALR/nan_swa_lr", sched + "s = torch.optim.swa_utils.SWALR(opt, swa_lr=float('nan'))" + after)
    for fn in ("get_ema_multi_avg_fn", "get_ema_avg_fn"):
        rec(f"{fn}/nan_decay", f"torch.optim.swa_utils.{fn}(float('nan'))")
    return recs


def record_scheduler_cases():
    """Replayable cases in lr_scheduler.py's format (its case() and run())."""
    LS.CASES.clear()
    SGD2 = LS.OPT()
    LS.case("errors/PolynomialLR/negative_power", SGD2, LS.S("PolynomialLR", total_iters=4, power=-1.0), LS.steps(6))
    LS.case("errors/PolynomialLR/negative_power_fraction", SGD2, LS.S("PolynomialLR", total_iters=3, power=-0.5), LS.steps(5))
    LS.case("errors/PolynomialLR/negative_power_closed_form", SGD2, LS.S("PolynomialLR", total_iters=4, power=-1.0),
            [{"op": "opt_step"}, {"op": "step_epoch", "epoch": 2}, {"op": "step_epoch", "epoch": 4}])
    LS.case("errors/ChainedScheduler/no_schedulers_with_optimizer", SGD2,
            LS.S("ChainedScheduler", schedulers=[], optimizer={"optimizer": "same"}), [])
    out = []
    for c in LS.CASES:
        rec = dict(c)
        rec["trace"] = LS.run(c)
        out.append(rec)
    return out


def main():
    fixture = {
        "module": "non-finite numbers",
        "torch_version": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "num_threads": torch.get_num_threads(),
        "sign": record_sign(),
        "addcmul_probe": addcmul_probe(),
        "cases": record_steps(),
    }
    size = FF.write(FIXTURE, fixture)
    print(f"{FIXTURE}: {len(fixture['cases'])} cases, {size} bytes")

    errors = record_errors()
    C.write_error_fixture(ERRORS, errors)
    print(f"{ERRORS}: {len(errors)} records")

    cases = record_scheduler_cases()
    size = C.write_json_gz(SCHEDULERS, {"module": "torch.optim.lr_scheduler", "torch_version": torch.__version__,
                                        "python_version": sys.version.split()[0], "cases": cases})
    print(f"{SCHEDULERS}: {len(cases)} cases, {size} bytes of JSON")


if __name__ == "__main__":
    main()
