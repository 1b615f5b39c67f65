"""How the optimizer fixtures are laid out beyond their numbers; shared by recorder.py and the
one-off convert_fixtures.py, so a re-recorded fixture comes out as the converted one did.

Torch-free on purpose: the converter runs with any Python 3.
"""

import json
import re

HEADER_KEYS = ("optimizer", "torch_version", "cpu_capability", "num_threads")

# How PyTorch was driven for a <prefix>_differentiable fixture (tests/SharpOptim.Tests/Golden
# replays each the same way):
#   x_g_feedback           x, g leaves; p = x * 1; each step p.grad = g * (k + 1) + p * 0.5; then
#                          (p * w).sum() back-propagated into x and g (adaptive.py's algorithms)
#   pytorch_diff_fn_chain  PyTorch's own _diff_fn chained: each step a fresh optimizer on a clone
#                          of p with clones of the state; then sum(p * w) + sum(state * w) back
#                          into x0, every gradient fed in and the tensor hyper-parameters (Adam family)
#   recorded_grads         the test problem's params as clones of leaves, PyTorch's loss
#                          gradients set as constants; then sum(p * p) back into the leaves and a
#                          tensor lr
PROCEDURES = ("x_g_feedback", "pytorch_diff_fn_chain", "recorded_grads")


def slug(desc):
    """desc -> id component: runs of non-alphanumerics become '_'."""
    return re.sub(r"[^A-Za-z0-9]+", "_", desc).strip("_")


# ---------------------------------------------------------------------------
# Optimizer state at selected steps
# ---------------------------------------------------------------------------
def keeps_state(step, total):
    """Whether a trajectory keeps the optimizer state after `step` (1-based) of `total`: the first
    six steps (step-dependent branches: RAdam rectifies from step 6), every tenth step (the
    state-dict save point, 50, among them) and the last. Params, grads and loss are kept at every
    step, so every step is still checked; the state, which is most of a fixture, at these."""
    return step <= 6 or step % 10 == 0 or step == total


def thin_states(records, first_step, total):
    """Drops "state" from the records (steps first_step, first_step + 1, ...) keeps_state rejects."""
    for k, record in enumerate(records):
        if not keeps_state(first_step + k, total):
            record.pop("state", None)


def thin_trajectories(fixture):
    for case in fixture["cases"]:
        thin_states(case["steps"], 1, len(case["steps"]))


def _text(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def refer_continuations(state_dicts, trajectories):
    """Each state-dict case's "continuation" that equals, record for record, the next steps of its
    trajectory becomes "continuation_steps": [first, last] (1-based, inclusive, of trajectory_id).
    One that differs (a reload that legitimately changes the run) stays, its states thinned as the
    trajectory's. Call with the full (not yet thinned) trajectories."""
    by_id = {c["id"]: c for c in trajectories["cases"]}
    for i, case in enumerate(state_dicts["cases"]):
        if "continuation" not in case:
            continue
        steps = by_id[case["trajectory_id"]]["steps"]
        saved, cont = case["steps_before_save"], case["continuation"]
        total = len(steps)
        if _text(steps[saved:saved + len(cont)]) == _text(cont):
            replacement = ("continuation_steps", [saved + 1, saved + len(cont)])
        else:
            thin_states(cont, saved + 1, total)
            replacement = ("continuation", cont)
        state_dicts["cases"][i] = {(replacement[0] if k == "continuation" else k): (replacement[1] if k == "continuation" else v)
                                   for k, v in case.items()}


# ---------------------------------------------------------------------------
# <prefix>_differentiable fixtures
# ---------------------------------------------------------------------------
def _with_procedure(fixture, procedure, cases):
    head = {k: fixture[k] for k in HEADER_KEYS}
    rest = {k: v for k, v in fixture.items() if k not in HEADER_KEYS and k != "cases"}
    ids = [c["id"] for c in cases]
    assert len(set(ids)) == len(ids), f"duplicate differentiable case ids {ids}"
    return {**head, "procedure": procedure, **rest, "cases": cases}


def x_g_feedback_fixture(prefix, fixture):
    """The fixture adaptive.py wrote (header, python, dtype, x0, g0, w, cases); cases numbered in order."""
    cases = [{"id": f"{prefix}_differentiable/{i}", **c} for i, c in enumerate(fixture["cases"])]
    return _with_procedure(fixture, "x_g_feedback", cases)


def recorded_grads_fixture(fixture):
    """A recorded_grads fixture as recorder.record_recorded_grads builds it (header, problem, param_names, cases with ids)."""
    return _with_procedure(fixture, "recorded_grads", fixture["cases"])


def chained_fixture(prefix, extras):
    """A pytorch_diff_fn_chain fixture from its header and its "differentiable" list of cases, as
    recorder.record_diff_fn_chain builds it (and as the Adam family's old <prefix>_extras.json held it)."""
    cases = [{"id": f"{prefix}_differentiable/{slug(c['desc'])}", **c} for c in extras["differentiable"]]
    return _with_procedure({k: extras[k] for k in HEADER_KEYS}, "pytorch_diff_fn_chain", cases)
