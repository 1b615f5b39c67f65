"""Record torch.optim.swa_utils behaviour (AveragedModel, the averaging functions, SWALR,
update_bn) and the torch._foreach_* errors SharpOptim's ForEach ops reproduce.

From the repository root:
    tools/oracle/python tools/golden/swa_utils.py

Records AveragedModel, update_bn and the errors here; PyTorch's own swa_utils tests come from
swa_ported.py and SWALR from swa_swalr.py (helpers in swa_common.py).

Writes (see tools/golden/README.md, "swa_*")
    tests/SharpOptim.Tests/Fixtures/swa_averaged_model.json.gz
    tests/SharpOptim.Tests/Fixtures/swa_update_bn.json.gz
    tests/SharpOptim.Tests/Fixtures/swa_pytorch_tests.json.gz
    tests/SharpOptim.Tests/Fixtures/swa_swalr.json.gz
    tests/SharpOptim.Tests/Fixtures/swa_errors.json

Nothing needs PyTorch's random numbers on the C# side: every input (initial weights, the
model's state after each training step, data batches, perturbations) is stored.
"""

import ast
import copy
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch.optim.swa_utils import (  # noqa: E402
    AveragedModel,
    get_ema_avg_fn,
    get_ema_multi_avg_fn,
    get_swa_avg_fn,
    get_swa_multi_avg_fn,
    update_bn,
)

import common as C  # noqa: E402
from swa_common import bn_record, sd_json, shaped  # noqa: E402
from swa_ported import record_pytorch_tests  # noqa: E402
from swa_swalr import record_swalr  # noqa: E402

FIXTURES = "tests/SharpOptim.Tests/Fixtures"
nn = torch.nn


# ---------------------------------------------------------------------------
# The averaged-model run: an MLP with a BatchNorm1d trained with SGD
# ---------------------------------------------------------------------------
N_TRAIN_STEPS = 10
BATCH = 8


def make_mlp(dtype):
    """Linear(4, 8) - BatchNorm1d(8) - ReLU - Linear(8, 3), PyTorch's default init from seed 1."""
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    return model.to(dtype)


def make_data():
    """float64 training batches, labels and an evaluation batch (seed 2)."""
    torch.manual_seed(2)
    xs = torch.randn(N_TRAIN_STEPS, BATCH, 4, dtype=torch.float64)
    ys = torch.randint(0, 3, (N_TRAIN_STEPS, BATCH))
    eval_x = torch.randn(6, 4, dtype=torch.float64)
    return xs, ys, eval_x


def train_states(dtype, xs, ys):
    """The model's initial state dict and its state dict after each SGD step (train mode)."""
    model = make_mlp(dtype)
    initial = copy.deepcopy(model.state_dict())
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    states = []
    for k in range(N_TRAIN_STEPS):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xs[k].to(dtype)), ys[k])
        loss.backward()
        opt.step()
        states.append(copy.deepcopy(model.state_dict()))
    return initial, states


def custom_avg_fn(averaged, current, num_averaged):
    # The "ema_avg" lambda of PyTorch's swa_utils documentation.
    return 0.1 * averaged + 0.9 * current


def custom_multi_mul_add(averaged, current, num_averaged):
    torch._foreach_mul_(averaged, 0.75)
    torch._foreach_add_(averaged, current, alpha=0.25)


def custom_multi_sub_div_add(averaged, current, num_averaged):
    diffs = torch._foreach_sub(current, averaged)
    torch._foreach_div_(diffs, num_averaged.item() + 1.0)
    torch._foreach_add_(averaged, diffs)


# name -> (python text, kwargs factory, use_buffers values)
AVG_CASES = [
    ("swa_default", "AveragedModel(model, use_buffers=B)", lambda: {}, (False, True)),
    ("swa_multi_avg_fn", "AveragedModel(model, multi_avg_fn=get_swa_multi_avg_fn(), use_buffers=B)",
     lambda: {"multi_avg_fn": get_swa_multi_avg_fn()}, (False,)),
    ("swa_avg_fn", "AveragedModel(model, avg_fn=get_swa_avg_fn(), use_buffers=B)",
     lambda: {"avg_fn": get_swa_avg_fn()}, (False, True)),
    ("ema_multi_avg_fn_0.9", "AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9), use_buffers=B)",
     lambda: {"multi_avg_fn": get_ema_multi_avg_fn(0.9)}, (False, True)),
    ("ema_multi_avg_fn_default", "AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(), use_buffers=B)",
     lambda: {"multi_avg_fn": get_ema_multi_avg_fn()}, (False,)),
    ("ema_avg_fn_0.9", "AveragedModel(model, avg_fn=get_ema_avg_fn(0.9), use_buffers=B)",
     lambda: {"avg_fn": get_ema_avg_fn(0.9)}, (False, True)),
    ("custom_avg_fn", "AveragedModel(model, avg_fn=lambda a, p, n: 0.1 * a + 0.9 * p, use_buffers=B)",
     lambda: {"avg_fn": custom_avg_fn}, (False, True)),
    ("custom_multi_mul_add",
     "AveragedModel(model, multi_avg_fn=<_foreach_mul_(a, 0.75); _foreach_add_(a, p, alpha=0.25)>, use_buffers=B)",
     lambda: {"multi_avg_fn": custom_multi_mul_add}, (False,)),
    ("custom_multi_sub_div_add",
     "AveragedModel(model, multi_avg_fn=<d = _foreach_sub(p, a); _foreach_div_(d, n.item() + 1.0); _foreach_add_(a, d)>, use_buffers=B)",
     lambda: {"multi_avg_fn": custom_multi_sub_div_add}, (False,)),
]


def record_averaged_model():
    xs, ys, eval_x = make_data()
    runs, cases = [], []
    for dt in ("float32", "float64"):
        dtype = C.DTYPES[dt]
        initial, states = train_states(dtype, xs, ys)
        runs.append({
            "dtype": dt,
            "initial": sd_json(initial),
            "states": [sd_json(s) for s in states],
        })
        for name, python, make_kwargs, buffer_modes in AVG_CASES:
            for use_buffers in buffer_modes:
                model = make_mlp(dtype)
                model.load_state_dict(initial)
                swa = AveragedModel(model, **make_kwargs(), use_buffers=use_buffers)
                updates = []
                for k in range(N_TRAIN_STEPS):
                    model.load_state_dict(states[k])
                    swa.update_parameters(model)
                    updates.append(sd_json(swa))
                swa.eval()
                with torch.no_grad():
                    eval_output = swa(eval_x.to(dtype))
                case = {
                    "id": f"{name}/{'buffers' if use_buffers else 'params'}/{dt}",
                    "avg": name,
                    "python": python.replace("B)", f"{use_buffers})"),
                    "use_buffers": use_buffers,
                    "dtype": dt,
                    "state_dict_keys": list(swa.state_dict().keys()),
                    "repr": repr(swa),
                    "updates": updates,
                    "eval_output": shaped(eval_output),
                }
                if not use_buffers:
                    # The usual last step of SWA: recompute BatchNorm statistics for the
                    # averaged weights with one pass over the training batches.
                    update_bn([x.to(dtype) for x in xs], swa)
                    with torch.no_grad():
                        case["after_update_bn"] = {
                            "state_dict": sd_json(swa),
                            "training": swa.training,
                            "eval_output": shaped(swa.eval()(eval_x.to(dtype))),
                        }
                cases.append(case)
    return {
        **C.header("AveragedModel"),
        "model": "Sequential(Linear(4, 8), BatchNorm1d(8), ReLU(), Linear(8, 3))",
        "train_steps": N_TRAIN_STEPS,
        "data": {"xs": shaped(xs), "ys": shaped(ys), "eval_x": shaped(eval_x)},
        "runs": runs,
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# update_bn
# ---------------------------------------------------------------------------
class TwoBatchNorms(nn.Module):
    """Linear(4, 6) - BatchNorm1d(6) - ReLU - Linear(6, 5) - BatchNorm1d(5, momentum=None)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 6)
        self.bn1 = nn.BatchNorm1d(6)
        self.fc2 = nn.Linear(6, 5)
        self.bn2 = nn.BatchNorm1d(5, momentum=None)

    def forward(self, x):
        return self.bn2(self.fc2(torch.relu(self.bn1(self.fc1(x)))))


def update_bn_loader(kind, xs, ys):
    if kind == "tensors":
        return [x for x in xs]
    if kind == "tuples":
        return [(x, y) for x, y in zip(xs, ys)]
    if kind == "lists":
        return [[x, y] for x, y in zip(xs, ys)]
    raise ValueError(kind)


def record_update_bn():
    torch.manual_seed(3)
    xs = torch.randn(5, 7, 4, dtype=torch.float64) * 2 + 0.5
    ys = torch.randint(0, 5, (5, 7))
    eval_x = torch.randn(3, 4, dtype=torch.float64)
    cases, initials = [], {}
    for dt in ("float32", "float64"):
        dtype = C.DTYPES[dt]
        torch.manual_seed(4)
        base = TwoBatchNorms().to(dtype)
        # non-trivial running statistics and affine parameters before update_bn resets them
        with torch.no_grad():
            base(torch.randn(9, 4, dtype=dtype))
            for bn in (base.bn1, base.bn2):
                bn.weight.uniform_(0.5, 1.5)
                bn.bias.uniform_(-0.5, 0.5)
        initial = copy.deepcopy(base.state_dict())
        for loader_kind in ("tensors", "tuples", "lists"):
            for mode in ("train", "eval"):
                model = TwoBatchNorms().to(dtype)
                model.load_state_dict(initial)
                model.train(mode == "train")
                loader = update_bn_loader(loader_kind, [x.to(dtype) for x in xs], ys)
                update_bn(loader, model)
                with torch.no_grad():
                    was = model.training
                    out = model.eval()(eval_x.to(dtype))
                    model.train(was)
                cases.append({
                    "id": f"{loader_kind}/{mode}/{dt}",
                    "loader": loader_kind,
                    "mode_before": mode,
                    "dtype": dt,
                    "training_after": model.training,
                    "bn1": bn_record(model.bn1),
                    "bn2": bn_record(model.bn2),
                    "state_dict": sd_json(model),
                    "eval_output": shaped(out),
                })
        initials[dt] = sd_json(initial)
    return {
        **C.header("update_bn"),
        "model": "TwoBatchNorms: Linear(4, 6) - BatchNorm1d(6) - ReLU - Linear(6, 5) - BatchNorm1d(5, momentum=None)",
        "data": {"xs": shaped(xs), "ys": shaped(ys), "eval_x": shaped(eval_x)},
        "initial": initials,
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# Errors and warnings
# ---------------------------------------------------------------------------
SWA = "from torch.optim.swa_utils import *\n"
TWO_GROUPS = 'opt = torch.optim.SGD([{"params": [p]}, {"params": [p2]}], lr=0.1)\n'
MLP_BN = "model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))\n"

ERROR_CASES = [
    # SWALR
    ("swalr_anneal_strategy_invalid", SWA + TWO_GROUPS + 'SWALR(opt, swa_lr=1.0, anneal_strategy="exponential")'),
    ("swalr_anneal_epochs_negative", SWA + TWO_GROUPS + "SWALR(opt, swa_lr=1.0, anneal_epochs=-1)"),
    ("swalr_anneal_epochs_float", SWA + TWO_GROUPS + "SWALR(opt, swa_lr=1.0, anneal_epochs=1.7)"),
    ("swalr_swa_lr_list_length", SWA + TWO_GROUPS + "SWALR(opt, swa_lr=[1.0, 0.1, 0.01])"),
    ("swalr_resume_without_initial_lr", SWA + TWO_GROUPS + "SWALR(opt, swa_lr=0.1, last_epoch=3)"),
    ("swalr_step_before_optimizer_step", SWA + TWO_GROUPS + "s = SWALR(opt, swa_lr=0.1)\ns.step()"),
    ("swalr_get_lr_outside_step", SWA + TWO_GROUPS + "s = SWALR(opt, swa_lr=0.1)\nresult = s.get_lr()"),
    ("swalr_step_with_epoch", SWA + TWO_GROUPS +
     "s = SWALR(opt, swa_lr=0.1, anneal_epochs=4)\nopt.step()\ns.step(3)\n"
     "result = [g['lr'] for g in opt.param_groups] + [s.last_epoch]"),
    ("swalr_no_warning_in_order", SWA + TWO_GROUPS +
     "s = SWALR(opt, swa_lr=0.1)\nfor _ in range(3):\n    opt.step()\n    s.step()\n"
     "result = s.get_last_lr()"),
    # AveragedModel and the averaging functions
    ("averaged_model_both_avg_fns",
     SWA + "AveragedModel(torch.nn.Linear(2, 2), avg_fn=get_swa_avg_fn(), multi_avg_fn=get_swa_multi_avg_fn())"),
    ("averaged_model_buffer_count_mismatch",
     SWA + MLP_BN + "swa = AveragedModel(model)\nswa.update_parameters(torch.nn.Sequential(torch.nn.Linear(2, 3)))"),
    ("swa_multi_avg_fn_integer_buffers",
     SWA + MLP_BN + "swa = AveragedModel(model, multi_avg_fn=get_swa_multi_avg_fn(), use_buffers=True)\n"
     "model(torch.randn(4, 2))\nswa.update_parameters(model)\nmodel(torch.randn(4, 2))\nswa.update_parameters(model)"),
    ("swa_multi_avg_fn_integer_count",
     SWA + "get_swa_multi_avg_fn()([torch.tensor([1])], [torch.tensor([3])], 1)"),
    ("swa_multi_avg_fn_integer_tensor_count",
     SWA + "get_swa_multi_avg_fn()([torch.tensor([1])], [torch.tensor([3])], torch.tensor(1))"),
    ("ema_multi_avg_fn_decay_above_one", SWA + "get_ema_multi_avg_fn(1.5)"),
    ("ema_avg_fn_decay_negative", SWA + "get_ema_avg_fn(-0.1)"),
    ("ema_avg_fn_decay_bounds_ok", SWA + "get_ema_avg_fn(0.0)\nget_ema_multi_avg_fn(1.0)"),
    ("swa_multi_avg_fn_integer_count_float_params",
     SWA + "a = [torch.tensor([1.0, 2.0])]\nget_swa_multi_avg_fn()(a, [torch.tensor([4.0, 8.0])], 2)\nresult = a[0]"),
    ("update_bn_no_batchnorm",
     SWA + "started = []\n"
     "def loader():\n    started.append(True)\n    yield torch.zeros(2, 2)\n"
     "m = torch.nn.Sequential(torch.nn.Linear(2, 2)).eval()\n"
     "update_bn(loader(), m)\nresult = [m.training, len(started)]"),
    # torch._foreach_*
    ("foreach_empty_list", "torch._foreach_add_([], 1.0)"),
    ("foreach_length_mismatch", "torch._foreach_add_([torch.zeros(2)], [torch.zeros(2), torch.zeros(2)])"),
    ("foreach_scalar_list_length", "torch._foreach_mul_([torch.zeros(2)], [1.0, 2.0])"),
    ("foreach_lerp_scalar_list_length", "torch._foreach_lerp_([torch.zeros(2)], [torch.ones(2)], [0.5, 0.2])"),
    ("foreach_scalar_tensor_not_0d", "torch._foreach_mul_([torch.zeros(2)], torch.ones(1))"),
    ("foreach_shape_mismatch", "torch._foreach_add_([torch.zeros(2)], [torch.zeros(3)])"),
    ("foreach_copy_shape_mismatch", "torch._foreach_copy_([torch.zeros(2)], [torch.zeros(3)])"),
    ("foreach_leaf_requires_grad", "torch._foreach_add_([p], 1.0)"),
    ("foreach_broadcast_ok",
     "a = [torch.zeros(2), torch.ones(3)]\ntorch._foreach_add_(a, [torch.tensor([2.0]), torch.tensor(3.0)], alpha=0.5)\nresult = a"),
]


def record_errors():
    recs = []
    for name, code in ERROR_CASES:
        rec = C.run_error_case(name, code, {"scope": "swa_utils"})
        if rec.get("type") == "KeyError":
            # str(KeyError(msg)) is repr(msg); keep the message itself
            rec["message"] = ast.literal_eval(rec["message"])
        recs.append(rec)
    return recs


# ---------------------------------------------------------------------------
def main():
    avg = record_averaged_model()
    n = C.write_json_gz(f"{FIXTURES}/swa_averaged_model.json.gz", avg)
    print(f"swa_averaged_model: {len(avg['cases'])} cases x {avg['train_steps']} updates, {n} bytes raw")

    bn = record_update_bn()
    n = C.write_json_gz(f"{FIXTURES}/swa_update_bn.json.gz", bn)
    print(f"swa_update_bn: {len(bn['cases'])} cases, {n} bytes raw")

    ported = record_pytorch_tests()
    n = C.write_json_gz(f"{FIXTURES}/swa_pytorch_tests.json.gz", ported)
    print(f"swa_pytorch_tests: {len(ported['cases'])} cases, {n} bytes raw")

    swalr = record_swalr()
    n = C.write_json_gz(f"{FIXTURES}/swa_swalr.json.gz", swalr)
    print(f"swa_swalr: {len(swalr['sequences'])} sequences, {len(swalr['resume'])} resume, "
          f"{len(swalr['ported'])} ported, {n} bytes raw")

    errs = record_errors()
    merged = C.write_error_fixture(f"{FIXTURES}/swa_errors.json", errs)
    kinds = {}
    for r in merged:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"swa_errors: {len(merged)} entries {kinds}")


if __name__ == "__main__":
    main()
