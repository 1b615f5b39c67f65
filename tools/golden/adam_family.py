"""Helpers shared by the Adam-family scripts (adam.py, adamax.py): the option grid with the
configs CPU can run from PyTorch's other-device grids, one call that records and writes every
fixture of an optimizer, and the differentiable (autograd) checks.

See tools/golden/README.md for the fixture formats; the extras file is described in
record_differentiable below.
"""

import inspect
import json

import torch

import common as C

EXTRA_SUFFIX = " (capturable dropped on CPU)"


def extra_desc(desc):
    """The desc under which a config from another device's grid, recorded without
    `capturable` (which PyTorch refuses on CPU), appears in our fixtures."""
    return desc + EXTRA_SUFFIX


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
    EXTRA_SUFFIX). Configs that become duplicates are left out."""
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
            desc = extra_desc(c.desc) if "capturable" in c.kwargs else c.desc
            grid.append(OptimizerInput(params=None, kwargs=kwargs, desc=desc))
    return grid


def record_all(cls, prefix, configs, state_dict_descs, problem, fixtures, impls, errors, extras):
    """Records and writes <prefix>_trajectories.json.gz, <prefix>_state_dict.json.gz,
    <prefix>_errors.json and <prefix>_extras.json. A case's "flags" lists only the flags the
    optimizer takes (common.record_grid passes only those)."""
    cases, skipped = C.record_grid(cls, prefix, configs, dtypes=("float32", "float64"), impls=impls)
    traj = {
        **C.header(cls.__name__),
        "steps": C.N_STEPS,
        "problem": C.problem_json(problem),
        "param_names": list(C.PARAM_NAMES),
        "cases": cases,
        "skipped": skipped,
    }
    n = C.write_json_gz(f"{fixtures}/{prefix}_trajectories.json.gz", traj)
    print(f"{prefix}_trajectories: {len(cases)} cases, {len(skipped)} skipped, {n} bytes raw")
    for s in skipped:
        print(f"  skipped {s}")

    by_desc = {c.desc: c for c in configs}
    sd_cases = C.record_state_dict_cases(cls, prefix, by_desc, state_dict_descs, traj, problem)
    sds = {
        **C.header(cls.__name__),
        "problem": C.problem_json(problem),
        "param_names": list(C.PARAM_NAMES),
        "cases": sd_cases,
    }
    n = C.write_json_gz(f"{fixtures}/{prefix}_state_dict.json.gz", sds)
    print(f"{prefix}_state_dict: {len(sd_cases)} cases, {n} bytes raw")

    merged = C.write_error_fixture(f"{fixtures}/{prefix}_errors.json", errors)
    kinds = {}
    for r in merged:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"{prefix}_errors: {len(merged)} cases {kinds}")

    C.write_json(f"{fixtures}/{prefix}_extras.json", extras)
    print(f"{prefix}_extras: {len(extras['differentiable'])} differentiable cases")


# ---------------------------------------------------------------------------
# differentiable=True through autograd
# ---------------------------------------------------------------------------
DIFF_STEPS = 3


def _tensor_leaves(kwargs):
    """(name, tensor) for every tensor kwarg, betas as betas0/betas1."""
    out = []
    for k, v in kwargs.items():
        if isinstance(v, torch.Tensor):
            out.append((k, v))
        elif isinstance(v, tuple):
            out.extend((f"{k}{i}", e) for i, e in enumerate(v) if isinstance(e, torch.Tensor))
    return [(name, t) for name, t in out if t.requires_grad]


def record_differentiable(cls, configs):
    """For each (desc, make_kwargs): float64 leaf x0 (3, 2) and DIFF_STEPS leaf gradients g_k,
    all requiring grad. Each step k: p = (previous p).clone(), p.grad = g_k, a new
    opt = cls([p], differentiable=True, **kwargs) whose state for p is a clone of the previous
    step's state (none at first), opt.step(). Then
    loss = sum(p * w) + sum over the state's tensors other than step of sum(v * w), backward.

    A case records the inputs ("x0", "grads", "w", the kwargs with tensor values as numbers and
    their names in "tensor_kwargs", all float64 tensors that require grad), the outputs after the
    last step ("param", "state" without step, "loss") and the gradients of the loss: "grad_x0",
    "grad_grads" and "grad_kwargs" {name: number or null when no gradient reached it} for the tensor kwargs
    that require grad."""
    cases = []
    for desc, make_kwargs in configs:
        torch.manual_seed(1)
        x0 = torch.randn(3, 2, dtype=torch.float64).requires_grad_(True)
        grads = [torch.randn(3, 2, dtype=torch.float64).requires_grad_(True) for _ in range(DIFF_STEPS)]
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
    return cases


# ---------------------------------------------------------------------------
# Defaults, repr and loading older state dicts
# ---------------------------------------------------------------------------
def record_defaults(cls, dropped_keys):
    """The group a bare cls([p]) builds and its repr, and what load_state_dict makes of a
    state dict (saved by cls itself, then by `other` classes) whose groups lack `dropped_keys`
    (older PyTorch versions): each case records the loaded group's options and state."""
    name = cls.__name__
    o = f"torch.optim.{name}"
    group = "{k: v for k, v in opt.param_groups[0].items() if k != 'params'}"
    cases = [
        C.run_error_case(f"{name.lower()}_default_group", f"opt = {o}([p])\nresult = {group}", {"scope": name}),
        C.run_error_case(f"{name.lower()}_repr", f"opt = {o}([p])\nresult = repr(opt)", {"scope": name}),
        C.run_error_case(
            f"{name.lower()}_load_old_state_dict",
            f"old = {o}([p])\n"
            "p.grad = torch.ones_like(p)\n"
            "old.step()\n"
            "sd = old.state_dict()\n"
            f"for k in {list(dropped_keys)!r}:\n"
            "    del sd['param_groups'][0][k]\n"
            f"opt = {o}([p])\n"
            "opt.load_state_dict(sd)\n"
            f"result = {group}",
            {"scope": name, "dropped_keys": list(dropped_keys)}),
    ]
    return cases
