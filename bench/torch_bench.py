"""PyTorch's side of the optimizer-step benchmark (bench/README.md).

Run by bench/SharpOptim.Bench through the PyTorch oracle:
    ../shared/oracle/python bench/torch_bench.py '<json request>'
The request: {"algorithm": "adam", "count": 1000, "size": 16384, "dtype": "float32",
              "impls": ["forloop", "foreach", "fused"], "warmup": 3, "warmup_seconds": 0.5,
              "repeats": 10, "threads": 2}
(at least `warmup` untimed steps, and at least `warmup_seconds` of them).
Prints one JSON object: {"torch_version", "threads", "results": {impl: [ms per step, ...] or
"error message"}}. Params and grads are random normal, made once; every timed step is one
opt.step() (no zero_grad, no backward), as on the SharpOptim side.
"""
import json
import sys
import time

import torch

# name -> (class, constructor kwargs) ; the same hyper-parameters as SharpOptim's side
ALGORITHMS = {
    "sgd": (torch.optim.SGD, {"lr": 1e-3, "momentum": 0.9}),
    "adam": (torch.optim.Adam, {"lr": 1e-3}),
    "adamw": (torch.optim.AdamW, {"lr": 1e-3}),
    "adagrad": (torch.optim.Adagrad, {"lr": 1e-2}),
    "adadelta": (torch.optim.Adadelta, {"lr": 1.0}),
    "adamax": (torch.optim.Adamax, {"lr": 2e-3}),
    "asgd": (torch.optim.ASGD, {"lr": 1e-2}),
    "nadam": (torch.optim.NAdam, {"lr": 2e-3}),
    "radam": (torch.optim.RAdam, {"lr": 1e-3}),
    "rmsprop": (torch.optim.RMSprop, {"lr": 1e-2}),
    "rprop": (torch.optim.Rprop, {"lr": 1e-2}),
    "adafactor": (torch.optim.Adafactor, {"lr": 1e-2}),
}

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
    cls, kwargs = ALGORITHMS[req["algorithm"]]
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
