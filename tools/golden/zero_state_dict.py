"""PyTorch loads SharpOptim's consolidated ZeroRedundancyOptimizer state dict and resumes from it.

From the repository root, after the distributed test wrote its checkpoint:
    mpiexec -n 2 dotnet tests/SharpOptim.Distributed.Tests/bin/Release/net10.0/SharpOptim.Distributed.Worker.dll \
        zero /tmp tests/SharpOptim.Distributed.Tests/Fixtures/zero_adam_consolidated.pt
    tools/oracle/python tools/golden/zero_state_dict.py

Reads tests/SharpOptim.Distributed.Tests/Fixtures/zero_adam_consolidated.pt (made by SharpOptim:
ZeRO over Adam on 2 ranks, consolidated on rank 0; the test suite checks that SharpOptim still
writes exactly these bytes): "optimizer" (the state dict), "params_before" (the parameters at that
point), "grads" (the gradients fed to each following step), "params_after" (what SharpOptim's
unsharded Adam reached). Loads the state dict into torch.optim.Adam over copies of params_before,
replays the steps with the recorded gradients, and writes what PyTorch reached to
zero_adam_pytorch.json beside it, with the loaded state dict's layout.
"""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from common import tensor_flat, write_json  # noqa: E402

FIXTURES = "tests/SharpOptim.Distributed.Tests/Fixtures"


def main():
    torch.set_num_threads(1)
    saved = torch.load(os.path.join(FIXTURES, "zero_adam_consolidated.pt"), weights_only=True)
    state_dict = saved["optimizer"]
    params = [p.detach().clone().requires_grad_(True) for p in saved["params_before"]]
    optimizer = torch.optim.Adam(params)
    optimizer.load_state_dict(state_dict)
    loaded = optimizer.state_dict()
    layout = {
        "param_groups": [{k: (v if k == "params" else repr(v)) for k, v in g.items()} for g in loaded["param_groups"]],
        "state_keys": {str(i): list(s.keys()) for i, s in loaded["state"].items()},
        "steps": {str(i): float(s["step"]) for i, s in loaded["state"].items()},
    }
    after = []
    for grads in saved["grads"]:
        for p, g in zip(params, grads):
            p.grad = g.clone()
        optimizer.step()
        after.append([tensor_flat(p) for p in params])
    ours = [[tensor_flat(p) for p in step] for step in saved["params_after"]]
    worst = max(abs(a - b) / max(abs(b), 1e-30)
                for step_a, step_b in zip(after, ours) for pa, pb in zip(step_a, step_b) for a, b in zip(pa, pb))
    write_json(os.path.join(FIXTURES, "zero_adam_pytorch.json"), {
        "torch_version": torch.__version__,
        "loaded": layout,
        "params_after": after,
    })
    print(f"PyTorch {torch.__version__} loaded the consolidated state dict; {len(after)} steps; "
          f"worst relative difference from SharpOptim: {worst:.3e}")


if __name__ == "__main__":
    main()
