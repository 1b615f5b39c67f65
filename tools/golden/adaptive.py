"""Record torch.optim.Adagrad, Adadelta, RMSprop and Rprop behaviour into fixtures (through
recorder.py), each described by a row of ALGORITHMS. From the repository root:

    tools/oracle/python tools/golden/adaptive.py                # all four
    tools/oracle/python tools/golden/adaptive.py adagrad rprop  # only these

Writes, for each <prefix> in adagrad, adadelta, rmsprop, rprop (tests/SharpOptim.Tests/Fixtures/):
    <prefix>_trajectories.sofx      PyTorch's option grid, float32/float64, 100 steps
    <prefix>_state_dict.sofx        mid-run state dicts and their continuation
    <prefix>_errors.json            constructor and step-time errors (and a few "ok" results)
    <prefix>_differentiable.sofx    differentiable=True runs and the gradients through them (x_g_feedback)
and for Adagrad only
    adagrad_sparse.sofx             Embedding(sparse=True) trained with Adagrad (sparse gradients)
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch.testing._internal import common_optimizers as CO  # noqa: E402

import common as C  # noqa: E402
import recorder as R  # noqa: E402
from sgd import SPARSE_GRAD_SETUP  # noqa: E402  (q = [[1,2],[3,4]] with a 2-entry sparse grad)

# Opt out of sparse invariant checks explicitly: otherwise PyTorch warns once per process, at
# whichever sparse tensor comes first, and that warning would land in one arbitrary error case.
torch.sparse.check_sparse_tensor_invariants.disable()


# ---------------------------------------------------------------------------
# Error cases. Each snippet runs in common.error_env() (torch, p, p2). Every message
# is PyTorch's own; "ok" cases that set `result` record PyTorch's values.
# ---------------------------------------------------------------------------
def requires_grad_lr_cases(prefix, cls):
    """A tensor lr that requires grad, with differentiable=False and True."""
    return [
        (f"{prefix}_requires_grad_lr",
         "p0 = p.detach().clone()\n"
         "lr = torch.tensor(0.1, requires_grad=True)\n"
         f"opt = torch.optim.{cls}([p], lr=lr)\n"
         "p.grad = torch.ones_like(p)\n"
         "opt.step()\n"
         "result = [p0, p.detach()]"),
        (f"{prefix}_requires_grad_lr_differentiable",
         "lr = torch.tensor(0.1, requires_grad=True)\n"
         "q = p * 1.0\n"
         f"opt = torch.optim.{cls}([q], lr=lr, differentiable=True)\n"
         "q.grad = torch.ones_like(q)\n"
         "opt.step()"),
    ]


def sparse_rejected_case(prefix, cls):
    return (f"{prefix}_sparse_grad",
            SPARSE_GRAD_SETUP + f"opt = torch.optim.{cls}([q])\nopt.step()")


ADAGRAD_ERRORS = [
    ("adagrad_repr", "result = repr(torch.optim.Adagrad([p]))"),
    ("adagrad_negative_lr", "torch.optim.Adagrad([p], lr=-0.1)"),
    ("adagrad_nan_lr", "torch.optim.Adagrad([p], lr=float('nan'))"),
    ("adagrad_negative_tensor_lr", "torch.optim.Adagrad([p], lr=torch.tensor(-0.1))"),
    ("adagrad_tensor_lr_not_1_element", "torch.optim.Adagrad([p], lr=torch.tensor([0.01, 0.01]))"),
    ("adagrad_negative_lr_decay", "torch.optim.Adagrad([p], lr=1e-2, lr_decay=-0.5)"),
    ("adagrad_negative_weight_decay", "torch.optim.Adagrad([p], weight_decay=-0.5)"),
    ("adagrad_negative_initial_accumulator_value", "torch.optim.Adagrad([p], initial_accumulator_value=-0.5)"),
    ("adagrad_negative_eps", "torch.optim.Adagrad([p], eps=-1e-10)"),
    ("adagrad_nan_eps", "torch.optim.Adagrad([p], eps=float('nan'))"),
    ("adagrad_fused_and_foreach", "torch.optim.Adagrad([p], fused=True, foreach=True)"),
    ("adagrad_fused_and_differentiable", "torch.optim.Adagrad([p], fused=True, differentiable=True)"),
    # State is made for every parameter at construction, with initial_accumulator_value.
    ("adagrad_state_at_construction",
     "opt = torch.optim.Adagrad([p, p2], initial_accumulator_value=0.25)\n"
     "result = [opt.state[p], opt.state[p2]]"),
    # A group added later gets its state at its first step, from the optimizer's defaults.
    ("adagrad_state_of_added_group",
     "opt = torch.optim.Adagrad([p], initial_accumulator_value=0.25)\n"
     'opt.add_param_group({"params": [p2], "initial_accumulator_value": 0.5})\n'
     "before = len(opt.state[p2])\n"
     "p2.grad = torch.ones_like(p2)\n"
     "opt.step()\n"
     "result = [before, opt.state[p2]]"),
    ("adagrad_fused_sparse_grad",
     SPARSE_GRAD_SETUP + "opt = torch.optim.Adagrad([q], fused=True)\nopt.step()"),
    ("adagrad_sparse_grad_weight_decay",
     SPARSE_GRAD_SETUP + "opt = torch.optim.Adagrad([q], weight_decay=0.1)\nopt.step()"),
    ("adagrad_sparse_grad",
     SPARSE_GRAD_SETUP +
     "opt = torch.optim.Adagrad([q], lr=0.1)\n"
     "opt.step()\n"
     "opt.step()\n"
     "result = [q.detach(), opt.state[q]['sum']]"),
    ("adagrad_sparse_grad_maximize_lr_decay",
     SPARSE_GRAD_SETUP +
     "opt = torch.optim.Adagrad([q], lr=0.1, lr_decay=0.5, initial_accumulator_value=0.1, maximize=True)\n"
     "opt.step()\n"
     "opt.step()\n"
     "result = [q.detach(), opt.state[q]['sum']]"),
    # Duplicate indices: the update is non-linear, so they are summed (coalesced) first.
    ("adagrad_sparse_grad_uncoalesced",
     "q = torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))\n"
     "q.grad = torch.sparse_coo_tensor(torch.tensor([[0, 1, 0], [1, 0, 1]]), torch.tensor([0.5, -1.0, 0.25]), (2, 2))\n"
     "opt = torch.optim.Adagrad([q], lr=0.1)\n"
     "opt.step()\n"
     "result = [q.detach(), opt.state[q]['sum']]"),
] + requires_grad_lr_cases("adagrad", "Adagrad")

ADADELTA_ERRORS = [
    # lr=0.5: the default lr is the float 1.0, which SharpOptim (one double type) prints as 1.
    ("adadelta_repr", "result = repr(torch.optim.Adadelta([p], lr=0.5))"),
    ("adadelta_negative_lr", "torch.optim.Adadelta([p], lr=-0.1)"),
    ("adadelta_nan_lr", "torch.optim.Adadelta([p], lr=float('nan'))"),
    ("adadelta_negative_tensor_lr", "torch.optim.Adadelta([p], lr=torch.tensor(-0.1))"),
    ("adadelta_tensor_lr_not_1_element", "torch.optim.Adadelta([p], lr=torch.tensor([0.01, 0.01]))"),
    ("adadelta_rho_above_one", "torch.optim.Adadelta([p], lr=1e-2, rho=1.1)"),
    ("adadelta_negative_rho", "torch.optim.Adadelta([p], rho=-0.1)"),
    ("adadelta_negative_eps", "torch.optim.Adadelta([p], eps=-1e-6)"),
    ("adadelta_negative_weight_decay", "torch.optim.Adadelta([p], weight_decay=-0.5)"),
    ("adadelta_rho_one",
     "p0 = p.detach().clone()\n"
     "opt = torch.optim.Adadelta([p], rho=1.0)\n"
     "p.grad = torch.ones_like(p)\n"
     "opt.step()\n"
     "result = [p0, p.detach(), opt.state[p]['square_avg'], opt.state[p]['acc_delta']]"),
    sparse_rejected_case("adadelta", "Adadelta"),
] + requires_grad_lr_cases("adadelta", "Adadelta")

RMSPROP_ERRORS = [
    ("rmsprop_repr", "result = repr(torch.optim.RMSprop([p]))"),
    ("rmsprop_negative_lr", "torch.optim.RMSprop([p], lr=-0.1)"),
    ("rmsprop_nan_lr", "torch.optim.RMSprop([p], lr=float('nan'))"),
    ("rmsprop_negative_tensor_lr", "torch.optim.RMSprop([p], lr=torch.tensor(-0.1))"),
    ("rmsprop_tensor_lr_not_1_element", "torch.optim.RMSprop([p], lr=torch.tensor([0.01, 0.01]))"),
    ("rmsprop_negative_eps", "torch.optim.RMSprop([p], eps=-1e-8)"),
    ("rmsprop_negative_momentum", "torch.optim.RMSprop([p], lr=1e-2, momentum=-0.5)"),
    ("rmsprop_negative_weight_decay", "torch.optim.RMSprop([p], weight_decay=-0.5)"),
    ("rmsprop_negative_alpha", "torch.optim.RMSprop([p], alpha=-0.5)"),
    # momentum_buffer and grad_avg exist only when momentum > 0 / centered.
    ("rmsprop_state_keys",
     "opt = torch.optim.RMSprop([p, p2])\n"
     "opt2 = torch.optim.RMSprop([p2], momentum=0.5, centered=True)\n"
     "p.grad = torch.ones_like(p)\n"
     "p2.grad = torch.ones_like(p2)\n"
     "opt.step()\n"
     "opt2.step()\n"
     "result = [list(opt.state[p].keys()), list(opt2.state[p2].keys())]"),
    sparse_rejected_case("rmsprop", "RMSprop"),
] + requires_grad_lr_cases("rmsprop", "RMSprop")

RPROP_ERRORS = [
    ("rprop_repr", "result = repr(torch.optim.Rprop([p]))"),
    ("rprop_negative_lr", "torch.optim.Rprop([p], lr=-0.1)"),
    ("rprop_nan_lr", "torch.optim.Rprop([p], lr=float('nan'))"),
    ("rprop_negative_tensor_lr", "torch.optim.Rprop([p], lr=torch.tensor(-0.1))"),
    ("rprop_tensor_lr_not_1_element", "torch.optim.Rprop([p], lr=torch.tensor([0.01, 0.01]))"),
    ("rprop_etas_swapped", "torch.optim.Rprop([p], lr=1e-2, etas=(1.0, 0.5))"),
    ("rprop_etaminus_zero", "torch.optim.Rprop([p], etas=(0.0, 1.2))"),
    ("rprop_etaplus_one", "torch.optim.Rprop([p], etas=(0.5, 1.0))"),
    # lr only seeds step_size; later lr changes do not touch a param's existing step_size.
    ("rprop_lr_seeds_step_size",
     "p0 = p.detach().clone()\n"
     "opt = torch.optim.Rprop([p], lr=0.25)\n"
     "p.grad = torch.ones_like(p)\n"
     "opt.step()\n"
     "opt.param_groups[0]['lr'] = 10.0\n"
     "opt.step()\n"
     "result = [p0, p.detach(), opt.state[p]['step_size']]"),
    sparse_rejected_case("rprop", "Rprop"),
] + requires_grad_lr_cases("rprop", "Rprop")


def grid(func_name):
    # PyTorch's own grid, imported rather than transcribed. None of these four grids depends on
    # the dtype argument; a tensor lr is a default-dtype (float32) tensor.
    return getattr(CO, func_name)(device="cpu", dtype=torch.float32)


# ---------------------------------------------------------------------------
# Adagrad with sparse gradients: an Embedding(sparse=True) trained for a few steps
# ---------------------------------------------------------------------------
EMBEDDING_BATCHES = [[1, 4, 4, 7], [0, 4, 9, 9, 9], [2, 3, 1, 1], [4, 7, 8], [9, 0, 0, 4, 2, 2]]
EMBEDDING_CONFIGS = [
    ("default", {}),
    ("lr_decay_initial_accumulator_value_eps",
     {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-6}),
    ("maximize", {"lr": 0.05, "maximize": True}),
    ("Tensor lr", {"lr": torch.tensor(0.2)}),
]


def record_adagrad_sparse(problem):
    """loss = ((emb(idx) - target) ** 2).sum() per batch; Adagrad steps on the sparse grads."""
    gen = torch.Generator().manual_seed(11)
    weight0 = torch.randn(10, 3, dtype=torch.float64, generator=gen)
    targets = [torch.randn(len(b), 3, dtype=torch.float64, generator=gen) for b in EMBEDDING_BATCHES]
    cases = []
    for desc, kwargs in EMBEDDING_CONFIGS:
        kwargs_json, tensor_names = C.encode_kwargs(kwargs)
        for dt in ("float32", "float64"):
            dtype = C.DTYPES[dt]
            emb = torch.nn.Embedding(10, 3, sparse=True, dtype=dtype)
            with torch.no_grad():
                emb.weight.copy_(weight0.to(dtype))
            opt = torch.optim.Adagrad(emb.parameters(), **C.clone_kwargs(kwargs))
            steps = []
            for idx, target in zip(EMBEDDING_BATCHES, targets):
                opt.zero_grad()
                loss = ((emb(torch.tensor(idx)) - target.to(dtype)) ** 2).sum()
                loss.backward()
                grad = emb.weight.grad
                assert grad.is_sparse
                grad_dense = C.tensor_flat(grad)
                opt.step()
                steps.append({
                    "loss": C.enc_float(loss.item()),
                    "grad": grad_dense,
                    "weight": C.tensor_flat(emb.weight),
                    "state": C.param_state_record(opt, emb.weight),
                })
            cases.append({"id": f"adagrad_sparse/{C.slug(desc)}/{dt}", "desc": desc, "kwargs": kwargs_json,
                          "tensor_kwargs": tensor_names, "dtype": dt, "steps": steps})
    return {
        **C.header("Adagrad"),
        "python": ("emb = nn.Embedding(10, 3, sparse=True, dtype=dtype); emb.weight = weight0; "
                   "opt = Adagrad(emb.parameters(), **kwargs); per batch: opt.zero_grad(); "
                   "((emb(torch.tensor(batch)) - target) ** 2).sum().backward(); opt.step()"),
        "weight0": C.tensor_json_shaped(weight0),
        "batches": EMBEDDING_BATCHES,
        "targets": [C.tensor_json_shaped(t) for t in targets],
        "cases": cases,
    }


ALGORITHMS = [
    R.Algorithm(torch.optim.Adagrad, "adagrad", grid("optim_inputs_func_adagrad"), impls=("forloop", "fused"),
                state_dict_descs=("lr_decay", "initial_accumulator_value"), errors=ADAGRAD_ERRORS,
                differentiable=R.Differentiable("x_g_feedback", [
                    ({"lr": 0.1, "lr_decay": 0.2, "weight_decay": 0.1, "initial_accumulator_value": 0.1}, 3),
                    ({"maximize": True}, 2)]),
                extra_files=[lambda problem: ("adagrad_sparse.sofx", record_adagrad_sparse(problem))]),
    R.Algorithm(torch.optim.Adadelta, "adadelta", grid("optim_inputs_func_adadelta"),
                state_dict_descs=("rho", "maximize, weight_decay"), errors=ADADELTA_ERRORS,
                differentiable=R.Differentiable("x_g_feedback", [
                    ({"lr": 0.5, "rho": 0.8, "weight_decay": 0.1, "maximize": True}, 3)])),
    R.Algorithm(torch.optim.RMSprop, "rmsprop", grid("optim_inputs_func_rmsprop"),
                state_dict_descs=("momentum", "maximize, weight_decay"), errors=RMSPROP_ERRORS,
                # centered over several steps: PyTorch's backward refuses (lerp_ overwrites grad_avg,
                # which the previous step's addcmul saved); recorded as that error.
                # One centered step is scale-invariant in the gradient (d p / d g = 0 but for eps):
                # a large eps keeps that gradient well away from rounding noise.
                differentiable=R.Differentiable("x_g_feedback", [
                    ({"lr": 0.05, "weight_decay": 0.1, "momentum": 0.5, "maximize": True}, 3),
                    ({"lr": 0.05, "centered": True, "momentum": 0.5, "eps": 0.3}, 1),
                    ({"lr": 0.05, "centered": True}, 3)])),
    R.Algorithm(torch.optim.Rprop, "rprop",
                # On this problem no step size of PyTorch's grid reaches step_sizes' bounds
                # ("non-default step_sizes" ends identical to "default"): this config reaches both.
                grid("optim_inputs_func_rprop") + [
                    CO.OptimizerInput(params=None, desc="step_sizes reached (SharpOptim)",
                                      kwargs={"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (0.01, 0.08)})],
                state_dict_descs=("non-default etas", "non-default step_sizes"), errors=RPROP_ERRORS,
                # Over several steps PyTorch's backward refuses (step_size.mul_ overwrites the
                # step_size that the previous step's addcmul saved); recorded as that error.
                differentiable=R.Differentiable("x_g_feedback", [
                    ({"lr": 0.05, "maximize": True}, 1), ({"lr": 0.05, "step_sizes": (1e-3, 0.02)}, 1),
                    ({"etas": (0.3, 1.5), "step_sizes": (1e-3, 0.06)}, 4)])),
]


def main(argv):
    wanted = set(argv) or {a.prefix for a in ALGORITHMS}
    unknown = wanted - {a.prefix for a in ALGORITHMS}
    if unknown:
        raise SystemExit(f"unknown algorithm(s): {sorted(unknown)}")
    for alg in ALGORITHMS:
        if alg.prefix in wanted:
            R.record(alg)


if __name__ == "__main__":
    main(sys.argv[1:])
