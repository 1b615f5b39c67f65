"""Record torch.optim.SparseAdam behaviour into fixtures (its own problem; written by recorder.write).

From the repository root:
    tools/oracle/python tools/golden/sparse_adam.py

Writes
    tests/SharpOptim.Tests/Fixtures/sparse_adam_trajectories.sofx
    tests/SharpOptim.Tests/Fixtures/sparse_adam_state_dict.sofx
    tests/SharpOptim.Tests/Fixtures/sparse_adam_errors.json

SparseAdam takes sparse gradients only, so its problem is not common.py's regression but a
sparse embedding with a fixed linear head: each step looks up a batch of rows (with repeats,
so the gradient has duplicate indices to coalesce) and only those rows move.

Layout (numbers, tensors and kwargs encoded as in tools/golden/README.md):

sparse_adam_trajectories.sofx
    {header..., "steps": 100,
     "problem": {"E": (8,3), "H": (2,3), "T": (8,2), "batches": [100 lists of 5 row indices]},
     "param_names": ["weight"],
     "cases": [{"id": "sparse_adam/<slug(desc)>/plain/<dtype>", "desc", "kwargs", "tensor_kwargs",
                "impl": "plain", "dtype",
                "steps": [{"loss", "grad": {"indices": [[...]], "values": [...flat...]},
                           "params": [[...]], "state": [{"step": <int>, "exp_avg", "exp_avg_sq"}]}]}]}
    "grad" is the sparse gradient the step received, uncoalesced, entries in PyTorch's order.

sparse_adam_state_dict.sofx
    {header..., "cases": [{"id": "sparse_adam_state_dict/<slug>/default/<dtype>", ...,
                           "steps_before_save": 50, "trajectory_id", "state_dict",
                           "state_dict_after_continuation"}]}
    The continuation is steps 51..100 of trajectory_id (checked equal here), and loading leaves
    the dict unchanged (checked).

sparse_adam_errors.json: error records (common.run_error_case), scope "SparseAdam".
"""

import copy
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import common as C  # noqa: E402
import recorder as R  # noqa: E402
from recorder import FIXTURES  # noqa: E402
SparseAdam = torch.optim.SparseAdam
NUM_EMBEDDINGS, EMBEDDING_DIM, OUTPUTS, BATCH = 8, 3, 2, 5
STEPS_BEFORE_SAVE = C.N_STEPS // 2


def sparse_adam_configs():
    # PyTorch's own grid; it does not depend on the dtype.
    from torch.testing._internal.common_optimizers import optim_inputs_func_sparseadam

    return optim_inputs_func_sparseadam(device="cpu", dtype=torch.float32)


# ---------------------------------------------------------------------------
# The problem: loss = mean((E[idx] H^T - T[idx])^2), E optimized, the head H fixed
# ---------------------------------------------------------------------------
def make_problem():
    """float64 values drawn from torch.manual_seed(0) in this order; the batches are int64."""
    torch.manual_seed(0)
    E = torch.randn(NUM_EMBEDDINGS, EMBEDDING_DIM, dtype=torch.float64)
    H = torch.randn(OUTPUTS, EMBEDDING_DIM, dtype=torch.float64) * 0.5
    T = torch.randn(NUM_EMBEDDINGS, OUTPUTS, dtype=torch.float64)
    batches = [torch.randint(0, NUM_EMBEDDINGS, (BATCH,)) for _ in range(C.N_STEPS)]
    return {"E": E, "H": H, "T": T, "batches": batches}


def problem_json(problem):
    return {
        "E": C.tensor_json_shaped(problem["E"]),
        "H": C.tensor_json_shaped(problem["H"]),
        "T": C.tensor_json_shaped(problem["T"]),
        "batches": [b.tolist() for b in problem["batches"]],
    }


def make_params(problem, dtype):
    return [problem["E"].to(dtype).detach().clone().requires_grad_(True)]


def compute_loss(problem, params, step):
    (E,) = params
    idx = problem["batches"][step]
    rows = F.embedding(idx, E, sparse=True)
    pred = rows @ problem["H"].to(E.dtype).T
    return ((pred - problem["T"].to(E.dtype)[idx]) ** 2).mean()


def sparse_grad_json(g):
    """A sparse gradient as the step received it (uncoalesced: duplicate indices kept, in order)."""
    assert g.is_sparse and not g.is_coalesced()
    return {"indices": g._indices().tolist(), "values": C.tensor_flat(g._values())}


def run_steps(opt, params, problem, first, count):
    records = []
    for step in range(first, first + count):
        opt.zero_grad()
        loss = compute_loss(problem, params, step)
        loss.backward()
        grad = sparse_grad_json(params[0].grad)
        opt.step()
        records.append({
            "loss": C.enc_float(loss.item()),
            "grad": grad,
            "params": [C.tensor_flat(p) for p in params],
            "state": [C.param_state_record(opt, p) for p in params],
        })
    return records


def record_trajectories(problem):
    cases = []
    for cfg in sparse_adam_configs():
        kwargs_json, tensor_names = C.encode_kwargs(cfg.kwargs)
        for dt in ("float32", "float64"):
            params = make_params(problem, C.DTYPES[dt])
            opt = SparseAdam(params, **copy.deepcopy(cfg.kwargs))
            cases.append({
                "id": f"sparse_adam/{C.slug(cfg.desc)}/plain/{dt}",
                "desc": cfg.desc,
                "kwargs": kwargs_json,
                "tensor_kwargs": tensor_names,
                "impl": "plain",
                "dtype": dt,
                "steps": run_steps(opt, params, problem, 0, C.N_STEPS),
            })
    return {
        **C.header("SparseAdam"),
        "steps": C.N_STEPS,
        "problem": problem_json(problem),
        "param_names": ["weight"],
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# State dicts mid-run
# ---------------------------------------------------------------------------
def record_state_dicts(problem, trajectories):
    """Save after STEPS_BEFORE_SAVE steps, load into a fresh SparseAdam on cloned params and
    continue; checks that this equals the recorded trajectory (so the continuation is that
    trajectory's second half, not repeated here)."""
    configs = {c.desc: c for c in sparse_adam_configs()}
    traj_by_id = {c["id"]: c for c in trajectories["cases"]}
    cases = []
    for desc in ("default", "Tensor lr"):
        cfg = configs[desc]
        kwargs_json, tensor_names = C.encode_kwargs(cfg.kwargs)
        for dt in ("float64", "float32"):
            params = make_params(problem, C.DTYPES[dt])
            opt = SparseAdam(params, **copy.deepcopy(cfg.kwargs))
            first = run_steps(opt, params, problem, 0, STEPS_BEFORE_SAVE)
            sd = opt.state_dict()
            new_params = [p.detach().clone().requires_grad_(True) for p in params]
            opt2 = SparseAdam(new_params, **copy.deepcopy(cfg.kwargs))
            opt2.load_state_dict(copy.deepcopy(sd))
            assert C.encode_state_dict(opt2.state_dict()) == C.encode_state_dict(sd)
            cont = run_steps(opt2, new_params, problem, STEPS_BEFORE_SAVE, C.N_STEPS - STEPS_BEFORE_SAVE)
            tid = f"sparse_adam/{C.slug(desc)}/plain/{dt}"
            assert C.dumps(traj_by_id[tid]["steps"]) == C.dumps(first + cont), f"{tid}: reload differs"
            cases.append({
                "id": f"sparse_adam_state_dict/{C.slug(desc)}/default/{dt}",
                "desc": desc,
                "kwargs": kwargs_json,
                "tensor_kwargs": tensor_names,
                "dtype": dt,
                "steps_before_save": STEPS_BEFORE_SAVE,
                "trajectory_id": tid,
                "state_dict": C.encode_state_dict(sd),
                "state_dict_after_continuation": C.encode_state_dict(opt2.state_dict()),
            })
    return {**C.header("SparseAdam"), "cases": cases}


# ---------------------------------------------------------------------------
# Errors and edge cases
# ---------------------------------------------------------------------------
SPARSE_GRAD = (
    "q = torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))\n"
    "q.grad = torch.sparse_coo_tensor(torch.tensor([[2, 0, 2]]), torch.tensor([[0.5, -1.0], [2.0, 0.25], [1.5, 1.0]]),\n"
    "                                 (3, 2), check_invariants=True)\n"
)

ERROR_CASES = [
    ("sparse_adam_zero_lr", "torch.optim.SparseAdam([p], lr=0.0)"),
    ("sparse_adam_negative_lr", "torch.optim.SparseAdam([p], lr=-0.1)"),
    ("sparse_adam_negative_tensor_lr", "torch.optim.SparseAdam([p], lr=torch.tensor(-0.1))"),
    ("sparse_adam_tensor_lr_not_1_element", "torch.optim.SparseAdam([p], lr=torch.tensor([0.1, 0.1]))"),
    ("sparse_adam_zero_eps", "torch.optim.SparseAdam([p], eps=0.0)"),
    ("sparse_adam_beta1_one", "torch.optim.SparseAdam([p], lr=1e-2, betas=(1.0, 0.0))"),
    ("sparse_adam_beta1_negative", "torch.optim.SparseAdam([p], betas=(-0.1, 0.999))"),
    ("sparse_adam_beta2_one", "torch.optim.SparseAdam([p], betas=(0.9, 1.0))"),
    ("sparse_adam_sparse_param", "torch.optim.SparseAdam([torch.zeros(3, layout=torch.sparse_coo)])"),
    ("sparse_adam_sparse_param_in_second_group",
     'torch.optim.SparseAdam([{"params": [p]}, {"params": [p2, torch.zeros(3, layout=torch.sparse_coo)]}])'),
    ("sparse_adam_dense_grad",
     "opt = torch.optim.SparseAdam([p])\n"
     "p.grad = torch.ones_like(p)\n"
     "opt.step()"),
    ("sparse_adam_defaults",
     "result = torch.optim.SparseAdam([p]).state_dict()"),
    ("sparse_adam_repr",
     "result = repr(torch.optim.SparseAdam([p], lr=0.5, betas=(0.8, 0.9)))"),
    # Duplicate indices are summed before the update; untouched rows keep their values and moments.
    ("sparse_adam_duplicate_indices",
     SPARSE_GRAD +
     "opt = torch.optim.SparseAdam([q], lr=0.1)\n"
     "opt.step()\n"
     "opt.step()\n"
     "result = [q.detach(), opt.state_dict()]"),
    # A gradient with no entries still counts a step but changes nothing else.
    ("sparse_adam_empty_grad",
     "q = torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))\n"
     "q.grad = torch.sparse_coo_tensor(torch.zeros(1, 0, dtype=torch.int64), torch.zeros(0, 2), (2, 2),\n"
     "                                 check_invariants=True)\n"
     "opt = torch.optim.SparseAdam([q])\n"
     "opt.step()\n"
     "result = [q.detach(), opt.state_dict()]"),
    ("sparse_adam_closure_loss",
     SPARSE_GRAD +
     "opt = torch.optim.SparseAdam([q])\n"
     "result = opt.step(lambda: torch.tensor(1.5))"),
]


def record_errors():
    return [C.run_error_case(name, code, {"scope": "SparseAdam"}) for name, code in ERROR_CASES]


# ---------------------------------------------------------------------------
def main():
    problem = make_problem()
    traj = record_trajectories(problem)
    n = R.write("sparse_adam_trajectories.sofx", traj)
    print(f"sparse_adam_trajectories: {len(traj['cases'])} cases, {n} bytes")

    sds = record_state_dicts(problem, traj)
    n = R.write("sparse_adam_state_dict.sofx", sds)
    print(f"sparse_adam_state_dict: {len(sds['cases'])} cases, {n} bytes")

    errs = record_errors()
    C.write_error_fixture(f"{FIXTURES}/sparse_adam_errors.json", errs)
    kinds = {}
    for r in errs:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"sparse_adam_errors: {len(errs)} cases {kinds}")


if __name__ == "__main__":
    main()
