"""Check, with PyTorch, the checkpoints SharpOptim writes (tools/CheckpointWriter).

From the repository root:
    dotnet run --project tools/CheckpointWriter               # writes the files and manifest.json
    tools/oracle/python tools/golden/check_sharpoptim_files.py [DIR]

DIR defaults to tests/SharpOptim.Tests/Fixtures/checkpoints/sharpoptim_written. For every file in
DIR/manifest.json this loads it with torch.load(weights_only=True) and compares everything with
what SharpOptim meant to write (the manifest's tagged content: every tensor's dtype, shape,
requires_grad, Parameter-ness and bits, every option's type and value, dict key order), loads it
again memory-mapped with PyTorch's offset debug checks on, inspects the zip layout and the pickle
opcodes, and runs the file's own checks (load_state_dict into a real optimizer / model /
scheduler; for continued runs, the values PyTorch itself reached). Writes DIR/REPORT.md and
exits with status 1 if anything failed.
"""

import collections
import gzip
import io
import json
import math
import os
import pickletools
import struct
import sys
import warnings
import zipfile

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import checkpoints as CK  # noqa: E402  (the model architecture the checkpoint cases use)

DEFAULT_DIR = "tests/SharpOptim.Tests/Fixtures/checkpoints/sharpoptim_written"
CONTINUATIONS = "tests/SharpOptim.Tests/Fixtures/checkpoint_continuations.json.gz"
DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64, "bool": torch.bool}
# The opcodes PyTorch's weights_only unpickler implements (torch/_weights_only_unpickler.py).
WEIGHTS_ONLY_OPCODES = {
    "PROTO", "STOP", "MARK", "EMPTY_DICT", "EMPTY_LIST", "EMPTY_TUPLE", "EMPTY_SET", "TUPLE", "TUPLE1", "TUPLE2",
    "TUPLE3", "NONE", "NEWTRUE", "NEWFALSE", "BININT", "BININT1", "BININT2", "LONG1", "BINFLOAT", "BINUNICODE",
    "SHORT_BINSTRING", "GLOBAL", "REDUCE", "BUILD", "NEWOBJ", "APPEND", "APPENDS", "SETITEM", "SETITEMS",
    "BINPERSID", "BINGET", "LONG_BINGET", "BINPUT", "LONG_BINPUT",
}


class Check:
    """Counts what was compared and collects failures for one file."""

    def __init__(self):
        self.tensors = self.elements = self.scalars = 0
        self.problems = []
        self.rows = []

    def fail(self, path, message):
        self.problems.append(f"{path}: {message}")

    def row(self, what, ok, detail=""):
        self.rows.append((what, ok, detail))
        if not ok:
            self.problems.append(f"{what}: {detail}")


def same_float(a, b):
    return (math.isnan(a) and math.isnan(b)) or struct.pack("<d", a) == struct.pack("<d", b)


def compare(actual, tag, path, ck):
    """actual (what torch.load returned) against SharpOptim's tagged intent."""
    kind, value = next(iter(tag.items()))
    if kind == "none":
        ok = actual is None
    elif kind == "bool":
        ok = type(actual) is bool and actual == value
    elif kind == "int":
        ok = type(actual) is int and actual == value
    elif kind == "float":
        ok = type(actual) is float and same_float(actual, float(value))
    elif kind == "str":
        ok = type(actual) is str and actual == value
    elif kind == "bytes":
        ok = type(actual) is bytes and actual.hex() == value
    elif kind == "dtype":
        ok = isinstance(actual, torch.dtype) and str(actual) == "torch." + value
    elif kind == "tensor":
        compare_tensor(actual, tag, path, ck)
        return
    elif kind in ("list", "tuple"):
        if type(actual) is not (list if kind == "list" else tuple) or len(actual) != len(value):
            ck.fail(path, f"expected a {kind} of {len(value)}, got {type(actual).__name__} {actual!r:.80}")
            return
        for i, (a, t) in enumerate(zip(actual, value)):
            compare(a, t, f"{path}[{i}]", ck)
        return
    elif kind == "dict":
        want = collections.OrderedDict if tag["ordered"] else dict
        if type(actual) is not want or len(actual) != len(value):
            ck.fail(path, f"expected a {want.__name__} of {len(value)}, got {type(actual).__name__} of {len(actual) if hasattr(actual, '__len__') else '?'}")
            return
        for (k, v), (kt, vt) in zip(actual.items(), value):
            compare(k, kt, f"{path} key {k!r}", ck)
            compare(v, vt, f"{path}[{k!r}]", ck)
        return
    else:
        raise ValueError(f"unknown tag {kind}")
    ck.scalars += 1
    if not ok:
        ck.fail(path, f"expected {kind} {value!r}, got {type(actual).__name__} {actual!r}")


def compare_tensor(actual, tag, path, ck):
    if not isinstance(actual, torch.Tensor):
        ck.fail(path, f"expected a tensor, got {type(actual).__name__}")
        return
    ck.tensors += 1
    problems = []
    if actual.dtype != DTYPES[tag["tensor"]]:
        problems.append(f"dtype {actual.dtype}, expected {tag['tensor']}")
    if list(actual.shape) != tag["shape"]:
        problems.append(f"shape {list(actual.shape)}, expected {tag['shape']}")
    if actual.requires_grad != tag["requires_grad"]:
        problems.append(f"requires_grad {actual.requires_grad}")
    if isinstance(actual, torch.nn.Parameter) != bool(tag.get("parameter")):
        problems.append(f"is {'a' if isinstance(actual, torch.nn.Parameter) else 'not a'} Parameter")
    if not problems:
        flat = actual.detach().reshape(-1).tolist()
        ck.elements += len(flat)
        for i, (a, e) in enumerate(zip(flat, tag["data"])):
            if isinstance(e, str):
                good = same_float(float(a), float(e))
            else:
                good = a == e and type(a) is type(e)
            if not good:
                problems.append(f"element {i} is {a!r}, expected {e!r}")
                break
    for p in problems:
        ck.fail(path, p)


def tensors_equal(a, b):
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape and \
            torch.equal(a.nan_to_num(0.5) if a.is_floating_point() else a, b.nan_to_num(0.5) if b.is_floating_point() else b)
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(tensors_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(tensors_equal(x, y) for x, y in zip(a, b))
    return a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


def relative_error(actual, expected):
    """Tolerance.cs's measure: relative to each element's magnitude, floored at 1e-3 of the largest."""
    actual = [float(x) for x in actual]
    scale = max([abs(e) for e in expected] + [0.0])
    floor = max(scale * 1e-3, 1e-30)
    return max([abs(a - e) / max(abs(e), floor) for a, e in zip(actual, expected) if a != e] + [0.0])


# ---------------------------------------------------------------------------
# Layout checks
# ---------------------------------------------------------------------------
def check_layout(path, loaded, ck):
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        prefix = infos[0].filename.split("/")[0]
        names = [i.filename[len(prefix) + 1:] for i in infos]
        stored = all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        with open(path, "rb") as f:
            raw = f.read()
        aligned = all((i.header_offset + 30 + len(i.filename.encode()) + int.from_bytes(raw[i.header_offset + 28:i.header_offset + 30], "little")) % 64 == 0
                      for i in infos)
        pkl = z.read(f"{prefix}/data.pkl")
        sid = z.read(f"{prefix}/.data/serialization_id")
        records = {n: z.read(f"{prefix}/{n}") for n in ("version", ".format_version", ".storage_alignment", "byteorder")}
    ck.row("archive folder is the file's name", prefix == os.path.splitext(os.path.basename(path))[0], prefix)
    buf = io.BytesIO()
    torch.save(loaded, buf)
    with zipfile.ZipFile(buf) as z:
        torch_names = [i.filename[len("archive/"):] for i in z.infolist()]
        torch_pkl = z.read("archive/data.pkl")
    ck.row("records and their order are torch.save's", names == torch_names, ", ".join(names))
    ck.row("every record stored and 64-byte aligned", stored and aligned)
    ck.row("version / .format_version / .storage_alignment / byteorder", records == {"version": b"3\n", ".format_version": b"1", ".storage_alignment": b"64", "byteorder": b"little"},
           repr(records))
    ck.row("serialization_id is 40 digits", len(sid) == 40 and sid.isdigit(), sid.decode())
    ops = {op.name for op, _, _ in pickletools.genops(pkl)}
    protocol = next(arg for op, arg, _ in pickletools.genops(pkl) if op.name == "PROTO")
    ck.row("data.pkl: protocol 2, only opcodes the weights_only unpickler knows", protocol == 2 and ops <= WEIGHTS_ONLY_OPCODES,
           ", ".join(sorted(ops - WEIGHTS_ONLY_OPCODES)))
    ck.rows.append(("(info) data.pkl byte-identical to torch.save's for the loaded object", pkl == torch_pkl, f"{len(pkl)} vs {len(torch_pkl)} bytes"))
    os.environ["TORCH_SERIALIZATION_DEBUG"] = "1"
    try:
        mapped = torch.load(path, weights_only=True, mmap=True)
        ck.row("torch.load(mmap=True) with TORCH_SERIALIZATION_DEBUG offset checks", tensors_equal(loaded, mapped))
    except Exception as e:  # noqa: BLE001
        ck.row("torch.load(mmap=True) with TORCH_SERIALIZATION_DEBUG offset checks", False, f"{type(e).__name__}: {e}")
    finally:
        del os.environ["TORCH_SERIALIZATION_DEBUG"]


# ---------------------------------------------------------------------------
# Per-kind checks
# ---------------------------------------------------------------------------
def optimizer_for(sd, params_by_index):
    """A torch SGD with the loaded dict's groups (named where the dict names them)."""
    groups = []
    for g in sd["param_groups"]:
        ps = [params_by_index[i] for i in g["params"]]
        if "param_names" in g:
            ps = list(zip(g["param_names"], ps))
        groups.append({"params": ps, **{k: v for k, v in g.items() if k not in ("params", "param_names")}})
    return torch.optim.SGD(groups)


def check_optimizer(loaded, checks, ck):
    dtype = DTYPES[checks["dtype"]]
    params = [torch.zeros(s, dtype=dtype, requires_grad=True) for s in checks["param_shapes"]]
    opt = optimizer_for(loaded, params)
    opt.load_state_dict(loaded)
    ck.row("torch.optim.SGD.load_state_dict, then state_dict() gives it back", tensors_equal(opt.state_dict(), loaded))
    for p in params:
        p.grad = torch.ones_like(p)
    opt.step()
    ck.row("a step after loading runs", all(torch.isfinite(p).all() for p in params))


def check_model(loaded, checks, ck):
    model = CK.MODELS[checks["model"]](DTYPES[checks["dtype"]])
    result = model.load_state_dict(loaded["model"], strict=True)
    ck.row("model.load_state_dict(strict=True) into PyTorch's Sequential", not result.missing_keys and not result.unexpected_keys)
    ck.row("model tensors identical after loading", tensors_equal(model.state_dict(), loaded["model"]))
    opt = optimizer_for(loaded["optimizer"], list(model.parameters()))
    opt.load_state_dict(loaded["optimizer"])
    ck.row("optimizer.load_state_dict, then state_dict() gives it back", tensors_equal(opt.state_dict(), loaded["optimizer"]))
    x = torch.ones(8, 4, dtype=DTYPES[checks["dtype"]])
    torch.nn.functional.mse_loss(model(x), torch.zeros(8, 3, dtype=x.dtype)).backward()
    opt.step()
    ck.row("a training step after loading runs", all(torch.isfinite(p).all() for p in model.parameters()))


def check_continuation(loaded, checks, ck):
    with gzip.open(CONTINUATIONS, "rt", encoding="utf-8") as f:
        case = next(c for c in json.load(f)["cases"] if c["id"] == checks["case"])
    last = case["continuation"][-1]
    tol = 1e-5 if checks["dtype"] == "float32" else 1e-10
    worst = 0.0
    for i, p in enumerate(loaded["params"]):
        worst = max(worst, relative_error(p.reshape(-1).tolist(), [float(v) for v in last["params"][i]]))
        for key, value in last["state"][i].items():
            worst = max(worst, relative_error(loaded["optimizer"]["state"][i][key].reshape(-1).tolist(), [float(v) for v in value]))
    ck.row(f"params and state equal PyTorch's own run after step {loaded['step']} (tolerance {tol:g})", worst <= tol, f"worst relative error {worst:.3g}")
    params = [p.clone().requires_grad_(True) for p in loaded["params"]]
    opt = optimizer_for(loaded["optimizer"], params)
    opt.load_state_dict(loaded["optimizer"])
    ck.row("torch.optim.SGD.load_state_dict, then state_dict() gives it back", tensors_equal(opt.state_dict(), loaded["optimizer"]))


def check_scheduler(loaded, checks, ck):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=checks["lr"])
    sched = getattr(torch.optim.lr_scheduler, checks["scheduler"])(opt, **checks["kwargs"])
    ck.row(f"keys are {checks['scheduler']}.state_dict()'s", list(sched.state_dict()) == list(loaded), ", ".join(loaded))
    sched.load_state_dict(loaded)
    ck.row(f"{checks['scheduler']}.load_state_dict, then state_dict() gives it back", sched.state_dict() == loaded)
    ck.row("get_last_lr() is the saved _last_lr", sched.get_last_lr() == loaded["_last_lr"])


def scheduled_optimizer(checks, params):
    """The checks' torch.optim optimizer and lr_scheduler over params, built as a user builds them."""
    opt = getattr(torch.optim, checks["optimizer"])(params, **checks["optimizer_kwargs"])
    return opt, getattr(torch.optim.lr_scheduler, checks["scheduler"])(opt, **checks["scheduler_kwargs"])


def worst_difference(actual, expected):
    """Largest relative difference between two equally shaped structures of numbers; inf where
    anything else (a key, a string, a type, a length) differs."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or list(actual) != list(expected):
            return math.inf
        return max([worst_difference(actual[k], expected[k]) for k in expected] + [0.0])
    if isinstance(expected, (list, tuple)):
        if type(actual) is not type(expected) or len(actual) != len(expected):
            return math.inf
        return max([worst_difference(a, e) for a, e in zip(actual, expected)] + [0.0])
    if isinstance(expected, float) and type(actual) in (float, int) and not isinstance(actual, bool):
        return 0.0 if actual == expected else abs(actual - expected) / max(abs(expected), 1e-300)
    return 0.0 if type(actual) is type(expected) and actual == expected else math.inf


SCHEDULED_GROUP_KEYS = ("lr", "betas", "momentum", "initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum")


def scheduled_values(opt):
    """What a scheduler sets in the optimizer's groups."""
    return [{k: g[k] for k in SCHEDULED_GROUP_KEYS if k in g} for g in opt.param_groups]


def check_scheduler_checkpoint(loaded, checks, ck):
    """{"model", "optimizer", "scheduler", "epoch"}: loads into PyTorch's model, optimizer and
    scheduler (built first, as users do), and must equal a PyTorch run stepped as often."""
    dtype = DTYPES[checks["dtype"]]
    model = CK.MODELS[checks["model"]](dtype)
    result = model.load_state_dict(loaded["model"], strict=True)
    ck.row("model.load_state_dict(strict=True) into PyTorch's Sequential", not result.missing_keys and not result.unexpected_keys)
    opt, sched = scheduled_optimizer(checks, model.parameters())
    opt.load_state_dict(loaded["optimizer"])
    sched.load_state_dict(loaded["scheduler"])
    name = f"torch.optim.{checks['optimizer']} + {checks['scheduler']}"
    ck.row(f"{name}: load_state_dict, then state_dict() gives it back (optimizer)", tensors_equal(opt.state_dict(), loaded["optimizer"]))
    ck.row(f"{name}: load_state_dict, then state_dict() gives it back (scheduler)", sched.state_dict() == loaded["scheduler"])

    # PyTorch's own schedule, stepped as often as SharpOptim's was before the save.
    ref_params = [torch.zeros_like(p, requires_grad=True) for p in model.parameters()]
    ref_opt, ref_sched = scheduled_optimizer(checks, ref_params)
    for _ in range(loaded["epoch"]):
        for p in ref_params:
            p.grad = torch.zeros_like(p)
        ref_opt.step()
        ref_sched.step()
    tol = 1e-12
    worst = worst_difference(loaded["scheduler"], ref_sched.state_dict())
    ck.row(f"scheduler state equals PyTorch's {checks['scheduler']} after {loaded['epoch']} steps (relative {tol:g})", worst <= tol, f"worst relative difference {worst:.3g}")
    worst = worst_difference(scheduled_values(opt), scheduled_values(ref_opt))
    ck.row(f"the groups' {', '.join(k for k in SCHEDULED_GROUP_KEYS if k in opt.param_groups[0])} equal PyTorch's (relative {tol:g})", worst <= tol, f"worst relative difference {worst:.3g}")

    # Training on to the end of the cycle: the loaded scheduler keeps to PyTorch's schedule.
    x = torch.ones(8, 4, dtype=dtype)
    worst, steps = 0.0, 0
    while sched.last_epoch < sched.total_steps - 1:
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), torch.zeros(8, 3, dtype=dtype)).backward()
        opt.step()
        sched.step()
        ref_opt.step()
        ref_sched.step()
        worst = max(worst, worst_difference(scheduled_values(opt), scheduled_values(ref_opt)))
        steps += 1
    ck.row(f"{steps} more training steps to the end of the cycle: lrs and betas stay PyTorch's (relative {tol:g})",
           steps > 0 and worst <= tol and all(torch.isfinite(p).all() for p in model.parameters()), f"worst relative difference {worst:.3g}")


def check_values(loaded, checks, ck):
    twice = loaded["same_tensor_twice"]
    ck.row("a tensor saved twice loads as one object", twice[0] is twice[1])
    s, sl, rs = loaded["storage"], loaded["slice"], loaded["reshaped"]
    shared = s.untyped_storage().data_ptr() == sl.untyped_storage().data_ptr() == rs.untyped_storage().data_ptr()
    ck.row("views of one storage load as views of one storage (slice at offset 4)", shared and sl.storage_offset() == 4)


KIND_CHECKS = {"optimizer": check_optimizer, "model_checkpoint": check_model, "continuation": check_continuation,
               "scheduler": check_scheduler, "scheduler_checkpoint": check_scheduler_checkpoint, "values": check_values}


def check_file(directory, entry):
    ck = Check()
    path = os.path.join(directory, entry["file"])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        loaded = torch.load(path, weights_only=True)
    ck.row("torch.load(weights_only=True), no warnings", not w, "; ".join(str(x.message) for x in w))
    content = Check()
    compare(loaded, entry["content"], "content", content)
    ck.tensors, ck.elements, ck.scalars = content.tensors, content.elements, content.scalars
    ck.row(f"content: {ck.tensors} tensors ({ck.elements} elements: dtype, shape, requires_grad, bits), {ck.scalars} other values (type and value), key order",
           not content.problems, "; ".join(content.problems[:5]))
    ck.problems += content.problems[5:]
    check_layout(path, loaded, ck)
    KIND_CHECKS[entry["checks"]["kind"]](loaded, entry["checks"], ck)
    return ck


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DIR
    with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    lines = ["# SharpOptim-written checkpoints, checked by PyTorch", "",
             f"Generated by `tools/golden/check_sharpoptim_files.py` with PyTorch {torch.__version__} "
             f"on the files `tools/CheckpointWriter` wrote (see its `WrittenCheckpoints.cs`).", ""]
    failed = 0
    totals = [0, 0, 0]
    for entry in manifest:
        ck = check_file(directory, entry)
        failed += bool(ck.problems)
        totals = [totals[0] + ck.tensors, totals[1] + ck.elements, totals[2] + ck.scalars]
        lines += [f"## {entry['file']} ({entry['checks']['kind']}): {'FAILED' if ck.problems else 'ok'}", "",
                  "| check | result | detail |", "|---|---|---|"]
        lines += [f"| {what} | {'yes' if ok else 'NO'} | {detail.replace('|', '/')} |" for what, ok, detail in ck.rows]
        lines.append("")
        if ck.problems:
            lines += ["Failures:", ""] + [f"- {p}" for p in ck.problems] + [""]
    lines.insert(4, f"**{len(manifest) - failed} of {len(manifest)} files pass.** Compared: {totals[0]} tensors "
                    f"({totals[1]} elements) and {totals[2]} other values.\n")
    with open(os.path.join(directory, "REPORT.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print("\n".join(lines[:6]))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
