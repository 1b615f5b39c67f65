"""PyTorch's side of the end-to-end training comparison (bench/README.md, "Training run").

Run from the repository root through the PyTorch oracle:
    tools/oracle/python bench/torch_train.py [THREADS] [EPOCHS] [SEED]
Prints one JSON object: {"torch_version", "threads", "seconds", "test_acc", "train_loss"}.

The recipe is examples/Train's default: MLP 64-128-10 (Linear, ReLU, Linear), CrossEntropyLoss,
SGD(lr=0.05, momentum=0.9), CosineAnnealingLR(T_max=epochs) stepped once per epoch, batch 32,
30 epochs over the 1437 training rows reshuffled every epoch, test accuracy on the 360 test rows
after every epoch. "seconds" times the same span as the example's Trainer: the training loop
including each epoch's test evaluation (not loading the data, not building the model).

The data and the train/test split are the example's exactly: data/digits.csv.gz, pixels / 16,
and the split taken from the example's own permutation (SharpOptim's Generator is xoshiro256**
seeded by SplitMix64; Torch.RandPerm is a Fisher-Yates shuffle over it, reproduced below).
The weight initialisation and the per-epoch batch order use PyTorch's own generator (seeded with
the same seed), so they are the same distributions as SharpOptim's but not the same numbers.
"""
import csv
import gzip
import json
import sys
import time

import torch

MASK64 = (1 << 64) - 1
FEATURES = 64


class SharpOptimGenerator:
    """SharpOptim's Generator (src/SharpOptim/Tensors/Generator.cs): xoshiro256** seeded by SplitMix64."""

    def __init__(self, seed):
        x = seed & MASK64
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
            self.s.append(z ^ (z >> 31))

    @staticmethod
    def _rotl(v, k):
        return ((v << k) | (v >> (64 - k))) & MASK64

    def next_uint64(self):
        s0, s1, s2, s3 = self.s
        result = (self._rotl((s1 * 5) & MASK64, 7) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self._rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def next_int(self, n):
        # NextDouble() * n truncated, as Generator.NextInt64 does.
        return int((self.next_uint64() >> 11) * (1.0 / (1 << 53)) * n)


def sharpoptim_randperm(n, seed):
    """Torch.RandPerm(n, new Generator(seed)) of SharpOptim."""
    g = SharpOptimGenerator(seed)
    values = list(range(n))
    for i in range(n - 1, 0, -1):
        j = g.next_int(i + 1)
        values[i], values[j] = values[j], values[i]
    return values


def load_split(path="data/digits.csv.gz", train_fraction=0.8, split_seed=0):
    """DigitsData.Load().SplitTrainTest() of the example: the same rows in the same order."""
    with gzip.open(path, "rt") as f:
        rows = [[int(v) for v in line] for line in csv.reader(f) if line]
    x = torch.tensor([r[:FEATURES] for r in rows], dtype=torch.float32) / 16
    y = torch.tensor([r[FEATURES] for r in rows], dtype=torch.int64)
    perm = sharpoptim_randperm(len(rows), split_seed)
    n_train = int(train_fraction * len(rows))
    train, test = torch.tensor(perm[:n_train]), torch.tensor(perm[n_train:])
    return (x[train], y[train]), (x[test], y[test])


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).sum().item() / len(y)


def train(threads, epochs=30, seed=0, batch_size=32, lr=0.05):
    torch.set_num_threads(threads)
    (x_train, y_train), (x_test, y_test) = load_split()
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(FEATURES, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    criterion = torch.nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(seed)
    n = len(y_train)
    batches = (n + batch_size - 1) // batch_size

    start = time.perf_counter()
    test_acc = train_loss = None
    for _ in range(epochs):
        model.train()
        loss_sum = 0.0
        correct = 0
        order = torch.randperm(n, generator=shuffle)
        for b in range(batches):
            index = order[b * batch_size:(b + 1) * batch_size]
            x = x_train.index_select(0, index)
            y = y_train.index_select(0, index)
            optimizer.zero_grad()
            logits = model(x)
            loss = criterion(logits, y)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(index)
            correct += (logits.argmax(1) == y).sum().item()
        train_loss = loss_sum / n
        scheduler.step()
        test_acc = accuracy(model, x_test, y_test)
    seconds = time.perf_counter() - start
    return {"torch_version": torch.__version__, "threads": torch.get_num_threads(), "seconds": seconds,
            "test_acc": test_acc, "train_loss": train_loss, "train_acc": correct / n}


def main():
    args = [int(a) for a in sys.argv[1:]]
    threads = args[0] if len(args) > 0 else torch.get_num_threads()
    epochs = args[1] if len(args) > 1 else 30
    seed = args[2] if len(args) > 2 else 0
    print(json.dumps(train(threads, epochs, seed)))


if __name__ == "__main__":
    main()
