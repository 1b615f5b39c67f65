"""Record Python's `number / tensor` in PyTorch: `Tensor.__rtruediv__`, which is
`tensor.reciprocal() * number`, two roundings where one division would round once.

From the repository root:
    ../shared/oracle/python tools/golden/number_div_tensor.py

Writes tests/SharpOptim.Tests/Fixtures/number_div_tensor.json.

The divisors are not stored: they are rounding.py's values (SplitMix64, stream SEED, COUNT of
them; the C# twin is tests/SharpOptim.Tests/Golden/SplitMix64.cs), a float32 divisor being the
float64 value rounded to float32. For each dtype and each number of NUMBERS the fixture holds
`number / divisors` as the bit patterns of its elements (8 or 16 hex digits, little end last), and
how many of them differ from one rounded division (`torch.full_like(d, number) / d`).

Layout:
    {"torch_version", "cpu_capability", "num_threads", "seed", "count", "numbers": [...],
     "results": {"<dtype>": [["<hex>", ...] per number]},
     "differ_from_one_division": {"<dtype>": [count per number]},
     "differ_fraction_large_sample": {"<dtype>": fraction over LARGE values, numbers 0.001 and 0.1}}

What the recording showed (PyTorch 2.14.1, one thread): every result equals
`d.reciprocal() * number` (the number first rounded to the dtype, as a tensor-times-number op
converts it), 0-d divisors the same as 1-D ones; about a quarter of the results differ from one
rounded division (the large-sample fractions), none for a power of two.
"""

import os
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import common as C  # noqa: E402  (one intra-op thread; exact JSON writers)
import rounding as R  # noqa: E402  (SplitMix64 values)

OUT = "tests/SharpOptim.Tests/Fixtures/number_div_tensor.json"
SEED = 424242
COUNT = 67  # a vector body and a tail at every vector width
LARGE = 100000
# An lr, an eps, a decimal fraction, a negative integer, a power of two.
NUMBERS = [0.001, 1e-08, 0.1, -3.0, 0.5]
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def divisors(dtype, seed=SEED, count=COUNT):
    return torch.from_numpy(R.values(seed, count)).to(dtype)


def bits(t):
    fmt, width = ("<f", "08x") if t.dtype == torch.float32 else ("<d", "016x")
    code = "<I" if t.dtype == torch.float32 else "<Q"
    return [format(struct.unpack(code, struct.pack(fmt, x))[0], width) for x in t.tolist()]


def main():
    results, differ, fraction = {}, {}, {}
    for name, dtype in DTYPES.items():
        d = divisors(dtype)
        results[name], differ[name] = [], []
        for number in NUMBERS:
            r = number / d
            assert torch.equal(r, d.reciprocal() * number), (name, number)
            for i in range(COUNT):  # a 0-d divisor rounds as an element of a 1-D one
                assert torch.equal(number / d[i].clone(), r[i]), (name, number, i)
            results[name].append(bits(r))
            differ[name].append(int((r != torch.full_like(d, number) / d).sum()))
        big = divisors(dtype, SEED + 1, LARGE)
        fraction[name] = {str(number): float((number / big != torch.full_like(big, number) / big).double().mean())
                          for number in (0.001, 0.1)}
    fixture = {
        "torch_version": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "num_threads": torch.get_num_threads(),
        "seed": SEED,
        "count": COUNT,
        "numbers": NUMBERS,
        "results": results,
        "differ_from_one_division": differ,
        "differ_fraction_large_sample": fraction,
    }
    C.write_json(OUT, fixture)
    print(f"{OUT}: {differ} differ from one division; large sample: {fraction}")


if __name__ == "__main__":
    main()
