"""Record the PyTorch idioms a port of a training script uses line by line (nll_loss, flatten,
view_as, cat/stack along any dim, sum of bool tensors, item(), TensorDataset + DataLoader) into
one JSON fixture.

From the repository root:
    tools/oracle/python tools/golden/porting_idioms.py

Writes
    tests/SharpOptim.Tests/Fixtures/porting_idioms.json

Inputs are drawn here (torch.manual_seed(0), float64) and stored in the fixture, so the C# tests
never need PyTorch's RNG; float32 cases cast them with .to(torch.float32). DataLoader cases record
what does not depend on the RNG: len(loader), the batch sizes, and the batches when unshuffled
(SharpOptim's generator is not PyTorch's Mersenne Twister, so shuffled orders cannot agree).
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

import common as C  # noqa: E402

OUT = "tests/SharpOptim.Tests/Fixtures/porting_idioms.json"
T = C.tensor_json_shaped


def typed(t):
    return {"dtype": str(t.dtype).replace("torch.", ""), **T(t)}


def record_nll_loss():
    torch.manual_seed(0)
    logp = torch.log_softmax(torch.randn(5, 4, dtype=torch.float64), 1)
    logp_1d = torch.log_softmax(torch.randn(4, dtype=torch.float64), 0)
    targets = {
        "all_counted": torch.tensor([1, 0, 3, 3, 2]),
        "ignore_index": torch.tensor([1, -100, 3, -100, 2]),
        "all_ignored": torch.tensor([-100] * 5),
    }
    cases = []
    for dt, dtype in C.DTYPES.items():
        for tname, target in targets.items():
            for reduction in ("mean", "sum", "none"):
                x = logp.to(dtype).clone().requires_grad_(True)
                loss = F.nll_loss(x, target, reduction=reduction)
                upstream = torch.linspace(0.5, 1.5, loss.numel(), dtype=dtype).reshape(loss.shape)
                loss.backward(upstream)
                cases.append({"id": f"{tname}_{reduction}_{dt}", "dtype": dt, "reduction": reduction, "ignore_index": -100,
                              "target": T(target), "upstream": T(upstream), "loss": T(loss), "grad": T(x.grad)})
        x = logp.to(dtype).clone().requires_grad_(True)
        loss = F.nll_loss(x, torch.tensor([0, 1, 1, 0, 2]), ignore_index=1)
        loss.backward()
        cases.append({"id": f"ignore_index_1_mean_{dt}", "dtype": dt, "reduction": "mean", "ignore_index": 1,
                      "target": T(torch.tensor([0, 1, 1, 0, 2])), "upstream": T(torch.tensor(1.0, dtype=dtype)),
                      "loss": T(loss), "grad": T(x.grad)})
        for tname, target in (("0d_target", torch.tensor(2)), ("1_element_target", torch.tensor([2]))):
            x = logp_1d.to(dtype).clone().requires_grad_(True)
            loss = F.nll_loss(x, target, reduction="none")
            # PyTorch computes the loss of a one-element 1-D target but its backward refuses it
            # ("size mismatch (got input: [4], target: [1])"): only the 0-d target has a gradient.
            if target.dim() == 0:
                loss.backward()
            cases.append({"id": f"1d_input_{tname}_{dt}", "dtype": dt, "reduction": "none", "ignore_index": -100, "input_1d": True,
                          "target": T(target), "upstream": T(torch.tensor(1.0, dtype=dtype)), "loss": T(loss),
                          "grad": None if x.grad is None else T(x.grad)})
    return {"input": T(logp), "input_1d": T(logp_1d), "cases": cases}


def record_cat():
    torch.manual_seed(1)
    a, b, c = (torch.randn(2, 3, 4, dtype=torch.float64) for _ in range(3))
    cases = []
    for dim in (0, 1, 2, -1, -2):
        parts = [a, b.narrow(dim, 0, 2) if dim in (1, -2) else b, c]
        leaves = [p.clone().requires_grad_(True) for p in parts]
        out = torch.cat(leaves, dim)
        upstream = torch.randn(out.shape, dtype=torch.float64)
        out.backward(upstream)
        cases.append({"id": f"cat_dim_{dim}", "op": "cat", "dim": dim, "inputs": [T(p) for p in parts],
                      "upstream": T(upstream), "output": T(out), "grads": [T(p.grad) for p in leaves]})
    for dim in (0, 1, 3, -1):
        leaves = [p.clone().requires_grad_(True) for p in (a, b)]
        out = torch.stack(leaves, dim)
        upstream = torch.randn(out.shape, dtype=torch.float64)
        out.backward(upstream)
        cases.append({"id": f"stack_dim_{dim}", "op": "stack", "dim": dim, "inputs": [T(a), T(b)],
                      "upstream": T(upstream), "output": T(out), "grads": [T(p.grad) for p in leaves]})
    # A legacy empty 1-D tensor is skipped whatever the dim.
    out = torch.cat([a[0], torch.zeros(0, dtype=torch.float64), b[0]], 1)
    cases.append({"id": "cat_skips_empty_1d", "op": "cat", "dim": 1,
                  "inputs": [T(a[0]), T(torch.zeros(0, dtype=torch.float64)), T(b[0])], "output": T(out)})
    return cases


def record_shapes():
    flatten = []
    for shape, start, end in (((2, 3, 4), 1, -1), ((2, 3, 4), 0, -1), ((2, 3, 4), 0, 1), ((2, 3, 4), -2, -1),
                              ((2, 3, 4, 5), 1, 2), ((), 0, -1), ((), -1, 0), ((5,), 0, 0)):
        flatten.append({"shape": list(shape), "start_dim": start, "end_dim": end,
                        "output_shape": list(torch.flatten(torch.zeros(shape), start, end).shape)})
    module = [{"shape": [2, 3, 4], "start_dim": 1, "end_dim": -1,
               "output_shape": list(torch.nn.Flatten()(torch.zeros(2, 3, 4)).shape)}]
    view_as = [{"shape": [2, 3], "other": [3, 2], "output_shape": list(torch.zeros(2, 3).view_as(torch.zeros(3, 2)).shape)},
               {"shape": [2, 3], "other": [6], "output_shape": list(torch.zeros(2, 3).view_as(torch.zeros(6)).shape)}]
    return {"flatten": flatten, "flatten_module": module, "view_as": view_as}


def record_sums():
    pred = torch.tensor([[3, 1, 2], [0, 1, 1]])
    target = torch.tensor([[3, 0, 2], [0, 1, 2]])
    eq = pred.eq(target)
    big = torch.tensor([2**62, 2**62, 5])
    cases = [
        {"id": "bool_all", "input": typed(eq), "dim": None, "output": typed(eq.sum())},
        {"id": "bool_dim0", "input": typed(eq), "dim": 0, "keepdim": False, "output": typed(eq.sum(0))},
        {"id": "bool_dim1_keepdim", "input": typed(eq), "dim": 1, "keepdim": True, "output": typed(eq.sum(1, keepdim=True))},
        {"id": "bool_0d", "input": typed(torch.tensor(True)), "dim": None, "output": typed(torch.tensor(True).sum())},
        {"id": "bool_empty", "input": typed(torch.zeros(0, dtype=torch.bool)), "dim": None,
         "output": typed(torch.zeros(0, dtype=torch.bool).sum())},
        {"id": "int64_all", "input": typed(pred), "dim": None, "output": typed(pred.sum())},
        {"id": "int64_dim_neg1", "input": typed(pred), "dim": -1, "keepdim": False, "output": typed(pred.sum(-1))},
        {"id": "int64_wraps", "input": typed(big), "dim": None, "output": typed(big.sum())},
    ]
    return {"cases": cases, "eq_sum_item": eq.sum().item()}


def record_items():
    cases = []
    for name, t in (("float32", torch.tensor([2.75], dtype=torch.float32)), ("float64", torch.tensor(-2.75, dtype=torch.float64)),
                    ("int64", torch.tensor([[7]])), ("bool", torch.tensor(True))):
        v = t.item()
        cases.append({"id": name, "input": typed(t), "item": v, "item_type": type(v).__name__,
                      "as_int": int(v), "as_float": float(v), "as_bool": bool(v)})
    return cases


def record_data_loader():
    cases = []
    for n, batch_size, drop_last in ((10, 3, False), (10, 3, True), (9, 3, False), (9, 3, True), (2, 5, False), (2, 5, True), (7, 1, False)):
        xs = torch.arange(n * 2, dtype=torch.float64).reshape(n, 2)
        ys = torch.arange(n)
        ds = TensorDataset(xs, ys)
        loader = DataLoader(ds, batch_size=batch_size, drop_last=drop_last)
        batches = [[T(x), T(y)] for x, y in loader]
        shuffled = DataLoader(ds, batch_size=batch_size, shuffle=True, drop_last=drop_last,
                              generator=torch.Generator().manual_seed(0))
        cases.append({"n": n, "batch_size": batch_size, "drop_last": drop_last, "len": len(loader),
                      "dataset_len": len(ds), "item_3": [T(v) for v in ds[min(3, n - 1)]],
                      "batch_sizes": [len(y) for _, y in loader], "batches": batches,
                      "shuffled_batch_sizes": [len(y) for _, y in shuffled]})
    return cases


ERROR_CASES = [
    ("nll_loss_target_out_of_bounds", "torch.nn.functional.nll_loss(torch.zeros(2, 3), torch.tensor([0, 7]))"),
    ("nll_loss_negative_target", "torch.nn.functional.nll_loss(torch.zeros(2, 3), torch.tensor([0, -1]))"),
    ("nll_loss_batch_mismatch", "torch.nn.functional.nll_loss(torch.zeros(3, 3), torch.tensor([0, 1]))"),
    ("nll_loss_0d_target_for_batch", "torch.nn.functional.nll_loss(torch.zeros(2, 3), torch.tensor(1))"),
    ("nll_loss_0d_input", "torch.nn.functional.nll_loss(torch.zeros(()), torch.tensor(1))"),
    ("nll_loss_1d_input_long_target", "torch.nn.functional.nll_loss(torch.zeros(3), torch.tensor([1, 2]))"),
    ("nll_loss_2d_target", "torch.nn.functional.nll_loss(torch.zeros(2, 3), torch.tensor([[0, 1]]))"),
    ("nll_loss_float_target", "torch.nn.functional.nll_loss(torch.zeros(2, 3), torch.tensor([0.0, 1.0]))"),
    ("nll_loss_bool_target", "torch.nn.functional.nll_loss(torch.zeros(2, 3), torch.tensor([True, False]))"),
    ("nll_loss_reduction", "torch.nn.functional.nll_loss(torch.zeros(2, 3), torch.tensor([0, 1]), reduction='avg')"),
    ("cat_empty_list", "torch.cat([], 1)"),
    ("cat_zero_dim", "torch.cat([torch.zeros(2), torch.zeros(())], 0)"),
    ("cat_size_mismatch", "torch.cat([torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(3, 3)], 1)"),
    ("cat_rank_mismatch", "torch.cat([torch.zeros(2, 3), torch.zeros(2, 3, 1)], 1)"),
    ("cat_dim_out_of_range", "torch.cat([torch.zeros(2, 3), torch.zeros(2, 3)], 2)"),
    ("stack_size_mismatch", "torch.stack([torch.zeros(2, 3), torch.zeros(3, 3)], 1)"),
    ("stack_dim_out_of_range", "torch.stack([torch.zeros(2, 3), torch.zeros(2, 3)], 3)"),
    ("flatten_start_after_end", "torch.flatten(torch.zeros(2, 3, 4), 2, 1)"),
    ("flatten_dim_out_of_range", "torch.flatten(torch.zeros(2, 3, 4), 3)"),
    ("flatten_module_0d", "torch.nn.Flatten()(torch.zeros(()))"),
    ("view_as_mismatch", "torch.zeros(2, 3).view_as(torch.zeros(3, 3))"),
    ("item_many", "torch.zeros(2).item()"),
    ("tensor_dataset_size_mismatch", "torch.utils.data.TensorDataset(torch.zeros(2), torch.zeros(3))"),
    ("data_loader_batch_size_0", "torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(2)), batch_size=0)"),
]


def main():
    out = {
        "module": "porting idioms",
        "torch_version": torch.__version__,
        "nll_loss": record_nll_loss(),
        "cat": record_cat(),
        "shapes": record_shapes(),
        "sum": record_sums(),
        "item": record_items(),
        "data_loader": record_data_loader(),
        "errors": [C.run_error_case(name, code, {"scope": "idioms"}) for name, code in ERROR_CASES],
    }
    C.write_json(OUT, out)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
