"""Record how PyTorch writes (and reads back) the values a checkpoint can hold, in every pickle
protocol, so SharpOptim's reader can be checked against files PyTorch made.

From the repository root:
    tools/oracle/python tools/golden/checkpoint_values.py

Writes, under tests/SharpOptim.Tests/Fixtures/checkpoints/torch/:
    values_protocol<N>.pt   one dict of every kind of value, torch.save(..., pickle_protocol=N), N = 1..5
    values_bigendian.pt     the protocol 2 file with byteorder "big" and byte-swapped storages
    legacy_format.pt        a tiny dict saved with _use_new_zipfile_serialization=False
    custom_class.pt         a dict holding an instance of a class defined here (GLOBAL __main__.Point)
    uint16.pt               a uint16 tensor (a dtype SharpOptim does not load; _rebuild_tensor_v3)
    os_system.pt            a dict whose value unpickles by calling os.system (never loaded unsafely)
and tests/SharpOptim.Tests/Fixtures/checkpoint_values.json: the expected content of the values
files (what torch.load(weights_only=True) returns for the protocol 2 file), and what
torch.load(weights_only=True) does with each file. See tools/golden/README.md for the format.
"""

import collections
import os
import pickle
import sys
import zipfile

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import common as C  # noqa: E402

PT_DIR = "tests/SharpOptim.Tests/Fixtures/checkpoints/torch"
FIXTURE = "tests/SharpOptim.Tests/Fixtures/checkpoint_values.json"
ELEMENT_SIZE = {"FloatStorage": 4, "DoubleStorage": 8, "HalfStorage": 2, "BFloat16Storage": 2, "LongStorage": 8,
                "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1, "BoolStorage": 1}


def values():
    torch.manual_seed(0)
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    shared = torch.tensor([1.0, -1.0], dtype=torch.float64)
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))   # its state dict is an OrderedDict with _metadata
    return {
        "float32": torch.tensor([[1.5, -2.25], [3.0, 1e-8]], dtype=torch.float32),
        "float64": torch.randn(2, 3, dtype=torch.float64),
        "float16": torch.tensor([0.1, -65504.0, 6e-8, float("inf")], dtype=torch.float16),
        "bfloat16": torch.tensor([0.1, 3.0e38, -1e-30, float("nan")], dtype=torch.bfloat16),
        "int64": torch.tensor([-(2 ** 62), 7, 2 ** 63 - 1]),
        "int32": torch.tensor([-(2 ** 31), 2 ** 31 - 1], dtype=torch.int32),
        "int16": torch.tensor([-(2 ** 15), 2 ** 15 - 1], dtype=torch.int16),
        "int8": torch.tensor([-128, 127], dtype=torch.int8),
        "uint8": torch.tensor([0, 255], dtype=torch.uint8),
        "bool": torch.tensor([[True, False, True]]),
        "scalar": torch.tensor(2.5, dtype=torch.float64),
        "empty": torch.zeros(0, 3),
        "base": base,
        "row": base[1],                       # a view at storage offset 4
        "transposed": base.t(),               # strides (1, 4)
        "expanded": torch.tensor([1.0, 2.0]).expand(3, 2),   # stride 0
        "parameter": nn.Parameter(torch.tensor([1.0, 2.0])),
        "frozen_parameter": nn.Parameter(torch.tensor([3.0]), requires_grad=False),
        "requires_grad": torch.tensor([3.0], requires_grad=True),
        "same_tensor_twice": [shared, shared],
        "numbers": [0, 1, -1, 255, 256, 65535, 65536, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1,
                    2 ** 62, -(2 ** 63), 2 ** 63 - 1, 0.5, -0.0, 1e308, 5e-324, float("inf"), float("-inf"), float("nan")],
        "strings": ["", "ascii", "\u00fcn\u00efc\u00f8d\u00e9 \u2713", "\U0001F600"],
        "none_true_false": [None, True, False],
        "tuples": [(), (1,), (1, 2.5), (1, "a", None), (1, 2, 3, 4, 5)],
        "int_keys": {0: "a", 1: "b", -5: "c", 2 ** 40: "d"},
        "mixed_keys": {(1, 2): "tuple", 0.5: "float", True: "bool", "s": "str"},
        "nested": {"a": {"b": {"c": [1, [2, [3, ()]]]}}},
        "ordered": collections.OrderedDict([("z", 1), ("a", 2)]),
        "size": torch.Size([2, 3]),
        "bytes": b"\x00\xffabc",
        "empty_bytes": bytearray(),
        "dtype": torch.float64,
        "set": {3, 1, 2},
        "model_state": model.state_dict(),
    }


# ---------------------------------------------------------------------------
# Expected content: a tagged JSON tree, so types are exact ({"int": 1} is not {"float": 1.0})
# ---------------------------------------------------------------------------
def tag(v):
    if isinstance(v, nn.Parameter):
        return {**tag_tensor(v), "parameter": True}
    if isinstance(v, torch.Tensor):
        return tag_tensor(v)
    if isinstance(v, torch.Size):
        return {"tuple": [tag(x) for x in v]}
    if isinstance(v, torch.dtype):
        return {"dtype": str(v).replace("torch.", "")}
    if v is None:
        return {"none": True}
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, int):
        return {"int": v}
    if isinstance(v, float):
        return {"float": C.enc_float(v)}
    if isinstance(v, str):
        return {"str": v}
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": bytes(v).hex()}
    if isinstance(v, tuple):
        return {"tuple": [tag(x) for x in v]}
    if isinstance(v, list):
        return {"list": [tag(x) for x in v]}
    if isinstance(v, (set, frozenset)):
        return {"set": [tag(x) for x in sorted(v)]}
    if isinstance(v, dict):
        return {"dict": [[tag(k), tag(x)] for k, x in v.items()], "ordered": isinstance(v, collections.OrderedDict)}
    raise TypeError(type(v))


def tag_tensor(t):
    return {"tensor": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "stride": list(t.stride()),
            "storage_offset": t.storage_offset(), "requires_grad": t.requires_grad, "data": C.tensor_flat(t)}


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------
def storage_types(pkl):
    """Storage key -> storage class name, read from data.pkl without building anything."""
    found = {}

    class Scan(pickle.Unpickler):
        def find_class(self, module, name):
            if module == "collections":
                return getattr(collections, name)
            if name.endswith("Storage"):
                return name
            if (module, name) == ("_codecs", "encode"):
                import codecs
                return codecs.encode
            if name in ("set", "bytearray"):
                return {"set": set, "bytearray": bytearray}[name]
            return lambda *args: None

        def persistent_load(self, pid):
            found[pid[2]] = pid[1]

    Scan(__import__("io").BytesIO(pkl)).load()
    return found


def write_big_endian(src, dst):
    """Copy a checkpoint with byteorder "big" and every storage's elements byte-swapped."""
    with zipfile.ZipFile(src) as zin:
        prefix = zin.namelist()[0].split("/")[0]
        kinds = storage_types(zin.read(f"{prefix}/data.pkl"))
        new_prefix = os.path.splitext(os.path.basename(dst))[0]
        with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_STORED) as zout:
            for info in zin.infolist():
                name = info.filename[len(prefix) + 1:]
                data = zin.read(info.filename)
                if name == "byteorder":
                    data = b"big"
                elif name.startswith("data/"):
                    size = ELEMENT_SIZE[kinds[name[5:]]]
                    data = b"".join(data[i:i + size][::-1] for i in range(0, len(data), size))
                out = zipfile.ZipInfo(f"{new_prefix}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
                zout.writestr(out, data)


class Point:
    """A class torch.load(weights_only=True) must refuse (GLOBAL __main__.Point)."""

    def __init__(self):
        self.x = 1


class RunsCommand:
    """Unpickles by calling os.system('true'): what a malicious checkpoint does."""

    def __reduce__(self):
        return (os.system, ("true",))


def try_load(path):
    try:
        torch.load(path, weights_only=True)
        return {"ok": True}
    except Exception as e:  # noqa: BLE001 - recording what PyTorch says
        return {"ok": False, "type": type(e).__name__, "message": str(e)}


def same(a, b):
    """Equal values and types, tensors compared by dtype, shape and bits (NaN equal to NaN)."""
    if isinstance(a, torch.Tensor):
        return (isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape
                and torch.equal(a.view(torch.uint8) if a.dtype == torch.bool else a.nan_to_num(0.125), b.view(torch.uint8) if b.dtype == torch.bool else b.nan_to_num(0.125)))
    return C.dumps(tag(a)) == C.dumps(tag(b))


def main():
    os.makedirs(PT_DIR, exist_ok=True)
    content = values()
    loads = {}
    for protocol in (1, 2, 3, 4, 5):
        path = f"{PT_DIR}/values_protocol{protocol}.pt"
        torch.save(content, path, pickle_protocol=protocol)
        loads[os.path.basename(path)] = try_load(path)
    ref = torch.load(f"{PT_DIR}/values_protocol2.pt", weights_only=True)

    big = f"{PT_DIR}/values_bigendian.pt"
    write_big_endian(f"{PT_DIR}/values_protocol2.pt", big)
    loads[os.path.basename(big)] = try_load(big)
    back = torch.load(big, weights_only=True)
    for k in ref:
        if not same(ref[k], back[k]):
            raise AssertionError(f"big-endian copy differs at {k}")

    legacy = f"{PT_DIR}/legacy_format.pt"
    torch.save({"w": torch.ones(2)}, legacy, _use_new_zipfile_serialization=False)
    loads[os.path.basename(legacy)] = try_load(legacy)
    custom = f"{PT_DIR}/custom_class.pt"
    torch.save({"p": Point()}, custom)
    loads[os.path.basename(custom)] = try_load(custom)
    uint16 = f"{PT_DIR}/uint16.pt"
    torch.save({"u": torch.tensor([1, 65535], dtype=torch.uint16)}, uint16)   # _rebuild_tensor_v3 over an UntypedStorage
    loads[os.path.basename(uint16)] = try_load(uint16)
    system = f"{PT_DIR}/os_system.pt"
    torch.save({"x": RunsCommand()}, system)
    loads[os.path.basename(system)] = try_load(system)

    fixture = {
        **C.header("checkpoint values"),
        "content": {k: tag(v) for k, v in ref.items()},
        "torch_load_weights_only": loads,
    }
    C.write_json(FIXTURE, fixture)
    for name in sorted(os.listdir(PT_DIR)):
        if not name.startswith(("sgd_",)):
            print(f"{name}: {os.path.getsize(os.path.join(PT_DIR, name))} bytes, torch.load(weights_only=True): "
                  f"{'ok' if loads.get(name, {}).get('ok') else loads.get(name, {}).get('type')}")


if __name__ == "__main__":
    main()
