"""Record torch.optim.LBFGS behaviour into fixtures (every closure evaluation; written by recorder.write).

From the repository root:
    tools/oracle/python tools/golden/lbfgs.py

Writes
    tests/SharpOptim.Tests/Fixtures/lbfgs_trajectories.sofx
    tests/SharpOptim.Tests/Fixtures/lbfgs_state_dict.sofx
    tests/SharpOptim.Tests/Fixtures/lbfgs_errors.json

LBFGS calls its closure many times inside one step (up to max_eval times), so a step cannot be
replayed from one recorded gradient. Every closure evaluation is recorded instead, in call
order (the params it saw, the loss it returned and the gradients it left), so the C# tests can
either replay PyTorch's evaluations one by one (checking the optimizer alone) or evaluate the
objective with their own autograd (checking the whole loop).

Layout (numbers, tensors and kwargs encoded as in tools/golden/README.md):

lbfgs_trajectories.sofx
    {header..., "steps": 20,
     "problems": {"tanh": {X, Y, W, b, s, "param_names"}, "rosenbrock": {"x0", "param_names"}},
     "cases": [{"id": "lbfgs/<problem>/<slug(desc)>/<dtype>", "problem", "desc", "kwargs",
                "tensor_kwargs", "dtype",
                "history": {"old_dirs": [...], "old_stps": [...], "ro": [...]},  # every entry ever appended
                "steps": [{"loss": <what step() returned>, "params": [...], "state": [{...}, {}, {}],
                           "evaluations": [{"params", "loss", "grads"}, ...]}],  # every closure call
                "self_error": [per step]}]}
    A maximize case's closure returns the negated objective. In "state", old_dirs/old_stps/ro
    are {"history": [start, end]}: that slice of the case's "history" (see HistoryTable); every
    other entry is as common.encode_state_value writes it (t and H_diag keep PyTorch's kind: an
    int, a float, or a one-element list for a 0-d tensor). "self_error" is explained below.

lbfgs_state_dict.sofx (Rosenbrock)
    {header..., "problem": "rosenbrock",
     "cases": [{"id": "lbfgs_state_dict/rosenbrock/<slug>/<dtype>", ..., "steps_before_save": 10,
                "trajectory_id", "params_at_save", "state_dict",
                ["state_dict_after_load"],  # only where loading changes the dict (dtype casts)
                "state_dict_after_continuation"}]}
    The continuation is steps 11..20 of trajectory_id (checked equal here).

lbfgs_errors.json: error records (common.run_error_case), scope "LBFGS".
"""

import copy
import math
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import common as C  # noqa: E402
import recorder as R  # noqa: E402
from recorder import FIXTURES  # noqa: E402
LBFGS = torch.optim.LBFGS
N_STEPS = 20
STEPS_BEFORE_SAVE = 10
# PyTorch's own Rosenbrock tests (test_optim.py) start from (1.5, 1.5).
ROSENBROCK_X0 = [1.5, 1.5]


def lbfgs_configs():
    # PyTorch's own grid; it does not depend on the dtype.
    from torch.testing._internal.common_optimizers import optim_inputs_func_lbfgs

    return optim_inputs_func_lbfgs(device="cpu", dtype=torch.float32)


# ---------------------------------------------------------------------------
# Problems: fresh params for a dtype, and the objective to minimise
# ---------------------------------------------------------------------------
class TanhProblem:
    """common.py's regression, loss = mean((tanh(X W^T + b) s - Y)^2); params W, b, s."""

    name = "tanh"
    param_names = list(C.PARAM_NAMES)

    def __init__(self):
        self.values = C.make_problem()

    def json(self):
        return C.problem_json(self.values)

    def make_params(self, dtype):
        return C.make_params(self.values, dtype)

    def objective(self, params):
        return C.compute_loss(self.values, params)


class RosenbrockProblem:
    """f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 on one 2-element param, written as PyTorch's tests write it."""

    name = "rosenbrock"
    param_names = ["xy"]

    def json(self):
        return {"x0": {"shape": [2], "data": [C.enc_float(v) for v in ROSENBROCK_X0]}}

    def make_params(self, dtype):
        return [torch.tensor(ROSENBROCK_X0, dtype=torch.float64).to(dtype).requires_grad_(True)]

    def objective(self, params):
        x, y = params[0]
        return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


# ---------------------------------------------------------------------------
# Running steps with a recording closure
# ---------------------------------------------------------------------------
HISTORY_KEYS = ("old_dirs", "old_stps", "ro")


class HistoryTable:
    """Every entry ever appended to one run's history lists (old_dirs, old_stps, ro), in order.

    LBFGS appends one entry per list per curvature update and drops the oldest, never changing
    an entry in place, so after each step each list is a window [start, end) of that sequence.
    Step records hold the window instead of repeating up to history_size vectors every step
    (that would be ~90% of the fixture). `check()` re-encodes every entry at the end to prove
    that none changed after it was recorded."""

    def __init__(self):
        self.entries = {k: [] for k in HISTORY_KEYS}  # the tensors themselves (kept alive: ids stay unique)
        self.encoded = {k: [] for k in HISTORY_KEYS}

    def window(self, key, tensors):
        seq = self.entries[key]
        ids = [next((i for i, e in enumerate(seq) if e is t), None) for t in tensors]
        for j, t in enumerate(tensors):
            if ids[j] is None:
                seq.append(t)
                self.encoded[key].append(C.encode_state_value(None, t))
                ids[j] = len(seq) - 1
        start = ids[0] if ids else len(seq)
        assert ids == list(range(start, start + len(ids))), f"{key} is not a window of its history"
        return {"history": [start, start + len(ids)]}

    def check(self):
        for key in HISTORY_KEYS:
            assert [C.encode_state_value(None, t) for t in self.entries[key]] == self.encoded[key], f"{key} changed"

    def json(self):
        self.check()
        return self.encoded


def state_record(opt, p, history):
    rec = C.param_state_record(opt, p)
    if history is not None:
        for key in HISTORY_KEYS:
            if isinstance(opt.state.get(p, {}).get(key), list):
                rec[key] = history.window(key, opt.state[p][key])
    return rec


def run_steps(opt, problem, params, maximize, n_steps, history=None):
    """n_steps of opt.step(closure). The closure returns the objective, negated for a maximize
    config (so maximizing it is the same well-posed problem). One record per step: the loss
    step() returned, params and state after the step (history lists as windows of `history`
    when given), and every closure evaluation in order."""
    records = []
    for _ in range(n_steps):
        evaluations = []

        def closure():
            opt.zero_grad()
            f = problem.objective(params)
            loss = -f if maximize else f
            loss.backward()
            evaluations.append({
                "params": [C.tensor_flat(p) for p in params],
                "loss": C.enc_float(loss.item()),
                "grads": [C.tensor_flat(p.grad) for p in params],
            })
            return loss

        loss = opt.step(closure)
        records.append({
            "loss": C.enc_float(loss.item()),
            "params": [C.tensor_flat(p) for p in params],
            "state": [state_record(opt, p, history) for p in params],
            "evaluations": evaluations,
        })
    return records


def run_case(problem, cfg, dt, n_steps, history=None):
    params = problem.make_params(C.DTYPES[dt])
    opt = LBFGS(params, **copy.deepcopy(cfg.kwargs))
    return run_steps(opt, problem, params, cfg.kwargs.get("maximize", False), n_steps, history), opt, params


def case_head(problem, cfg, dt, kind):
    kwargs_json, tensor_names = C.encode_kwargs(cfg.kwargs)
    return {
        "id": f"{kind}/{problem.name}/{C.slug(cfg.desc)}/{dt}",
        "problem": problem.name,
        "desc": cfg.desc,
        "kwargs": kwargs_json,
        "tensor_kwargs": tensor_names,
        "dtype": dt,
    }


def record_trajectories(problems):
    cases = []
    for problem in problems:
        for cfg in lbfgs_configs():
            for dt in ("float32", "float64"):
                history = HistoryTable()
                steps, _, _ = run_case(problem, cfg, dt, N_STEPS, history)
                case = {**case_head(problem, cfg, dt, "lbfgs"), "history": history.json(), "steps": steps}
                case["self_error"] = self_errors(problem, cfg, case)
                cases.append(case)
    return {
        **C.header("LBFGS"),
        "steps": N_STEPS,
        "problems": {p.name: {**p.json(), "param_names": p.param_names} for p in problems},
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# How far PyTorch reproduces itself
# ---------------------------------------------------------------------------
# LBFGS amplifies rounding: its direction comes from dot products of nearly dependent curvature
# pairs, so a last-bit difference in one dot product can move a float32 trajectory by 1e-3 or
# more. To tell the tests how much of a case is reproducible at all, PyTorch's LBFGS replays its
# own recorded evaluations once more for each of the ways another implementation legitimately
# rounds differently: its dot products summed exactly (math.fsum; PyTorch's BLAS sums in its own
# order), its x.add_(y, alpha=a) rounded twice as x + round(a*y) (PyTorch's CPU kernel contracts
# it into a fused multiply-add), and both. The worst relative difference from its own recording
# over the three is recorded per step as "self_error".
def relative_error(actual, expected):
    """Worst element error relative to the expected magnitude, floored at 1e-3 of the largest
    expected magnitude (the C# tests' Tolerance.RelativeError)."""
    a = torch.tensor([float(x) for x in actual], dtype=torch.float64)
    e = torch.tensor([float(x) for x in expected], dtype=torch.float64)
    if e.numel() == 0:
        return 0.0
    floor = max(e.abs().max().item() * 1e-3, 1e-30)
    same = (a == e) | (a.isnan() & e.isnan())
    err = ((a - e).abs() / e.abs().clamp_min(floor)).nan_to_num(nan=math.inf)
    return err.masked_fill(same, 0.0).max().item()


def state_error(state, record, history):
    """Worst relative error of a live LBFGS state against its step record (history windows resolved)."""
    worst = 0.0
    for key, expected in record.items():
        actual = state.get(key)
        if isinstance(expected, dict):
            start, end = expected["history"]
            expected = history[key][start:end]
        if key in ("al", "ro"):  # lists of 0-d tensors, compared as one vector as the tests do
            pairs = [(a.item(), e[0]) for a, e in zip(actual, expected, strict=True) if e is not None]
            worst = max(worst, relative_error([a for a, _ in pairs], [e for _, e in pairs]))
        elif isinstance(expected, list) and expected and isinstance(expected[0], list):
            for a, e in zip(actual, expected, strict=True):
                worst = max(worst, relative_error(C.tensor_flat(a), e))
        elif isinstance(expected, list):
            worst = max(worst, relative_error(C.tensor_flat(actual), expected))
        elif isinstance(expected, float):
            worst = max(worst, relative_error([actual], [expected]))
    return worst


_blas_dot = torch.Tensor.dot
_fused_add_ = torch.Tensor.add_


def exactly_summed_dot(a, b):
    return torch.tensor(math.fsum((a.double() * b.double()).tolist()), dtype=a.dtype)


def unfused_add_(self, other, *, alpha=1):
    if isinstance(alpha, torch.Tensor) or alpha != 1:
        return _fused_add_(self, other.mul(alpha))
    return _fused_add_(self, other)


PERTURBATIONS = [(exactly_summed_dot, _fused_add_), (_blas_dot, unfused_add_), (exactly_summed_dot, unfused_add_)]


def perturbed_replay_errors(opt, params, steps, history, dot, add_):
    """Per step of `steps` (records with "evaluations"), the worst relative difference (params,
    evaluation points, state) between PyTorch's recording and `opt` (fresh, or loaded as at the
    recording's start) replaying the recorded evaluations with `dot` and `add_` in place of
    PyTorch's own; inf from the step where the replay needs a different number of evaluations."""
    dtype = params[0].dtype
    flat = lambda: [v for p in params for v in C.tensor_flat(p)]  # noqa: E731
    torch.Tensor.dot, torch.Tensor.add_ = dot, add_
    errors = []
    try:
        for step in steps:
            evaluations = iter(step["evaluations"])
            worst = [0.0]

            def closure():
                record = next(evaluations)
                worst[0] = max(worst[0], relative_error(flat(), [v for p in record["params"] for v in p]))
                for p, g in zip(params, record["grads"]):
                    p.grad = torch.tensor([float(x) for x in g], dtype=dtype).reshape(p.shape)
                return torch.tensor(float(record["loss"]), dtype=dtype)

            opt.step(closure)
            if next(evaluations, None) is not None:
                break
            worst[0] = max(worst[0], relative_error(flat(), [v for p in step["params"] for v in p]),
                           state_error(opt.state[params[0]], step["state"][0], history))
            errors.append(worst[0])
    except StopIteration:  # more evaluations than PyTorch made the first time
        pass
    finally:
        torch.Tensor.dot, torch.Tensor.add_ = _blas_dot, _fused_add_
    return errors + [math.inf] * (len(steps) - len(errors))


def self_errors_of(make_optimizer, steps, history=None):
    """"self_error" per step of `steps`: the worst over PERTURBATIONS, each replayed by a fresh
    (opt, params) = make_optimizer()."""
    runs = [perturbed_replay_errors(*make_optimizer(), steps, history, dot, add_) for dot, add_ in PERTURBATIONS]
    return [C.enc_float(max(step)) for step in zip(*runs)]


def self_errors(problem, cfg, case):
    def make_optimizer():
        params = problem.make_params(C.DTYPES[case["dtype"]])
        return LBFGS(params, **copy.deepcopy(cfg.kwargs)), params
    return self_errors_of(make_optimizer, case["steps"], case["history"])


# ---------------------------------------------------------------------------
# State dicts mid-run
# ---------------------------------------------------------------------------
def record_state_dicts(problem):
    """After STEPS_BEFORE_SAVE steps: state_dict(), loaded into a fresh LBFGS on cloned params,
    then STEPS_BEFORE_SAVE more steps. Checks that these equal carrying on and steps
    STEPS_BEFORE_SAVE+1.. of the recorded trajectory `trajectory_id`, so the continuation is not
    repeated here. Loading casts every state tensor to the param dtype; where that changes the
    dict (the float32 `t` of "Tensor lr" in float64: `t` is the lr tensor itself) the loaded
    optimizer's state_dict() is recorded as `state_dict_after_load`."""
    configs = {c.desc: c for c in lbfgs_configs()}
    cases = []
    # t is a Python int (default: lr = 1), a float (non-default lr) or a tensor (Tensor lr).
    for desc in ("default", "non-default lr", "Tensor lr", "strong_wolfe"):
        cfg = configs[desc]
        maximize = cfg.kwargs.get("maximize", False)
        for dt in ("float64", "float32"):
            straight, _, _ = run_case(problem, cfg, dt, 2 * STEPS_BEFORE_SAVE)
            first, opt, params = run_case(problem, cfg, dt, STEPS_BEFORE_SAVE)
            sd = opt.state_dict()
            sd_json = C.encode_state_dict(sd)

            new_params = [p.detach().clone().requires_grad_(True) for p in params]
            opt2 = LBFGS(new_params, **copy.deepcopy(cfg.kwargs))
            opt2.load_state_dict(copy.deepcopy(sd))
            loaded_json = C.encode_state_dict(opt2.state_dict())
            cont = run_steps(opt2, problem, new_params, maximize, STEPS_BEFORE_SAVE)
            carry_on = run_steps(opt, problem, params, maximize, STEPS_BEFORE_SAVE)
            assert C.dumps(carry_on) == C.dumps(cont), f"{desc}/{dt}: reload differs"
            assert C.dumps(straight) == C.dumps(first + cont), f"{desc}/{dt}: differs from the trajectory"

            case = {
                **case_head(problem, cfg, dt, "lbfgs_state_dict"),
                "steps_before_save": STEPS_BEFORE_SAVE,
                "trajectory_id": case_head(problem, cfg, dt, "lbfgs")["id"],
                "params_at_save": first[-1]["params"],
                "state_dict": sd_json,
            }
            if loaded_json != sd_json:
                case["state_dict_after_load"] = loaded_json
            case["state_dict_after_continuation"] = C.encode_state_dict(opt2.state_dict())
            cases.append(case)
    return {
        **C.header("LBFGS"),
        "problem": problem.name,
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# Errors and edge cases
# ---------------------------------------------------------------------------
# A closure over p (1x1) with a smooth loss, for the cases that need a step.
CLOSURE = (
    "def closure():\n"
    "    opt.zero_grad()\n"
    "    loss = ((p - 3) ** 2).sum() + (p ** 4).sum() * 0.1\n"
    "    loss.backward()\n"
    "    return loss\n"
)

ERROR_CASES = [
    ("lbfgs_negative_lr", "torch.optim.LBFGS([p], lr=-0.1)"),
    ("lbfgs_negative_tensor_lr", "torch.optim.LBFGS([p], lr=torch.tensor(-0.1))"),
    ("lbfgs_tensor_lr_not_1_element", "torch.optim.LBFGS([p], lr=torch.tensor([0.1, 0.1]))"),
    ("lbfgs_two_param_groups", 'torch.optim.LBFGS([{"params": [p]}, {"params": [p2]}])'),
    ("lbfgs_step_without_closure", "opt = torch.optim.LBFGS([p])\nopt.step()"),
    ("lbfgs_added_group_then_step",
     "opt = torch.optim.LBFGS([p])\n" + CLOSURE +
     'opt.add_param_group({"params": [p2]})\n'
     "opt.step(closure)"),
    ("lbfgs_unknown_line_search_fn",
     "opt = torch.optim.LBFGS([p], line_search_fn='backtracking')\n" + CLOSURE +
     "opt.step(closure)"),
    ("lbfgs_defaults",
     "opt = torch.optim.LBFGS([p])\n"
     "result = opt.state_dict()"),
    ("lbfgs_repr",
     "result = repr(torch.optim.LBFGS([p], lr=0.5, line_search_fn='strong_wolfe'))"),
    ("lbfgs_max_iter_from_max_eval",
     "opt = torch.optim.LBFGS([p], max_iter=7)\n"
     "result = opt.state_dict()"),
    ("lbfgs_empty_param_group_returns_closure_loss",
     'opt = torch.optim.LBFGS([{"params": []}])\n'
     "result = [opt.step(lambda: torch.tensor(2.5)), opt.state_dict()]"),
    ("lbfgs_already_optimal",
     "opt = torch.optim.LBFGS([p])\n"
     "def closure():\n"
     "    opt.zero_grad()\n"
     "    loss = (p * 0).sum()\n"
     "    loss.backward()\n"
     "    return loss\n"
     "result = [p.detach().clone(), opt.step(closure), p.detach(), opt.state_dict()]"),
    ("lbfgs_max_iter_zero",
     "opt = torch.optim.LBFGS([p], max_iter=0)\n" + CLOSURE +
     "result = [p.detach().clone(), opt.step(closure), p.detach(), opt.state_dict()]"),
    # max_eval=1 leaves the line search no evaluation: it returns t = 0 (a Python int).
    ("lbfgs_strong_wolfe_no_evaluations_left",
     "opt = torch.optim.LBFGS([p], max_eval=1, line_search_fn='strong_wolfe')\n" + CLOSURE +
     "result = [p.detach().clone(), opt.step(closure), p.detach(), opt.state_dict()]"),
    # A param without a gradient counts as zeros; a sparse gradient is densified.
    ("lbfgs_missing_and_sparse_grads",
     "q = torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))\n"
     "opt = torch.optim.LBFGS([p, q], max_iter=3)\n"
     "def closure():\n"
     "    opt.zero_grad()\n"
     "    q.grad = torch.sparse_coo_tensor(torch.tensor([[0, 1], [1, 0]]), torch.tensor([0.5, -1.0]), (2, 2),\n"
     "                                    check_invariants=True)\n"
     "    return torch.tensor(1.0)\n"
     "result = [p.detach().clone(), opt.step(closure), p.detach(), q.detach(), opt.state_dict()]"),
]


def record_errors():
    return [C.run_error_case(name, code, {"scope": "LBFGS"}) for name, code in ERROR_CASES]


# ---------------------------------------------------------------------------
def main():
    rosenbrock = RosenbrockProblem()
    traj = record_trajectories([TanhProblem(), rosenbrock])
    n = R.write("lbfgs_trajectories.sofx", traj)
    evals = sum(len(s["evaluations"]) for c in traj["cases"] for s in c["steps"])
    print(f"lbfgs_trajectories: {len(traj['cases'])} cases, {evals} closure evaluations, {n} bytes")
    for c in traj["cases"]:
        print(f"  {c['id']}: self_error {' '.join(f'{x:.0e}' if isinstance(x, float) else x for x in c['self_error'])}")

    sds = record_state_dicts(rosenbrock)
    n = R.write("lbfgs_state_dict.sofx", sds)
    print(f"lbfgs_state_dict: {len(sds['cases'])} cases, {n} bytes")

    errs = record_errors()
    C.write_error_fixture(f"{FIXTURES}/lbfgs_errors.json", errs)
    kinds = {}
    for r in errs:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"lbfgs_errors: {len(errs)} cases {kinds}")


if __name__ == "__main__":
    main()
