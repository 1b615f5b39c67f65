"""PyTorch's side of the checkpoint benchmark (bench/README.md, `--checkpoint`).

Run by bench/SharpOptim.Bench through the PyTorch oracle, which drives it step by step so that
its saves and loads alternate with SharpOptim's under the same machine load:
    tools/oracle/python bench/torch_checkpoint.py '<json request>'
The request: {"layers": 64, "rows": 2048, "cols": 2048, "dir": "artifacts/bench-checkpoint", "threads": 2}.
It builds the state dict SharpOptim's side saves (for each layer i, "layers.i.weight" of
rows x cols and "layers.i.bias" of rows, random float32), prints {"torch_version", "ready": true}
and then answers one JSON line per command read from stdin:
  save  -> {"seconds"}: torch.save to a file in a new folder under `dir` (relative to the
           working directory, which the oracle shares with SharpOptim's side; the temp folder
           if it does not exist), removed first;
  load  -> {"seconds", "extra_peak_bytes", "file_bytes"}: torch.load(path, weights_only=True);
           memory: the peak resident set during the load (VmHWM after resetting it through
           /proc/self/clear_refs), less the resident set before it and the loaded tensors'
           bytes (null where the kernel gives no peak);
  quit  -> removes the folder and exits.
"""
import gc
import json
import os
import shutil
import sys
import tempfile
import time

import torch


def status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def reply(obj):
    print(json.dumps(obj), flush=True)


def main():
    req = json.loads(sys.argv[1])
    torch.set_num_threads(int(req.get("threads", torch.get_num_threads())))
    torch.manual_seed(0)
    state = {}
    for i in range(req["layers"]):
        state[f"layers.{i}.weight"] = torch.randn(req["rows"], req["cols"])
        state[f"layers.{i}.bias"] = torch.randn(req["rows"])
    data_bytes = sum(t.numel() * t.element_size() for t in state.values())
    root = req.get("dir")
    folder = tempfile.mkdtemp(prefix="sharpoptim-bench-", dir=root if root and os.path.isdir(root) else None)
    path = os.path.join(folder, "torch.pt")
    reply({"torch_version": torch.__version__, "ready": True})
    try:
        for command in sys.stdin:
            command = command.strip()
            if command == "save":
                if os.path.exists(path):
                    os.remove(path)
                t0 = time.perf_counter()
                torch.save(state, path)
                reply({"seconds": time.perf_counter() - t0})
            elif command == "load":
                gc.collect()
                before = status_kib("VmRSS")
                can_peak = reset_peak()
                t0 = time.perf_counter()
                loaded = torch.load(path, weights_only=True)
                seconds = time.perf_counter() - t0
                peak = status_kib("VmHWM")
                assert len(loaded) == len(state)
                del loaded
                reply({"seconds": seconds,
                       "extra_peak_bytes": (peak - before) * 1024 - data_bytes if can_peak and peak is not None else None,
                       "file_bytes": os.path.getsize(path)})
            elif command == "quit":
                break
            else:
                reply({"error": f"unknown command {command!r}"})
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
