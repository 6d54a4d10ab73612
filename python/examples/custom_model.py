#!/usr/bin/env python3
"""A model defined in Python, trained on data held in NumPy arrays.

The model mixes C++ layers (tern.nn.Linear, LayerNorm) with a parameter and
a residual connection of its own; the data are two interleaved spirals made
with NumPy and served by a TensorDataset that reads the arrays in place.

    PYTHONPATH=build/python /usr/bin/python3 python/examples/custom_model.py
"""

import argparse
import json

import numpy as np

import tern
import tern.nn as nn
from tern import data


class ResidualMLP(nn.Module):
    def __init__(self, features, hidden, classes, blocks=2):
        super().__init__()
        self.inp = nn.Linear(features, hidden)
        self.blocks = nn.ModuleList([nn.Linear(hidden, hidden) for _ in range(blocks)])
        self.norm = nn.LayerNorm(hidden)
        self.gate = nn.Parameter(tern.full([hidden], 0.5))  # a learned per-feature residual gate
        self.out = nn.Linear(hidden, classes)

    def forward(self, x):
        h = tern.tanh(self.inp(x))
        for block in self.blocks:
            h = h + self.gate * tern.relu(block(h))
        return self.out(self.norm(h))


def spirals(n, seed):
    """Two spirals in the plane, labels 0 and 1 (float32 features, int64 labels)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.25, 3 * np.pi, n)
    label = rng.integers(0, 2, n)
    r = t / (3 * np.pi)
    angle = t + np.pi * label
    x = np.stack([r * np.cos(angle), r * np.sin(angle)], 1) + rng.normal(0, 0.02, (n, 2))
    return x.astype(np.float32), label.astype(np.int64)


@tern.no_grad()
def accuracy(model, x, y):
    model.eval()
    pred = tern.argmax(model(tern.from_numpy(x)), 1).numpy()
    model.train()
    return float((pred == y).mean())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--examples", type=int, default=2000)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", help="write the trained state_dict here (safetensors)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    tern.manual_seed(args.seed)
    x, y = spirals(args.examples, args.seed)
    x_test, y_test = spirals(args.examples // 4, args.seed + 1)
    model = ResidualMLP(2, 64, 2)
    opt = tern.optim.Adam(model, lr=args.lr)
    schedule = tern.optim.CosineAnnealing(args.lr, args.epochs)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=64, seed=args.seed)
    for epoch in range(args.epochs):
        schedule.apply(opt, epoch)
        for xb, yb in loader:
            opt.zero_grad()
            tern.cross_entropy(model(xb), yb).backward()
            opt.step()
    acc = accuracy(model, x_test, y_test)
    if args.save:
        model.save(args.save)
    result = {"test_accuracy": acc, "parameters": model.num_parameters()}
    print(json.dumps(result) if args.json else f"test accuracy {100 * acc:.1f}% ({model.num_parameters()} parameters)")
    return result


if __name__ == "__main__":
    main()
