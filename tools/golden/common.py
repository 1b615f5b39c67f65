"""Helpers every recording script shares: the test problem, exact number and tensor encoders,
running steps, error records and the JSON writers.

An algorithm's fixtures are recorded by recorder.py on top of these; the other scripts
(schedulers, nn, swa_utils, checkpoints, ...) use them directly. Run any script with the
reference PyTorch from the repository root:  ``tools/oracle/python tools/golden/sgd.py``.

See tools/golden/README.md for the fixture formats.
"""

import copy
import gzip
import json
import math
import os
import re
import warnings

import torch

from fixture_layout import slug  # noqa: F401  (common.slug for the scripts)

# ---------------------------------------------------------------------------
# Global determinism settings
# ---------------------------------------------------------------------------
# One intra-op thread so reductions (mean, matmul) never depend on the machine.
torch.set_num_threads(1)
# Keep the default dtype at PyTorch's default (float32): it decides the dtype of
# tensor literals such as torch.tensor(0.001) in PyTorch's own test grid and of
# state["step"] in later optimizers.
assert torch.get_default_dtype() == torch.float32

N_STEPS = 100
PARAM_NAMES = ["W", "b", "s"]
DTYPES = {"float32": torch.float32, "float64": torch.float64}

# ---------------------------------------------------------------------------
# The test problem
# ---------------------------------------------------------------------------
def header(optimizer):
    """The leading keys every fixture starts with."""
    return {
        "optimizer": optimizer,
        "torch_version": torch.__version__,
        # The vectorised CPU kernels (and so the last bits of some results, e.g.
        # fused=True) depend on the instruction set PyTorch dispatched to.
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "num_threads": torch.get_num_threads(),
    }


def make_problem():
    """The float64 problem tensors, drawn from torch.manual_seed(0) in this order."""
    torch.manual_seed(0)
    X = torch.randn(8, 4, dtype=torch.float64)
    Y = torch.randn(8, 3, dtype=torch.float64)
    W0 = torch.randn(3, 4, dtype=torch.float64) * 0.5
    b0 = torch.randn(3, dtype=torch.float64) * 0.5
    s0 = torch.randn((), dtype=torch.float64)
    s0 = s0 * 0.5 + 1.0
    return {"X": X, "Y": Y, "W": W0, "b": b0, "s": s0}


def problem_json(problem):
    return {k: tensor_json_shaped(v) for k, v in problem.items()}


class Problem(dict):
    """A test problem other than the standard one (e.g. Muon's, whose params must all be 2-D):
    its float64 tensors by name, the data "X" and "Y" first and then each param's initial value
    in param order, and its own loss(problem, params). Accepted wherever a problem is."""

    def __init__(self, tensors, loss):
        super().__init__(tensors)
        self.loss = loss


def param_names(problem):
    """A problem's params: its tensors other than the data X and Y, in order (W, b, s here)."""
    return [n for n in problem if n not in ("X", "Y")]


def make_params(problem, dtype):
    """Fresh leaf tensors (W, b, s for the standard problem), requires_grad, cast to dtype."""
    return [problem[n].to(dtype).detach().clone().requires_grad_(True) for n in param_names(problem)]


def compute_loss(problem, params):
    if isinstance(problem, Problem):
        return problem.loss(problem, params)
    W, b, s = params
    dtype = W.dtype
    X = problem["X"].to(dtype)
    Y = problem["Y"].to(dtype)
    pred = torch.tanh(X @ W.T + b) * s
    return ((pred - Y) ** 2).mean()


# ---------------------------------------------------------------------------
# Number / tensor encoding
# ---------------------------------------------------------------------------
def enc_float(x):
    """A Python float, exact (json writes repr), non-finite as strings."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def enc_scalar(x):
    """A Python scalar (bool/int/float/None/str) as JSON."""
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return x
    if isinstance(x, float):
        return enc_float(x)
    raise TypeError(f"unsupported scalar {type(x)}")


def tensor_flat(t):
    """Flat row-major list of a tensor's elements (exact: float32 elements become the
    double holding the same value)."""
    t = t.detach()
    if t.is_sparse:
        t = t.to_dense()
    t = t.cpu().reshape(-1)
    if t.is_floating_point():
        return [enc_float(v) for v in t.tolist()]
    if t.dtype == torch.bool:
        return [bool(v) for v in t.tolist()]
    if t.is_complex():
        raise TypeError("complex tensors are not supported by this encoder")
    return [int(v) for v in t.tolist()]


def tensor_scalar(t):
    """A one-element tensor as a plain JSON number."""
    if t.numel() != 1:
        raise ValueError("expected a one-element tensor")
    return tensor_flat(t)[0]


def tensor_json_shaped(t):
    return {"shape": list(t.shape), "data": tensor_flat(t)}


def tensor_json_full(t):
    """A tensor inside a state dict: dtype, shape and data (a sparse tensor is
    written densified, with "layout": "sparse_coo" added)."""
    out = {
        "tensor": True,
        "dtype": str(t.dtype).replace("torch.", ""),
        "shape": list(t.shape),
        "data": tensor_flat(t),
    }
    if t.is_sparse:
        out["layout"] = "sparse_coo"
    return out


def encode_kwargs(kwargs):
    """(kwargs as JSON, names of kwargs that were tensors).

    Tensor kwargs (e.g. lr=torch.tensor(0.001)) are written as the plain number the
    tensor holds; their names go into the tensor_kwargs list. Tuples become lists;
    tuples containing tensors (later optimizers' betas) have those elements written
    as numbers and the kwarg name is listed in tensor_kwargs too.
    """
    out, tensor_names = {}, []
    for k, v in kwargs.items():
        if isinstance(v, torch.Tensor):
            out[k] = tensor_scalar(v)
            tensor_names.append(k)
        elif isinstance(v, (tuple, list)):
            items = []
            for e in v:
                if isinstance(e, torch.Tensor):
                    items.append(tensor_scalar(e))
                    if k not in tensor_names:
                        tensor_names.append(k)
                else:
                    items.append(enc_scalar(e))
            out[k] = items
        else:
            out[k] = enc_scalar(v)
    return out, tensor_names


def encode_state_value(key, v):
    """A per-parameter state value inside a trajectory record.

    Tensors are flat lists, except a tensor-valued "step", which is a number.
    """
    if isinstance(v, torch.Tensor):
        if key == "step":
            return tensor_scalar(v)
        return tensor_flat(v)
    if isinstance(v, (list, tuple)):
        return [encode_state_value(None, e) for e in v]
    if isinstance(v, dict):
        return {str(kk): encode_state_value(kk, vv) for kk, vv in v.items()}
    return enc_scalar(v)


def encode_state_dict_value(v):
    """Any value inside opt.state_dict(): tensors in full form, containers recursed."""
    if isinstance(v, torch.Tensor):
        return tensor_json_full(v)
    if isinstance(v, dict):
        return {str(k): encode_state_dict_value(vv) for k, vv in v.items()}
    if isinstance(v, (list, tuple)):
        return [encode_state_dict_value(e) for e in v]
    return enc_scalar(v)


def encode_state_dict(sd):
    """opt.state_dict() as JSON, keeping PyTorch's key order. The integer keys of
    sd["state"] become strings ("0", "1", ...)."""
    return {
        "state": {str(k): encode_state_dict_value(v) for k, v in sd["state"].items()},
        "param_groups": [encode_state_dict_value(g) for g in sd["param_groups"]],
    }


# ---------------------------------------------------------------------------
# Trajectories
# ---------------------------------------------------------------------------
def param_state_record(opt, p):
    # opt.state is a defaultdict: use .get so that recording never creates entries.
    st = opt.state.get(p, {})
    return {k: encode_state_value(k, v) for k, v in st.items()}


def step_record(opt, params, loss, grads):
    return {
        "loss": enc_float(loss),
        "grads": [tensor_flat(g) if g is not None else None for g in grads],
        "params": [tensor_flat(p) for p in params],
        "state": [param_state_record(opt, p) for p in params],
    }


def run_steps(opt, params, problem, n_steps, closure_step=False):
    """Run n_steps of zero_grad / backward / step; return per-step records.

    The loss is the value before the step; grads are the gradients handed to the
    step (cloned before stepping); params and state are read after the step.
    With closure_step=True the optimizer is stepped with a closure that recomputes
    the loss (for LBFGS-like optimizers); the record then holds the first loss
    and the grads of the first evaluation.
    """
    records = []
    for _ in range(n_steps):
        if closure_step:
            def closure():
                opt.zero_grad()
                l = compute_loss(problem, params)
                l.backward()
                return l

            loss = closure()
            grads = [p.grad.detach().clone() if p.grad is not None else None for p in params]
            opt.step(closure)
        else:
            opt.zero_grad()
            loss = compute_loss(problem, params)
            loss.backward()
            grads = [p.grad.detach().clone() if p.grad is not None else None for p in params]
            opt.step()
        records.append(step_record(opt, params, loss.item(), grads))
    return records


def clone_kwargs(kwargs):
    """Deep copy of a config's kwargs (tensor kwargs are copied too)."""
    return copy.deepcopy(kwargs)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
def error_env():
    """Fresh namespace for one error case: torch, p, p2 (1x1 Parameters, seed 0)."""
    torch.manual_seed(0)
    p = torch.nn.Parameter(torch.randn(1, 1))
    p2 = torch.nn.Parameter(torch.randn(1, 1))
    return {"torch": torch, "p": p, "p2": p2, "copy": copy}


_ADDR = re.compile(r"0x[0-9a-fA-F]+")


def run_error_case(name, code, extra=None):
    """exec(code) in a fresh env and record what PyTorch does.

    kind: "error" (raised: type, message), "warning" (no raise, warned: type =
    warning category, message) or "ok". If the code sets a variable named
    `result`, it is recorded (encoded with encode_state_dict_value).
    """
    env = error_env()
    rec = {"name": name, "python": code}
    exc = None
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            exec(code, env)
        except Exception as e:
            exc = e
    ws = list(w)
    if exc is not None:
        rec.update(kind="error", type=type(exc).__name__, message=str(exc))
    elif ws:
        rec.update(kind="warning", type=ws[0].category.__name__, message=str(ws[0].message))
    else:
        rec.update(kind="ok")
    if "message" in rec and _ADDR.search(rec["message"]):
        # object reprs carry a memory address that changes from run to run
        rec["message_pattern"] = "^" + _ADDR.sub("0x[0-9a-f]+", re.escape(rec["message"])) + "$"
    extra_ws = [{"type": x.category.__name__, "message": str(x.message)} for x in ws]
    if exc is not None and extra_ws:
        rec["warnings"] = extra_ws
    elif len(extra_ws) > 1:
        rec["warnings"] = extra_ws
    if "result" in env:
        rec["result"] = encode_state_dict_value(env["result"])
    if extra:
        rec.update(extra)
    return rec


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
def _check_json(obj, path="$"):
    """Refuse anything json would not write exactly (NaN floats, non-str keys...)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if not isinstance(k, str):
                raise TypeError(f"non-string key {k!r} at {path}")
            _check_json(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _check_json(v, f"{path}[{i}]")
    elif isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"non-finite float at {path}")
    elif obj is None or isinstance(obj, (bool, int, str)):
        pass
    else:
        raise TypeError(f"unsupported {type(obj)} at {path}")


def dumps(obj):
    _check_json(obj)
    return json.dumps(obj, separators=(",", ":"), allow_nan=False, ensure_ascii=False)


def write_json_gz(path, obj):
    """Compact JSON, gzip level 9 with mtime 0 (byte-stable output)."""
    data = (dumps(obj) + "\n").encode("utf-8")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(gzip.compress(data, compresslevel=9, mtime=0))
    return len(data)


def write_json(path, obj, indent=1):
    """Small fixtures: plain, indented JSON."""
    _check_json(obj)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(obj, indent=indent, allow_nan=False, ensure_ascii=False) + "\n")


def read_json_gz(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def write_error_fixture(path, records):
    """Merge error records into the shared error fixture (a JSON list).

    Records are grouped by their "scope" ("all_optimizers", "SGD", "Adam", ...).
    Each scope present in `records` replaces that scope's entries in the existing
    file (in place); other scopes are kept, so every optimizer's script can add its
    own cases without clobbering the others'. Scope order: first appearance.
    """
    groups = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for r in json.load(f):
                groups.setdefault(r["scope"], []).append(r)
    new_groups = {}
    for r in records:
        new_groups.setdefault(r["scope"], []).append(r)
    for scope, recs in new_groups.items():
        groups[scope] = recs  # replaces in place, or appends a new scope
    merged = [r for recs in groups.values() for r in recs]
    write_json(path, merged)
    return merged
