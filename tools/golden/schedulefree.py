"""Record Schedule-Free AdamW and SGD (Defazio et al. 2024, "The Road Less Scheduled") from the
authors' reference implementation, through recorder.py.

Reference: https://github.com/facebookresearch/schedule_free at commit REFERENCE_COMMIT, the
classes PyTorch users import (`schedulefree.AdamWScheduleFree`, `schedulefree.SGDScheduleFree`;
not the *Reference, *Closure or *Paper variants), files schedulefree/adamw_schedulefree.py and
schedulefree/sgd_schedulefree.py. The fetched code is run here, never committed: copy the two
files into the git-ignored tools/golden/.ref/schedule_free/ first, from a clone of that
repository (the script checks their git blob ids), then record from the repository root:

    git clone https://github.com/facebookresearch/schedule_free /tmp/schedule_free
    mkdir -p tools/golden/.ref/schedule_free
    for f in adamw_schedulefree.py sgd_schedulefree.py; do
      git -C /tmp/schedule_free show REFERENCE_COMMIT:schedulefree/$f > tools/golden/.ref/schedule_free/$f
    done
    tools/oracle/python tools/golden/schedulefree.py

Writes, for each <prefix> in adamw_schedulefree, sgd_schedulefree (tests/SharpOptim.Tests/Fixtures/):
    <prefix>_trajectories.sofx   an option grid over every constructor argument, float32/float64,
                                 100 steps, the reference's for-loop (its foreach=True path is
                                 checked here to give the same bits)
    <prefix>_state_dict.sofx     mid-run state dicts (saved in train mode) and their continuation
    <prefix>_errors.json         constructor checks, stepping outside train mode, repr, default group
    <prefix>_modes.sofx          two param groups over 100 steps with train()/eval() switches
                                 mid-run (params after each switch) and a checkpoint taken in eval
                                 mode after step 50, reloaded into a fresh optimizer and continued

The optimizers must be put in train mode before their first step (the reference raises
otherwise), so the grid and the state-dict runs use the class with `train()` called at the end of
its constructor (`in_train_mode`); the modes fixture calls train()/eval() itself.
"""

import copy
import hashlib
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
REF_DIR = os.path.join(HERE, ".ref", "schedule_free")
sys.path.insert(0, REF_DIR)

import functools  # noqa: E402

import torch  # noqa: E402

import common as C  # noqa: E402
import recorder as R  # noqa: E402

REFERENCE_REPOSITORY = "https://github.com/facebookresearch/schedule_free"
REFERENCE_COMMIT = "70785b53e778d0e872c0bbb75ff4ee54ee10c291"
# git blob ids of the two files at REFERENCE_COMMIT (git ls-tree), so a stale copy is noticed.
REFERENCE_BLOBS = {
    "adamw_schedulefree.py": "e8f5a5d52f497577fa229b3c4341feca251bb6e9",
    "sgd_schedulefree.py": "f1cc44e4304e749002c2c0556c21ab6f199394ea",
}


def git_blob_id(path):
    with open(path, "rb") as f:
        data = f.read()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def check_reference_files():
    for name, blob in REFERENCE_BLOBS.items():
        path = os.path.join(REF_DIR, name)
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: copy it from {REFERENCE_REPOSITORY} at {REFERENCE_COMMIT} (see the docstring)")
        actual = git_blob_id(path)
        if actual != blob:
            sys.exit(f"{path} has blob {actual}, expected {blob} ({REFERENCE_REPOSITORY} at {REFERENCE_COMMIT})")


check_reference_files()
from adamw_schedulefree import AdamWScheduleFree  # noqa: E402
from sgd_schedulefree import SGDScheduleFree  # noqa: E402

REFERENCE = {"repository": REFERENCE_REPOSITORY, "commit": REFERENCE_COMMIT}


def in_train_mode(cls):
    """cls whose constructor ends with self.train(), under cls's own name and signature (the
    recorder reads the signature for the implementation flags it passes)."""

    class Trained(cls):
        @functools.wraps(cls.__init__)
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.train()

    Trained.__name__ = cls.__name__
    Trained.__qualname__ = cls.__qualname__
    return Trained


x = R.extra

ADAMW_CONFIGS = [
    x("default"),
    x("lr 0.01", lr=0.01),
    x("betas 0.95 0.99", betas=(0.95, 0.99)),
    x("eps 1e-4", eps=1e-4),
    x("weight_decay 0.1", weight_decay=0.1),
    x("warmup_steps 10", warmup_steps=10),
    x("warmup_steps 150 (every step in warmup)", lr=0.01, warmup_steps=150),
    x("r 1", r=1.0),
    x("weight_lr_power 0", weight_lr_power=0.0),
    x("warmup_steps 20 r 0.5 weight_lr_power 1", lr=0.01, warmup_steps=20, r=0.5, weight_lr_power=1.0),
    x("inner_momentum 0.9", inner_momentum=0.9),
    x("inner_momentum 0.5 weight_decay warmup", lr=0.01, inner_momentum=0.5, weight_decay=0.05, warmup_steps=5),
    x("lr 0 (weight_sum 0 so ckp1 0)", lr=0.0),
    x("everything", lr=0.05, betas=(0.5, 0.9), eps=1e-6, weight_decay=0.01, warmup_steps=3, r=2.0,
      weight_lr_power=3.0, inner_momentum=0.8),
]

SGD_CONFIGS = [
    x("default"),
    x("lr 0.1", lr=0.1),
    x("momentum 0.5", lr=0.3, momentum=0.5),
    x("momentum 0.98", lr=0.3, momentum=0.98),
    x("weight_decay 0.1", lr=0.3, weight_decay=0.1),
    x("warmup_steps 10", lr=0.3, warmup_steps=10),
    x("warmup_steps 150 (every step in warmup)", lr=0.3, warmup_steps=150),
    x("r 1", lr=0.3, r=1.0),
    x("weight_lr_power 0", lr=0.3, weight_lr_power=0.0),
    x("warmup_steps 20 r 0.5 weight_lr_power 1", lr=0.3, warmup_steps=20, r=0.5, weight_lr_power=1.0),
    x("lr 0 (weight_sum 0 so ckp1 0)", lr=0.0),
    x("everything", lr=0.2, momentum=0.8, weight_decay=0.01, warmup_steps=3, r=2.0, weight_lr_power=3.0),
]


# ---------------------------------------------------------------------------
# The reference's foreach path gives its for-loop's bits (so one recording serves both)
# ---------------------------------------------------------------------------
def check_foreach_equals_forloop(cls, configs, problem):
    for cfg in configs:
        for dt in ("float32", "float64"):
            runs = [R.run_trajectory(cls, cfg.kwargs, C.DTYPES[dt], {"foreach": f}, C.N_STEPS, problem)
                    for f in (False, True)]
            assert C.dumps(runs[0]) == C.dumps(runs[1]), f"{cls.__name__} {cfg.desc} {dt}: foreach differs from the for-loop"


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
def error_cases(prefix, cls):
    name = cls.__name__
    ctor = f"{name}"
    imp = f"from {cls.__module__} import {name}\n"
    group = "{k: v for k, v in opt.param_groups[0].items() if k != 'params'}"
    cases = [
        (f"{prefix}_step_before_train", imp + f"opt = {ctor}([p])\np.grad = torch.ones_like(p)\nopt.step()"),
        (f"{prefix}_step_after_eval",
         imp + f"opt = {ctor}([p])\nopt.train()\np.grad = torch.ones_like(p)\nopt.step()\nopt.eval()\nopt.step()"),
        # Only the first group's mode is checked by a step.
        (f"{prefix}_step_checks_first_group_only",
         imp + "a = torch.nn.Parameter(torch.tensor([1.0, -2.0]))\nb = torch.nn.Parameter(torch.tensor([0.5]))\n"
         f"opt = {ctor}([{{'params': [a]}}, {{'params': [b]}}], lr=0.1)\nopt.train()\n"
         "opt.param_groups[1]['train_mode'] = False\n"
         "for _ in range(2):\n"
         "    a.grad = torch.tensor([0.3, -0.2])\n"
         "    b.grad = torch.tensor([0.4])\n"
         "    opt.step()\n"
         "result = [a.detach(), b.detach(), opt.param_groups[1]['train_mode']]"),
        (f"{prefix}_repr", imp + f"result = repr({ctor}([p]))"),
        (f"{prefix}_default_group", imp + f"opt = {ctor}([p])\nresult = {group}"),
        # train()/eval() read self.state[p] of a defaultdict: every param gets an (empty) state entry.
        (f"{prefix}_train_before_step_state_dict", imp + f"opt = {ctor}([p, p2])\nopt.train()\nresult = opt.state_dict()"),
        # eval() then train() before any step: no z yet, so the params stay as they are.
        (f"{prefix}_modes_before_step",
         imp + f"opt = {ctor}([p])\nbefore = p.detach().clone()\nopt.eval()\nopt.train()\nopt.eval()\n"
         "result = [before, p.detach(), opt.param_groups[0]['train_mode']]"),
    ]
    if cls is SGDScheduleFree:
        cases += [
            (f"{prefix}_negative_lr", imp + f"{ctor}([p], lr=-0.1)"),
            (f"{prefix}_nan_lr", imp + f"{ctor}([p], lr=float('nan'))"),
            (f"{prefix}_negative_weight_decay", imp + f"{ctor}([p], weight_decay=-0.5)"),
            (f"{prefix}_momentum_zero", imp + f"{ctor}([p], momentum=0.0)"),
            (f"{prefix}_momentum_one", imp + f"{ctor}([p], momentum=1.0)"),
            (f"{prefix}_nan_momentum", imp + f"{ctor}([p], momentum=float('nan'))"),
        ]
    return [(n, code, name) for n, code in cases]


# ---------------------------------------------------------------------------
# Train/eval switches and a checkpoint in eval mode
# ---------------------------------------------------------------------------
MODES_STEPS = 100
CHECKPOINT_AFTER = 50
# (after how many steps, the switches made then, in order). After CHECKPOINT_AFTER steps the run
# goes to eval mode, is checkpointed, and goes back to train mode.
SWITCHES = [
    (0, ["eval", "train"]),
    (1, ["eval", "train"]),
    (30, ["eval", "eval", "train"]),
    (CHECKPOINT_AFTER, ["eval", "checkpoint", "train"]),
    (75, ["eval", "train", "train"]),
    (MODES_STEPS, ["eval"]),
]

MODES_GROUPS = {
    "adamw_schedulefree": [
        {"lr": 0.01, "betas": (0.9, 0.999), "warmup_steps": 10, "weight_decay": 0.01},
        {"lr": 0.005, "betas": (0.8, 0.99), "r": 1.0, "weight_lr_power": 1.0, "inner_momentum": 0.9},
    ],
    "sgd_schedulefree": [
        {"lr": 0.1, "momentum": 0.9, "warmup_steps": 10},
        {"lr": 0.05, "momentum": 0.7, "weight_decay": 0.01, "r": 0.5, "weight_lr_power": 0.0},
    ],
}


def make_groups(params, groups_kwargs):
    """Group 0: W; group 1: b and s."""
    return [{"params": [params[0]], **copy.deepcopy(groups_kwargs[0])},
            {"params": params[1:], **copy.deepcopy(groups_kwargs[1])}]


def one_step(opt, params, problem):
    opt.zero_grad()
    loss = C.compute_loss(problem, params)
    loss.backward()
    grads = [p.grad.detach().clone() for p in params]
    opt.step()
    return C.step_record(opt, params, loss.item(), grads)


def groups_json(opt):
    return C.encode_state_dict(opt.state_dict())["param_groups"]


def run_with_switches(opt, params, problem, first, last, events):
    """Steps first+1 .. last with the SWITCHES made after each step count in [first, last] (the
    ones after `first` only when first is 0: a resumed run starts after its checkpoint).
    Appends each switch to `events`; returns the step records and the checkpoint (if taken)."""
    steps, checkpoint = [], None
    switches = dict(SWITCHES)
    for k in range(first, last + 1):
        for action in (switches.get(k, []) if k > first or first == 0 else []):
            if action == "checkpoint":
                checkpoint = (copy.deepcopy(opt.state_dict()), [p.detach().clone() for p in params])
                continue
            getattr(opt, action)()
            events.append({"after_step": k, "action": action, "params": [C.tensor_flat(p) for p in params],
                           "param_groups": groups_json(opt)})
        if k < last:
            steps.append(one_step(opt, params, problem))
    return steps, checkpoint


def modes_case(cls, prefix, dt, problem):
    dtype = C.DTYPES[dt]
    groups_kwargs = MODES_GROUPS[prefix]
    params = C.make_params(problem, dtype)
    opt = cls(make_groups(params, groups_kwargs))
    opt.train()
    events = []
    steps, (sd, saved_params) = run_with_switches(opt, params, problem, 0, MODES_STEPS, events)

    # The checkpoint reloaded into a fresh optimizer over fresh params holding the saved (x)
    # values, put in train mode and continued with the same switches: the same bits as the run
    # that carried on.
    resumed_params = [p.clone().requires_grad_(True) for p in saved_params]
    resumed = cls(make_groups(resumed_params, groups_kwargs))
    resumed.load_state_dict(copy.deepcopy(sd))
    resumed.train()
    resumed_events = []
    continuation, _ = run_with_switches(resumed, resumed_params, problem, CHECKPOINT_AFTER, MODES_STEPS, resumed_events)
    assert C.dumps(continuation) == C.dumps(steps[CHECKPOINT_AFTER:]), f"{prefix} {dt}: the resumed run differs"
    later_events = [e for e in events if e["after_step"] > CHECKPOINT_AFTER]
    assert C.dumps(resumed_events) == C.dumps(later_events), f"{prefix} {dt}: the resumed switches differ"

    return {
        "id": f"{prefix}_modes/{dt}",
        "dtype": dt,
        "groups": [{"params": [0] if i == 0 else [1, 2], "kwargs": C.encode_kwargs(g)[0]} for i, g in enumerate(groups_kwargs)],
        "events": events,
        "checkpoint": {"after_step": CHECKPOINT_AFTER, "state_dict": C.encode_state_dict(sd),
                       "params_at_save": [C.tensor_flat(p) for p in saved_params]},
        "steps": steps,
        "final_param_groups": groups_json(opt),
    }


def modes_fixture(cls, prefix):
    def make(problem):
        return f"{prefix}_modes.sofx", {
            **C.header(cls.__name__), "reference": REFERENCE,
            "problem": C.problem_json(problem), "param_names": C.param_names(problem),
            "cases": [modes_case(cls, prefix, dt, problem) for dt in ("float64", "float32")],
        }
    return make


def record(cls, prefix, configs):
    problem = C.make_problem()
    check_foreach_equals_forloop(in_train_mode(cls), configs, problem)
    R.record(R.Algorithm(
        cls=in_train_mode(cls),
        prefix=prefix,
        configs=configs,
        impls=("forloop",),
        state_dict_descs=("default", "everything"),
        errors=error_cases(prefix, cls),
        extra_files=[modes_fixture(cls, prefix)],
    ))


if __name__ == "__main__":
    torch.set_num_threads(1)
    record(AdamWScheduleFree, "adamw_schedulefree", ADAMW_CONFIGS)
    record(SGDScheduleFree, "sgd_schedulefree", SGD_CONFIGS)
