"""Record torch.optim.SGD behaviour into fixtures (through recorder.py).

From the repository root:
    tools/oracle/python tools/golden/sgd.py

Writes
    tests/SharpOptim.Tests/Fixtures/sgd_trajectories.sofx
    tests/SharpOptim.Tests/Fixtures/sgd_state_dict.sofx    (with "named_two_groups")
    tests/SharpOptim.Tests/Fixtures/optimizer_errors.json  (scopes "all_optimizers" and "SGD")
    tests/SharpOptim.Tests/Fixtures/sgd_differentiable.sofx (differentiable runs on the problem's recorded gradients)
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import common as C  # noqa: E402
import fixture_format as FF  # noqa: E402
import recorder as R  # noqa: E402

SGD = torch.optim.SGD


def sgd_configs():
    # PyTorch's own grid (CPU). Import it rather than transcribe it.
    from torch.testing._internal.common_optimizers import optim_inputs_func_sgd

    # dtype does not change the SGD grid; the tensor lr is a default-dtype
    # (float32) tensor in either case.
    return optim_inputs_func_sgd(device="cpu", dtype=torch.float32)


def named_two_groups(problem, trajectories):
    """Two param groups given as dicts with named params, 3 steps, and the state dict after."""
    W, b, s = C.make_params(problem, torch.float64)
    code = ('SGD([{"params": [("W", W), ("b", b)], "lr": 0.1}, '
            '{"params": [("s", s)], "momentum": 0.5}], lr=0.01, momentum=0.9)')
    opt = SGD([{"params": [("W", W), ("b", b)], "lr": 0.1},
               {"params": [("s", s)], "momentum": 0.5}], lr=0.01, momentum=0.9)
    steps = C.run_steps(opt, [W, b, s], problem, 3)
    return {"named_two_groups": {
        "python": code,
        "dtype": "float64",
        "steps_before_save": 3,
        "steps": steps,
        "state_dict": C.encode_state_dict(opt.state_dict()),
    }}


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


S = R.RECORDED_GRADS_STEPS
# Every option that changes the update; the first step's momentum buffer is a detached copy of the
# gradient in PyTorch's for-loop, so no gradient flows through it.
DIFFERENTIABLE = [
    (R.extra("default", lr=0.1), S),
    (R.extra("momentum, dampening, weight_decay", lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.1), S),
    (R.extra("nesterov, maximize", lr=0.1, momentum=0.9, nesterov=True, maximize=True), S),
    (R.extra("tensor lr, momentum", lr=torch.tensor(0.05), momentum=0.5), S),
]


ALGORITHM = R.Algorithm(
    SGD, "sgd", sgd_configs(), impls=("forloop", "fused"),
    state_dict_descs=("weight_decay w/ momentum", "nesterov"),
    errors=[(n, code, "all_optimizers") for n, code in BASE_ERROR_CASES] + SGD_ERROR_CASES,
    errors_file="optimizer_errors.json",
    state_dict_extras=named_two_groups,
    differentiable=R.Differentiable("recorded_grads", DIFFERENTIABLE),
)


def main():
    R.record(ALGORITHM)
    summarize()


def summarize():
    """Read the fixtures back and print a short summary."""
    import json

    fixtures = R.FIXTURES

    def nums(xs):
        return [x for x in xs if not isinstance(x, str)]

    t = FF.read(f"{fixtures}/sgd_trajectories.sofx")
    max_p = max(abs(v) for c in t["cases"] for st in c["steps"] for pl in st["params"] for v in nums(pl))
    nonfinite = sum(1 for c in t["cases"] for st in c["steps"] for pl in st["params"] + st["grads"]
                    for v in pl if isinstance(v, str))
    print(f"  trajectories: {len(t['cases'])} cases x {t['steps']} steps, skipped {len(t['skipped'])}, "
          f"max|param| {max_p:.6g}, non-finite values {nonfinite}")
    s = FF.read(f"{fixtures}/sgd_state_dict.sofx")
    print(f"  state_dict: {len(s['cases'])} cases ({', '.join(c['id'] for c in s['cases'])}) + named_two_groups")
    with open(f"{fixtures}/optimizer_errors.json", encoding="utf-8") as f:
        e = json.load(f)
    kinds = {}
    for r in e:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"  errors: {len(e)} entries {kinds}")


if __name__ == "__main__":
    main()
