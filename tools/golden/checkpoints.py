"""Record checkpoints that PyTorch writes mid-training, and the steps PyTorch takes after
loading them, so that SharpOptim can be checked to load them and continue exactly.

From the repository root:
    tools/oracle/python tools/golden/checkpoints.py

Writes
    tests/SharpOptim.Tests/Fixtures/checkpoints/torch/<case id>_<dtype>.pt
    tests/SharpOptim.Tests/Fixtures/checkpoint_continuations.json.gz

Each entry of CASES is one case; adding an optimizer or a scheduler is one more entry (see the
commented examples). For every case and dtype the script trains STEPS_BEFORE_SAVE steps (or the
case's own count), saves a checkpoint with torch.save, loads it back with
torch.load(weights_only=True) into fresh objects, trains STEPS_AFTER (or the case's count) more
steps and records them. See tools/golden/README.md for the format.
"""

import copy
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import common as C  # noqa: E402
import lbfgs as L  # noqa: E402

PT_DIR = "tests/SharpOptim.Tests/Fixtures/checkpoints/torch"
FIXTURE = "tests/SharpOptim.Tests/Fixtures/checkpoint_continuations.json.gz"
STEPS_BEFORE_SAVE = 5
STEPS_AFTER = 50

# One entry per case:
#   id         names the case and its .pt files
#   optimizer  (torch.optim class name, constructor kwargs)
#   model      None: the regression problem of common.py (params W, b, s), checkpoint =
#              optimizer.state_dict() alone (unless a scheduler is given);
#              a name in MODELS: that model trained on MODEL_BATCHES, checkpoint =
#              {"model": ..., "optimizer": ..., "epoch": STEPS_BEFORE_SAVE}
#   scheduler  optional (torch.optim.lr_scheduler class name, kwargs), stepped after every
#              optimizer step; the checkpoint is then a dict with a "scheduler" entry too
#   closure    optional: step with a closure that recomputes the loss (LBFGS); every closure
#              evaluation of a continuation step is recorded (params it saw, loss, grads)
#   steps_before_save, steps_after   optional, regression-problem cases only: this case's own
#              counts instead of STEPS_BEFORE_SAVE and STEPS_AFTER (a model case's batches and
#              "epoch" follow the global counts)
CASES = [
    dict(id="sgd_momentum", optimizer=("SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01})),
    dict(id="sgd_nesterov", optimizer=("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True})),
    dict(id="sgd_batchnorm_model", model="mlp_batchnorm",
         optimizer=("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 1e-3})),
    dict(id="adam_amsgrad", optimizer=("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.01})),
    dict(id="adamax", optimizer=("Adamax", {"lr": 0.02, "weight_decay": 0.01})),
    dict(id="adamw_onecycle_model", model="mlp_batchnorm", optimizer=("AdamW", {"lr": 0.01, "weight_decay": 0.05}),
         scheduler=("OneCycleLR", {"max_lr": 0.1, "total_steps": STEPS_BEFORE_SAVE + STEPS_AFTER})),
    # LBFGS: max_iter 5 keeps the regression problem far from its minimum for the 3 + 5 steps, and
    # history_size 4 fills the history lists (old_dirs, old_stps, ro, al) before the save; with
    # strong_wolfe the saved t is a 0-d tensor, without it a Python float.
    dict(id="lbfgs", optimizer=("LBFGS", {"lr": 0.5, "max_iter": 5, "history_size": 4}), closure=True,
         steps_before_save=3, steps_after=5),
    dict(id="lbfgs_strong_wolfe", optimizer=("LBFGS", {"max_iter": 5, "history_size": 4, "line_search_fn": "strong_wolfe"}),
         closure=True, steps_before_save=3, steps_after=5),
]


def mlp_batchnorm(dtype):
    """Linear(4, 6) -> BatchNorm1d(6) -> Tanh -> Linear(6, 3), trained with MSELoss."""
    torch.manual_seed(2)
    return nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.Tanh(), nn.Linear(6, 3)).to(dtype)


MODELS = {"mlp_batchnorm": mlp_batchnorm}


def model_batches():
    """One float64 (X, Y) batch per step, drawn once; a float32 case casts them."""
    torch.manual_seed(1)
    n = STEPS_BEFORE_SAVE + STEPS_AFTER
    return [(torch.randn(8, 4, dtype=torch.float64), torch.randn(8, 3, dtype=torch.float64)) for _ in range(n)]


MODEL_BATCHES = model_batches()


# ---------------------------------------------------------------------------
# One training run of a case (regression problem or model)
# ---------------------------------------------------------------------------
class Run:
    """Params (or a model), an optimizer and an optional scheduler for one case and dtype."""

    def __init__(self, case, dtype, problem):
        self.case, self.dtype, self.problem = case, dtype, problem
        if case.get("model"):
            self.model = MODELS[case["model"]](dtype)
            self.params = list(self.model.parameters())
        else:
            self.model = None
            self.params = C.make_params(problem, dtype)
        name, kwargs = case["optimizer"]
        self.opt = getattr(torch.optim, name)(self.params, **copy.deepcopy(kwargs))
        self.sched = None
        if case.get("scheduler"):
            sname, skwargs = case["scheduler"]
            self.sched = getattr(torch.optim.lr_scheduler, sname)(self.opt, **copy.deepcopy(skwargs))

    def loss(self, step):
        if self.model is None:
            return C.compute_loss(self.problem, self.params)
        x, y = (t.to(self.dtype) for t in MODEL_BATCHES[step])
        return nn.functional.mse_loss(self.model(x), y)

    def step(self, step):
        """One training step (step = global step index); returns its record."""
        if self.model is not None:
            self.model.train()
        evaluations = None
        if self.case.get("closure"):
            def closure():
                self.opt.zero_grad()
                l = self.loss(step)
                l.backward()
                return l
            loss = closure()
            grads = [p.grad.detach().clone() for p in self.params]
            evaluations = []

            def recording_closure():
                seen = [C.tensor_flat(p) for p in self.params]
                l = closure()
                evaluations.append({"params": seen, "loss": C.enc_float(l.item()),
                                    "grads": [C.tensor_flat(p.grad) for p in self.params]})
                return l
            self.opt.step(recording_closure)
        else:
            self.opt.zero_grad()
            loss = self.loss(step)
            loss.backward()
            grads = [p.grad.detach().clone() for p in self.params]
            self.opt.step()
        if self.sched is not None:
            self.sched.step()
        record = C.step_record(self.opt, self.params, loss.item(), grads)
        if evaluations is not None:
            record["evaluations"] = evaluations
        if self.model is not None:
            record["buffers"] = [C.tensor_flat(b) for _, b in self.model.named_buffers()]
        if self.sched is not None:
            record["lr"] = [C.enc_float(g["lr"]) for g in self.opt.param_groups]
            # What a momentum-cycling scheduler (OneCycleLR, CyclicLR) moves besides the lr.
            if all("betas" in g for g in self.opt.param_groups):
                record["betas"] = [[C.enc_float(b) for b in g["betas"]] for g in self.opt.param_groups]
            elif all("momentum" in g for g in self.opt.param_groups):
                record["momentum"] = [C.enc_float(g["momentum"]) for g in self.opt.param_groups]
        return record

    def checkpoint(self):
        if self.model is None and self.sched is None:
            return self.opt.state_dict()
        ck = {}
        if self.model is not None:
            ck["model"] = self.model.state_dict()
        ck["optimizer"] = self.opt.state_dict()
        if self.sched is not None:
            ck["scheduler"] = self.sched.state_dict()
        ck["epoch"] = STEPS_BEFORE_SAVE
        return ck

    def load(self, ck):
        if self.model is None and self.sched is None:
            self.opt.load_state_dict(ck)
            return
        if self.model is not None:
            self.model.load_state_dict(ck["model"])
        self.opt.load_state_dict(ck["optimizer"])
        if self.sched is not None:
            self.sched.load_state_dict(ck["scheduler"])


def encode_checkpoint(ck):
    """The checkpoint's content as JSON: tensors in full form, dicts keep their order (int keys as strings)."""
    return C.encode_state_dict_value(ck)


def record_case(case, dt, problem):
    dtype = C.DTYPES[dt]
    before = case.get("steps_before_save", STEPS_BEFORE_SAVE)
    after = case.get("steps_after", STEPS_AFTER)
    if case.get("model") and (before, after) != (STEPS_BEFORE_SAVE, STEPS_AFTER):
        raise ValueError(f"{case['id']}: a model case trains on MODEL_BATCHES, drawn for the global step counts")
    run = Run(case, dtype, problem)
    for k in range(before):
        run.step(k)
    params_at_save = [C.tensor_flat(p) for p in run.params]
    ck = run.checkpoint()
    path = f"{PT_DIR}/{case['id']}_{dt}.pt"
    torch.save(ck, path)
    ck_json = encode_checkpoint(ck)   # now: state_dict() shares the live tensors, which training goes on changing

    saved_params = [p.detach().clone() for p in run.params]

    def resume():
        """Fresh objects (other initial values) loaded from the file as a user would."""
        resumed = Run(case, dtype, problem)
        if resumed.model is None:
            with torch.no_grad():
                for p, v in zip(resumed.params, saved_params):
                    p.copy_(v)
        resumed.load(torch.load(path, weights_only=True))
        return resumed

    resumed = resume()
    continuation = [resumed.step(before + k) for k in range(after)]
    # Loading must not change anything: continuing the original objects gives the same steps.
    original = [run.step(before + k) for k in range(after)]
    if C.dumps(original) != C.dumps(continuation):
        raise AssertionError(f"{case['id']}/{dt}: continuing after torch.load differs from continuing in memory")

    name, kwargs = case["optimizer"]
    kwargs_json, tensor_names = C.encode_kwargs(kwargs)
    out = {
        "id": f"{case['id']}/{dt}",
        "file": os.path.relpath(path, "tests/SharpOptim.Tests/Fixtures"),
        "optimizer": name,
        "kwargs": kwargs_json,
        "tensor_kwargs": tensor_names,
        "model": case.get("model"),
        "scheduler": None,
        "closure": bool(case.get("closure")),
        "dtype": dt,
        "steps_before_save": before,
        "params_at_save": params_at_save,
        "checkpoint": ck_json,
        "continuation": continuation,
    }
    if case.get("closure"):
        # How far PyTorch reproduces its own continuation when it rounds as another implementation
        # may (lbfgs.py's "self_error"): the C# tests' tolerance per step.
        def make_optimizer():
            r = resume()
            return r.opt, r.params
        out["self_error"] = L.self_errors_of(make_optimizer, continuation)
    if case.get("scheduler"):
        sname, skwargs = case["scheduler"]
        out["scheduler"] = {"name": sname, "kwargs": C.encode_kwargs(skwargs)[0]}
    if run.model is not None:
        out["param_names"] = [n for n, _ in run.model.named_parameters()]
        out["buffer_names"] = [n for n, _ in run.model.named_buffers()]
    return out


def main():
    os.makedirs(PT_DIR, exist_ok=True)
    problem = C.make_problem()
    cases = [record_case(case, dt, problem) for case in CASES for dt in ("float32", "float64")]
    fixture = {
        **C.header("checkpoints"),
        "steps_before_save": STEPS_BEFORE_SAVE,
        "steps_after": STEPS_AFTER,
        "problem": C.problem_json(problem),
        "param_names": list(C.PARAM_NAMES),
        "model_batches": [{"X": C.tensor_json_shaped(x), "Y": C.tensor_json_shaped(y)}
                          for x, y in MODEL_BATCHES[STEPS_BEFORE_SAVE:]],
        "cases": cases,
    }
    size = C.write_json_gz(FIXTURE, fixture)
    print(f"{FIXTURE}: {len(cases)} cases, {size} bytes of JSON")
    for c in cases:
        print(f"  {c['file']}: {os.path.getsize(os.path.join('tests/SharpOptim.Tests/Fixtures', c['file']))} bytes")


if __name__ == "__main__":
    main()
