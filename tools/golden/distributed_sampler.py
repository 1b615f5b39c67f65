"""torch.utils.data.DistributedSampler's indices, for SharpOptim's DistributedSampler.

From the repository root:
    tools/oracle/python tools/golden/distributed_sampler.py

For each case (dataset length, replicas, shuffle, seed, epoch, drop_last) writes every rank's
indices and len(sampler), and for shuffled cases the permutation PyTorch drew (SharpOptim draws
its own, so the test feeds it PyTorch's to compare the padding and subsampling), plus the error
for an invalid rank, to tests/SharpOptim.Distributed.Tests/Fixtures/distributed_sampler.json.
"""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch.utils.data import DistributedSampler  # noqa: E402

from common import write_json  # noqa: E402

CASES = [
    (10, 2, False, 0, 0, False),
    (10, 3, False, 0, 0, False),
    (10, 3, False, 0, 0, True),
    (10, 4, True, 0, 0, False),
    (10, 4, True, 0, 1, True),
    (3, 4, False, 0, 0, False),
    (3, 4, False, 0, 0, True),
    (1, 5, True, 7, 2, False),
    (17, 4, True, 42, 3, False),
    (17, 4, True, 42, 3, True),
    (0, 2, False, 0, 0, False),
]


def main():
    cases = []
    for n, replicas, shuffle, seed, epoch, drop_last in CASES:
        dataset = list(range(n))
        ranks, lengths = [], []
        for rank in range(replicas):
            s = DistributedSampler(dataset, num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed, drop_last=drop_last)
            s.set_epoch(epoch)
            ranks.append(list(iter(s)))
            lengths.append(len(s))
        case = {"length": n, "replicas": replicas, "shuffle": shuffle, "seed": seed, "epoch": epoch,
                "drop_last": drop_last, "ranks": ranks, "len": lengths}
        if shuffle:
            g = torch.Generator()
            g.manual_seed(seed + epoch)
            case["permutation"] = torch.randperm(n, generator=g).tolist()
        cases.append(case)
    errors = []
    for rank, replicas in [(2, 2), (-1, 2)]:
        try:
            DistributedSampler(list(range(4)), num_replicas=replicas, rank=rank)
        except ValueError as e:
            errors.append({"rank": rank, "replicas": replicas, "type": "ValueError", "message": str(e)})
    write_json("tests/SharpOptim.Distributed.Tests/Fixtures/distributed_sampler.json",
               {"torch_version": torch.__version__, "cases": cases, "errors": errors})
    print(f"{len(cases)} cases, {len(errors)} errors")


if __name__ == "__main__":
    main()
