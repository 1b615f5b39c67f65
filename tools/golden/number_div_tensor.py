"""Record Python's `number / tensor` in PyTorch: `Tensor.__rtruediv__`, which is
`tensor.reciprocal() * number`, two roundings where one division would round once.

From the repository root:
    tools/oracle/python tools/golden/number_div_tensor.py

Writes tests/SharpOptim.Tests/Fixtures/number_div_tensor.json.

The divisors are not stored: they are rounding.py's values (SplitMix64, stream SEED, COUNT of
them; the C# twin is tests/SharpOptim.Tests/Golden/SplitMix64.cs), a float32 divisor being the
float64 value rounded to float32. For each dtype and each number of NUMBERS the fixture holds
`number / divisors` as the bit patterns of its elements (8 or 16 hex digits, most significant first), and
how many of them differ from one rounded division (`torch.full_like(d, number) / d`).

Where an optimizer meets the rule: Adam, AdamW and Adamax with a float lr and tensor betas compute
`lr / (1 - beta1 ** step)` as a float over a 0-d tensor. The fixture holds, for each and each dtype,
the parameter after STEPS for-loop steps (foreach=False): PARAM_COUNT values drawn as above from
stream PARAM_SEED, the gradient of step s from stream GRAD_SEED + s, lr=1e-3, betas
(torch.tensor(0.9), torch.tensor(0.999)) (float32, the default dtype), as bit patterns.

Layout:
    {"torch_version", "cpu_capability", "num_threads", "seed", "count", "numbers": [...],
     "results": {"<dtype>": [["<hex>", ...] per number]},
     "differ_from_one_division": {"<dtype>": [count per number]},
     "differ_fraction_large_sample": {"<dtype>": fraction over LARGE values, numbers 0.001 and 0.1},
     "tensor_betas": {"steps", "param_seed", "grad_seed", "param_count",
                      "params": {"<Adam|AdamW|Adamax>": {"<dtype>": ["<hex>", ...]}}}}

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
STEPS, PARAM_SEED, GRAD_SEED, PARAM_COUNT = 10, 7, 100, 37
OPTIMIZERS = {"Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW, "Adamax": torch.optim.Adamax}


def draw(dtype, seed=SEED, count=COUNT):
    """rounding.py's values of stream `seed`, in `dtype`."""
    return torch.from_numpy(R.values(seed, count)).to(dtype)


def bits(t):
    fmt, width = ("<f", "08x") if t.dtype == torch.float32 else ("<d", "016x")
    code = "<I" if t.dtype == torch.float32 else "<Q"
    return [format(struct.unpack(code, struct.pack(fmt, x))[0], width) for x in t.tolist()]


def tensor_betas_params():
    """The parameters after STEPS for-loop steps with a float lr and tensor betas."""
    params = {}
    for name, cls in OPTIMIZERS.items():
        params[name] = {}
        for dt_name, dtype in DTYPES.items():
            p = torch.nn.Parameter(draw(dtype, PARAM_SEED, PARAM_COUNT))
            opt = cls([p], lr=1e-3, betas=(torch.tensor(0.9), torch.tensor(0.999)), foreach=False)
            for s in range(STEPS):
                p.grad = draw(dtype, GRAD_SEED + s, PARAM_COUNT)
                opt.step()
            params[name][dt_name] = bits(p.detach())
    return params


def main():
    results, differ, fraction = {}, {}, {}
    for name, dtype in DTYPES.items():
        d = draw(dtype)
        results[name], differ[name] = [], []
        for number in NUMBERS:
            r = number / d
            assert torch.equal(r, d.reciprocal() * number), (name, number)
            for i in range(COUNT):  # a 0-d divisor rounds as an element of a 1-D one
                assert torch.equal(number / d[i].clone(), r[i]), (name, number, i)
            results[name].append(bits(r))
            differ[name].append(int((r != torch.full_like(d, number) / d).sum()))
        big = draw(dtype, SEED + 1, LARGE)
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
        "tensor_betas": {"steps": STEPS, "param_seed": PARAM_SEED, "grad_seed": GRAD_SEED, "param_count": PARAM_COUNT,
                         "params": tensor_betas_params()},
    }
    C.write_json(OUT, fixture)
    print(f"{OUT}: {differ} differ from one division; large sample: {fraction}")


if __name__ == "__main__":
    main()
