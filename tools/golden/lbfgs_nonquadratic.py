"""Record torch.optim.LBFGS on non-quadratic objectives into a fixture.

From the repository root:
    tools/oracle/python tools/golden/lbfgs_nonquadratic.py

Writes tests/SharpOptim.Tests/Fixtures/lbfgs_nonquadratic_trajectories.sofx.

lbfgs.py records PyTorch's own option grid; this script adds runs chosen to exercise the parts of
LBFGS a quadratic never reaches, on two objectives whose curvature changes along the way:
  * "rosenbrock": f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 (written as lbfgs.py writes it) from the
    classic start (-1.2, 1), which follows the curved valley;
  * "logistic": a small, badly scaled, L2-regularised logistic regression,
    mean(BCE-with-logits(X w + b, y)) + 0.01 * sum(w^2), on 40 samples of 5 features whose scales
    run from 0.5 to 8 (drawn from torch.manual_seed(1), stored in the fixture), params w (5) and
    b (0-d), both starting at zero.
Each config (CONFIGS below) runs with and without the strong-Wolfe line search across max_iter,
max_eval, tolerance_grad/tolerance_change, history_size and lr, float32 and float64, 12 steps.

Layout: as lbfgs_trajectories.sofx (see lbfgs.py), without "self_error":
    {header..., "steps": 12, "problems": {"rosenbrock": {"x0", "param_names"},
                                          "logistic": {"X", "y", "w0", "b0", "param_names"}},
     "cases": [{"id": "lbfgs_nonquadratic/<problem>/<slug(desc)>/<dtype>", "problem", "desc",
                "kwargs", "tensor_kwargs", "dtype", "history", "steps"}]}
"""

import os
import sys
from types import SimpleNamespace

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import common as C  # noqa: E402
import recorder as R  # noqa: E402
import lbfgs as L  # noqa: E402

OUT = "lbfgs_nonquadratic_trajectories.sofx"
N_STEPS = 12


def config(desc, **kwargs):
    return SimpleNamespace(desc=desc, kwargs=kwargs)


CONFIGS = [
    config("default"),
    config("strong_wolfe", line_search_fn="strong_wolfe"),
    config("max_iter 4, max_eval 5", max_iter=4, max_eval=5),
    config("strong_wolfe, max_iter 6, max_eval 8", line_search_fn="strong_wolfe", max_iter=6, max_eval=8),
    config("tolerance_grad 1e-4, tolerance_change 1e-6, max_iter 5", tolerance_grad=1e-4, tolerance_change=1e-6, max_iter=5),
    config("strong_wolfe, tolerance_grad 1e-3, tolerance_change 1e-5", line_search_fn="strong_wolfe",
           tolerance_grad=1e-3, tolerance_change=1e-5),
    config("history_size 2, max_iter 5", history_size=2, max_iter=5),
    config("strong_wolfe, history_size 3, max_iter 4", line_search_fn="strong_wolfe", history_size=3, max_iter=4),
    config("lr 0.5, history_size 5, max_iter 3", lr=0.5, history_size=5, max_iter=3),
    config("strong_wolfe, lr 0.8, max_iter 3", line_search_fn="strong_wolfe", lr=0.8, max_iter=3),
]


class RosenbrockFromClassicStart(L.RosenbrockProblem):
    """lbfgs.py's Rosenbrock (the same objective), from (-1.2, 1)."""

    x0 = [-1.2, 1.0]

    def json(self):
        return {"x0": {"shape": [2], "data": [C.enc_float(v) for v in self.x0]}}

    def make_params(self, dtype):
        return [torch.tensor(self.x0, dtype=torch.float64).to(dtype).requires_grad_(True)]


class LogisticProblem:
    """mean(BCE-with-logits(X w + b, y)) + 0.01 * sum(w^2); params w (5) and b (0-d), from zero."""

    name = "logistic"
    param_names = ["w", "b"]

    def __init__(self):
        torch.manual_seed(1)
        self.X = torch.randn(40, 5, dtype=torch.float64) * torch.tensor([1.0, 2.0, 4.0, 0.5, 8.0], dtype=torch.float64)
        self.y = (torch.rand(40, dtype=torch.float64) < 0.5).to(torch.float64)

    def json(self):
        return {"X": C.tensor_json_shaped(self.X), "y": C.tensor_json_shaped(self.y),
                "w0": {"shape": [5], "data": [0.0] * 5}, "b0": {"shape": [], "data": [0.0]}}

    def make_params(self, dtype):
        return [torch.zeros(5, dtype=dtype, requires_grad=True), torch.zeros((), dtype=dtype, requires_grad=True)]

    def objective(self, params):
        w, b = params
        X, y = self.X.to(w.dtype), self.y.to(w.dtype)
        return torch.nn.functional.binary_cross_entropy_with_logits(X @ w + b, y) + 0.01 * (w * w).sum()


def main():
    problems = [RosenbrockFromClassicStart(), LogisticProblem()]
    cases = []
    for problem in problems:
        for cfg in CONFIGS:
            for dt in ("float32", "float64"):
                history = L.HistoryTable()
                steps, _, _ = L.run_case(problem, cfg, dt, N_STEPS, history)
                cases.append({**L.case_head(problem, cfg, dt, "lbfgs_nonquadratic"), "history": history.json(), "steps": steps})
    fixture = {
        **C.header("LBFGS"),
        "steps": N_STEPS,
        "problems": {p.name: {**p.json(), "param_names": p.param_names} for p in problems},
        "cases": cases,
    }
    size = R.write(OUT, fixture)
    evaluations = sum(len(s["evaluations"]) for c in cases for s in c["steps"])
    print(f"{OUT}: {len(cases)} cases, {evaluations} closure evaluations, {size} bytes")
    for c in cases:
        counts = [len(s["evaluations"]) for s in c["steps"]]
        print(f"  {c['id']}: evaluations per step {counts}, final loss {c['steps'][-1]['loss']}")


if __name__ == "__main__":
    main()
