"""Record how PyTorch's CPU kernels round the tensor ops SharpOptim reproduces bit for bit.

From the repository root:
    tools/oracle/python tools/golden/rounding.py

Writes tests/SharpOptim.Tests/Fixtures/rounding.json.gz.

The inputs are not stored: both sides draw them from SplitMix64 (below; the C# twin is
tests/SharpOptim.Tests/Golden/SplitMix64.cs), so the fixture holds only PyTorch's results. Each
value is (2u - 1) * 2^e with u uniform in [0, 1) (53 bits) and e uniform in -6..6, so sums mix
magnitudes and signs and every last bit matters; a float32 input is the float64 value rounded to
float32. Operand k of length n comes from the stream seeded n * 1000 + k:
    1 a, 2 b, 3 c, 4 the 0-d operand s (its first value), 5 alpha/value (first value),
    6 lerp weights (u * 1.5 - 0.25, in [-0.25, 1.25): both lerp branches).

Layout:
    {"torch_version", "cpu_capability", "num_threads", "lengths": [...],
     "elementwise": {"<op>": {"<dtype>": ["<16 hex digits>", ...]}},   # one per length, in order
     "reductions": {"<op>": {"<dtype>": [value, ...]}},                 # one per length, in order
     "shaped": [{"op", "shape", "dtype", "sha"}]}                       # reductions over a dim
An elementwise result is identified by the first 16 hex digits of the SHA-256 of its elements'
little-endian bytes (float32 or float64); a reduction's value is written exactly. The ops are the
ELEMENTWISE, REDUCTIONS and SHAPED tables below, with the inputs above.

What the recording showed (PyTorch 2.14 on an AVX-512 CPU, one thread; the C# tests check every
one of these bit for bit):
  * add/sub(other, alpha), addcmul and lerp round once (a fused multiply-add: addcmul is
    fma(value*t1, t2, self); lerp fma(w, end-start, start) or fma(w-1, end-start, end)), in the
    vector body and the scalar tail alike; addcdiv rounds each op (self + (value*t1)/t2).
  * add/sub of a single-element other (0-d tensor or number) with alpha: the elements after the
    last 64-byte step go through a compiled scalar loop that rounds the first once, then adds
    alpha*other (computed once, rounded) in 16-byte groups while a whole group is left, then
    rounds the rest once.
  * sum and mean (sum, then a division by the count in the element type) follow ATen's
    cascade_sum with 32-byte (AVX2) vectors, not 64-byte ones: SumKernel is not built for AVX-512.
  * norm: p=2 over the contiguous last dim in 32-byte lanes (each square and sum rounded), the
    lanes folded left to right, then the elements after the last whole vector in order, each
    square fused into its add, except that in float32 a tail of 4 to 7 starts with 4 squares
    rounded apart (the compiler multiplies them as one 16-byte vector); every other norm element
    by element, each square and sum rounded; over a dim of size 1 the absolute value.
  * dot calls the reference BLAS (ddot/sdot): products rounded, added in order, in the element type.
  * tanh_backward(g, y) is g * (1 - y*y) with 1 - y*y rounded once; sigmoid_backward(g, y) is
    (g * (1 - y)) * y.
"""

import hashlib
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import common as C  # noqa: E402  (one intra-op thread; exact JSON writers)

OUT = "tests/SharpOptim.Tests/Fixtures/rounding.json.gz"
LENGTHS = list(range(1, 101)) + [1000, 4097, 100000]
DTYPES = {"float32": torch.float32, "float64": torch.float64}

GAMMA = np.uint64(0x9E3779B97F4A7C15)


def splitmix64(seed, count):
    """The first `count` outputs of SplitMix64 seeded with `seed` (state += gamma, then mix)."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + GAMMA * np.arange(1, count + 1, dtype=np.uint64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def units(z):
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def values(seed, count):
    """(2u - 1) * 2^e, u and e from alternate draws."""
    z = splitmix64(seed, 2 * count)
    e = (z[1::2] % np.uint64(13)).astype(np.int64) - 6
    return (2 * units(z[0::2]) - 1) * np.exp2(e.astype(np.float64))


def operands(n, dtype):
    def t(k, count=n):
        return torch.from_numpy(values(n * 1000 + k, count)).to(dtype)
    weights = torch.from_numpy(units(splitmix64(n * 1000 + 6, n)) * 1.5 - 0.25).to(dtype)
    return {"a": t(1), "b": t(2), "c": t(3), "s": t(4, 1).reshape(()), "alpha": float(values(n * 1000 + 5, 1)[0]), "w": weights}


ELEMENTWISE = {
    "add": lambda o: o["a"].add(o["b"], alpha=o["alpha"]),
    "add_alpha_1": lambda o: o["a"].add(o["b"]),
    "add_in_place": lambda o: o["a"].clone().add_(o["b"], alpha=o["alpha"]),
    "sub": lambda o: o["a"].sub(o["b"], alpha=o["alpha"]),
    "add_0d_other": lambda o: o["a"].add(o["s"], alpha=o["alpha"]),
    "sub_0d_other": lambda o: o["a"].sub(o["s"], alpha=o["alpha"]),
    "add_0d_other_alpha_1": lambda o: o["a"].add(o["s"]),
    "add_0d_self": lambda o: o["s"].add(o["b"], alpha=o["alpha"]),
    "addcmul": lambda o: o["a"].addcmul(o["b"], o["c"], value=o["alpha"]),
    "addcmul_value_1": lambda o: o["a"].addcmul(o["b"], o["c"]),
    "addcmul_0d_tensor2": lambda o: o["a"].addcmul(o["b"], o["s"], value=o["alpha"]),
    "addcmul_in_place": lambda o: o["a"].clone().addcmul_(o["b"], o["c"], value=o["alpha"]),
    "addcdiv": lambda o: o["a"].addcdiv(o["b"], o["c"], value=o["alpha"]),
    "addcdiv_0d_tensor2": lambda o: o["a"].addcdiv(o["b"], o["s"], value=o["alpha"]),
    "lerp_weight_0.3": lambda o: o["a"].lerp(o["b"], 0.3),
    "lerp_weight_0.7": lambda o: o["a"].lerp(o["b"], 0.7),
    "lerp_in_place_0.7": lambda o: o["a"].clone().lerp_(o["b"], 0.7),
    "lerp_tensor_weight": lambda o: o["a"].lerp(o["b"], o["w"]),
    "lerp_0d_weight": lambda o: o["a"].lerp(o["b"], o["s"].abs()),
    "lerp_0d_end": lambda o: o["a"].lerp(o["s"], 0.3),
    # The backward ops of tanh and sigmoid, given their output y (here a / 64, inside (-1, 1)).
    "tanh_backward": lambda o: torch.ops.aten.tanh_backward(o["b"], o["a"] / 64),
    "sigmoid_backward": lambda o: torch.ops.aten.sigmoid_backward(o["b"], o["a"] / 64),
}

REDUCTIONS = {
    "sum": lambda o: o["a"].sum(),
    "mean": lambda o: o["a"].mean(),
    "dot": lambda o: o["a"].dot(o["b"]),
    "norm": lambda o: o["a"].norm(),
    "norm_p1": lambda o: o["a"].norm(1),
    "norm_inf": lambda o: o["a"].norm(float("inf")),
    "norm_p3": lambda o: o["a"].norm(3),
}

# Reductions over one dim; the input is operand a of length numel(shape), reshaped.
SHAPES = [[1, 5], [5, 1], [3, 5], [5, 3], [7, 9], [17, 33], [40, 3], [100, 8], [33, 31], [64, 40],
          [3, 100], [1000, 7], [9, 1000], [3, 5, 7], [2, 40, 33], [4, 9, 64]]
SHAPED = {
    "sum_dim0": lambda x: x.sum(0),
    "sum_dim1": lambda x: x.sum(1),
    "sum_last_dim": lambda x: x.sum(-1),
    "mean_dim0": lambda x: x.mean(0),
    "mean_dim1": lambda x: x.mean(1),
    "norm_last_dim": lambda x: x.norm(2, dim=-1),
    "norm_dim0": lambda x: x.norm(2, dim=0),
    "norm_p1_dim0": lambda x: x.norm(1, dim=0),
}


def sha(t):
    return hashlib.sha256(t.detach().contiguous().numpy().tobytes()).hexdigest()[:16]


def main():
    elementwise = {op: {dt: [] for dt in DTYPES} for op in ELEMENTWISE}
    reductions = {op: {dt: [] for dt in DTYPES} for op in REDUCTIONS}
    for n in LENGTHS:
        for name, dtype in DTYPES.items():
            o = operands(n, dtype)
            for op, f in ELEMENTWISE.items():
                elementwise[op][name].append(sha(f(o)))
            for op, f in REDUCTIONS.items():
                reductions[op][name].append(C.enc_float(f(o).item()))
    shaped = []
    for shape in SHAPES:
        numel = int(np.prod(shape))
        for name, dtype in DTYPES.items():
            x = operands(numel, dtype)["a"].reshape(shape)
            for op, f in SHAPED.items():
                shaped.append({"op": op, "shape": shape, "dtype": name, "sha": sha(f(x))})
    fixture = {
        "torch_version": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "num_threads": torch.get_num_threads(),
        "lengths": LENGTHS,
        "elementwise": elementwise,
        "reductions": reductions,
        "shaped": shaped,
    }
    size = C.write_json_gz(OUT, fixture)
    print(f"{OUT}: {len(ELEMENTWISE)} elementwise and {len(REDUCTIONS)} reduction ops x {len(LENGTHS)} lengths x "
          f"{len(DTYPES)} dtypes, {len(shaped)} shaped reductions, {size} bytes raw")


if __name__ == "__main__":
    main()
