"""Record torch.nn behaviour (BatchNorm1d, losses, Embedding, clip_grad_norm_, module
naming and state_dict layout, error messages) into one JSON fixture.

From the repository root:
    tools/oracle/python tools/golden/nn.py

Writes
    tests/SharpOptim.Tests/Fixtures/nn_reference.json

Every input is drawn here in float64 (torch.manual_seed(0)) and stored in the fixture, so the
C# tests never need PyTorch's RNG; a float32 case casts those inputs with .to(torch.float32).
See tools/golden/README.md for the format.
"""

import math
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import common as C  # noqa: E402

OUT = "tests/SharpOptim.Tests/Fixtures/nn_reference.json"
T = C.tensor_json_shaped  # {"shape": [...], "data": [...flat, exact...]}


def grad_or_none(t):
    return None if t is None or t.grad is None else T(t.grad)


# ---------------------------------------------------------------------------
# BatchNorm1d
# ---------------------------------------------------------------------------
def record_batchnorm():
    torch.manual_seed(0)
    # Per-feature offsets and scales so the statistics are far from 0 and 1.
    offset = torch.tensor([1.5, -2.0, 0.25], dtype=torch.float64)
    scale = torch.tensor([0.5, 3.0, 1.25], dtype=torch.float64)
    batches = [torch.randn(5, 3, dtype=torch.float64) * scale + offset for _ in range(3)]
    upstream = [torch.randn(5, 3, dtype=torch.float64) for _ in range(3)]
    eval_input = torch.randn(4, 3, dtype=torch.float64) * scale + offset
    weight = torch.randn(3, dtype=torch.float64)
    bias = torch.randn(3, dtype=torch.float64)

    configs = [
        ("momentum_0.1", dict(momentum=0.1)),
        ("momentum_None", dict(momentum=None)),
        ("momentum_0.3_eps_0.01", dict(momentum=0.3, eps=0.01)),
        ("affine_False", dict(affine=False)),
        ("track_running_stats_False", dict(track_running_stats=False)),
    ]
    cases = []
    for name, kwargs in configs:
        for dt, dtype in C.DTYPES.items():
            bn = nn.BatchNorm1d(3, dtype=dtype, **kwargs)
            if bn.affine:
                with torch.no_grad():
                    bn.weight.copy_(weight)
                    bn.bias.copy_(bias)
            steps = []
            for x64, g64 in zip(batches, upstream):
                x = x64.detach().to(dtype).clone().requires_grad_(True)
                bn.zero_grad()
                y = bn(x)
                (y * g64.to(dtype)).sum().backward()
                steps.append({
                    "output": T(y),
                    "running_mean": None if bn.running_mean is None else T(bn.running_mean),
                    "running_var": None if bn.running_var is None else T(bn.running_var),
                    "num_batches_tracked": None if bn.num_batches_tracked is None else int(bn.num_batches_tracked),
                    "grad_input": T(x.grad),
                    "grad_weight": grad_or_none(bn.weight),
                    "grad_bias": grad_or_none(bn.bias),
                })
            bn.eval()
            with torch.no_grad():
                eval_output = bn(eval_input.to(dtype))
            cases.append({
                "id": f"{name}/{dt}",
                "kwargs": {k: C.enc_scalar(v) for k, v in kwargs.items()},
                "dtype": dt,
                "steps": steps,
                "eval_output": T(eval_output),
                "state_dict_keys": list(bn.state_dict().keys()),
                "repr": repr(bn),
            })
    return {
        "batches": [T(b) for b in batches],
        "upstream": [T(g) for g in upstream],
        "eval_input": T(eval_input),
        "weight": T(weight),
        "bias": T(bias),
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------
def loss_case(name, fn, inputs, reduction, dt, upstream=None):
    """fn(*inputs, reduction=...) in dtype; value and grads of every floating input.

    For reduction "none" the backward pass is of (loss * upstream).sum()."""
    dtype = C.DTYPES[dt]
    args = []
    for t in inputs:
        if t.is_floating_point():
            args.append(t.detach().to(dtype).clone().requires_grad_(True))
        else:
            args.append(t)
    out = fn(*args, reduction=reduction)
    if reduction == "none":
        (out * upstream.to(dtype)).sum().backward()
    else:
        out.backward()
    return {
        "id": f"{name}/{reduction}/{dt}",
        "loss": name,
        "reduction": reduction,
        "dtype": dt,
        "output": T(out),
        "grads": [grad_or_none(a) if a.is_floating_point() else None for a in args],
    }


def record_losses():
    torch.manual_seed(1)
    mse_input = torch.randn(3, 4, dtype=torch.float64)
    mse_target = torch.randn(3, 4, dtype=torch.float64)
    mse_up = torch.randn(3, 4, dtype=torch.float64)
    ce_logits = torch.randn(4, 5, dtype=torch.float64) * 2
    ce_target = torch.tensor([1, 0, 4, 2])
    ce_target_ignored = torch.tensor([1, -100, 4, -100])
    ce_target_all_ignored = torch.tensor([-100, -100, -100, -100])
    ce_probs = torch.softmax(torch.randn(4, 5, dtype=torch.float64), dim=1)
    ce_up = torch.randn(4, dtype=torch.float64)
    bce_logits = torch.randn(3, 4, dtype=torch.float64) * 3
    bce_logits[0, 0] = 0.0  # the kink of max(x, 0) and |x|: the gradient must still be sigmoid(0) - y
    bce_logits[2, 3] = 0.0
    bce_logits[1, 1] = 40.0  # saturated
    bce_logits[1, 2] = -40.0
    bce_target = torch.rand(3, 4, dtype=torch.float64)
    bce_target[0, 1] = 1.0
    bce_target[2, 2] = 0.0
    bce_up = torch.randn(3, 4, dtype=torch.float64)

    cases = []
    for dt in C.DTYPES:
        for red in ("mean", "sum", "none"):
            cases.append(loss_case("mse", F.mse_loss, [mse_input, mse_target], red, dt, mse_up))
            cases.append(loss_case("cross_entropy", F.cross_entropy, [ce_logits, ce_target], red, dt, ce_up))
            cases.append(loss_case("cross_entropy_ignore_index", F.cross_entropy, [ce_logits, ce_target_ignored], red, dt, ce_up))
            cases.append(loss_case("cross_entropy_probabilities", F.cross_entropy, [ce_logits, ce_probs], red, dt, ce_up))
            cases.append(loss_case("bce_with_logits", F.binary_cross_entropy_with_logits, [bce_logits, bce_target], red, dt, bce_up))
        cases.append(loss_case("cross_entropy_all_ignored", F.cross_entropy, [ce_logits, ce_target_all_ignored], "mean", dt))
    return {
        "inputs": {
            "mse_input": T(mse_input), "mse_target": T(mse_target), "mse_upstream": T(mse_up),
            "ce_logits": T(ce_logits), "ce_target": T(ce_target), "ce_target_ignored": T(ce_target_ignored),
            "ce_target_all_ignored": T(ce_target_all_ignored), "ce_probs": T(ce_probs), "ce_upstream": T(ce_up),
            "bce_logits": T(bce_logits), "bce_target": T(bce_target), "bce_upstream": T(bce_up),
        },
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# Embedding
# ---------------------------------------------------------------------------
def record_embedding():
    torch.manual_seed(2)
    weight = torch.randn(6, 3, dtype=torch.float64)
    indices = torch.tensor([[0, 2], [2, 5]])
    upstream = torch.randn(2, 2, 3, dtype=torch.float64)
    cases = []
    for sparse in (False, True):
        for dt, dtype in C.DTYPES.items():
            emb = nn.Embedding(6, 3, sparse=sparse, dtype=dtype)
            with torch.no_grad():
                emb.weight.copy_(weight)
            out = emb(indices)
            (out * upstream.to(dtype)).sum().backward()
            g = emb.weight.grad
            case = {"id": f"sparse_{sparse}/{dt}", "sparse": sparse, "dtype": dt, "output": T(out),
                    "grad_is_sparse": g.is_sparse, "grad_dense": T(g.to_dense() if g.is_sparse else g)}
            if g.is_sparse:
                case["grad_indices"] = T(g._indices())
                case["grad_values"] = T(g._values())
                case["grad_is_coalesced"] = g.is_coalesced()
            cases.append(case)
    return {"weight": T(weight), "indices": T(indices), "upstream": T(upstream), "cases": cases}


# ---------------------------------------------------------------------------
# clip_grad_norm_
# ---------------------------------------------------------------------------
def record_clip_grad_norm():
    torch.manual_seed(3)
    grads = [torch.randn(3, 4, dtype=torch.float64), torch.randn(3, dtype=torch.float64) * 0.1,
             torch.randn((), dtype=torch.float64) * 5]
    cases = []
    for dt, dtype in C.DTYPES.items():
        for norm_type in (2.0, 1.0, 3.0, math.inf):
            for max_norm in (0.5, 1000.0):
                params = [torch.zeros(g.shape, dtype=dtype, requires_grad=True) for g in grads]
                for p, g in zip(params, grads):
                    p.grad = g.to(dtype).clone()
                total = nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
                cases.append({
                    "id": f"norm_{C.enc_float(norm_type)}/max_{max_norm}/{dt}",
                    "dtype": dt,
                    "norm_type": C.enc_float(norm_type),
                    "max_norm": max_norm,
                    "total_norm": C.tensor_scalar(total),
                    "total_norm_dtype": str(total.dtype).replace("torch.", ""),
                    "grads": [T(p.grad) for p in params],
                })
    return {"grads": [T(g) for g in grads], "cases": cases}


# ---------------------------------------------------------------------------
# Module naming, state_dict layout, reprs
# ---------------------------------------------------------------------------
class Net(nn.Module):
    # Mirrored by the C# test class of the same name (registration order matters).
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.25))
        self.head = nn.Linear(8, 3, bias=False)
        self.register_buffer("scale", torch.ones(3))
        self.register_buffer("scratch", torch.zeros(3), persistent=False)
        self.emb = nn.Embedding(10, 4, sparse=True)
        self.head2 = self.head  # the same module twice: listed once by named_modules/parameters


def record_modules():
    net = Net()
    standalone = {
        "Linear(4, 3)": nn.Linear(4, 3),
        "Linear(4, 3, bias=False)": nn.Linear(4, 3, bias=False),
        "BatchNorm1d(3)": nn.BatchNorm1d(3),
        "BatchNorm1d(3, eps=0.001, momentum=None, affine=False)": nn.BatchNorm1d(3, eps=0.001, momentum=None, affine=False),
        "Dropout()": nn.Dropout(),
        "Dropout(0.25)": nn.Dropout(0.25),
        "Embedding(10, 4)": nn.Embedding(10, 4),
        "Embedding(10, 4, sparse=True)": nn.Embedding(10, 4, sparse=True),
        "Flatten()": nn.Flatten(),
        "ReLU()": nn.ReLU(),
        "Tanh()": nn.Tanh(),
        "Sigmoid()": nn.Sigmoid(),
        "MSELoss()": nn.MSELoss(),
        "CrossEntropyLoss()": nn.CrossEntropyLoss(),
        "BCEWithLogitsLoss()": nn.BCEWithLogitsLoss(),
    }
    return {
        "net": {
            "state_dict_keys": list(net.state_dict().keys()),
            "named_parameters": [n for n, _ in net.named_parameters()],
            "named_parameters_with_duplicates": [n for n, _ in net.named_parameters(remove_duplicate=False)],
            "named_buffers": [n for n, _ in net.named_buffers()],
            "named_children": [n for n, _ in net.named_children()],
            "named_modules": [n for n, _ in net.named_modules()],
            "parameter_shapes": [list(p.shape) for p in net.parameters()],
            "repr": repr(net),
        },
        "reprs": {k: repr(v) for k, v in standalone.items()},
    }


# ---------------------------------------------------------------------------
# Errors (exec'd snippets, recorded by common.run_error_case)
# ---------------------------------------------------------------------------
SEQ = "m = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3)); sd = m.state_dict()\n"
ERROR_CASES = [
    ("load_missing_key", SEQ + 'del sd["0.bias"]\nm.load_state_dict(sd)'),
    ("load_unexpected_keys", SEQ + 'sd["0.extra"] = torch.zeros(1)\nsd["5.weight"] = torch.zeros(1)\nsd["top"] = torch.zeros(1)\nm.load_state_dict(sd)'),
    ("load_size_mismatch", SEQ + 'sd["0.weight"] = torch.zeros(4, 2)\nm.load_state_dict(sd)'),
    ("load_size_mismatch_not_strict", SEQ + 'sd["0.weight"] = torch.zeros(4, 2)\nm.load_state_dict(sd, strict=False)'),
    ("load_all_problems", SEQ + 'del sd["1.running_var"]\nsd["1.foo"] = torch.zeros(1)\nsd["0.weight"] = torch.zeros(3)\nm.load_state_dict(sd)'),
    ("load_missing_num_batches_tracked", SEQ + 'del sd["1.num_batches_tracked"]\nm.load_state_dict(sd)\nresult = torch.tensor(0)'),
    ("load_not_strict_result", SEQ + 'del sd["0.bias"]\nsd["x"] = torch.zeros(1)\nr = m.load_state_dict(sd, strict=False)\nresult = [list(r.missing_keys), list(r.unexpected_keys)]'),
    ("dropout_p_too_large", "torch.nn.Dropout(1.5)"),
    ("dropout_p_negative", "torch.nn.Dropout(-0.5)"),
    ("functional_dropout_p", "torch.nn.functional.dropout(torch.zeros(2), p=2.0)"),
    ("reduction_invalid", 'torch.nn.functional.mse_loss(torch.zeros(2), torch.zeros(2), reduction="avg")'),
    ("batchnorm_one_sample", "torch.nn.BatchNorm1d(3)(torch.zeros(1, 3))"),
    ("batchnorm_4d", "torch.nn.BatchNorm1d(3)(torch.zeros(2, 3, 1, 1))"),
    ("batchnorm_1d", "torch.nn.BatchNorm1d(3)(torch.zeros(3))"),
    ("cross_entropy_target_out_of_bounds", "torch.nn.functional.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 7]))"),
    ("cross_entropy_batch_mismatch", "torch.nn.functional.cross_entropy(torch.zeros(3, 4), torch.tensor([0, 1]))"),
    ("bce_with_logits_shape", "torch.nn.functional.binary_cross_entropy_with_logits(torch.zeros(2, 3), torch.zeros(3, 2))"),
    ("clip_grad_norm_nonfinite", 'p.grad = torch.tensor([[float("inf")]])\ntorch.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)'),
    ("clip_grad_norm_nonfinite_inf_norm", 'p.grad = torch.tensor([[float("nan")]])\ntorch.nn.utils.clip_grad_norm_([p], 1.0, norm_type=float("inf"), error_if_nonfinite=True)'),
    ("clip_grad_norm_empty", "result = torch.nn.utils.clip_grad_norm_([p], 1.0)"),
    ("vector_to_parameters_short", "torch.nn.utils.vector_to_parameters(torch.zeros(3), [torch.zeros(2, 3)])"),
    ("embedding_float_indices", "torch.nn.Embedding(3, 2)(torch.zeros(2))"),
    ("register_parameter_dot", 'torch.nn.Module().register_parameter("a.b", None)'),
    ("register_buffer_empty", 'torch.nn.Module().register_buffer("", None)'),
    ("add_module_dot", 'torch.nn.Module().add_module("a.b", torch.nn.ReLU())'),
    ("register_buffer_existing_module", 'm = torch.nn.Module(); m.add_module("x", torch.nn.ReLU()); m.register_buffer("x", None)'),
]


def record_errors():
    return [C.run_error_case(name, code, {"scope": "nn"}) for name, code in ERROR_CASES]


def main():
    out = {
        "module": "torch.nn",
        "torch_version": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "num_threads": torch.get_num_threads(),
        "batchnorm": record_batchnorm(),
        "losses": record_losses(),
        "embedding": record_embedding(),
        "clip_grad_norm": record_clip_grad_norm(),
        "modules": record_modules(),
        "errors": record_errors(),
    }
    C.write_json(OUT, out)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
