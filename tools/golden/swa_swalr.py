"""SWALR learning-rate sequences, resumes, state dicts and PyTorch's SWALR tests, recorded for
swa_swalr.json.gz. Imported by swa_utils.py (run that one).
"""

import copy
import math
import warnings

import torch

import common as C
from torch.optim.swa_utils import SWALR

nn = torch.nn


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
