"""The one recorder of a torch.optim algorithm's fixtures.

An algorithm's script (sgd.py, adam.py, nadam.py, ...) describes it as an `Algorithm` (class,
fixture prefix, option grid, state-dict configs, error snippets, differentiable runs, extra
files) and calls `record`. From the repository root:

    tools/oracle/python tools/golden/nadam.py

which writes, under tests/SharpOptim.Tests/Fixtures/:

    <prefix>_trajectories.sofx     every config x dtype x impl of the grid, N_STEPS steps
                                   (the optimizer state kept at fixture_layout.keeps_state's steps)
    <prefix>_state_dict.sofx       mid-run state dicts, PyTorch's reload and its continuation
    <prefix>_errors.json           error records (common.run_error_case), merged by scope
    <prefix>_differentiable.sofx   differentiable=True runs, by one of fixture_layout.PROCEDURES
    and the algorithm's extra files (its own problems, defaults, ...)

.sofx is fixture_format.py's container; the layouts are in tools/golden/README.md. The C# side
(tests/SharpOptim.Tests/Golden/) replays them through one conformance harness.
"""

import copy
import inspect
import json
import warnings
from dataclasses import dataclass, field
from typing import Callable

import torch

import common as C
import fixture_format as FF
import fixture_layout as L

FIXTURES = "tests/SharpOptim.Tests/Fixtures"

# impl name -> the global "cliquey" flags PyTorch's test grid sets for it
# (see _get_optim_inputs_including_global_cliquey_kwargs: every supported flag is
# False in the base config and exactly one is switched to True).
IMPL_FLAGS = {
    "forloop": {"foreach": False, "fused": False, "differentiable": False},
    "foreach": {"foreach": True, "fused": False, "differentiable": False},
    "fused": {"foreach": False, "fused": True, "differentiable": False},
    "differentiable": {"foreach": False, "fused": False, "differentiable": True},
}


class Extra:
    """A config of ours beside PyTorch's grid, shaped like PyTorch's OptimizerInput (.kwargs, .desc)."""

    def __init__(self, kwargs, desc):
        self.kwargs = kwargs
        self.desc = desc


def extra(desc, **kwargs):
    """Extra(kwargs, desc) written as a call: extra("tensor lr", lr=torch.tensor(0.01))."""
    return Extra(kwargs, desc)


# ---------------------------------------------------------------------------
# The option grid
# ---------------------------------------------------------------------------
CAPTURABLE_DROPPED = " (capturable dropped on CPU)"


def _canonical(cls, kwargs):
    """kwargs without the entries equal to the class's defaults, as comparable JSON."""
    defaults = {k: v.default for k, v in inspect.signature(cls.__init__).parameters.items()
                if v.default is not inspect.Parameter.empty}
    kept = {k: v for k, v in kwargs.items()
            if isinstance(v, (torch.Tensor, tuple)) or k not in defaults or defaults[k] != v}
    enc, tensors = C.encode_kwargs(kept)
    return json.dumps([enc, tensors], sort_keys=True)


def cpu_grid_with_device_extras(cls, func, dtype):
    """PyTorch's CPU grid `func(device="cpu")`, followed by the configs its CUDA and MPS grids
    add (tensor lr, tensor betas, ...) that differ from a CPU config once `capturable` is
    removed: PyTorch raises on CPU with capturable=True (its non-fused CPU paths assert a
    GPU device), so those configs are recorded with capturable=False (desc suffixed by
    CAPTURABLE_DROPPED). Configs that become duplicates are left out."""
    from torch.testing._internal.common_optimizers import OptimizerInput

    grid = list(func(device="cpu", dtype=dtype))
    seen = {_canonical(cls, c.kwargs) for c in grid}
    for device in ("cuda", "mps"):
        for c in func(device=device, dtype=dtype):
            kwargs = {k: v for k, v in c.kwargs.items() if k != "capturable"}
            key = _canonical(cls, kwargs)
            if key in seen:
                continue
            seen.add(key)
            desc = c.desc + CAPTURABLE_DROPPED if "capturable" in c.kwargs else c.desc
            grid.append(OptimizerInput(params=None, kwargs=kwargs, desc=desc))
    return grid


# ---------------------------------------------------------------------------
# Trajectories
# ---------------------------------------------------------------------------
def supported_flags(opt_cls, flags):
    """The flags opt_cls's constructor takes: PyTorch's grid sets only those (NAdam has no `fused`)."""
    accepted = inspect.signature(opt_cls.__init__).parameters
    return {k: v for k, v in flags.items() if k in accepted}


def impl_flags(opt_cls, impl):
    """IMPL_FLAGS[impl] without the flags opt_cls does not take (Adadelta has no `fused`)."""
    return supported_flags(opt_cls, IMPL_FLAGS[impl])


def run_trajectory(opt_cls, kwargs, dtype, flags, n_steps, problem):
    """Fresh params in dtype, optimizer opt_cls(params, **kwargs, **flags), n_steps. Returns the records."""
    params = C.make_params(problem, dtype)
    opt = opt_cls(params, **C.clone_kwargs(kwargs), **flags)
    return C.run_steps(opt, params, problem, n_steps)


def record_grid(opt_cls, prefix, configs, impls, problem, dtypes=("float32", "float64"), n_steps=C.N_STEPS):
    """Every config x impl x dtype. Returns (cases, skipped): a combination PyTorch refuses
    (construction or step raises) goes to skipped."""
    cases, skipped = [], []
    for cfg in configs:
        kwargs_json, tensor_names = C.encode_kwargs(cfg.kwargs)
        for impl in impls:
            for dt in dtypes:
                flags = impl_flags(opt_cls, impl)
                try:
                    with warnings.catch_warnings(record=True) as w:
                        warnings.simplefilter("always")
                        records = run_trajectory(opt_cls, cfg.kwargs, C.DTYPES[dt], flags, n_steps, problem)
                except Exception as e:  # PyTorch refused this combination
                    skipped.append({"desc": cfg.desc, "impl": impl, "dtype": dt, "reason": f"{type(e).__name__}: {e}"})
                    continue
                case = {
                    "id": f"{prefix}/{L.slug(cfg.desc)}/{impl}/{dt}",
                    "desc": cfg.desc,
                    "kwargs": kwargs_json,
                    "tensor_kwargs": tensor_names,
                    "impl": impl,
                    "flags": dict(flags),
                    "dtype": dt,
                }
                msgs = [str(x.message) for x in w]
                if msgs:
                    case["warnings"] = msgs
                case["steps"] = records
                cases.append(case)
    return cases, skipped


# ---------------------------------------------------------------------------
# State dicts mid-run
# ---------------------------------------------------------------------------
def _without_dtypes(v):
    """An encoded state dict with the "dtype" of every tensor removed."""
    if isinstance(v, dict):
        return {k: _without_dtypes(x) for k, x in v.items() if not (k == "dtype" and v.get("tensor") is True)}
    if isinstance(v, list):
        return [_without_dtypes(x) for x in v]
    return v


def record_state_dict_cases(opt_cls, prefix, configs_by_desc, descs, trajectories, problem,
                            dtypes=("float64", "float32"), steps_before_save=50, exact_continuation=True):
    """Per chosen config and dtype: run `steps_before_save` steps with the config's kwargs only
    (foreach/fused left at PyTorch's defaults, the for-loop on CPU), save state_dict(), load it
    into a fresh optimizer on cloned params and continue to step 2*steps_before_save.

    Checks (asserts) that the continuation equals simply carrying on and equals the recorded
    for-loop trajectory `<prefix>/<slug>/forloop/<dtype>` of `trajectories`. Returns the cases
    (id `<prefix>_state_dict/<slug>/default/<dtype>`).

    exact_continuation=False skips those two continuation checks, for an algorithm whose run
    legitimately changes after a reload (load_state_dict casts every state tensor but `step` to
    the param's dtype: NAdam's float32 `mu_product` becomes float64 and then multiplies in
    float64); the case then carries "exact_continuation": false."""
    traj_by_id = {c["id"]: c for c in trajectories["cases"]}
    cases = []
    for desc in descs:
        cfg = configs_by_desc[desc]
        kwargs_json, tensor_names = C.encode_kwargs(cfg.kwargs)
        for dt in dtypes:
            dtype = C.DTYPES[dt]
            params = C.make_params(problem, dtype)
            opt = opt_cls(params, **copy.deepcopy(cfg.kwargs))
            first = C.run_steps(opt, params, problem, steps_before_save)
            sd = opt.state_dict()
            sd_json = C.encode_state_dict(sd)
            params_at_save = [C.tensor_flat(p) for p in params]

            new_params = [p.detach().clone().requires_grad_(True) for p in params]
            opt2 = opt_cls(new_params, **copy.deepcopy(cfg.kwargs))
            opt2.load_state_dict(copy.deepcopy(sd))
            loaded_sd_json = C.encode_state_dict(opt2.state_dict())
            cont = C.run_steps(opt2, new_params, problem, steps_before_save)
            final_sd_json = C.encode_state_dict(opt2.state_dict())

            carry_on = C.run_steps(opt, params, problem, steps_before_save)
            tid = f"{prefix}/{L.slug(desc)}/forloop/{dt}"
            t = traj_by_id[tid]["steps"]
            assert C.dumps(t[:steps_before_save]) == C.dumps(first), f"{tid}: first half differs"
            # Loading casts state tensors other than `step` to the param's dtype (ASGD's float32
            # `eta` becomes float64 with float64 params): the values must survive, the dtype may not.
            assert _without_dtypes(loaded_sd_json) == _without_dtypes(sd_json), f"{desc}/{dt}: loaded state_dict differs"
            if exact_continuation:
                assert C.dumps(carry_on) == C.dumps(cont), f"{desc}/{dt}: reload differs"
                assert C.dumps(t[steps_before_save:2 * steps_before_save]) == C.dumps(cont), f"{tid}: continuation differs"

            case = {
                "id": f"{prefix}_state_dict/{L.slug(desc)}/default/{dt}",
                "desc": desc,
                "kwargs": kwargs_json,
                "tensor_kwargs": tensor_names,
                "impl": "default",
                "flags": {},
                "dtype": dt,
                "steps_before_save": steps_before_save,
                "trajectory_id": tid,
                "params_at_save": params_at_save,
                "state_dict": sd_json,
                "continuation": cont,
                "state_dict_after_continuation": final_sd_json,
            }
            if not exact_continuation:
                case["exact_continuation"] = False
            cases.append(case)
    return cases


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
def check_against_pytorch_error_grid(cls, error_grid, recs):
    """Every algorithm-specific entry of PyTorch's own error grid (optim_error_inputs_func_*)
    must be reproduced by one of our snippets: same exception type, same message."""
    recorded = {(r.get("type"), r.get("message")) for r in recs}
    for entry in error_grid:
        if entry.optimizer_error_input.params is not None:
            continue  # the all-optimizer cases, recorded once in optimizer_errors.json
        p = torch.nn.Parameter(torch.randn(1, 1))
        try:
            cls([p], **entry.optimizer_error_input.kwargs)
        except Exception as e:  # noqa: BLE001 - we want whatever PyTorch raises
            key = (type(e).__name__, str(e))
        else:
            raise AssertionError(f"{entry.optimizer_error_input.desc}: PyTorch did not raise")
        assert key in recorded, f"PyTorch's error case {entry.optimizer_error_input.desc!r} {key} has no snippet"


def shared_error_cases(prefix, name):
    """The (name, code) snippets the later element-wise algorithms (ASGD, NAdam, RAdam) share:
    their lr and weight_decay checks, their repr (an "ok" case whose `result` is the string), the
    step-time refusals (sparse gradients; foreach with differentiable), params at different steps
    and an old checkpoint's numbers loaded as 0-d tensors."""
    ctor = f"torch.optim.{name}"
    return [
        (f"{prefix}_negative_lr", f"{ctor}([p], lr=-0.1)"),
        (f"{prefix}_nan_lr", f"{ctor}([p], lr=float('nan'))"),
        (f"{prefix}_negative_tensor_lr", f"{ctor}([p], lr=torch.tensor(-0.1))"),
        (f"{prefix}_tensor_lr_not_1_element", f"{ctor}([p], lr=torch.tensor([0.001, 0.001]))"),
        (f"{prefix}_negative_weight_decay", f"{ctor}([p], weight_decay=-0.5)"),
        (f"{prefix}_sparse_grad",
         "q = torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))\n"
         "q.grad = torch.sparse_coo_tensor(torch.tensor([[0, 1], [1, 0]]), torch.tensor([0.5, -1.0]), (2, 2),\n"
         "                                 check_invariants=True)\n"
         f"{ctor}([q]).step()"),
        (f"{prefix}_repr", f"result = repr({ctor}([p]))"),
        (f"{prefix}_repr_tensor_lr", f"result = repr({ctor}([p], lr=torch.tensor(0.01), maximize=True))"),
        # Two params whose counts differ: b has no grad for the first 3 steps, so each param's own
        # step drives its scalars (RAdam: a is rectified from step 6, b only from its own 6th step).
        (f"{prefix}_params_at_different_steps",
         "a = torch.nn.Parameter(torch.tensor([1.0, -2.0, 3.0]))\n"
         "b = torch.nn.Parameter(torch.tensor([0.5, 0.25]))\n"
         f"opt = {ctor}([a, b], lr=0.1)\n"
         "for k in range(10):\n"
         "    a.grad = torch.tensor([0.3, -0.2, 0.1]) * (k + 1)\n"
         "    b.grad = None if k < 3 else torch.tensor([-0.4, 0.6]) / (k + 1)\n"
         "    opt.step()\n"
         "result = [a.detach(), b.detach(), opt.state[a], opt.state[b]]"),
        # A checkpoint from before these states were tensors: __setstate__ turns the numbers into
        # 0-d tensors of the scalar dtype.
        (f"{prefix}_load_numbers_as_scalar_state",
         "q = torch.nn.Parameter(torch.tensor([[1.5]]))\n"
         f"opt = {ctor}([q])\n"
         "q.grad = torch.ones_like(q)\n"
         "opt.step()\n"
         "sd = opt.state_dict()\n"
         "for key, value in list(sd['state'][0].items()):\n"
         "    if value.dim() == 0:\n"
         "        sd['state'][0][key] = value.item()\n"
         f"opt2 = {ctor}([torch.nn.Parameter(torch.tensor([[-0.5]]))])\n"
         "opt2.load_state_dict(sd)\n"
         "result = [type(v).__name__ for v in sd['state'][0].values()] + [next(iter(opt2.state.values()))]"),
        (f"{prefix}_foreach_differentiable",
         "q = torch.nn.Parameter(torch.ones(2)).clone()\n"
         "q.grad = torch.ones(2)\n"
         f"{ctor}([q], foreach=True, differentiable=True).step()"),
    ]


# ---------------------------------------------------------------------------
# Differentiable runs (the procedures of fixture_layout.PROCEDURES)
# ---------------------------------------------------------------------------
def _x_g_feedback_case(cls, kwargs, steps, inputs):
    """x (leaf) -> p = x * 1 (non-leaf), g (leaf); each step p.grad = g * (k + 1) + p * 0.5,
    then opt.step() with differentiable=True. Afterwards loss = (p * w).sum() is
    back-propagated through all the steps into x and g. If PyTorch refuses the backward
    (an in-place step overwrote a value autograd saved), the error is recorded instead."""
    x0, g0, w = inputs
    x = x0.clone().requires_grad_(True)
    g = g0.clone().requires_grad_(True)
    p = x * 1.0
    opt = cls([p], differentiable=True, **C.clone_kwargs(kwargs))
    for k in range(steps):
        p.grad = g * (k + 1) + p * 0.5
        opt.step()
    kwargs_json, tensor_names = C.encode_kwargs(kwargs)
    assert not tensor_names
    case = {"kwargs": kwargs_json, "steps": steps, "param": C.tensor_flat(p)}
    loss = (p * w).sum()
    try:
        loss.backward()
    except RuntimeError as e:
        case["error"] = {"type": type(e).__name__, "message": str(e)}
        return case
    case.update(loss=C.enc_float(loss.item()), x_grad=C.tensor_flat(x.grad), g_grad=C.tensor_flat(g.grad))
    return case


def record_x_g_feedback(cls, prefix, runs):
    """runs: (kwargs, steps) pairs, all in float64 from one set of stored inputs."""
    gen = torch.Generator().manual_seed(7)
    inputs = [torch.randn(3, 4, dtype=torch.float64, generator=gen) for _ in range(3)]
    name = cls.__name__
    return L.x_g_feedback_fixture(prefix, {
        **C.header(name),
        "python": (f"x = x0 (leaf); g = g0 (leaf); p = x * 1.0; opt = {name}([p], differentiable=True, **kwargs); "
                   "for k in range(steps): p.grad = g * (k + 1) + p * 0.5; opt.step(); "
                   "(p * w).sum().backward()"),
        "dtype": "float64",
        "x0": C.tensor_json_shaped(inputs[0]),
        "g0": C.tensor_json_shaped(inputs[1]),
        "w": C.tensor_json_shaped(inputs[2]),
        "cases": [_x_g_feedback_case(cls, kwargs, steps, inputs) for kwargs, steps in runs],
    })


CHAIN_STEPS = 3


def _tensor_leaves(kwargs):
    """(name, tensor) for every tensor kwarg, betas as betas0/betas1."""
    out = []
    for k, v in kwargs.items():
        if isinstance(v, torch.Tensor):
            out.append((k, v))
        elif isinstance(v, tuple):
            out.extend((f"{k}{i}", e) for i, e in enumerate(v) if isinstance(e, torch.Tensor))
    return [(name, t) for name, t in out if t.requires_grad]


def record_diff_fn_chain(cls, prefix, runs):
    """runs: (desc, make_kwargs). For each: float64 leaf x0 (3, 2) and CHAIN_STEPS leaf gradients
    g_k, all requiring grad. Each step k: p = (previous p).clone(), p.grad = g_k, a new
    opt = cls([p], differentiable=True, **kwargs) whose state for p is a clone of the previous
    step's state (none at first), opt.step(). Then
    loss = sum(p * w) + sum over the state's tensors other than step of sum(v * w), backward.

    A case records the inputs ("x0", "grads", "w", the kwargs with tensor values as numbers and
    their names in "tensor_kwargs", all float64 tensors that require grad), the outputs after the
    last step ("param", "state" without step, "loss") and the gradients of the loss: "grad_x0",
    "grad_grads" and "grad_kwargs" {name: number or null when no gradient reached it} for the tensor kwargs
    that require grad."""
    cases = []
    for desc, make_kwargs in runs:
        torch.manual_seed(1)
        x0 = torch.randn(3, 2, dtype=torch.float64).requires_grad_(True)
        grads = [torch.randn(3, 2, dtype=torch.float64).requires_grad_(True) for _ in range(CHAIN_STEPS)]
        w = torch.randn(3, 2, dtype=torch.float64)
        kwargs = make_kwargs()
        kwargs_json, tensor_names = C.encode_kwargs(kwargs)
        p, state = x0, {}
        for g in grads:
            # PyTorch's own differentiable test (_diff_fn in test_optim.py) steps a fresh
            # optimizer on a clone of the parameter with clones of the state, so that no step
            # overwrites a tensor an earlier step saved for backward; chained, step after step.
            p = p.clone()
            p.grad = g
            opt = cls([p], differentiable=True, **kwargs)
            opt.state[p].update({k: v.clone() for k, v in state.items()})
            opt.step()
            state = opt.state[p]
        loss = (p * w).sum()
        for k, v in state.items():
            if k != "step":
                loss = loss + (v * w).sum()
        loss.backward()
        cases.append({
            "desc": desc,
            "kwargs": kwargs_json,
            "tensor_kwargs": tensor_names,
            "x0": C.tensor_json_shaped(x0),
            "grads": [C.tensor_json_shaped(g) for g in grads],
            "w": C.tensor_json_shaped(w),
            "param": C.tensor_flat(p),
            "state": {k: C.encode_state_value(k, v) for k, v in state.items()},
            "loss": C.enc_float(loss.item()),
            "grad_x0": C.tensor_flat(x0.grad),
            "grad_grads": [C.tensor_flat(g.grad) for g in grads],
            "grad_kwargs": {name: (C.tensor_scalar(t.grad) if t.grad is not None else None)
                            for name, t in _tensor_leaves(kwargs)},
        })
    return L.chained_fixture(prefix, {**C.header(cls.__name__), "differentiable": cases})


# Steps of each recorded-gradient run by default: enough for RAdam's rectification to switch on
# (step 6 with the default betas), few enough for the graph through all steps to stay small.
RECORDED_GRADS_STEPS = 8


def _plain_grads(problem, params):
    """The loss gradient at the current params, as constants (no graph through them)."""
    detached = [p.detach().clone().requires_grad_(True) for p in params]
    loss = C.compute_loss(problem, detached)
    return list(torch.autograd.grad(loss, detached))


def _recorded_grads_case(cls, prefix, cfg, problem, n_steps, dtype_name="float64"):
    """differentiable=True on params that are non-leaf clones of leaves W, b, s; if the config
    has a tensor lr, it is a leaf requiring grad (in the params' dtype). Each step gets the
    loss gradient at the current params as a constant `.grad`. After the steps the objective
    sum(p * p) over all params is backpropagated through every step to the leaves and lr."""
    dtype = C.DTYPES[dtype_name]
    leaves = C.make_params(problem, dtype)
    params = [leaf.clone() for leaf in leaves]
    kwargs = copy.deepcopy(cfg.kwargs)
    lr = kwargs.get("lr")
    lr_leaf = None
    if isinstance(lr, torch.Tensor):
        lr_leaf = lr.detach().to(dtype).requires_grad_(True)
        kwargs["lr"] = lr_leaf
    opt = cls(params, **kwargs, differentiable=True)
    steps = []
    for _ in range(n_steps):
        grads = _plain_grads(problem, params)
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
        steps.append({"grads": [C.tensor_flat(g) for g in grads],
                      "params": [C.tensor_flat(p) for p in params]})
    objective = sum((p * p).sum() for p in params)
    kwargs_json, tensor_names = C.encode_kwargs(cfg.kwargs)
    case = {
        "id": f"{prefix}_differentiable/{L.slug(cfg.desc)}/{n_steps}_steps/{dtype_name}",
        "desc": cfg.desc,
        "kwargs": kwargs_json,
        "tensor_kwargs": tensor_names,
        "dtype": dtype_name,
        "lr_requires_grad": lr_leaf is not None,
        "steps": steps,
        "objective": C.enc_float(objective.item()),
    }
    try:
        objective.backward()
    except RuntimeError as e:  # PyTorch's own graph can be unusable (e.g. a saved state tensor updated in place)
        case["backward_error"] = str(e)
        return case
    case["leaf_grads"] = [C.tensor_flat(leaf.grad) if leaf.grad is not None else None for leaf in leaves]
    case["lr_grad"] = None if lr_leaf is None or lr_leaf.grad is None else C.tensor_scalar(lr_leaf.grad)
    return case


def record_recorded_grads(cls, prefix, runs, problem):
    """runs: (config, number of steps) pairs, on the algorithm's problem."""
    return L.recorded_grads_fixture({
        **C.header(cls.__name__),
        "problem": C.problem_json(problem),
        "param_names": C.param_names(problem),
        "cases": [_recorded_grads_case(cls, prefix, cfg, problem, n) for cfg, n in runs],
    })


@dataclass
class Differentiable:
    """An algorithm's differentiable runs: the procedure (fixture_layout.PROCEDURES) and its runs,
    (kwargs, steps) for x_g_feedback, (desc, make_kwargs) for pytorch_diff_fn_chain,
    (config, steps) for recorded_grads."""
    procedure: str
    runs: list

    def record(self, cls, prefix, problem):
        if self.procedure == "x_g_feedback":
            return record_x_g_feedback(cls, prefix, self.runs)
        if self.procedure == "pytorch_diff_fn_chain":
            return record_diff_fn_chain(cls, prefix, self.runs)
        if self.procedure == "recorded_grads":
            return record_recorded_grads(cls, prefix, self.runs, problem)
        raise ValueError(f"unknown procedure {self.procedure}")


# ---------------------------------------------------------------------------
# Defaults, repr and loading older state dicts (recorded as "ok" error records)
# ---------------------------------------------------------------------------
GROUP_OPTIONS = "{k: v for k, v in opt.param_groups[0].items() if k != 'params'}"


def defaults_cases(cls, dropped_keys):
    """Error-fixture snippets ("ok" cases with a result): the group a bare cls([p]) builds and its
    repr, and what load_state_dict makes of a state dict (saved by cls itself) whose groups lack
    `dropped_keys` (older PyTorch versions): the loaded group's options, with the dropped keys
    recorded beside them."""
    name = cls.__name__
    o = f"torch.optim.{name}"
    return [
        (f"{name.lower()}_default_group", f"opt = {o}([p])\nresult = {GROUP_OPTIONS}"),
        (f"{name.lower()}_repr", f"opt = {o}([p])\nresult = repr(opt)"),
        (f"{name.lower()}_load_old_state_dict",
         f"old = {o}([p])\n"
         "p.grad = torch.ones_like(p)\n"
         "old.step()\n"
         "sd = old.state_dict()\n"
         f"for k in {list(dropped_keys)!r}:\n"
         "    del sd['param_groups'][0][k]\n"
         f"opt = {o}([p])\n"
         "opt.load_state_dict(sd)\n"
         f"result = {GROUP_OPTIONS}",
         name, {"dropped_keys": list(dropped_keys)}),
    ]


# ---------------------------------------------------------------------------
# One algorithm
# ---------------------------------------------------------------------------
@dataclass
class Algorithm:
    """Everything one algorithm's script configures. Fields after `configs` have defaults."""
    cls: type                     # torch.optim.<...>
    prefix: str                   # fixture file prefix and case-id prefix
    configs: list                 # PyTorch's grid (imported, not transcribed) + our Extra configs
    impls: tuple = ("forloop",)   # ("forloop", "fused") where PyTorch has a fused CPU kernel
    state_dict_descs: tuple = ()  # configs (by desc) whose mid-run state dicts are recorded
    # dtypes whose reload continues bit-identically (record_state_dict_cases' exact_continuation)
    exact_continuation_dtypes: tuple = ("float64", "float32")
    # (name, code[, scope[, extra]]) snippets; scope: the class name; extra: fields added to the record
    errors: list = field(default_factory=list)
    error_grid: list = None       # PyTorch's optim_error_inputs_func_*: each entry needs a snippet
    errors_file: str = None       # default <prefix>_errors.json
    differentiable: Differentiable = None
    problem: object = None        # the standard problem (common.make_problem()) unless given
    extra_descs: list = None      # written as "extra_descs" in the trajectories when given
    # fn(problem, trajectories) -> {key: value} added to the state-dict fixture (SGD's named groups)
    state_dict_extras: Callable = None
    # fns(problem) -> (file name, object): further files (.sofx, .json or .json.gz by the name)
    extra_files: list = field(default_factory=list)


def write(name, obj):
    """A fixture file, in the format its name says; returns its size in bytes."""
    path = f"{FIXTURES}/{name}"
    if name.endswith(".sofx"):
        return FF.write(path, obj)
    if name.endswith(".json.gz"):
        return C.write_json_gz(path, obj)
    C.write_json(path, obj)
    return len(json.dumps(obj))


def record(alg):
    """Records and writes every fixture of `alg` (see the module docstring)."""
    problem = alg.problem if alg.problem is not None else C.make_problem()
    name = alg.cls.__name__
    descs = [c.desc for c in alg.configs]
    assert len(set(L.slug(d) for d in descs)) == len(descs), f"duplicate config ids in {descs}"

    cases, skipped = record_grid(alg.cls, alg.prefix, alg.configs, alg.impls, problem)
    traj = {**C.header(name), "steps": C.N_STEPS, "problem": C.problem_json(problem),
            "param_names": C.param_names(problem)}
    if alg.extra_descs is not None:
        traj["extra_descs"] = list(alg.extra_descs)
    traj.update(cases=cases, skipped=skipped)
    report_motion(cases)

    by_desc = {c.desc: c for c in alg.configs}
    sd_cases = []
    for desc in alg.state_dict_descs:  # config, then dtype
        for dt in ("float64", "float32"):
            sd_cases += record_state_dict_cases(alg.cls, alg.prefix, by_desc, (desc,), traj, problem, dtypes=(dt,),
                                                exact_continuation=dt in alg.exact_continuation_dtypes)
    sds = {**C.header(name), "problem": C.problem_json(problem), "param_names": C.param_names(problem), "cases": sd_cases}
    if alg.state_dict_extras is not None:
        sds.update(alg.state_dict_extras(problem, traj))
    L.refer_continuations(sds, traj)  # needs the full trajectory records: before thinning
    L.thin_trajectories(traj)
    n = write(f"{alg.prefix}_trajectories.sofx", traj)
    print(f"{alg.prefix}_trajectories: {len(cases)} cases, {len(skipped)} skipped, {n} bytes")
    for s in skipped:
        print(f"  skipped {s}")
    n = write(f"{alg.prefix}_state_dict.sofx", sds)
    print(f"{alg.prefix}_state_dict: {len(sd_cases)} cases, {n} bytes")

    if alg.errors:
        recs = [C.run_error_case(e[0], e[1], {"scope": e[2] if len(e) > 2 else name, **(e[3] if len(e) > 3 else {})})
                for e in alg.errors]
        if alg.error_grid is not None:
            check_against_pytorch_error_grid(alg.cls, alg.error_grid, recs)
        merged = C.write_error_fixture(f"{FIXTURES}/{alg.errors_file or alg.prefix + '_errors.json'}", recs)
        kinds = {}
        for r in merged:
            kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
        print(f"{alg.errors_file or alg.prefix + '_errors.json'}: {len(merged)} cases {kinds}")

    if alg.differentiable is not None:
        diff = alg.differentiable.record(alg.cls, alg.prefix, problem)
        n = write(f"{alg.prefix}_differentiable.sofx", diff)
        print(f"{alg.prefix}_differentiable ({alg.differentiable.procedure}): {len(diff['cases'])} cases, {n} bytes")

    for make in alg.extra_files:
        file_name, obj = make(problem)
        n = write(file_name, obj)
        print(f"{file_name}: {n} bytes")


def report_motion(cases):
    """How far each case's params moved in its steps, and whether configs end identical, so a
    grid whose configs all coincide on this problem would be noticed (printed only)."""
    finals = {}
    for c in cases:
        if c["impl"] != "forloop" or c["dtype"] != "float64":
            continue
        first, last = c["steps"][0]["params"], c["steps"][-1]["params"]
        moved = max((abs(a - b) for pf, pl in zip(first, last) for a, b in zip(pf, pl)
                     if not isinstance(a, str) and not isinstance(b, str)), default=0.0)
        finals[c["desc"]] = [v for pl in last for v in pl]
        print(f"  {c['desc']!r}: params moved up to {moved:.3g}")
    descs = list(finals)
    for i, a in enumerate(descs):
        for b in descs[i + 1:]:
            if finals[a] == finals[b]:
                print(f"  WARNING: {a!r} and {b!r} end identical")
