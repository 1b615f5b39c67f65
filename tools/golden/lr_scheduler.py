"""Record torch.optim.lr_scheduler behaviour into JSON fixtures.

From the repository root:
    tools/oracle/python tools/golden/lr_scheduler.py

Writes
    tests/SharpOptim.Tests/Fixtures/lr_scheduler.json.gz

Every case is data the C# tests can replay without Python: an optimizer spec, a scheduler
spec (class name + PyTorch keyword arguments, nested schedulers and the few functions a
scheduler takes drawn from a small catalogue both sides implement), and a list of
operations. After building and after every operation the script records what PyTorch
observably did: each group's lr (and momentum / betas[0]), get_last_lr(), last_epoch, the
warnings raised, the state dicts at save points, or the exception that ended the case.
See tools/golden/README.md for the format.
"""

import copy
import math
import os
import sys
import warnings

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch.optim import SGD, Adam, Rprop  # noqa: E402
from torch.optim import lr_scheduler as LRS  # noqa: E402

import common as C  # noqa: E402

FIXTURE = "tests/SharpOptim.Tests/Fixtures/lr_scheduler.json.gz"
N = 110  # scheduler steps per trajectory (at least 100)
SAVE_AT = 40  # a state-dict round trip after this many steps, in every trajectory that allows it


# ---------------------------------------------------------------------------
# Specs: JSON-able descriptions that both Python and C# turn into objects
# ---------------------------------------------------------------------------
def T(value, dtype="float32"):
    """A 0-d tensor of the given dtype (the value is rounded to it on construction)."""
    return {"tensor": value, "dtype": dtype}


def fn(kind, **params):
    """A function from the shared catalogue (see make_fn)."""
    return {"fn": kind, **params}


def S(cls, on=None, **kwargs):
    """A scheduler: class name and PyTorch keyword arguments (nested specs allowed). on: an
    optimizer spec to build it on instead of the case's optimizer."""
    spec = {"class": cls, "kwargs": kwargs}
    if on is not None:
        spec["on"] = on
    return spec


def OPT(kind="SGD", groups=({}, {"lr": 0.037}), **defaults):
    """An optimizer over one 2-element parameter per group. kind: SGD, Adam (betas), or
    Rprop (neither momentum nor betas). Group dicts hold options; defaults are keyword args."""
    defaults.setdefault("lr", 0.1)
    return {"kind": kind, "defaults": defaults, "groups": [dict(g) for g in groups]}


SGD2 = OPT()
SGD2_MOM = OPT(momentum=0.9)
SGD2_T32 = OPT(groups=({"lr": T(0.1)}, {"lr": T(0.037)}))
SGD2_T64 = OPT(groups=({"lr": T(0.1, "float64")}, {"lr": T(0.037, "float64")}))
ADAM2 = OPT("Adam")
RPROP2 = OPT("Rprop")
# PyTorch's own test fixture: SGD over two groups, lr=0.05 and a float32 tensor lr 0.5.
TORCH_OPT = OPT(groups=({}, {"lr": T(0.5)}), lr=0.05)
TORCH_OPT_05 = OPT(groups=({"lr": 0.5}, {"lr": 0.5}), lr=0.05)  # after its tests set every lr to 0.5


def with_initial_lr(opt, initial=(0.2, 0.074)):
    """The optimizer as a resumed run has it: every group already holds initial_lr."""
    o = copy.deepcopy(opt)
    for g, v in zip(o["groups"], initial):
        g["initial_lr"] = v
    return o


DT = {"float32": torch.float32, "float64": torch.float64}


def make_fn(spec):
    kind = spec["fn"]
    if kind == "power":
        b = spec["base"]
        return lambda e: b ** e
    if kind == "constant":
        v = spec["value"]
        return lambda e: v
    if kind == "warmup_linear":
        n = spec["n"]
        return lambda e: min(1.0, (e + 1) / n)
    if kind == "inverse":
        a = spec["a"]
        return lambda x: 1.0 / (1.0 + a * x)
    if kind == "floor_div":
        d = spec["div"]
        return lambda e: e // d
    raise ValueError(kind)


def build_optimizer(spec):
    def value(v):
        return torch.tensor(v["tensor"], dtype=DT[v["dtype"]]) if isinstance(v, dict) else v

    groups = []
    for g in spec["groups"]:
        group = {k: value(v) for k, v in g.items()}
        group["params"] = [torch.zeros(2, requires_grad=True)]
        groups.append(group)
    defaults = {k: value(v) for k, v in spec["defaults"].items()}
    cls = {"SGD": SGD, "Adam": Adam, "Rprop": Rprop}[spec["kind"]]
    return cls(groups, **defaults)


def build_value(v, opt):
    if isinstance(v, dict):
        if "fn" in v:
            return make_fn(v)
        if "class" in v:
            return build_scheduler(v, opt)
        if "tensor" in v:
            return torch.tensor(v["tensor"], dtype=DT[v["dtype"]])
        if "optimizer" in v:  # {"optimizer": "same"} or {"optimizer": <spec>}
            return opt if v["optimizer"] == "same" else build_optimizer(v["optimizer"])
        if "none" in v:
            return None
        raise ValueError(v)
    if isinstance(v, list):
        return [build_value(x, opt) for x in v]
    return v


def build_scheduler(spec, opt):
    if "on" in spec:
        opt = build_optimizer(spec["on"])
    cls = getattr(LRS, spec["class"])
    kwargs = {k: build_value(v, opt) for k, v in spec["kwargs"].items()}
    if spec["class"] == "ChainedScheduler":
        return cls(**kwargs)
    return cls(opt, **kwargs)


# ---------------------------------------------------------------------------
# Operations and observations
# ---------------------------------------------------------------------------
def num(x):
    return C.enc_float(x.item() if isinstance(x, torch.Tensor) else x)


def observe(opt, sched):
    groups = opt.param_groups
    o = {"lr": [num(g["lr"]) for g in groups]}
    if any(isinstance(g["lr"], torch.Tensor) for g in groups):
        o["lr_is_tensor"] = [isinstance(g["lr"], torch.Tensor) for g in groups]
    o["last_lr"] = [num(x) for x in sched.get_last_lr()]
    if hasattr(sched, "last_epoch"):
        o["last_epoch"] = sched.last_epoch
    if all("momentum" in g for g in groups):
        o["momentum"] = [num(g["momentum"]) for g in groups]
    if all("betas" in g for g in groups):
        o["beta1"] = [num(g["betas"][0]) for g in groups]
    return o


def steps(n, metric=None):
    """n rounds of optimizer.step(); scheduler.step()."""
    ops = []
    for i in range(n):
        ops.append({"op": "opt_step"})
        ops.append({"op": "step"} if metric is None else {"op": "step_metric", "metric": metric(i)})
    return ops


def trajectory(n=N, save_at=SAVE_AT, metric=None):
    """The standard run: n steps with a state-dict round trip after save_at of them."""
    if save_at is None:
        return steps(n, metric)
    first = steps(save_at, metric)
    rest = steps(n - save_at, lambda i: metric(i + save_at)) if metric else steps(n - save_at)
    return first + [{"op": "save"}, {"op": "restore"}] + rest


class Runner:
    """Holds the live optimizer/scheduler of one case and applies operations to them."""

    def __init__(self, case):
        self.case = case
        self.opt = build_optimizer(case["optimizer"])
        self.sched = build_scheduler(case["scheduler"], self.opt)
        self.saved = None

    def apply(self, op, rec):
        kind = op["op"]
        if kind == "opt_step":
            self.opt.step()
        elif kind == "step":
            self.sched.step()
        elif kind == "step_epoch":
            self.sched.step(op["epoch"])
        elif kind == "step_metric":
            if "epoch" in op:
                self.sched.step(op["metric"], op["epoch"])
            else:
                self.sched.step(op["metric"])
        elif kind == "set_lr":
            self.opt.param_groups[op["group"]]["lr"] = op["value"]
        elif kind == "get_lr":
            rec["result"] = [num(x) for x in self.sched.get_lr()]
        elif kind == "add_param_group":
            self.opt.add_param_group({"params": [torch.zeros(2, requires_grad=True)], "lr": op["lr"]})
        elif kind == "append_min_lr":
            self.sched.min_lrs.append(op["value"])
        elif kind == "save":
            sd = self.sched.state_dict()
            osd = self.opt.state_dict()
            rec["state_dict"] = C.encode_state_dict_value(sd)
            rec["param_groups"] = C.encode_state_dict_value(osd["param_groups"])
            self.saved = (copy.deepcopy(sd), copy.deepcopy(osd))
        elif kind == "restore":
            # The usual resume: a fresh optimizer and scheduler built as before, then the
            # optimizer's and the scheduler's state dicts loaded (in that order).
            sd, osd = self.saved
            opt2 = build_optimizer(self.case["optimizer"])
            sched2 = build_scheduler(self.case["scheduler"], opt2)
            opt2.load_state_dict(copy.deepcopy(osd))
            sched2.load_state_dict(copy.deepcopy(sd))
            self.opt, self.sched = opt2, sched2
        elif kind == "rebuild":
            # PyTorch's test_lr_scheduler_checkpoint: a new optimizer loads the saved optimizer
            # state, and a new scheduler resumes on it from last_epoch (no scheduler state dict).
            _, osd = self.saved
            opt2 = build_optimizer(self.case["optimizer"])
            opt2.load_state_dict(copy.deepcopy(osd))
            spec = copy.deepcopy(self.case["scheduler"])
            if "last_epoch" in op:
                spec["kwargs"]["last_epoch"] = op["last_epoch"]
            self.opt, self.sched = opt2, build_scheduler(spec, opt2)
        elif kind == "load_into":
            # PyTorch's _check_scheduler_state_dict: the saved state loaded into a scheduler
            # built with other arguments on the same optimizer.
            sched2 = build_scheduler(op["scheduler"], self.opt)
            sched2.load_state_dict(copy.deepcopy(self.saved[0]))
            self.sched = sched2
        else:
            raise ValueError(kind)


def error_record(e):
    # str(KeyError(msg)) is repr(msg); the message itself is args[0].
    message = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
    return {"type": type(e).__name__, "message": message}


def warning_records(ws):
    return [{"type": w.category.__name__, "message": str(w.message)} for w in ws]


def run(case):
    """Build and run one case; returns its trace (one record per operation, the first for
    construction)."""
    trace = []
    runner = None
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        try:
            runner = Runner(case)
            rec = {"op": {"op": "build"}}
        except Exception as e:  # noqa: BLE001 - PyTorch's refusal is what we record
            rec = {"op": {"op": "build"}, "error": error_record(e)}
    if ws:
        rec["warnings"] = warning_records(ws)
    if runner is not None:
        rec.update(observe(runner.opt, runner.sched))
    trace.append(rec)
    if runner is None:
        return trace
    for op in case["ops"]:
        rec = {"op": op}
        failed = False
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            try:
                runner.apply(op, rec)
            except Exception as e:  # noqa: BLE001
                rec["error"] = error_record(e)
                failed = True
        if ws:
            rec["warnings"] = warning_records(ws)
        if failed:
            trace.append(rec)
            break  # PyTorch may leave the scheduler half-stepped: nothing after an error is compared
        if op["op"] != "opt_step":
            rec.update(observe(runner.opt, runner.sched))
        trace.append(rec)
    return trace


def comparable(rec):
    return {k: v for k, v in rec.items() if k not in ("warnings", "state_dict", "param_groups", "op")}


def resume_matches(case, trace):
    """Whether the run with the round trip equals the same run without it (in PyTorch)."""
    ops = [op for op in case["ops"] if op["op"] not in ("save", "restore")]
    plain = run({**case, "ops": ops})
    with_rt = [r for r in trace if r["op"]["op"] not in ("save", "restore")]
    return [comparable(r) for r in plain] == [comparable(r) for r in with_rt]


CASES = []


def case(cid, optimizer, scheduler, ops, python_only=None):
    """python_only: the reason a case cannot be written in C# (its types rule it out)."""
    c = {"id": cid, "optimizer": optimizer, "scheduler": scheduler, "ops": ops}
    if python_only:
        c["python_only"] = python_only
    CASES.append(c)


def grid(name, configs, opt=SGD2, tensor_opts=(SGD2_T32,), resume=None, closed_form=None, extra_ops=None):
    """Trajectories of one scheduler: each config on opt (with a mid-run state-dict round
    trip), the first config on each tensor-lr optimizer, the first config resumed from
    last_epoch=resume (groups holding initial_lr), and closed-form step(epoch) runs."""
    for slug, kwargs in configs:
        case(f"{name}/{slug}", opt, S(name, **kwargs), trajectory())
    slug0, kwargs0 = configs[0]
    for topt in tensor_opts:
        dt = topt["groups"][0]["lr"]["dtype"]
        case(f"{name}/{slug0}/tensor_lr_{dt}", topt, S(name, **kwargs0), trajectory())
    if resume is not None:
        case(f"{name}/{slug0}/resume_last_epoch_{resume}", with_initial_lr(opt),
             S(name, **kwargs0, last_epoch=resume), trajectory())
    if closed_form is not None:
        epochs = [0, 1, 2, 3, 5, 5, 8, 13, 12, 21, 34, 55, 54, 89, 3, 100, 150]
        ops = []
        for e in epochs:
            ops += [{"op": "opt_step"}, {"op": "step_epoch", "epoch": e}]
        ops += [{"op": "step"}] + steps(10)
        case(f"{name}/{slug0}/closed_form_epochs", opt, S(name, **kwargs0), ops)


# ---------------------------------------------------------------------------
# Trajectory grids
# ---------------------------------------------------------------------------
def record_grids():
    grid("LambdaLR", [
        ("power_0_95", {"lr_lambda": fn("power", base=0.95)}),
        ("per_group_power_and_warmup", {"lr_lambda": [fn("power", base=0.97), fn("warmup_linear", n=10)]}),
        ("floor_div_30", {"lr_lambda": fn("floor_div", div=30)}),
    ], tensor_opts=(SGD2_T32, SGD2_T64), resume=20, closed_form=True)

    grid("MultiplicativeLR", [
        ("constant_0_95", {"lr_lambda": fn("constant", value=0.95)}),
        ("per_group_constant_and_inverse", {"lr_lambda": [fn("constant", value=0.9), fn("inverse", a=0.05)]}),
    ], tensor_opts=(SGD2_T32, SGD2_T64), resume=20, closed_form=True)

    grid("StepLR", [
        ("step_10_gamma_0_5", {"step_size": 10, "gamma": 0.5}),
        ("step_3_gamma_0_1", {"step_size": 3, "gamma": 0.1}),
        ("step_7_default_gamma", {"step_size": 7}),
    ], tensor_opts=(SGD2_T32, SGD2_T64), resume=20, closed_form=True)

    grid("MultiStepLR", [
        ("milestones_2_5_9", {"milestones": [2, 5, 9], "gamma": 0.1}),
        ("repeated_milestone", {"milestones": [10, 10, 30, 60], "gamma": 0.5}),
        ("unsorted_milestones", {"milestones": [60, 30, 10], "gamma": 0.5}),
    ], tensor_opts=(SGD2_T32,), resume=20, closed_form=True)
    case("MultiStepLR/repeated_milestone/closed_form_epochs", SGD2,
         S("MultiStepLR", milestones=[10, 10, 30, 60], gamma=0.5),
         [{"op": "step_epoch", "epoch": e} for e in (0, 9, 10, 11, 30, 29, 60, 61, 5, 100)] + steps(5))

    grid("ConstantLR", [
        ("default", {}),
        ("factor_0_5_total_5", {"factor": 0.5, "total_iters": 5}),
        ("factor_1_total_10", {"factor": 1.0, "total_iters": 10}),
        ("factor_0_1_total_60", {"factor": 0.1, "total_iters": 60}),
    ], tensor_opts=(SGD2_T32, SGD2_T64), resume=3, closed_form=True)

    grid("LinearLR", [
        ("default", {}),
        ("start_0_25_end_0_6_total_4", {"start_factor": 0.25, "end_factor": 0.6, "total_iters": 4}),
        ("decay_to_zero_total_100", {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 100}),
        ("warmup_total_50", {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 50}),
    ], tensor_opts=(SGD2_T32, SGD2_T64), resume=3, closed_form=True)

    grid("ExponentialLR", [
        ("gamma_0_9", {"gamma": 0.9}),
        ("gamma_0_99", {"gamma": 0.99}),
    ], tensor_opts=(SGD2_T32, SGD2_T64), resume=20, closed_form=True)

    grid("PolynomialLR", [
        ("default", {}),
        ("total_50_power_2", {"total_iters": 50, "power": 2.0}),
        ("total_80_power_0_9", {"total_iters": 80, "power": 0.9}),
    ], tensor_opts=(SGD2_T32, SGD2_T64), resume=20, closed_form=True)

    grid("CosineAnnealingLR", [
        ("t_max_25_eta_min_0_001", {"T_max": 25, "eta_min": 0.001}),
        ("t_max_10", {"T_max": 10}),
        ("t_max_100_eta_min_1e_5", {"T_max": 100, "eta_min": 1e-5}),
    ], tensor_opts=(SGD2_T32, SGD2_T64), resume=15, closed_form=True)
    # lr changed from outside mid-run: the recursive form carries on from the new value.
    ops = steps(15) + [{"op": "set_lr", "group": 0, "value": 0.05}] + steps(25) \
        + [{"op": "set_lr", "group": 1, "value": 0.2}] + steps(70)
    case("CosineAnnealingLR/t_max_30/lr_changed_from_outside", SGD2, S("CosineAnnealingLR", T_max=30, eta_min=0.001), ops)

    grid("CosineAnnealingWarmRestarts", [
        ("t0_10", {"T_0": 10}),
        ("t0_10_tmult_2_eta_min_1e_4", {"T_0": 10, "T_mult": 2, "eta_min": 1e-4}),
        ("t0_5_tmult_3", {"T_0": 5, "T_mult": 3}),
    ], tensor_opts=(SGD2_T32, SGD2_T64), resume=7)
    # Fractional epochs, as PyTorch's test_CosineAnnealingWarmRestarts_lr2 steps them.
    for t_mult in (1, 2, 4):
        ops = [{"op": "step_epoch", "epoch": round(e.item(), 1)} for e in torch.arange(0, 30, 0.1)]
        case(f"CosineAnnealingWarmRestarts/t0_10_tmult_{t_mult}/fractional_epochs", SGD2,
             S("CosineAnnealingWarmRestarts", T_0=10, T_mult=t_mult, eta_min=1e-10), ops)
    # Interleaved epochs (test_CosineAnnealingWarmRestarts_lr3), then plain steps.
    interleaved = {
        1: [0, 1, 2, 3, 4, 5, 12, 27, 3, 4, 5, 6, 13],
        2: [0, 1, 2, 3, 4, 5, 25, 32, 33, 34, 80, 81, 3],
        3: [0, 0.1, 0.2, 0.3, 1.3, 2.3, 17.5, 18.5, 19.5, 29.5, 30.5, 31.5, 50],
    }
    for t_mult, epochs in interleaved.items():
        ops = [{"op": "step_epoch", "epoch": e} for e in epochs] + steps(20)
        case(f"CosineAnnealingWarmRestarts/t0_10_tmult_{t_mult}/interleaved_epochs", SGD2,
             S("CosineAnnealingWarmRestarts", T_0=10, T_mult=t_mult, eta_min=1e-10), ops)
    # A round trip in the middle of fractional epochs (T_cur is a float there).
    ops = [{"op": "step_epoch", "epoch": e / 4} for e in range(60)] + [{"op": "save"}, {"op": "restore"}] \
        + [{"op": "step_epoch", "epoch": e / 4} for e in range(60, 130)]
    case("CosineAnnealingWarmRestarts/t0_3_tmult_2/quarter_epochs_round_trip", SGD2,
         S("CosineAnnealingWarmRestarts", T_0=3, T_mult=2), ops)

    # Chains.
    warmup_cosine = S("SequentialLR", schedulers=[
        S("LinearLR", start_factor=0.01, end_factor=1.0, total_iters=10),
        S("CosineAnnealingLR", T_max=100, eta_min=1e-4)], milestones=[10])
    for topt, suffix in ((SGD2, ""), (SGD2_T32, "/tensor_lr_float32")):
        case("SequentialLR/warmup_linear_then_cosine" + suffix, topt, warmup_cosine, trajectory())
    case("SequentialLR/exponential_then_step", SGD2, S("SequentialLR", schedulers=[
        S("ExponentialLR", gamma=0.8), S("StepLR", gamma=0.1, step_size=4)], milestones=[3]), trajectory())
    case("SequentialLR/constant_exponential_step", SGD2, S("SequentialLR", schedulers=[
        S("ConstantLR", factor=0.1, total_iters=3), S("ExponentialLR", gamma=0.8),
        S("StepLR", gamma=0.1, step_size=2)], milestones=[3, 6]), trajectory())
    case("SequentialLR/chained_then_constant", SGD2, S("SequentialLR", schedulers=[
        S("ChainedScheduler", schedulers=[S("LinearLR", start_factor=0.1, total_iters=5),
                                          S("ConstantLR", factor=0.1, total_iters=5)]),
        S("ConstantLR", factor=0.5, total_iters=5)], milestones=[5]), trajectory())
    # PyTorch cannot start a ChainedScheduler at a milestone (it has no get_lr): recorded as it fails.
    case("SequentialLR/linear_then_chained_fails_at_milestone", SGD2, S("SequentialLR", schedulers=[
        S("LinearLR", start_factor=0.5, total_iters=4),
        S("ChainedScheduler", schedulers=[S("ExponentialLR", gamma=0.95), S("StepLR", step_size=5, gamma=0.5)])],
        milestones=[4]), trajectory())
    case("SequentialLR/cosine_restarts_then_multistep", SGD2, S("SequentialLR", schedulers=[
        S("CosineAnnealingWarmRestarts", T_0=7), S("MultiStepLR", milestones=[5, 20], gamma=0.3)],
        milestones=[30]), trajectory())
    case("SequentialLR/three_way_50_milestones", SGD2_MOM, S("SequentialLR", schedulers=[
        S("LinearLR", start_factor=0.2, total_iters=20), S("ConstantLR", factor=0.5, total_iters=15),
        S("PolynomialLR", total_iters=40, power=1.5)], milestones=[20, 50]), trajectory())

    case("ChainedScheduler/warmup_and_exponential", SGD2, S("ChainedScheduler", schedulers=[
        S("LinearLR", start_factor=0.1, total_iters=10), S("ExponentialLR", gamma=0.97)]), trajectory())
    case("ChainedScheduler/exponential_constant_step", SGD2, S("ChainedScheduler", schedulers=[
        S("ExponentialLR", gamma=0.9), S("ConstantLR", factor=0.2, total_iters=4),
        S("StepLR", gamma=0.1, step_size=3)]), trajectory())
    case("ChainedScheduler/polynomial_and_constant", SGD2, S("ChainedScheduler", schedulers=[
        S("PolynomialLR", power=0.9, total_iters=50), S("ConstantLR", factor=0.1)]), trajectory())
    case("ChainedScheduler/cosine_and_multistep_optimizer_given", SGD2, S("ChainedScheduler", schedulers=[
        S("CosineAnnealingLR", T_max=30, eta_min=1e-3), S("MultiStepLR", milestones=[20, 40], gamma=0.5)],
        optimizer={"optimizer": "same"}), trajectory())
    case("ChainedScheduler/warmup_and_exponential/tensor_lr_float32", SGD2_T32, S("ChainedScheduler", schedulers=[
        S("LinearLR", start_factor=0.1, total_iters=10), S("ExponentialLR", gamma=0.97)]), trajectory())

    # ReduceLROnPlateau on recorded metric sequences.
    def decreasing_then_flat(i):
        return 10.0 - 0.0165 * min(i, 30)

    def noisy(i):
        return 1.0 / (1.0 + 0.05 * i) + 0.02 * math.sin(1.7 * i)

    def rising_then_flat(i):
        return 1.5 * (1.005 ** min(i, 40))

    def bumpy(i):
        return [1.0, 0.9, 0.95, 0.91, 0.9, 0.89, 0.895, 0.9, 0.88, 0.885][i % 10] - 0.01 * (i // 10)

    plateau = [
        ("default_noisy", {}, noisy),
        ("min_abs_threshold_0_1_patience_5", {"patience": 5, "cooldown": 0, "threshold_mode": "abs", "mode": "min", "threshold": 0.1}, decreasing_then_flat),
        ("max_abs_patience_5_cooldown_5", {"mode": "max", "patience": 5, "cooldown": 5, "threshold_mode": "abs"}, lambda i: -0.8 if i < 2 else -0.234),
        ("max_rel_threshold_0_1_patience_3", {"mode": "max", "patience": 3, "threshold_mode": "rel", "threshold": 0.1}, rising_then_flat),
        ("min_rel_patience_5_cooldown_5", {"mode": "min", "threshold_mode": "rel", "threshold": 0.1, "patience": 5, "cooldown": 5}, lambda i: 1.0 if i < 7 else (0.6 if i == 7 else 0.5)),
        ("max_rel_min_lr_per_group", {"mode": "max", "threshold_mode": "rel", "min_lr": [0.004, 0.003], "threshold": 0.1, "patience": 5, "cooldown": 5}, rising_then_flat),
        ("factor_0_5_patience_0", {"factor": 0.5, "patience": 0}, bumpy),
        ("min_abs_large_eps", {"factor": 0.5, "patience": 1, "threshold_mode": "abs", "eps": 0.004, "min_lr": 0.001}, bumpy),
        ("max_abs_scalar_min_lr", {"mode": "max", "factor": 0.3, "patience": 2, "threshold_mode": "abs", "threshold": 0.01, "min_lr": 1e-3}, lambda i: -noisy(i)),
    ]
    for slug, kwargs, metric in plateau:
        case(f"ReduceLROnPlateau/{slug}", SGD2, S("ReduceLROnPlateau", **kwargs), trajectory(metric=metric))
    case("ReduceLROnPlateau/factor_0_5_patience_0/tensor_lr_float32", SGD2_T32,
         S("ReduceLROnPlateau", factor=0.5, patience=0), trajectory(metric=bumpy))
    # A metric given with an epoch (deprecated), then plain metrics.
    ops = [{"op": "opt_step"}, {"op": "step_metric", "metric": 1.0, "epoch": 5}] + steps(20, bumpy)
    case("ReduceLROnPlateau/metric_with_epoch", SGD2, S("ReduceLROnPlateau", factor=0.5, patience=1), ops)
    # add_param_group mid-run (PyTorch's test_add_param_group_does_not_break_reduce_lr_on_plateau).
    metric7 = [1.0] * 7 + [0.6] + [0.5] * 12
    for slug, min_lr in (("scalar", 0.0), ("list", [1e-5, 1e-4])):
        ops = []
        for epoch in range(20):
            if epoch == 8:
                ops.append({"op": "add_param_group", "lr": 0.05})
                if slug == "list":
                    ops.append({"op": "append_min_lr", "value": 1e-6})
            ops += [{"op": "opt_step"}, {"op": "step_metric", "metric": metric7[epoch]}]
        case(f"ReduceLROnPlateau/add_param_group_min_lr_{slug}", TORCH_OPT_05,
             S("ReduceLROnPlateau", mode="min", threshold_mode="rel", threshold=0.1, patience=5, cooldown=5, min_lr=min_lr), ops)

    # CyclicLR: momentum cycling with SGD(momentum), betas cycling with Adam.
    cyclic = [
        ("triangular_up_10", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10}),
        ("triangular2_up_5_down_15", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5, "step_size_down": 15, "mode": "triangular2"}),
        ("exp_range_gamma_0_99", {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 8, "mode": "exp_range", "gamma": 0.99}),
        ("scale_fn_cycle", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 6, "scale_fn": fn("inverse", a=0.5), "scale_mode": "cycle"}),
        ("scale_fn_iterations", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 6, "scale_fn": fn("inverse", a=0.02), "scale_mode": "iterations"}),
        ("per_group_lists", {"base_lr": [0.01, 0.02], "max_lr": [0.1, 0.2], "step_size_up": 7, "step_size_down": 3,
                             "base_momentum": [0.8, 0.85], "max_momentum": [0.9, 0.95]}),
        ("momentum_0_5_to_0_99", {"base_lr": 0.05, "max_lr": 0.5, "step_size_up": 12, "base_momentum": 0.5, "max_momentum": 0.99}),
        ("exp_range_ignores_scale_mode", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "mode": "exp_range", "gamma": 0.95, "scale_mode": "cycle"}),
        ("torch_test_triangular_1_to_5", {"base_lr": 1.0, "max_lr": 5.0, "step_size_up": 4, "base_momentum": 1.0, "max_momentum": 5.0}),
    ]
    for slug, kwargs in cyclic:
        case(f"CyclicLR/{slug}", SGD2_MOM, S("CyclicLR", **kwargs), trajectory())
    case("CyclicLR/triangular_up_10/no_momentum_cycling", SGD2, S("CyclicLR", **cyclic[0][1], cycle_momentum=False), trajectory())
    for slug, kwargs in (cyclic[0], cyclic[1], cyclic[5]):
        case(f"CyclicLR/{slug}/adam_betas", ADAM2, S("CyclicLR", **kwargs), trajectory())
    case("CyclicLR/triangular_up_10/adam_no_momentum_cycling", ADAM2, S("CyclicLR", **cyclic[0][1], cycle_momentum=False), trajectory())
    case("CyclicLR/triangular_up_10/tensor_lr_float32", SGD2_T32, S("CyclicLR", **cyclic[0][1], cycle_momentum=False), trajectory())
    case("CyclicLR/tensor_base_lr_float32", SGD2_MOM, S("CyclicLR", base_lr=T(0.01), max_lr=T(0.1), step_size_up=10,
                                                       base_momentum=T(0.8), max_momentum=T(0.9)), trajectory())
    case("CyclicLR/triangular_up_10/resume_last_epoch_10", with_initial_lr(SGD2_MOM),
         S("CyclicLR", **cyclic[0][1], last_epoch=10), trajectory())

    # OneCycleLR: exactly total_steps steps, then one too many.
    onecycle = [
        ("cos_total_110", {"max_lr": 0.1, "total_steps": N}),
        ("linear_pct_0_25", {"max_lr": 0.1, "total_steps": N, "pct_start": 0.25, "anneal_strategy": "linear"}),
        ("three_phase", {"max_lr": 0.1, "total_steps": N, "three_phase": True}),
        ("three_phase_linear_pct_0_4", {"max_lr": 0.1, "total_steps": N, "pct_start": 0.4, "anneal_strategy": "linear", "three_phase": True}),
        ("epochs_11_x_steps_10", {"max_lr": 0.1, "epochs": 11, "steps_per_epoch": 10}),
        ("per_group_lists", {"max_lr": [0.1, 0.05], "total_steps": N, "base_momentum": [0.8, 0.85], "max_momentum": [0.9, 0.97]}),
        ("div_10_final_div_100", {"max_lr": 0.2, "total_steps": N, "div_factor": 10.0, "final_div_factor": 100.0}),
        ("total_steps_wins_over_epochs", {"max_lr": 0.1, "total_steps": N, "epochs": 3, "steps_per_epoch": 7}),
    ]
    overstep = [{"op": "opt_step"}, {"op": "step"}]
    for slug, kwargs in onecycle:
        case(f"OneCycleLR/{slug}", SGD2_MOM, S("OneCycleLR", **kwargs), trajectory() + overstep)
    case("OneCycleLR/cos_total_110/no_momentum_cycling", SGD2, S("OneCycleLR", **onecycle[0][1], cycle_momentum=False), trajectory())
    for slug, kwargs in (onecycle[0], onecycle[2]):
        case(f"OneCycleLR/{slug}/adam_betas", ADAM2, S("OneCycleLR", **kwargs), trajectory())
    case("OneCycleLR/cos_total_110/tensor_lr_float32", SGD2_T32, S("OneCycleLR", **onecycle[0][1], cycle_momentum=False), trajectory())
    case("OneCycleLR/tensor_max_lr_float32", SGD2_MOM, S("OneCycleLR", max_lr=T(0.1), total_steps=N,
                                                        base_momentum=T(0.85), max_momentum=T(0.95)), trajectory())
    resumed = copy.deepcopy(SGD2_MOM)
    for g in resumed["groups"]:
        g.update(initial_lr=0.004, max_lr=0.1, min_lr=4e-7, max_momentum=0.95, base_momentum=0.85)
    case("OneCycleLR/cos_total_110/resume_last_epoch_30", resumed, S("OneCycleLR", **onecycle[0][1], last_epoch=30), steps(30))

    # get_lr() outside step(): PyTorch warns (and CyclicLR moves momentum as a side effect).
    for spec, opt in ((S("StepLR", step_size=3), SGD2), (S("LambdaLR", lr_lambda=fn("power", base=0.9)), SGD2),
                      (S("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=4), SGD2_MOM),
                      (S("CosineAnnealingWarmRestarts", T_0=5), SGD2)):
        ops = steps(3) + [{"op": "get_lr"}] + steps(3) + [{"op": "get_lr"}]
        case(f"{spec['class']}/get_lr_outside_step", opt, spec, ops)

    # Scheduler stepped before the optimizer (PyTorch's old-pattern warning).
    old_pattern = [{"op": "step"}, {"op": "opt_step"}] * 5
    case("StepLR/old_pattern_warning", TORCH_OPT, S("StepLR", gamma=0.1, step_size=3), old_pattern)
    case("StepLR/old_pattern_warning_resuming", with_initial_lr(TORCH_OPT, (0.01, 0.01)),
         S("StepLR", gamma=0.1, step_size=3, last_epoch=10), old_pattern)
    case("ExponentialLR/step_epoch_before_optimizer", SGD2, S("ExponentialLR", gamma=0.9),
         [{"op": "step_epoch", "epoch": 1}, {"op": "opt_step"}, {"op": "step_epoch", "epoch": 2}])
    case("CosineAnnealingWarmRestarts/never_warns_old_pattern", SGD2, S("CosineAnnealingWarmRestarts", T_0=5),
         [{"op": "step"}, {"op": "step_epoch", "epoch": 3}, {"op": "opt_step"}, {"op": "step"}])
    case("SequentialLR/old_pattern_warning", SGD2, S("SequentialLR", schedulers=[
        S("LinearLR", start_factor=0.5, total_iters=3), S("ExponentialLR", gamma=0.9)], milestones=[3]),
        [{"op": "step"}] * 5 + steps(3))


# ---------------------------------------------------------------------------
# PyTorch's own tests (test/optim/test_lrscheduler.py): the same scenarios, recorded
# ---------------------------------------------------------------------------
def record_torch_tests():
    P = "torch_test/"
    def sched_run(name, spec, epochs, opt=TORCH_OPT):
        case(P + name, opt, spec, steps(epochs))

    sched_run("test_step_lr", S("StepLR", gamma=0.1, step_size=3), 10)
    sched_run("test_multi_step_lr", S("MultiStepLR", gamma=0.1, milestones=[2, 5, 9]), 10)
    sched_run("test_constantlr", S("ConstantLR", factor=1.0 / 2, total_iters=5), 10)
    sched_run("test_linearlr", S("LinearLR", start_factor=1.0 / 2, total_iters=4), 10)
    sched_run("test_get_last_lr_linearlr", S("LinearLR", start_factor=1.0 / 4, end_factor=3.0 / 5, total_iters=4), 10)
    sched_run("test_exp_lr", S("ExponentialLR", gamma=0.9), 10)
    sched_run("test_poly_lr", S("PolynomialLR", power=0.9, total_iters=5), 10)
    sched_run("test_cos_anneal_lr", S("CosineAnnealingLR", T_max=10, eta_min=1e-10), 10)
    for name, spec in (("test_multi_step_lr_with_epoch", S("MultiStepLR", gamma=0.1, milestones=[2, 5, 9])),
                       ("test_constantlr_with_epoch", S("ConstantLR", factor=1.0 / 2, total_iters=5)),
                       ("test_linearlr_with_epoch", S("LinearLR", start_factor=1.0 / 2, total_iters=4))):
        case(P + name, TORCH_OPT, spec, [x for e in range(10) for x in ({"op": "opt_step"}, {"op": "step_epoch", "epoch": e})])
    # The test_compound_* tests step several schedulers in turn, which is what ChainedScheduler does.
    for name, schedulers in (
        ("test_compound_step_and_multistep_lr", [S("StepLR", gamma=0.1, step_size=3), S("MultiStepLR", gamma=0.1, milestones=[2, 5, 9])]),
        ("test_compound_step_and_exp_lr", [S("StepLR", gamma=0.1, step_size=3), S("ExponentialLR", gamma=0.9)]),
        ("test_compound_exp_and_multistep_lr", [S("MultiStepLR", gamma=0.1, milestones=[2, 5, 9]), S("ExponentialLR", gamma=0.9)]),
        ("test_compound_exp_and_linearlr", [S("LinearLR", start_factor=0.4, end_factor=0.9, total_iters=4), S("ExponentialLR", gamma=0.9)]),
        ("test_compound_step_and_constantlr", [S("StepLR", gamma=0.1, step_size=3), S("ConstantLR", factor=0.4, total_iters=4)]),
        ("test_compound_linearlr_and_multistep_lr", [S("MultiStepLR", gamma=0.1, milestones=[2, 5, 9]), S("LinearLR", start_factor=0.4, total_iters=4)]),
        ("test_compound_cosanneal_and_step_lr", [S("CosineAnnealingLR", T_max=10, eta_min=1e-10), S("StepLR", gamma=0.1, step_size=3)]),
        ("test_compound_cosanneal_and_multistep_lr", [S("CosineAnnealingLR", T_max=10, eta_min=1e-10), S("MultiStepLR", gamma=0.1, milestones=[2, 5, 9])]),
        ("test_compound_cosanneal_and_linearlr", [S("LinearLR", start_factor=0.4, total_iters=4), S("CosineAnnealingLR", T_max=10, eta_min=1e-10)]),
        ("test_compound_cosanneal_and_exp_lr", [S("CosineAnnealingLR", T_max=10, eta_min=1e-10), S("ExponentialLR", gamma=0.1)]),
    ):
        sched_run(name, S("ChainedScheduler", schedulers=schedulers), 10)
    # test_lr_scheduler_checkpoint: resuming from the optimizer's state alone with last_epoch=0.
    adam1 = OPT("Adam", groups=({},), lr=0.001)
    for spec in (S("ExponentialLR", gamma=0.999), S("LambdaLR", lr_lambda=fn("floor_div", div=30)),
                 S("MultiplicativeLR", lr_lambda=fn("constant", value=0.95)), S("StepLR", step_size=30),
                 S("MultiStepLR", milestones=[30, 80]), S("ConstantLR"), S("LinearLR"), S("PolynomialLR"),
                 S("CosineAnnealingLR", T_max=10), S("CosineAnnealingWarmRestarts", T_0=20),
                 S("CyclicLR", base_lr=0.01, max_lr=0.1), S("OneCycleLR", max_lr=0.01, total_steps=10)):
        case(P + f"test_lr_scheduler_checkpoint/{spec['class']}", adam1, spec,
             steps(1) + [{"op": "save"}, {"op": "rebuild", "last_epoch": 0}] + steps(3))
    case(P + "test_lr_scheduler_checkpoint_on_plateau", adam1, S("ReduceLROnPlateau", mode="min"),
         [{"op": "opt_step"}, {"op": "step_metric", "metric": 1.0}, {"op": "save"}, {"op": "rebuild"},
          {"op": "opt_step"}, {"op": "step_metric", "metric": 2.0}])
    for name, spec in (("step_lr", S("StepLR", gamma=0.1, step_size=3)),
                       ("linearlr", S("LinearLR", start_factor=1.0 / 3, end_factor=0.7, total_iters=4)),
                       ("constantlr", S("ConstantLR", factor=1.0 / 3, total_iters=4)),
                       ("multi_step_lr", S("MultiStepLR", gamma=0.1, milestones=[2, 5, 9])),
                       ("exp_lr", S("ExponentialLR", gamma=0.9)),
                       ("poly_lr", S("PolynomialLR", power=0.9)),
                       ("cos_anneal_lr", S("CosineAnnealingLR", T_max=5, eta_min=1e-10))):
        case(P + f"test_closed_form_{name}/closed_form", TORCH_OPT, spec,
             [x for e in range(20) for x in ({"op": "opt_step"}, {"op": "step_epoch", "epoch": e})])
        case(P + f"test_closed_form_{name}/recursive", TORCH_OPT, spec, steps(20))
    for name, spec in (("step_lr", S("StepLR", step_size=2)), ("exponential_lr", S("ExponentialLR", gamma=0.9)),
                       ("constantlr", S("ConstantLR")), ("linear_linearlr", S("LinearLR")),
                       ("polynomial_lr", S("PolynomialLR", power=0.9))):
        case(P + f"test_{name}_is_constant_for_constant_epoch", TORCH_OPT, spec,
             [x for _ in range(10) for x in ({"op": "opt_step"}, {"op": "step_epoch", "epoch": 2})])
    case(P + "test_cos_anneal_lr_continue", TORCH_OPT, S("CosineAnnealingLR", T_max=5, eta_min=0.1), steps(1))
    case(P + "test_cos_anneal_lr_continue/resumed", TORCH_OPT, S("CosineAnnealingLR", T_max=5, eta_min=0.1), steps(1)
         + [{"op": "save"}, {"op": "restore"}] + steps(10))

    plateau_tests = [
        ("1", {"threshold_mode": "abs", "mode": "min", "threshold": 0.01, "patience": 5, "cooldown": 5}, [10 - i * 0.0167 for i in range(20)], 10),
        ("2", {"patience": 5, "cooldown": 0, "threshold_mode": "abs", "mode": "min", "threshold": 0.1}, [10 - i * 0.0165 for i in range(22)], 22),
        ("3", {"mode": "max", "patience": 5, "cooldown": 5, "threshold_mode": "abs"}, [-0.8] * 2 + [-0.234] * 20, 22),
        ("4", {"mode": "max", "patience": 3, "threshold_mode": "rel", "threshold": 0.1}, [1.5 * (1.025 ** i) for i in range(20)], 20),
        ("5", {"mode": "max", "threshold_mode": "rel", "threshold": 0.1, "patience": 5, "cooldown": 5}, [1.5 * (1.005 ** i) for i in range(20)], 20),
        ("6", {"mode": "min", "threshold_mode": "rel", "threshold": 0.1}, [1.5 * (0.85 ** i) for i in range(20)], 20),
        ("7", {"mode": "min", "threshold_mode": "rel", "threshold": 0.1, "patience": 5, "cooldown": 5}, [1] * 7 + [0.6] + [0.5] * 12, 20),
        ("8", {"mode": "max", "threshold_mode": "rel", "min_lr": [0.4, 0.3], "threshold": 0.1, "patience": 5, "cooldown": 5}, [1.5 * (1.005 ** i) for i in range(20)], 20),
    ]
    for n, kwargs, metrics, epochs in plateau_tests:
        ops = [x for e in range(epochs) for x in ({"op": "opt_step"}, {"op": "step_metric", "metric": float(metrics[e])})]
        case(P + f"test_reduce_lr_on_plateau{n}", TORCH_OPT_05, S("ReduceLROnPlateau", **kwargs), ops)
    case(P + "test_reduce_lr_on_plateau_preserves_lr_type", TORCH_OPT, S("ReduceLROnPlateau", mode="min", patience=0),
         [{"op": "step_metric", "metric": 1.0}, {"op": "step_metric", "metric": 2.0}])
    case(P + "test_reduce_lr_on_plateau_state_dict", TORCH_OPT, S("ReduceLROnPlateau", mode="min", factor=0.1, patience=2),
         [{"op": "step_metric", "metric": s} for s in (1.0, 2.0, 3.0, 4.0, 3.0, 4.0, 5.0, 3.0, 2.0, 1.0)] + [{"op": "save"}, {"op": "restore"}]
         + [{"op": "step_metric", "metric": s} for s in (1.0, 0.5, 0.6, 0.7, 0.8)])

    sched_run("test_sequentiallr1", S("SequentialLR", schedulers=[S("ExponentialLR", gamma=0.8), S("StepLR", gamma=0.1, step_size=4)], milestones=[3]), 19)
    sched_run("test_sequentiallr2", S("SequentialLR", schedulers=[S("ConstantLR", factor=0.1, total_iters=3), S("ExponentialLR", gamma=0.9)], milestones=[3]), 13)
    sched_run("test_sequentiallr3", S("SequentialLR", schedulers=[S("ConstantLR", factor=0.1, total_iters=3), S("ExponentialLR", gamma=0.8),
                                                                  S("StepLR", gamma=0.1, step_size=2)], milestones=[3, 6]), 12)
    case(P + "test_sequentiallr4", OPT(groups=({},)), S("SequentialLR", schedulers=[S("ConstantLR", factor=1.0), S("ConstantLR", factor=0.1)], milestones=[10]), [])
    sched_run("test_sequentiallr5", S("SequentialLR", schedulers=[
        S("ChainedScheduler", schedulers=[S("LinearLR", start_factor=0.1, total_iters=5), S("ConstantLR", factor=0.1, total_iters=5)]),
        S("ConstantLR", factor=0.5, total_iters=5)], milestones=[5]), 10)
    case(P + "test_sequentiallr_does_not_alias_lr_and_initial_lr", OPT(groups=({}, {}), lr=T(2.0)),
         S("SequentialLR", schedulers=[S("LinearLR", start_factor=0.1, end_factor=0.8, total_iters=4),
                                       S("LinearLR", start_factor=0.8, end_factor=0.1, total_iters=4)], milestones=[4]), steps(8))
    sched_run("test_chained_lr2", S("ChainedScheduler", schedulers=[S("LinearLR", start_factor=0.4, total_iters=3)]), 10)
    sched_run("test_chained_lr3", S("ChainedScheduler", schedulers=[S("LinearLR", start_factor=0.4, total_iters=3),
                                                                    S("MultiStepLR", milestones=[4, 8, 10], gamma=0.1)]), 10)
    sched_run("test_chained_lr4", S("ChainedScheduler", schedulers=[S("ExponentialLR", gamma=0.9), S("ConstantLR", factor=0.2, total_iters=4),
                                                                    S("StepLR", gamma=0.1, step_size=3)]), 9)
    sched_run("test_chained_lr5", S("ChainedScheduler", schedulers=[S("PolynomialLR", power=0.9, total_iters=5), S("ConstantLR", factor=0.1)]), 10)

    def cyclic_run(name, kwargs, n, opt=TORCH_OPT):
        case(P + name, opt, S("CyclicLR", **kwargs), steps(n))
    cyclic_run("test_cycle_lr_triangular_mode_one_lr", dict(base_lr=1.0, max_lr=5.0, step_size_up=4, cycle_momentum=True, base_momentum=1.0, max_momentum=5.0, mode="triangular"), 11)
    cyclic_run("test_cycle_lr_triangular_mode_one_lr_no_momentum", dict(base_lr=1.0, max_lr=5.0, step_size_up=4, cycle_momentum=False, mode="triangular"), 11)
    cyclic_run("test_cycle_lr_triangular2_mode_one_lr", dict(base_lr=1.0, max_lr=5.0, step_size_up=4, cycle_momentum=True, base_momentum=1.0, max_momentum=5.0, mode="triangular2"), 22)
    cyclic_run("test_cycle_lr_exp_range_mode_one_lr", dict(base_lr=1.0, max_lr=5.0, step_size_up=4, cycle_momentum=True, base_momentum=1.0, max_momentum=5.0, mode="exp_range", gamma=0.9), 13)
    cyclic_run("test_cycle_lr_triangular_mode", dict(base_lr=[1.0, 2.0], max_lr=[5.0, 6.0], step_size_up=4, cycle_momentum=True, base_momentum=[1.0, 2.0], max_momentum=[5.0, 6.0], mode="triangular"), 11)
    cyclic_run("test_cycle_lr_triangular2_mode", dict(base_lr=[1.0, 3.0], max_lr=[5.0, 7.0], step_size_up=4, cycle_momentum=True, base_momentum=[1.0, 3.0], max_momentum=[5.0, 7.0], mode="triangular2"), 22)
    cyclic_run("test_cycle_lr_exp_range_mode", dict(base_lr=[1.0, 5.0], max_lr=[5.0, 12.0], step_size_up=4, cycle_momentum=True, base_momentum=[1.0, 5.0], max_momentum=[5.0, 12.0], mode="exp_range", gamma=0.9), 13)
    cyclic_run("test_cycle_lr_triangular_mode_step_size_up_down", dict(base_lr=1.0, max_lr=5.0, step_size_up=4, step_size_down=6, cycle_momentum=True, base_momentum=1.0, max_momentum=5.0, mode="triangular"), 11)
    cyclic_run("test_cycle_lr_triangular2_mode_step_size_up_down", dict(base_lr=[1.0, 3.0], max_lr=[5.0, 7.0], step_size_up=2, step_size_down=6, cycle_momentum=True, base_momentum=[1.0, 3.0], max_momentum=[5.0, 7.0], mode="triangular2"), 24)
    cyclic_run("test_cycle_lr_exp_range_mode_step_size_up_down", dict(base_lr=1.0, max_lr=5.0, step_size_up=2, step_size_down=6, cycle_momentum=True, base_momentum=1.0, max_momentum=5.0, mode="exp_range", gamma=0.9), 13)
    cyclic_run("test_cycle_lr_with_momentumless_optimizer", dict(base_lr=1.0, max_lr=5.0, step_size_up=4, cycle_momentum=False, mode="triangular"), 11,
               opt=OPT("Adam", groups=({}, {"lr": 0.5}), lr=0.05))
    case(P + "test_cycle_lr_cycle_momentum_with_beta1_optimizer", OPT("Adam", groups=({},)), S("CyclicLR", base_lr=1.0, max_lr=5.0, cycle_momentum=True), steps(3))
    case(P + "test_cycle_lr_scale_fn_restored_from_state_dict", OPT("Adam", groups=({},)), S("CyclicLR", base_lr=1.0, max_lr=5.0, cycle_momentum=False, mode="triangular2"),
         steps(5) + [{"op": "save"}, {"op": "restore"}] + steps(5))
    case(P + "test_cosine_then_cyclic/cosine", OPT(groups=({},), lr=0.5), S("CosineAnnealingLR", T_max=20, eta_min=0.1), steps(21))

    onecycle_tests = [
        ("test_onecycle_lr_linear_annealing", dict(max_lr=25.0, final_div_factor=2.0, base_momentum=1.0, max_momentum=22.0, total_steps=10, anneal_strategy="linear")),
        ("test_onecycle_lr_linear_annealing_three_phases", dict(max_lr=25.0, div_factor=25.0, base_momentum=1.0, max_momentum=22.0, total_steps=10, anneal_strategy="linear", pct_start=0.4, final_div_factor=4.0, three_phase=True)),
        ("test_onecycle_lr_cosine_annealing", dict(max_lr=25.0, final_div_factor=2.0, base_momentum=1.0, max_momentum=22.0, total_steps=10)),
    ]
    for name, kwargs in onecycle_tests:
        case(P + name, TORCH_OPT, S("OneCycleLR", **kwargs), steps(10))
    case(P + "test_cycle_lr_with_adam", OPT("Adam", groups=({}, {"lr": 0.5}), lr=0.05),
         S("OneCycleLR", max_lr=25.0, final_div_factor=2.0, base_momentum=1.0, max_momentum=22.0, total_steps=10, anneal_strategy="linear"), steps(10))

    case(P + "test_lambda_lr", OPT(groups=({"lr": 0.05}, {"lr": 0.4}), lr=0.05),
         S("LambdaLR", lr_lambda=[fn("power", base=0.9), fn("power", base=0.8)]), steps(10))
    case(P + "test_multiplicative_lr", OPT(groups=({"lr": 0.05}, {"lr": 0.4}), lr=0.05),
         S("MultiplicativeLR", lr_lambda=[fn("constant", value=0.9), fn("constant", value=0.8)]), steps(10))
    for t_mult in (1, 2, 4):
        case(P + f"test_CosineAnnealingWarmRestarts_lr1_T_mult_{t_mult}", TORCH_OPT,
             S("CosineAnnealingWarmRestarts", T_0=10, T_mult=t_mult, eta_min=1e-10), steps(100))

    # _check_scheduler_state_dict: a state dict loaded into a scheduler built differently.
    for name, first, second, epochs in (
        ("test_step_lr_state_dict", S("StepLR", gamma=0.1, step_size=3), S("StepLR", gamma=0.01 / 2, step_size=1), 10),
        ("test_multi_step_lr_state_dict", S("MultiStepLR", gamma=0.1, milestones=[2, 5, 9]), S("MultiStepLR", gamma=0.01, milestones=[1, 4, 6]), 10),
        ("test_exp_step_lr_state_dict", S("ExponentialLR", gamma=0.1), S("ExponentialLR", gamma=0.01), 10),
        ("test_cosine_lr_state_dict", S("CosineAnnealingLR", T_max=10, eta_min=1e-10), S("CosineAnnealingLR", T_max=5, eta_min=1e-10 / 2), 10),
        ("test_CosineAnnealingWarmRestarts_lr_state_dict", S("CosineAnnealingWarmRestarts", T_0=10, T_mult=2), S("CosineAnnealingWarmRestarts", T_0=100), 10),
    ):
        ops = steps(epochs) + [{"op": "save"}, {"op": "load_into", "scheduler": second}] + steps(5)
        case(P + name, TORCH_OPT, first, ops)


# ---------------------------------------------------------------------------
# Constructor and step errors
# ---------------------------------------------------------------------------
def record_errors():
    E = "errors/"
    def err(name, spec, opt=SGD2, ops=(), python_only=None):
        case(E + name, opt, spec, list(ops), python_only)

    err("LambdaLR/lambda_count", S("LambdaLR", lr_lambda=[fn("constant", value=1.0)] * 3))
    err("MultiplicativeLR/lambda_count", S("MultiplicativeLR", lr_lambda=[fn("constant", value=1.0)]))
    err("MultiplicativeLR/lambda_not_callable", S("MultiplicativeLR", lr_lambda=0.95), python_only="lr_lambda is typed Func<int, double>")
    err("MultiplicativeLR/lambda_none", S("MultiplicativeLR", lr_lambda={"none": True}))
    err("MultiplicativeLR/lambda_list_with_none", S("MultiplicativeLR", lr_lambda=[fn("constant", value=1.0), {"none": True}]))
    err("StepLR/step_size_0", S("StepLR", step_size=0), ops=steps(2))
    err("StepLR/initial_lr_missing", S("StepLR", step_size=3, gamma=0.1, last_epoch=1))
    err("StepLR/initial_lr_missing_in_second_group", S("StepLR", step_size=3, last_epoch=4),
        opt=OPT(groups=({"initial_lr": 0.1}, {"lr": 0.037})))
    err("ConstantLR/factor_above_1", S("ConstantLR", factor=1.5))
    err("ConstantLR/factor_negative", S("ConstantLR", factor=-0.1))
    err("ConstantLR/factor_0_division", S("ConstantLR", factor=0.0, total_iters=3), ops=steps(4))
    err("LinearLR/start_factor_0", S("LinearLR", start_factor=0.0, total_iters=4))
    err("LinearLR/start_factor_above_1", S("LinearLR", start_factor=1.1, total_iters=4))
    err("LinearLR/end_factor_above_1", S("LinearLR", end_factor=1.5))
    err("LinearLR/end_factor_negative", S("LinearLR", end_factor=-0.5))
    err("CosineAnnealingLR/t_max_0", S("CosineAnnealingLR", T_max=0), ops=steps(2))
    err("CosineAnnealingWarmRestarts/t0_0", S("CosineAnnealingWarmRestarts", T_0=0))
    err("CosineAnnealingWarmRestarts/t0_negative", S("CosineAnnealingWarmRestarts", T_0=-3))
    err("CosineAnnealingWarmRestarts/t_mult_0", S("CosineAnnealingWarmRestarts", T_0=10, T_mult=0))
    err("CosineAnnealingWarmRestarts/t0_float", S("CosineAnnealingWarmRestarts", T_0=1.5), python_only="T_0 is typed int")
    err("CosineAnnealingWarmRestarts/eta_min_str", S("CosineAnnealingWarmRestarts", T_0=10, eta_min="x"), python_only="eta_min is typed double")
    err("CosineAnnealingWarmRestarts/negative_epoch", S("CosineAnnealingWarmRestarts", T_0=10), ops=[{"op": "step_epoch", "epoch": -1}])
    err("CosineAnnealingWarmRestarts/negative_fractional_epoch", S("CosineAnnealingWarmRestarts", T_0=10), ops=[{"op": "step_epoch", "epoch": -0.5}])
    err("SequentialLR/no_schedulers", S("SequentialLR", schedulers=[], milestones=[]))
    err("SequentialLR/none_scheduler", S("SequentialLR", schedulers=[S("ConstantLR"), {"none": True}], milestones=[3]))
    err("SequentialLR/plateau", S("SequentialLR", schedulers=[S("ConstantLR"), S("ReduceLROnPlateau")], milestones=[3]))
    err("SequentialLR/different_optimizer", S("SequentialLR", schedulers=[S("ConstantLR"), S("ConstantLR", on=SGD2)], milestones=[3]))
    err("SequentialLR/milestone_count", S("SequentialLR", schedulers=[S("ConstantLR"), S("ExponentialLR", gamma=0.9)], milestones=[3, 6]))
    err("SequentialLR/step_with_epoch", S("SequentialLR", schedulers=[S("ConstantLR"), S("ExponentialLR", gamma=0.9)], milestones=[3]),
        ops=[{"op": "opt_step"}, {"op": "step_epoch", "epoch": 1}])
    err("ChainedScheduler/no_schedulers", S("ChainedScheduler", schedulers=[]))
    err("ChainedScheduler/none_scheduler", S("ChainedScheduler", schedulers=[S("ConstantLR"), {"none": True}]))
    err("ChainedScheduler/plateau", S("ChainedScheduler", schedulers=[S("ConstantLR"), S("ReduceLROnPlateau")]))
    err("ChainedScheduler/different_optimizer", S("ChainedScheduler", schedulers=[S("ConstantLR"), S("ExponentialLR", gamma=0.9, on=SGD2_MOM)]))
    err("ChainedScheduler/step_with_epoch", S("ChainedScheduler", schedulers=[S("ConstantLR")]),
        ops=[{"op": "opt_step"}, {"op": "step_epoch", "epoch": 1}])
    err("ReduceLROnPlateau/factor_1", S("ReduceLROnPlateau", factor=1.0))
    err("ReduceLROnPlateau/min_lr_count", S("ReduceLROnPlateau", min_lr=[0.1, 0.2, 0.3]))
    err("ReduceLROnPlateau/mode_unknown", S("ReduceLROnPlateau", mode="average"))
    err("ReduceLROnPlateau/threshold_mode_unknown", S("ReduceLROnPlateau", threshold_mode="log"))
    err("ReduceLROnPlateau/add_param_group_with_min_lr_list", S("ReduceLROnPlateau", mode="min", threshold_mode="rel", threshold=1e-5,
                                                                patience=0, cooldown=0, min_lr=[1e-5, 1e-4]),
        opt=TORCH_OPT, ops=[{"op": "add_param_group", "lr": 0.05}, {"op": "opt_step"}, {"op": "step_metric", "metric": 1.0},
                            {"op": "opt_step"}, {"op": "step_metric", "metric": 1.3}])
    err("CyclicLR/mode_unknown", S("CyclicLR", base_lr=0.0, max_lr=0.0, mode="CATS"))
    err("CyclicLR/base_lr_count", S("CyclicLR", base_lr=[0.01, 0.02, 0.03], max_lr=0.1))
    err("CyclicLR/max_lr_count", S("CyclicLR", base_lr=0.01, max_lr=[0.1]))
    err("CyclicLR/base_momentum_count", S("CyclicLR", base_lr=0.01, max_lr=0.1, base_momentum=[0.8]), opt=SGD2_MOM)
    err("CyclicLR/max_momentum_count", S("CyclicLR", base_lr=0.01, max_lr=0.1, max_momentum=[0.9, 0.9, 0.9]), opt=SGD2_MOM)
    err("CyclicLR/no_momentum_or_betas", S("CyclicLR", base_lr=0.01, max_lr=0.1), opt=RPROP2)
    err("CyclicLR/zero_cycle", S("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=0))
    err("CyclicLR/initial_lr_missing", S("CyclicLR", base_lr=0.01, max_lr=0.1, last_epoch=5), opt=SGD2_MOM)
    err("OneCycleLR/total_steps_0", S("OneCycleLR", max_lr=0.1, total_steps=0))
    err("OneCycleLR/total_steps_negative", S("OneCycleLR", max_lr=0.1, total_steps=-5))
    err("OneCycleLR/total_steps_float", S("OneCycleLR", max_lr=0.1, total_steps=10.0), python_only="total_steps is typed int?")
    err("OneCycleLR/epochs_0", S("OneCycleLR", max_lr=0.1, epochs=0, steps_per_epoch=10))
    err("OneCycleLR/steps_per_epoch_0", S("OneCycleLR", max_lr=0.1, epochs=3, steps_per_epoch=0))
    err("OneCycleLR/no_length", S("OneCycleLR", max_lr=0.1))
    err("OneCycleLR/only_epochs", S("OneCycleLR", max_lr=0.1, epochs=3))
    err("OneCycleLR/pct_start_above_1", S("OneCycleLR", max_lr=0.1, total_steps=10, pct_start=1.1))
    err("OneCycleLR/pct_start_negative", S("OneCycleLR", max_lr=0.1, total_steps=10, pct_start=-0.1))
    err("OneCycleLR/pct_start_int", S("OneCycleLR", max_lr=0.1, total_steps=10, pct_start=1), python_only="pct_start is typed double")
    err("OneCycleLR/anneal_strategy_unknown", S("OneCycleLR", max_lr=0.1, total_steps=10, anneal_strategy="CATS"))
    err("OneCycleLR/max_lr_count", S("OneCycleLR", max_lr=[0.1, 0.2, 0.3], total_steps=10))
    err("OneCycleLR/no_momentum_or_betas", S("OneCycleLR", max_lr=0.1, total_steps=10), opt=RPROP2)
    err("OneCycleLR/initial_lr_missing", S("OneCycleLR", max_lr=0.1, total_steps=10, last_epoch=3), opt=SGD2_MOM)
    err("OneCycleLR/resume_without_max_lr", S("OneCycleLR", max_lr=0.1, total_steps=110, last_epoch=30), opt=with_initial_lr(SGD2_MOM))
    err("OneCycleLR/too_many_steps", S("OneCycleLR", max_lr=0.1, total_steps=3), opt=SGD2_MOM, ops=steps(4))
    err("OneCycleLR/zero_length_phase", S("OneCycleLR", max_lr=0.1, total_steps=2, pct_start=0.5), opt=SGD2_MOM, ops=steps(2))


# ---------------------------------------------------------------------------
def record_all():
    record_grids()
    record_torch_tests()
    record_errors()
    out = []
    for c in CASES:
        rec = dict(c)
        rec["trace"] = run(c)
        if any(op["op"] == "restore" for op in c["ops"]) and "error" not in rec["trace"][-1]:
            rec["resume_matches_uninterrupted"] = resume_matches(c, rec["trace"])
            assert rec["resume_matches_uninterrupted"], c["id"]
        out.append(rec)
    ids = [c["id"] for c in out]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return out


def main():
    cases = record_all()
    fixture = {
        "module": "torch.optim.lr_scheduler",
        "torch_version": torch.__version__,
        "python_version": sys.version.split()[0],
        "steps": N,
        "save_at": SAVE_AT,
        "cases": cases,
    }
    size = C.write_json_gz(FIXTURE, fixture)
    errors = sum(1 for c in cases if "error" in c["trace"][-1])
    print(f"{FIXTURE}: {len(cases)} cases ({errors} ending in an error), {size} bytes of JSON")


if __name__ == "__main__":
    main()
