"""PyTorch's side of the checkpoint benchmark (bench/README.md, `--checkpoint`).

Run by bench/SharpOptim.Bench through the PyTorch oracle:
    ../shared/oracle/python bench/torch_checkpoint.py '<json request>'
The request: {"layers": 64, "rows": 2048, "cols": 2048, "repeats": 3, "dir": "/dev/shm", "threads": 2}
The state dict is the one SharpOptim's side saves: for each layer i, "layers.i.weight"
(rows x cols) and "layers.i.bias" (rows), random float32. Each repeat times torch.save to a file in a
new folder under `dir` (the oracle's own /dev/shm: memory, as on SharpOptim's side; the temp
folder where it has none), removed first, and then torch.load(path, weights_only=True) of it, the file in the page cache as
on SharpOptim's side. Memory: the process's peak resident set during the load (VmHWM after
resetting it through /proc/self/clear_refs), less the resident set before it and less the loaded
tensors' bytes. Prints one JSON object: {"torch_version", "save_s": [...], "load_s": [...],
"load_extra_peak_bytes": [...] (null where the kernel gives no peak), "file_bytes"}.
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
    saves, loads, extras = [], [], []
    for _ in range(req["repeats"]):
        if os.path.exists(path):
            os.remove(path)
        t0 = time.perf_counter()
        torch.save(state, path)
        saves.append(time.perf_counter() - t0)

        gc.collect()
        before = status_kib("VmRSS")
        can_peak = reset_peak()
        t0 = time.perf_counter()
        loaded = torch.load(path, weights_only=True)
        loads.append(time.perf_counter() - t0)
        peak = status_kib("VmHWM")
        extras.append((peak - before) * 1024 - data_bytes if can_peak and peak is not None else None)
        assert len(loaded) == len(state)
        del loaded
    file_bytes = os.path.getsize(path)
    shutil.rmtree(folder)
    print(json.dumps({"torch_version": torch.__version__, "save_s": saves, "load_s": loads,
                      "load_extra_peak_bytes": extras, "file_bytes": file_bytes}))


if __name__ == "__main__":
    main()
