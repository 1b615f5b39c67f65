"""Record what PyTorch does with malformed optimizer state: when and how it fails.

From the repository root:
    tools/oracle/python tools/golden/atomic_state.py

Writes tests/SharpOptim.Tests/Fixtures/atomic_state.json, read by
tests/SharpOptim.Tests/Optim/MalformedStateConformanceTests.cs.

Each algorithm is built on two parameters (shapes below; kwargs chosen so that every state key
PyTorch has exists), given random gradients (sparse ones for SparseAdam) and stepped once on its
default CPU path (the for-loop), so that both parameters have state, then given new gradients. Then, for the parameter at index 1:

missing_key: one record per state key.
    "load": load_state_dict(a state dict without that key): {"kind": "ok"} or {"kind": "error",
            "type", "message"} (a KeyError's message is its args[0], the key itself).
            PyTorch's __setstate__ reads "step" (NAdam also "mu_product", ASGD "eta" and "mu")
            from every non-empty state, so those fail here.
    "step": a step after deleting the key from the live state (no load): as "load".
    "step_changed": whether that step, when it raised, had changed a parameter, a gradient or a
            state tensor (PyTorch raises in _init_group before changing anything, except where
            the check sits inside its update loop, e.g. Adafactor's assertions).
int64_state: one record per non-step tensor key: load_state_dict with that tensor as int64;
    "dtypes" maps every key of the loaded state to its dtype (a plain number to null), and
    "step_after_load" says whether the next step then ran.
nontensor_step: for algorithms with a tensor step, a step after state["step"] = 3 (a Python int)
    in the live state: "step" as above.
amsgrad_resume: Adam's state dict saved with amsgrad=False, loaded, then a step with the
    groups' amsgrad switched on: "load", "step" and "step_changed" as above.
"""

import copy
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import common as C  # noqa: E402

OUT = "tests/SharpOptim.Tests/Fixtures/atomic_state.json"

VECTOR_LAST = [[2, 3], [3]]
MATRICES = [[3, 2], [2, 3]]

# name -> (class, kwargs, parameter shapes); each kwargs makes every state key PyTorch has.
ALGORITHMS = {
    "SGD": (torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}, VECTOR_LAST),
    "Adam": (torch.optim.Adam, {"amsgrad": True}, VECTOR_LAST),
    "AdamW": (torch.optim.AdamW, {"amsgrad": True}, VECTOR_LAST),
    "Adamax": (torch.optim.Adamax, {}, VECTOR_LAST),
    "NAdam": (torch.optim.NAdam, {}, VECTOR_LAST),
    "RAdam": (torch.optim.RAdam, {}, VECTOR_LAST),
    "ASGD": (torch.optim.ASGD, {}, VECTOR_LAST),
    "Adagrad": (torch.optim.Adagrad, {}, VECTOR_LAST),
    "Adadelta": (torch.optim.Adadelta, {}, VECTOR_LAST),
    "RMSprop": (torch.optim.RMSprop, {"momentum": 0.9, "centered": True}, VECTOR_LAST),
    "Rprop": (torch.optim.Rprop, {}, VECTOR_LAST),
    "Adafactor": (torch.optim.Adafactor, {}, VECTOR_LAST),
    "Adafactor-matrix-last": (torch.optim.Adafactor, {}, [[3], [2, 3]]),
    "Muon": (torch.optim.Muon, {}, MATRICES),
    # dense parameters, sparse gradients; its step is a Python int
    "SparseAdam": (torch.optim.SparseAdam, {}, [[5, 3], [4, 3]]),
}


def stepped(spec):
    """An optimizer from spec (class, kwargs, shapes) on fresh parameters, stepped once, with new gradients."""
    cls, kwargs, shapes = spec
    gen = torch.Generator().manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(*shape, generator=gen)) for shape in shapes]
    opt = cls(params, **kwargs)

    def new_grads():
        for p in params:
            grad = torch.randn(p.shape, generator=gen)
            p.grad = grad.to_sparse() if cls is torch.optim.SparseAdam else grad

    new_grads()
    opt.step()
    new_grads()
    return params, opt


def outcome(action):
    try:
        action()
        return {"kind": "ok"}
    except Exception as e:  # noqa: BLE001 - recording whatever PyTorch raises
        message = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        return {"kind": "error", "type": type(e).__name__, "message": message}


def snapshot(params, opt):
    """Every parameter, gradient and state value, exactly (tensors as their bytes)."""
    def value(v):
        if torch.is_tensor(v):
            v = v.detach().to_dense()
            return (str(v.dtype), tuple(v.shape), v.numpy().tobytes())
        return repr(v)

    return ([value(p) for p in params], [value(p.grad) for p in params],
            [{k: value(v) for k, v in opt.state[p].items()} for p in params])


def missing_key_records():
    records = []
    for name in ALGORITHMS:
        params, opt = stepped(ALGORITHMS[name])
        saved = copy.deepcopy(opt.state_dict())
        for key in list(saved["state"][1]):
            without = copy.deepcopy(saved)
            del without["state"][1][key]
            _, target = stepped(ALGORITHMS[name])
            load = outcome(lambda: target.load_state_dict(without))

            params, opt = stepped(ALGORITHMS[name])
            del opt.state[params[1]][key]
            before = snapshot(params, opt)
            step = outcome(opt.step)
            record = {"algorithm": name, "key": key, "load": load, "step": step}
            if step["kind"] == "error":
                record["step_changed"] = snapshot(params, opt) != before
            records.append(record)
    return records


def int64_state_records():
    records = []
    for name in ALGORITHMS:
        _, opt = stepped(ALGORITHMS[name])
        saved = copy.deepcopy(opt.state_dict())
        for key, v in saved["state"][1].items():
            if key == "step" or not torch.is_tensor(v):
                continue
            as_int = copy.deepcopy(saved)
            as_int["state"][1][key] = v.round().to(torch.int64)
            params, target = stepped(ALGORITHMS[name])
            target.load_state_dict(as_int)
            state = target.state[params[1]]
            records.append({
                "algorithm": name, "key": key,
                "dtypes": {k: str(x.dtype).removeprefix("torch.") if torch.is_tensor(x) else None for k, x in state.items()},
                "step_after_load": outcome(target.step),
            })
    return records


def nontensor_step_records():
    records = []
    for name in ALGORITHMS:
        params, opt = stepped(ALGORITHMS[name])
        if not torch.is_tensor(opt.state[params[1]].get("step")):
            continue
        opt.state[params[1]]["step"] = 3
        records.append({"algorithm": name, "step": outcome(opt.step)})
    return records


def amsgrad_resume_record():
    _, plain = stepped((torch.optim.Adam, {}, VECTOR_LAST))
    params, resumed = stepped((torch.optim.Adam, {}, VECTOR_LAST))
    load = outcome(lambda: resumed.load_state_dict(copy.deepcopy(plain.state_dict())))
    # The loaded groups say amsgrad=False; the run resumes with it switched on.
    for group in resumed.param_groups:
        group["amsgrad"] = True
    before = snapshot(params, resumed)
    step = outcome(resumed.step)
    return {"load": load, "step": step, "step_changed": snapshot(params, resumed) != before}


def main():
    torch.manual_seed(0)
    fixture = {
        **C.header("malformed state"),
        "algorithms": {name: {"kwargs": C.encode_kwargs(kwargs)[0], "shapes": shapes}
                       for name, (_, kwargs, shapes) in ALGORITHMS.items()},
        "missing_key": missing_key_records(),
        "int64_state": int64_state_records(),
        "nontensor_step": nontensor_step_records(),
        "amsgrad_resume": amsgrad_resume_record(),
    }
    C.write_json(OUT, fixture)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
