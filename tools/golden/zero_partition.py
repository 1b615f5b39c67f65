"""PyTorch ZeroRedundancyOptimizer's parameter partition, for SharpOptim's ParameterPartition.

From the repository root:
    tools/oracle/python tools/golden/zero_partition.py

Builds torch.distributed.optim.ZeroRedundancyOptimizer in one process on PyTorch's fake process
group (any world size, no communication) over parameter groups of given sizes, and writes, for
each case, which parameters (by index in their group) each rank gets, in PyTorch's order, to
tests/SharpOptim.Distributed.Tests/Fixtures/zero_partition.json.
"""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
from torch.distributed.optim import ZeroRedundancyOptimizer  # noqa: E402
from torch.testing._internal.distributed.fake_pg import FakeStore  # noqa: E402

from common import write_json  # noqa: E402

CASES = [
    # (world size, [[numel of each parameter] per group])
    (2, [[128, 16, 256, 16, 64, 4]]),
    (4, [[128, 16, 256, 16, 64, 4]]),
    (3, [[10, 10, 10, 10, 10, 10, 10]]),
    (4, [[5, 7, 7, 3, 100], [50, 1, 1, 60]]),
    (2, [[1], [2], [3, 3]]),
    (4, [[8, 8]]),
]


def partition(world_size, groups):
    params = [[torch.zeros(n, requires_grad=True) for n in sizes] for sizes in groups]
    results = []
    for rank in (0,):  # the partition is the same on every rank; rank only picks the local one
        dist.init_process_group("fake", store=FakeStore(), rank=rank, world_size=world_size)
        try:
            zero = ZeroRedundancyOptimizer([{"params": ps} for ps in params], torch.optim.SGD, lr=0.1)
            for per_rank in zero._partition_parameters():
                results.append([[next(i for i, q in enumerate(params[g]) if q is p) for p in group["params"]]
                                for g, group in enumerate(per_rank)])
        finally:
            dist.destroy_process_group()
    return results


def main():
    cases = [{"world_size": ws, "sizes": groups, "ranks": partition(ws, groups)} for ws, groups in CASES]
    write_json("tests/SharpOptim.Distributed.Tests/Fixtures/zero_partition.json", {"torch_version": torch.__version__, "cases": cases})
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
