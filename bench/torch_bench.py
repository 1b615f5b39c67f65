"""PyTorch's side of the optimizer-step benchmark (bench/README.md).

Run by bench/SharpOptim.Bench through the PyTorch oracle:
    tools/oracle/python bench/torch_bench.py '<json request>'
The request: {"algorithm": "sgd", "kwargs": {"momentum": 0.9}, "count": 1000, "size": 16384,
              "dtype": "float32", "impls": ["forloop", "foreach", "fused"], "warmup": 3,
              "warmup_seconds": 0.5, "repeats": 10, "threads": 2}
(at least `warmup` untimed steps, and at least `warmup_seconds` of them). "algorithm" names a
torch.optim class in any case; it is built with its defaults and "kwargs" (the options SharpOptim's
side gives it too, bench/SharpOptim.Bench/BenchAlgorithms.cs; SharpOptim's defaults are PyTorch's).
An algorithm torch.optim lacks is looked up, by class name in any case, among the Optimizer classes
of the modules in the request's "reference_dir" (a folder under the repository holding the
authors' reference code, fetched as bench/README.md says); one with a train() method (the
schedule-free optimizers) is put in train mode before its first step.
Prints one JSON object: {"torch_version", "threads", "results": {impl: [ms per step, ...] or
"error message"}}. Params and grads are random normal, made once; every timed step is one
opt.step() (no zero_grad, no backward), as on the SharpOptim side.
"""
import importlib
import json
import os
import sys
import time

import torch


def optimizer_classes(namespace):
    return {n.lower(): c for n, c in vars(namespace).items()
            if isinstance(c, type) and issubclass(c, torch.optim.Optimizer)}


def optimizer_class(name, reference_dir=None):
    """torch.optim's optimizer class called `name`, in any case; else one of reference_dir's modules'."""
    classes = optimizer_classes(torch.optim)
    if name.lower() not in classes and reference_dir:
        sys.path.insert(0, reference_dir)
        for file in sorted(os.listdir(reference_dir)):
            if file.endswith(".py"):
                classes = {**optimizer_classes(importlib.import_module(file[:-3])), **classes}
    return classes[name.lower()]


IMPL_FLAGS = {
    "forloop": {"foreach": False},
    "foreach": {"foreach": True},
    "fused": {"fused": True},
}


def time_impl(cls, kwargs, flags, count, size, dtype, warmup, warmup_seconds, repeats):
    torch.manual_seed(0)
    params = [torch.randn(size, dtype=dtype, requires_grad=True) for _ in range(count)]
    for p in params:
        p.grad = torch.randn(size, dtype=dtype) * 1e-2
    opt = cls(params, **kwargs, **flags)
    if callable(getattr(opt, "train", None)):
        opt.train()
    done, start = 0, time.perf_counter()
    while done < warmup or time.perf_counter() - start < warmup_seconds:
        opt.step()
        done += 1
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        opt.step()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def main():
    req = json.loads(sys.argv[1])
    torch.set_num_threads(int(req.get("threads", torch.get_num_threads())))
    cls, kwargs = optimizer_class(req["algorithm"], req.get("reference_dir")), req.get("kwargs", {})
    dtype = getattr(torch, req.get("dtype", "float32"))
    results = {}
    for impl in req["impls"]:
        try:
            results[impl] = time_impl(cls, kwargs, IMPL_FLAGS[impl], req["count"], req["size"], dtype,
                                      req.get("warmup", 3), req.get("warmup_seconds", 0.0), req.get("repeats", 10))
        except Exception as e:  # e.g. no fused kernel for this algorithm on CPU
            results[impl] = f"{type(e).__name__}: {e}".splitlines()[0]
    print(json.dumps({"torch_version": torch.__version__, "threads": torch.get_num_threads(),
                      "results": results}))


if __name__ == "__main__":
    main()
