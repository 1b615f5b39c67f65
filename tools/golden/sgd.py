"""Record torch.optim.SGD behaviour into JSON fixtures.

From the repository root:
    ../shared/oracle/python tools/golden/sgd.py

Writes
    tests/SharpOptim.Tests/Fixtures/sgd_trajectories.json.gz
    tests/SharpOptim.Tests/Fixtures/sgd_state_dict.json.gz
    tests/SharpOptim.Tests/Fixtures/optimizer_errors.json
"""

import copy
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import common as C  # noqa: E402

FIXTURES = "tests/SharpOptim.Tests/Fixtures"
SGD = torch.optim.SGD


def sgd_configs():
    # PyTorch's own grid (CPU). Import it rather than transcribe it.
    from torch.testing._internal.common_optimizers import optim_inputs_func_sgd

    # dtype does not change the SGD grid; the tensor lr is a default-dtype
    # (float32) tensor in either case.
    return optim_inputs_func_sgd(device="cpu", dtype=torch.float32)


# ---------------------------------------------------------------------------
# Trajectories
# ---------------------------------------------------------------------------
def record_trajectories(problem):
    cases, skipped = C.record_grid(SGD, "sgd", sgd_configs(),
                                   dtypes=("float32", "float64"),
                                   impls=("forloop", "fused"))
    return {
        **C.header("SGD"),
        "steps": C.N_STEPS,
        "problem": C.problem_json(problem),
        "param_names": list(C.PARAM_NAMES),
        "cases": cases,
        "skipped": skipped,
    }


# ---------------------------------------------------------------------------
# State dicts
# ---------------------------------------------------------------------------
def record_state_dicts(problem, trajectories):
    configs = {c.desc: c for c in sgd_configs()}
    cases = C.record_state_dict_cases(SGD, "sgd", configs, ("weight_decay w/ momentum", "nesterov"),
                                      trajectories, problem)

    # Two param groups given as dicts with named params.
    W, b, s = C.make_params(problem, torch.float64)
    code = ('SGD([{"params": [("W", W), ("b", b)], "lr": 0.1}, '
            '{"params": [("s", s)], "momentum": 0.5}], lr=0.01, momentum=0.9)')
    opt = SGD([{"params": [("W", W), ("b", b)], "lr": 0.1},
               {"params": [("s", s)], "momentum": 0.5}], lr=0.01, momentum=0.9)
    steps = C.run_steps(opt, [W, b, s], problem, 3)
    named = {
        "python": code,
        "dtype": "float64",
        "steps_before_save": 3,
        "steps": steps,
        "state_dict": C.encode_state_dict(opt.state_dict()),
    }

    return {
        **C.header("SGD"),
        "problem": C.problem_json(problem),
        "param_names": list(C.PARAM_NAMES),
        "cases": cases,
        "named_two_groups": named,
    }


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
BASE_ERROR_CASES = [
    ("params_bare_tensor", "torch.optim.SGD(p)"),
    ("params_empty_list", "torch.optim.SGD([])"),
    ("params_duplicate_in_group", "torch.optim.SGD([p, p])"),
    ("params_in_two_groups", 'torch.optim.SGD([{"params": p}, {"params": p}])'),
    ("tensor_lr_not_1_element", "torch.optim.SGD([p], lr=torch.tensor([0.001, 0.001]))"),
    ("named_params_some_missing", 'torch.optim.SGD([("weight", p), p2])'),
    ("named_groups_mixed_with_names",
     'torch.optim.SGD([{"params": [p], "lr": 1e-2}, {"params": [("weight", p2)]}])'),
    ("named_groups_mixed_without_names",
     'torch.optim.SGD([{"params": [("weight", p)], "lr": 1e-2}, {"params": [p2]}])'),
    ("non_leaf_tensor", "torch.optim.SGD([p * 2])"),
    ("params_set_top_level", "torch.optim.SGD({p})"),
    ("params_set_in_group", 'torch.optim.SGD([{"params": {p}}])'),
    ("add_param_group_not_dict", "opt = torch.optim.SGD([p])\nopt.add_param_group([p2])"),
    ("add_param_group_missing_params_key", 'opt = torch.optim.SGD([p])\nopt.add_param_group({"lr": 0.1})'),
    ("non_tensor_param", "torch.optim.SGD([1.0])"),
    ("required_default_missing",
     "from torch.optim.optimizer import required\n"
     "\n"
     "class MyOptimizer(torch.optim.Optimizer):\n"
     "    def __init__(self, params, lr=required):\n"
     "        super().__init__(params, {\"lr\": lr})\n"
     "\n"
     "MyOptimizer([p])"),
    ("add_param_group_duplicate_param",
     'opt = torch.optim.SGD([p])\nopt.add_param_group({"params": [p]})'),
    ("load_state_dict_group_count",
     "opt = torch.optim.SGD([p])\n"
     'other = torch.optim.SGD([{"params": [p]}, {"params": [p2]}])\n'
     "opt.load_state_dict(other.state_dict())"),
    ("load_state_dict_group_size",
     "opt = torch.optim.SGD([p])\n"
     "other = torch.optim.SGD([p, p2])\n"
     "opt.load_state_dict(other.state_dict())"),
    ("step_pre_hook_bad_return",
     "opt = torch.optim.SGD([p])\n"
     "opt.register_step_pre_hook(lambda optimizer, args, kwargs: 5)\n"
     "p.grad = torch.ones_like(p)\n"
     "opt.step()"),
]

SPARSE_GRAD_SETUP = (
    "q = torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))\n"
    "q.grad = torch.sparse_coo_tensor(torch.tensor([[0, 1], [1, 0]]), torch.tensor([0.5, -1.0]), (2, 2),\n"
    "                                 check_invariants=True)\n"
)

SGD_ERROR_CASES = [
    ("sgd_negative_lr", "torch.optim.SGD([p], lr=-0.1)"),
    ("sgd_negative_tensor_lr", "torch.optim.SGD([p], lr=torch.tensor(-0.1))"),
    ("sgd_negative_momentum", "torch.optim.SGD([p], lr=1e-2, momentum=-0.5)"),
    ("sgd_negative_weight_decay", "torch.optim.SGD([p], weight_decay=-1)"),
    ("sgd_nesterov_without_momentum", "torch.optim.SGD([p], nesterov=True)"),
    ("sgd_nesterov_with_dampening", "torch.optim.SGD([p], momentum=0.9, dampening=0.5, nesterov=True)"),
    ("sgd_fused_and_foreach", "torch.optim.SGD([p], fused=True, foreach=True)"),
    ("sgd_fused_and_differentiable", "torch.optim.SGD([p], fused=True, differentiable=True)"),
    ("sgd_fused_sparse_grad",
     SPARSE_GRAD_SETUP +
     "opt = torch.optim.SGD([q], lr=0.1, fused=True)\n"
     "opt.step()"),
    ("sgd_sparse_grad",
     SPARSE_GRAD_SETUP +
     "opt = torch.optim.SGD([q], lr=0.1)\n"
     "opt.step()\n"
     "result = q.detach()"),
    ("sgd_sparse_grad_momentum",
     SPARSE_GRAD_SETUP +
     "opt = torch.optim.SGD([q], lr=0.1, momentum=0.9)\n"
     "opt.step()\n"
     "opt.step()\n"
     "result = [q.detach(), opt.state[q]['momentum_buffer']]"),
    ("sgd_sparse_grad_momentum_weight_decay",
     SPARSE_GRAD_SETUP +
     "opt = torch.optim.SGD([q], lr=0.1, momentum=0.9, weight_decay=0.1)\n"
     "opt.step()\n"
     "opt.step()\n"
     "result = [q.detach(), opt.state[q]['momentum_buffer']]"),
]


def record_errors():
    recs = []
    for name, code in BASE_ERROR_CASES:
        recs.append(C.run_error_case(name, code, {"scope": "all_optimizers"}))
    for name, code in SGD_ERROR_CASES:
        recs.append(C.run_error_case(name, code, {"scope": "SGD"}))
    return recs


# ---------------------------------------------------------------------------
def main():
    problem = C.make_problem()
    traj = record_trajectories(problem)
    n = C.write_json_gz(f"{FIXTURES}/sgd_trajectories.json.gz", traj)
    print(f"sgd_trajectories: {len(traj['cases'])} cases, {len(traj['skipped'])} skipped, {n} bytes raw")

    sds = record_state_dicts(problem, traj)
    n = C.write_json_gz(f"{FIXTURES}/sgd_state_dict.json.gz", sds)
    print(f"sgd_state_dict: {len(sds['cases'])} cases + named_two_groups, {n} bytes raw")

    errs = record_errors()
    merged = C.write_error_fixture(f"{FIXTURES}/optimizer_errors.json", errs)
    print(f"optimizer_errors: {len(errs)} cases recorded, {len(merged)} in the file")

    summarize()


def summarize():
    """Read the fixtures back (gzip + json) and print a short summary."""
    import json

    def nums(xs):
        return [x for x in xs if not isinstance(x, str)]

    t = C.read_json_gz(f"{FIXTURES}/sgd_trajectories.json.gz")
    max_p = max(abs(v) for c in t["cases"] for st in c["steps"] for pl in st["params"] for v in nums(pl))
    nonfinite = sum(1 for c in t["cases"] for st in c["steps"] for pl in st["params"] + st["grads"]
                    for v in pl if isinstance(v, str))
    print(f"  trajectories: {len(t['cases'])} cases x {t['steps']} steps, skipped {len(t['skipped'])}, "
          f"max|param| {max_p:.6g}, non-finite values {nonfinite}, "
          f"{os.path.getsize(FIXTURES + '/sgd_trajectories.json.gz')} bytes gz")
    s = C.read_json_gz(f"{FIXTURES}/sgd_state_dict.json.gz")
    print(f"  state_dict: {len(s['cases'])} cases ({', '.join(c['id'] for c in s['cases'])}) + named_two_groups, "
          f"{os.path.getsize(FIXTURES + '/sgd_state_dict.json.gz')} bytes gz")
    with open(f"{FIXTURES}/optimizer_errors.json", encoding="utf-8") as f:
        e = json.load(f)
    kinds = {}
    for r in e:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"  errors: {len(e)} entries {kinds}")


if __name__ == "__main__":
    main()
