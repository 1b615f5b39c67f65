"""Record torch.optim.swa_utils behaviour (AveragedModel, the averaging functions, SWALR,
update_bn) and the torch._foreach_* errors SharpOptim's ForEach ops reproduce.

From the repository root:
    ../shared/oracle/python tools/golden/swa_utils.py

Writes (see tools/golden/README.md, "swa_utils.py")
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
import math
import os
import sys
import warnings

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch.optim.swa_utils import (  # noqa: E402
    AveragedModel,
    SWALR,
    get_ema_avg_fn,
    get_ema_multi_avg_fn,
    get_swa_avg_fn,
    get_swa_multi_avg_fn,
    update_bn,
)

import common as C  # noqa: E402

FIXTURES = "tests/SharpOptim.Tests/Fixtures"
nn = torch.nn


# ---------------------------------------------------------------------------
# Encoding helpers
# ---------------------------------------------------------------------------
def sd_json(module_or_sd):
    """A module's state dict (or a state dict) as {key: tagged tensor}, in PyTorch's key order."""
    sd = module_or_sd.state_dict() if isinstance(module_or_sd, nn.Module) else module_or_sd
    return {k: C.tensor_json_full(v) for k, v in sd.items()}


def shaped(t):
    return C.tensor_json_shaped(t)


def bn_record(bn):
    return {
        "running_mean": shaped(bn.running_mean),
        "running_var": shaped(bn.running_var),
        "num_batches_tracked": int(bn.num_batches_tracked),
        "momentum": bn.momentum,
        "training": bn.training,
    }


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
# PyTorch's own tests (test/optim/test_swa_utils.py), with Linear in place of Conv2d
# ---------------------------------------------------------------------------
def ported_averaged_model(ema):
    """_test_averaged_model / _run_averaged_steps (CPU, CPU): 10 updates after p += randn."""
    torch.manual_seed(5)
    # The test's Sequential(Conv2d(1, 5, 3), ReLU, MaxPool2d(2), BatchNorm2d(5, momentum=0.3),
    # Conv2d(5, 2, 3), ReLU, Linear(5, 5), ReLU, Linear(5, 10)) with Linear for each Conv2d
    # (SharpOptim has no convolutions; the test never runs a forward pass).
    dnn = nn.Sequential(
        nn.Linear(9, 5), nn.ReLU(), nn.BatchNorm1d(5, momentum=0.3),
        nn.Linear(45, 2), nn.ReLU(), nn.Linear(5, 5), nn.ReLU(), nn.Linear(5, 10))
    initial = sd_json(dnn)
    ema_decay = 0.999
    if ema:
        averaged_dnn = AveragedModel(dnn, multi_avg_fn=get_ema_multi_avg_fn(ema_decay))
    else:
        averaged_dnn = AveragedModel(dnn, multi_avg_fn=get_swa_multi_avg_fn())
    averaged_params = [torch.zeros_like(param) for param in dnn.parameters()]
    n_updates = 10
    states, updates = [], []
    for i in range(n_updates):
        for p, p_avg in zip(dnn.parameters(), averaged_params):
            p.detach().add_(torch.randn_like(p))
            if ema:
                p_avg += p.detach() * ema_decay ** (n_updates - i - 1) * ((1 - ema_decay) if i > 0 else 1.0)
            else:
                p_avg += p.detach() / n_updates
        states.append(sd_json(dnn))
        averaged_dnn.update_parameters(dnn)
        updates.append(sd_json(averaged_dnn))
    for p_avg, p_swa in zip(averaged_params, averaged_dnn.parameters()):
        torch.testing.assert_close(p_avg, p_swa)  # the test's own assertion holds here
    return {
        "id": f"averaged_model/{'ema' if ema else 'swa'}",
        "ema": ema,
        "initial": initial,
        "states": states,
        "updates": updates,
        "test_expected_params": [shaped(p) for p in averaged_params],
    }


def ported_averaged_model_exponential(use_multi_avg_fn, use_buffers):
    """test_averaged_model_exponential, with Linear in place of the Conv2d."""
    torch.manual_seed(6)
    dnn = nn.Sequential(nn.Linear(9, 5), nn.BatchNorm1d(5, momentum=0.3), nn.Linear(5, 10))
    initial = sd_json(dnn)
    decay = 0.9
    if use_multi_avg_fn:
        averaged_dnn = AveragedModel(dnn, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=use_buffers)
    else:
        def avg_fn(p_avg, p, n_avg):
            return decay * p_avg + (1 - decay) * p

        averaged_dnn = AveragedModel(dnn, avg_fn=avg_fn, use_buffers=use_buffers)
    dnn_params = list(dnn.parameters()) + list(dnn.buffers()) if use_buffers else list(dnn.parameters())
    averaged_params = [torch.zeros_like(param) for param in dnn_params if param.size() != torch.Size([])]
    n_updates = 10
    states, updates = [], []
    for i in range(n_updates):
        updated_averaged_params = []
        for p, p_avg in zip(dnn_params, averaged_params):
            if p.size() == torch.Size([]):
                continue
            p.detach().add_(torch.randn_like(p))
            if i == 0:
                updated_averaged_params.append(p.clone())
            else:
                updated_averaged_params.append((p_avg * decay + p * (1 - decay)).clone())
        states.append(sd_json(dnn))
        averaged_dnn.update_parameters(dnn)
        updates.append(sd_json(averaged_dnn))
        averaged_params = updated_averaged_params
    return {
        "id": f"averaged_model_exponential/{'multi_avg_fn' if use_multi_avg_fn else 'avg_fn'}/"
              f"{'buffers' if use_buffers else 'params'}",
        "use_multi_avg_fn": use_multi_avg_fn,
        "use_buffers": use_buffers,
        "decay": decay,
        "initial": initial,
        "states": states,
        "updates": updates,
        "test_expected": [shaped(p) for p in averaged_params],
    }


class SWATestDNN(nn.Module):
    def __init__(self, input_features, momentum=0.1):
        super().__init__()
        self.n_features = 100
        self.fc1 = nn.Linear(input_features, self.n_features)
        self.bn = nn.BatchNorm1d(self.n_features, momentum=momentum)

    def compute_preactivation(self, x):
        return self.fc1(x)

    def forward(self, x):
        return self.bn(self.fc1(x))


class RecordingLoader:
    """Wraps a DataLoader and keeps every batch of every pass, in order."""

    def __init__(self, loader):
        self.loader = loader
        self.passes = []

    def __iter__(self):
        batches = []
        self.passes.append(batches)
        for b in self.loader:
            batches.append(b)
            yield b


def batches_json(batches):
    return [[shaped(t) for t in b] for b in batches]


def ported_update_bn_dnn():
    """test_update_bn_dnn (CPU part): update_bn through loaders of [x] and [x, y] batches."""
    torch.manual_seed(7)
    objects, input_features = 100, 5
    x = torch.rand(objects, input_features)
    y = torch.rand(objects)
    ds_x = torch.utils.data.TensorDataset(x)
    ds_xy = torch.utils.data.TensorDataset(x, y)
    dl_x = RecordingLoader(torch.utils.data.DataLoader(ds_x, batch_size=5, shuffle=True))
    dl_xy = RecordingLoader(torch.utils.data.DataLoader(ds_xy, batch_size=5, shuffle=True))
    dnn = SWATestDNN(input_features=input_features)
    dnn.train()
    initial = sd_json(dnn)

    preactivation_sum = torch.zeros(dnn.n_features)
    preactivation_squared_sum = torch.zeros(dnn.n_features)
    total_num = 0
    for xb in dl_x:
        xb = xb[0]
        dnn.forward(xb)
        preactivations = dnn.compute_preactivation(xb)
        preactivations = preactivations.contiguous().view(-1, dnn.n_features)
        total_num += preactivations.shape[0]
        preactivation_sum += torch.sum(preactivations, dim=0)
        preactivation_squared_sum += torch.sum(preactivations ** 2, dim=0)
    preactivation_mean = preactivation_sum / total_num
    preactivation_var = preactivation_squared_sum / total_num - preactivation_mean ** 2
    state_before_update_bn = sd_json(dnn)  # the forward passes above moved the running stats

    def reset_bn(module):
        if issubclass(module.__class__, nn.modules.batchnorm._BatchNorm):
            module.running_mean = torch.zeros_like(module.running_mean)
            module.running_var = torch.ones_like(module.running_var)

    results = []

    def update_and_check(loader, name, pass_index):
        update_bn(loader, dnn)
        # the test's own assertions hold here
        torch.testing.assert_close(preactivation_mean, dnn.bn.running_mean)
        torch.testing.assert_close(preactivation_var, dnn.bn.running_var, atol=1e-1, rtol=0)
        results.append({"loader": name, "pass": pass_index, "bn": bn_record(dnn.bn)})

    update_and_check(dl_xy, "xy", 0)
    dnn.apply(reset_bn)
    update_and_check(dl_xy, "xy", 1)
    dnn.apply(reset_bn)
    update_and_check(dl_x, "x", 1)
    return {
        "id": "update_bn_dnn",
        "initial": initial,
        "state_before_update_bn": state_before_update_bn,
        "x_passes": [batches_json(p) for p in dl_x.passes],
        "xy_passes": [batches_json(p) for p in dl_xy.passes],
        "preactivation_mean": shaped(preactivation_mean),
        "preactivation_var": shaped(preactivation_var),
        "results": results,
        "training_after": dnn.training,
    }


def ported_bn_update_eval_momentum():
    """test_bn_update_eval_momentum, with the DNN (BatchNorm1d, momentum 0.3) for the CNN."""
    torch.manual_seed(8)
    x = torch.rand(100, 5)
    dl_x = RecordingLoader(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x), batch_size=5, shuffle=True))
    dnn = SWATestDNN(input_features=5, momentum=0.3)
    initial = sd_json(dnn)
    dnn.eval()
    update_bn(dl_x, dnn)
    return {
        "id": "bn_update_eval_momentum",
        "initial": initial,
        "x_passes": [batches_json(p) for p in dl_x.passes],
        "training_after": dnn.training,
        "bn": bn_record(dnn.bn),
    }


def record_pytorch_tests():
    cases = [ported_averaged_model(ema) for ema in (True, False)]
    cases += [ported_averaged_model_exponential(m, b) for m in (True, False) for b in (True, False)]
    cases.append(ported_update_bn_dnn())
    cases.append(ported_bn_update_eval_momentum())
    return {**C.header("swa_utils tests"), "cases": cases}


# ---------------------------------------------------------------------------
# SWALR
# ---------------------------------------------------------------------------
def make_groups_optimizer(group_kind):
    """SGD over two 1-element params: lr 0.05 and 0.5, the second as a tensor for "float_tensor"
    (the setUp of PyTorch's test_lrscheduler.py)."""
    torch.manual_seed(0)
    p1 = nn.Parameter(torch.randn(2))
    p2 = nn.Parameter(torch.randn(2))
    second = torch.tensor(0.5) if group_kind == "float_tensor" else 0.5
    return torch.optim.SGD([{"params": [p1]}, {"params": [p2], "lr": second}], lr=0.05)


def lr_values(opt):
    return [C.encode_state_dict_value(g["lr"]) for g in opt.param_groups]


def group_extras(opt):
    return [{k: C.encode_state_dict_value(g[k]) for k in g if k in ("swa_lr", "initial_lr")}
            for g in opt.param_groups]


def last_lrs(sched):
    return [C.encode_state_dict_value(v) for v in sched.get_last_lr()]


def run_swalr(opt, sched, steps):
    """Steps optimizer then scheduler; returns lr and get_last_lr after construction and each step."""
    lrs, last = [lr_values(opt)], [last_lrs(sched)]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(lr_values(opt))
        last.append(last_lrs(sched))
    return lrs, last


SWALR_STEPS = 14


def record_swalr_sequences():
    cases = []
    for strategy in ("cos", "linear"):
        for anneal_epochs in (0, 1, 2, 3, 5, 10):
            for group_kind in ("float_float", "float_tensor"):
                for swa_lr in (0.01, [0.01, 0.02]):
                    opt = make_groups_optimizer(group_kind)
                    with warnings.catch_warnings(record=True) as w:
                        warnings.simplefilter("always")
                        sched = SWALR(opt, swa_lr=copy.deepcopy(swa_lr), anneal_epochs=anneal_epochs,
                                      anneal_strategy=strategy)
                        lrs, last = run_swalr(opt, sched, SWALR_STEPS)
                    assert not w, [str(x.message) for x in w]
                    cases.append({
                        "id": f"{strategy}/anneal_{anneal_epochs}/{group_kind}/swa_lr_{'list' if isinstance(swa_lr, list) else 'float'}",
                        "group_kind": group_kind,
                        "kwargs": {"swa_lr": swa_lr, "anneal_epochs": anneal_epochs, "anneal_strategy": strategy},
                        "lrs": lrs,
                        "last_lrs": last,
                        "group_extras": group_extras(opt),
                        "state_dict": C.encode_state_dict_value(sched.state_dict()),
                    })
    return cases


def record_swalr_resume():
    """last_epoch resume and load_state_dict resume, each after 4 steps of a first scheduler."""
    out = []
    for group_kind in ("float_float", "float_tensor"):
        opt = make_groups_optimizer(group_kind)
        sched = SWALR(opt, swa_lr=0.01, anneal_epochs=5, anneal_strategy="cos")
        run_swalr(opt, sched, 4)
        saved = copy.deepcopy(sched.state_dict())
        groups_at_save = [{k: C.encode_state_dict_value(v) for k, v in g.items() if k != "params"}
                          for g in opt.param_groups]

        # (a) a new scheduler on the same optimizer with last_epoch=4 (initial_lr is in the groups)
        resumed = SWALR(opt, swa_lr=0.01, anneal_epochs=5, anneal_strategy="cos", last_epoch=4)
        state_after_construction = C.encode_state_dict_value(resumed.state_dict())
        lrs, last = run_swalr(opt, resumed, 8)
        out.append({
            "id": f"last_epoch/{group_kind}",
            "group_kind": group_kind,
            "first": {"kwargs": {"swa_lr": 0.01, "anneal_epochs": 5, "anneal_strategy": "cos"}, "steps": 4},
            "groups_at_save": groups_at_save,
            "kwargs": {"swa_lr": 0.01, "anneal_epochs": 5, "anneal_strategy": "cos", "last_epoch": 4},
            "state_dict_after_construction": state_after_construction,
            "lrs": lrs,
            "last_lrs": last,
            "state_dict": C.encode_state_dict_value(resumed.state_dict()),
        })

        # (b) load_state_dict into a scheduler built with other settings, then continue
        opt2 = make_groups_optimizer(group_kind)
        sched_first = SWALR(opt2, swa_lr=0.01, anneal_epochs=5, anneal_strategy="cos")
        run_swalr(opt2, sched_first, 4)
        other = SWALR(opt2, swa_lr=0.3, anneal_epochs=2, anneal_strategy="linear")
        lrs_after_other = lr_values(opt2)
        other.load_state_dict(copy.deepcopy(saved))
        loaded = C.encode_state_dict_value(other.state_dict())
        lrs, last = run_swalr(opt2, other, 8)
        out.append({
            "id": f"load_state_dict/{group_kind}",
            "group_kind": group_kind,
            "first": {"kwargs": {"swa_lr": 0.01, "anneal_epochs": 5, "anneal_strategy": "cos"}, "steps": 4},
            "saved_state_dict": C.encode_state_dict_value(saved),
            "kwargs": {"swa_lr": 0.3, "anneal_epochs": 2, "anneal_strategy": "linear"},
            "lrs_after_other_construction": lrs_after_other,
            "state_dict_after_load": loaded,
            "lrs": lrs,
            "last_lrs": last,
            "state_dict": C.encode_state_dict_value(other.state_dict()),
        })
    return out


def ported_swalr_tests():
    """test_lrscheduler.py: test_swalr_no_anneal, test_swalr_cosine/linear_anneal_after_multiplicative,
    test_swa_lr_state_dict (the optimizer of its setUp: lr 0.05 and tensor(0.5))."""
    from torch.optim.lr_scheduler import MultiplicativeLR

    def swalr_run(swa_scheduler, scheduler, opt, swa_start, epochs):
        # _test_swalr: the lrs seen at the start of each epoch
        seen = []
        for epoch in range(epochs):
            seen.append(lr_values(opt))
            if epoch >= swa_start:
                opt.step()
                swa_scheduler.step()
            elif scheduler is not None:
                opt.step()
                scheduler.step()
        return seen

    cases = []
    # test_swalr_no_anneal
    opt = make_groups_optimizer("float_tensor")
    epochs, swa_start, swa_lr = 10, 5, 0.01
    initial_lrs = [float(g["lr"]) for g in opt.param_groups]
    targets = [[lr] * (swa_start + 1) + [swa_lr] * (epochs - swa_start - 1) for lr in initial_lrs]
    swa_scheduler = SWALR(opt, anneal_epochs=1, swa_lr=swa_lr)
    cases.append({"id": "swalr_no_anneal", "kwargs": {"swa_lr": swa_lr, "anneal_epochs": 1, "anneal_strategy": "cos"},
                  "multiplicative": None, "swa_start": swa_start, "epochs": epochs,
                  "lrs": swalr_run(swa_scheduler, None, opt, swa_start, epochs), "targets": targets})

    # test_swalr_cosine_anneal_after_multiplicative
    opt = make_groups_optimizer("float_tensor")
    epochs, swa_start, swa_lr, anneal_epochs = 15, 5, 0.01, 5
    mult_factor = 0.9
    scheduler = MultiplicativeLR(opt, lr_lambda=lambda epoch: mult_factor)
    swa_scheduler = SWALR(opt, anneal_epochs=anneal_epochs, swa_lr=swa_lr)

    def anneal_coef_cos(t):
        if t + 1 >= anneal_epochs:
            return 0.0
        return (1 + math.cos(math.pi * (t + 1) / anneal_epochs)) / 2

    initial_lrs = [float(g["lr"]) for g in opt.param_groups]
    before = [[lr * mult_factor ** i for i in range(swa_start + 1)] for lr in initial_lrs]
    targets = [lrs + [lrs[-1] * anneal_coef_cos(t) + swa_lr * (1 - anneal_coef_cos(t))
                      for t in range(epochs - swa_start - 1)] for lrs in before]
    cases.append({"id": "swalr_cosine_anneal_after_multiplicative",
                  "kwargs": {"swa_lr": swa_lr, "anneal_epochs": anneal_epochs, "anneal_strategy": "cos"},
                  "multiplicative": mult_factor, "swa_start": swa_start, "epochs": epochs,
                  "lrs": swalr_run(swa_scheduler, scheduler, opt, swa_start, epochs), "targets": targets})

    # test_swalr_linear_anneal_after_multiplicative
    opt = make_groups_optimizer("float_tensor")
    epochs, swa_start, swa_lrs, anneal_epochs = 15, 5, [0.01, 0.02], 4
    scheduler = MultiplicativeLR(opt, lr_lambda=lambda epoch: mult_factor)
    swa_scheduler = SWALR(opt, anneal_epochs=anneal_epochs, anneal_strategy="linear", swa_lr=swa_lrs)

    def anneal_coef_lin(t):
        if t + 1 >= anneal_epochs:
            return 0.0
        return 1 - (t + 1) / anneal_epochs

    initial_lrs = [float(g["lr"]) for g in opt.param_groups]
    before = [[lr * mult_factor ** i for i in range(swa_start + 1)] for lr in initial_lrs]
    targets = [lrs + [lrs[-1] * anneal_coef_lin(t) + s * (1 - anneal_coef_lin(t))
                      for t in range(epochs - swa_start - 1)] for lrs, s in zip(before, swa_lrs)]
    cases.append({"id": "swalr_linear_anneal_after_multiplicative",
                  "kwargs": {"swa_lr": swa_lrs, "anneal_epochs": anneal_epochs, "anneal_strategy": "linear"},
                  "multiplicative": mult_factor, "swa_start": swa_start, "epochs": epochs,
                  "lrs": swalr_run(swa_scheduler, scheduler, opt, swa_start, epochs), "targets": targets})

    # test_swa_lr_state_dict (_check_scheduler_state_dict)
    opt = make_groups_optimizer("float_tensor")
    scheduler = SWALR(opt, anneal_epochs=3, swa_lr=0.5)
    for _ in range(10):
        scheduler.optimizer.step()
        scheduler.step()
    scheduler_copy = SWALR(opt, anneal_epochs=10, anneal_strategy="linear", swa_lr=5.0)
    scheduler_copy.load_state_dict(scheduler.state_dict())
    for key in scheduler.__dict__:  # the test's own check
        if key == "anneal_func":
            assert scheduler.anneal_func == scheduler_copy.anneal_func
        elif key != "optimizer":
            assert C.dumps(C.encode_state_dict_value(scheduler.__dict__[key])) == \
                C.dumps(C.encode_state_dict_value(scheduler_copy.__dict__[key])), key
    state_dict_test = {
        "id": "swa_lr_state_dict",
        "first": {"swa_lr": 0.5, "anneal_epochs": 3, "anneal_strategy": "cos"},
        "steps": 10,
        "second": {"swa_lr": 5.0, "anneal_epochs": 10, "anneal_strategy": "linear"},
        "state_dict": C.encode_state_dict_value(scheduler.state_dict()),
        "copy_state_dict": C.encode_state_dict_value(scheduler_copy.state_dict()),
        "last_lr": last_lrs(scheduler),
        "copy_last_lr": last_lrs(scheduler_copy),
        "lrs_after": lr_values(opt),
        "group_extras": group_extras(opt),
    }
    return cases, state_dict_test


def record_swalr():
    ported, state_dict_test = ported_swalr_tests()
    return {
        **C.header("SWALR"),
        "optimizer": "SGD([{'params': [p1]}, {'params': [p2], 'lr': 0.5 or torch.tensor(0.5)}], lr=0.05)",
        "steps": SWALR_STEPS,
        "sequences": record_swalr_sequences(),
        "resume": record_swalr_resume(),
        "ported": ported,
        "state_dict_test": state_dict_test,
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
