"""Records one torch.optim algorithm's whole fixture set, for scripts such as nadam.py.

A script describes its algorithm (class, fixture prefix, PyTorch's own CPU option grid, a few
configs of ours beyond that grid, the state-dict configs, the error snippets and the
differentiable configs) and calls `record_algorithm`. This writes, under
tests/SharpOptim.Tests/Fixtures/:

    <prefix>_trajectories.json.gz     common.record_grid over PyTorch's grid + our extra configs
    <prefix>_state_dict.json.gz       common.record_state_dict_cases
    <prefix>_errors.json              common.run_error_case records (scope = the class name)
    <prefix>_differentiable.json.gz   differentiable=True runs and the gradients through them

Trajectories, state dicts and error records have the layouts of tools/golden/README.md (an
error fixture may hold "ok" cases whose `result` is a repr string or a list of tensors/states).
A state-dict case may carry "exact_continuation": false (see common.record_state_dict_cases).

The differentiable fixture (ours):

    {header..., "problem": {...}, "param_names": ["W", "b", "s"],
     "cases": [{"id": "<prefix>_differentiable/<slug(desc)>/<n>_steps/float64", "desc", "kwargs",
                "tensor_kwargs", "dtype", "lr_requires_grad": bool,
                "steps": [{"grads": [W, b, s flat], "params": [after the step]}, ... n entries],
                "objective": sum over params of (p * p).sum() after the last step,
                "leaf_grads": [d objective / d W0, b0, s0] and "lr_grad": number or null
                | "backward_error": PyTorch's message when its backward raised}]}

Procedure (record_differentiable_case): leaves = the problem's W, b, s in float64 with
requires_grad; params = [leaf.clone()]; a tensor lr in the config becomes a float64 leaf
requiring grad; optimizer(params, **kwargs, differentiable=True); each step sets p.grad to the
loss gradient at the current params (computed on detached copies, so a constant) and steps;
then objective.backward().
"""

import copy

import torch
from torch.testing._internal.common_optimizers import OptimizerInput

import common as C

FIXTURES = "tests/SharpOptim.Tests/Fixtures"

# Steps of each differentiable run: enough for RAdam's rectification to switch on (step 6 with
# the default betas), few enough for the graph through all steps to stay small.
DIFFERENTIABLE_STEPS = 8


def extra(desc, **kwargs):
    """A config of ours, beyond PyTorch's CPU grid (same type as the grid's entries)."""
    return OptimizerInput(params=None, kwargs=kwargs, desc=desc)


def shared_error_cases(prefix, name):
    """The (name, code) snippets every algorithm here shares: its lr and weight_decay checks, its
    repr (an "ok" case whose `result` is the string), and its step-time refusals (sparse
    gradients; foreach with differentiable)."""
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


def _check_against_pytorch_error_grid(cls, error_grid, recs):
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


# ---------------------------------------------------------------------------
# Differentiable runs
# ---------------------------------------------------------------------------
def _plain_grads(problem, params):
    """The loss gradient at the current params, as constants (no graph through them)."""
    detached = [p.detach().clone().requires_grad_(True) for p in params]
    loss = C.compute_loss(problem, detached)
    return list(torch.autograd.grad(loss, detached))


def record_differentiable_case(cls, prefix, cfg, problem, dtype_name="float64",
                               n_steps=DIFFERENTIABLE_STEPS):
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
        "id": f"{prefix}_differentiable/{C.slug(cfg.desc)}/{n_steps}_steps/{dtype_name}",
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


# ---------------------------------------------------------------------------
def record_algorithm(cls, prefix, grid, extras, state_dict_descs, error_cases, error_grid,
                     differentiable_configs, exact_continuation_dtypes=("float64", "float32")):
    """Records and writes the four fixtures of one algorithm (see the module docstring).

    grid: PyTorch's optim_inputs_func_<name>(device="cpu") list; extras: our configs beyond it.
    differentiable_configs: (config, number of steps) pairs for record_differentiable_case.
    error_cases: (name, code) snippets; error_grid: PyTorch's optim_error_inputs_func_<name>, each
    of whose algorithm-specific entries must be matched by a snippet.
    exact_continuation_dtypes: the dtypes whose state-dict reload continues bit-identically (see
    common.record_state_dict_cases); the others are recorded with exact_continuation=False."""
    problem = C.make_problem()
    name = cls.__name__
    configs = list(grid) + list(extras)
    descs = [c.desc for c in configs]
    assert len(set(C.slug(d) for d in descs)) == len(descs), f"duplicate config ids in {descs}"

    cases, skipped = C.record_grid(cls, prefix, configs, dtypes=("float32", "float64"), impls=("forloop",))
    traj = {
        **C.header(name),
        "steps": C.N_STEPS,
        "problem": C.problem_json(problem),
        "param_names": list(C.PARAM_NAMES),
        "extra_descs": [c.desc for c in extras],
        "cases": cases,
        "skipped": skipped,
    }
    C.write_json_gz(f"{FIXTURES}/{prefix}_trajectories.json.gz", traj)

    by_desc = {c.desc: c for c in configs}
    sd_cases = []
    for desc in state_dict_descs:  # common's order: config, then dtype
        for dt in ("float64", "float32"):
            sd_cases += C.record_state_dict_cases(cls, prefix, by_desc, (desc,), traj, problem, dtypes=(dt,),
                                                  exact_continuation=dt in exact_continuation_dtypes)
    sds = {
        **C.header(name),
        "problem": C.problem_json(problem),
        "param_names": list(C.PARAM_NAMES),
        "cases": sd_cases,
    }
    C.write_json_gz(f"{FIXTURES}/{prefix}_state_dict.json.gz", sds)

    recs = [C.run_error_case(n, code, {"scope": name}) for n, code in error_cases]
    _check_against_pytorch_error_grid(cls, error_grid, recs)
    C.write_json(f"{FIXTURES}/{prefix}_errors.json", recs)

    diff = {
        **C.header(name),
        "problem": C.problem_json(problem),
        "param_names": list(C.PARAM_NAMES),
        "cases": [record_differentiable_case(cls, prefix, cfg, problem, n_steps=n)
                  for cfg, n in differentiable_configs],
    }
    C.write_json_gz(f"{FIXTURES}/{prefix}_differentiable.json.gz", diff)

    kinds = {}
    for r in recs:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"{prefix}: {len(cases)} trajectories ({len(extras)} extra configs), {len(skipped)} skipped; "
          f"{len(sd_cases)} state-dict cases; {len(recs)} error cases {kinds}; "
          f"{len(diff['cases'])} differentiable cases")
