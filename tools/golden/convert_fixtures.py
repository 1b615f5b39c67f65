"""One-off migration: re-encodes the optimizer fixtures recorded as JSON into .sofx, losslessly.

From the repository root, with any Python 3 (no torch needed):

    python3 tools/golden/convert_fixtures.py            # converts, verifies, deletes the old files
    python3 tools/golden/convert_fixtures.py --keep     # ... and keeps them

Every number is carried over bit for bit (fixture_format.py): nothing is recomputed. Three
layout changes come with it, the ones the recorder now writes directly (fixture_layout.py):

* trajectories keep each step's optimizer state only at the steps `fixture_layout.keeps_state` selects
  (the params, grads and loss stay at every step);
* a state-dict case whose continuation is, bit for bit, steps save+1..2*save of its trajectory
  says so ("continuation_steps": [first, last], 1-based, of trajectory_id) instead of repeating
  them; one that is not (NAdam's float64 reload) keeps its own "continuation", states thinned
  alike;
* every algorithm's differentiable runs are in <prefix>_differentiable.sofx with a "procedure"
  naming how PyTorch was driven (fixture_layout.PROCEDURES) and an "id" per case; for
  Adam, AdamW and Adamax they move there out of <prefix>_extras.json.

Each written file is read back and compared with the transformed object (exact JSON text).
"""

import gzip
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fixture_format as FF  # noqa: E402
import fixture_layout as RL  # noqa: E402

FIXTURES = "tests/SharpOptim.Tests/Fixtures"

# Algorithms with <prefix>_trajectories and <prefix>_state_dict (common.record_state_dict_cases).
ALGORITHMS = ["sgd", "adagrad", "adadelta", "rmsprop", "rprop", "adam", "adamw", "adamax",
              "asgd", "nadam", "radam", "adafactor", "muon"]
# Recorded as x/g feedback runs (adaptive.py), on the problem's grads (asgd, nadam, radam.py), as chains (adam.py, adamax.py).
X_G_FEEDBACK = ["adagrad", "adadelta", "rmsprop", "rprop"]
RECORDED_GRADS = ["asgd", "nadam", "radam"]
CHAINED = ["adam", "adamw", "adamax"]
# Converted as they are (no layout change).
AS_IS = ["adafactor_shapes.json.gz", "muon_newton_schulz.json.gz", "adagrad_sparse.json",
         "sparse_adam_trajectories.json.gz", "sparse_adam_state_dict.json.gz",
         "lbfgs_trajectories.json.gz", "lbfgs_state_dict.json.gz", "lbfgs_nonquadratic_trajectories.json.gz",
         "duplicate_params.json.gz", "nonfinite.json.gz"]


def load(name):
    path = f"{FIXTURES}/{name}"
    if name.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return json.load(f)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def text(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def save(name, obj, removed, written):
    path = f"{FIXTURES}/{name}"
    size = FF.write(path, obj)
    if text(FF.read(path)) != text(obj):
        raise SystemExit(f"{name}: does not read back as written")
    written.append((name, size))


def main(argv):
    keep = "--keep" in argv
    removed, written = [], []

    for prefix in ALGORITHMS:
        traj_name, sd_name = f"{prefix}_trajectories.json.gz", f"{prefix}_state_dict.json.gz"
        traj, sds = load(traj_name), load(sd_name)
        RL.refer_continuations(sds, traj)  # before thinning: it compares full records
        RL.thin_trajectories(traj)
        save(f"{prefix}_trajectories.sofx", traj, removed, written)
        save(f"{prefix}_state_dict.sofx", sds, removed, written)
        removed += [traj_name, sd_name]

    for prefix in X_G_FEEDBACK:
        name = f"{prefix}_differentiable.json"
        save(f"{prefix}_differentiable.sofx", RL.x_g_feedback_fixture(prefix, load(name)), removed, written)
        removed.append(name)
    for prefix in RECORDED_GRADS:
        name = f"{prefix}_differentiable.json.gz"
        save(f"{prefix}_differentiable.sofx", RL.recorded_grads_fixture(load(name)), removed, written)
        removed.append(name)
    for prefix in CHAINED:
        name = f"{prefix}_extras.json"
        extras = load(name)
        save(f"{prefix}_differentiable.sofx", RL.chained_fixture(prefix, extras), removed, written)
        del extras["differentiable"]
        path = f"{FIXTURES}/{name}"
        with open(path, "w", encoding="utf-8") as f:  # as common.write_json writes it
            f.write(json.dumps(extras, indent=1, allow_nan=False, ensure_ascii=False) + "\n")

    for name in AS_IS:
        stem = name.removesuffix(".gz").removesuffix(".json")
        save(f"{stem}.sofx", load(name), removed, written)
        removed.append(name)

    if not keep:
        for name in removed:
            os.remove(f"{FIXTURES}/{name}")
    for name, size in written:
        print(f"{size:9d}  {name}")
    print(f"{sum(s for _, s in written):9d}  total written ({len(written)} files)")


if __name__ == "__main__":
    main(sys.argv[1:])
