#!/usr/bin/env python3
"""Training throughput from Python, Tern against PyTorch 1.13, on the same
scripts: the zoo's MLP, LeNet-5 and ResNet-20 written as Python modules in
both libraries (layer for layer bench/pytorch_train.py's), trained on the
same random batches with SGD + momentum and cross-entropy, the loop in
Python. Each measurement is its own process (in one process the two
libraries' thread pools would compete: OpenBLAS workers spin after a
call), and rounds are interleaved (Tern, PyTorch, Tern, ...); prints one JSON
object with the median samples/s of each and the ratio Tern / PyTorch, to
set beside bench/train_vs_pytorch.sh's ratio for the C++ trainer. Run alone:

    flock -x /work/.cpu.lock env PYTHONPATH=build/python /usr/bin/python3 bench/python_train_vs_torch.py
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

import tern
import tern.nn as tnn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pytorch_train  # noqa: E402  (the PyTorch models of bench/train_vs_pytorch.sh)

CONFIGS = [("mlp", 32, 300), ("lenet5", 128, 40), ("resnet20", 128, 4)]


def tern_mlp():
    return tnn.Sequential(tnn.Flatten(), tnn.Linear(784, 256), tnn.ReLU(), tnn.Linear(256, 256), tnn.ReLU(),
                          tnn.Linear(256, 10))


def tern_lenet5():
    return tnn.Sequential(tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Conv2d(6, 16, 5),
                          tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(), tnn.Linear(400, 120), tnn.ReLU(),
                          tnn.Linear(120, 84), tnn.ReLU(), tnn.Linear(84, 10))


class TernBasicBlock(tnn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = tnn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = tnn.BatchNorm2d(cout)
        self.conv2 = tnn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
        self.bn2 = tnn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = tnn.Sequential(tnn.Conv2d(cin, cout, 1, stride=stride, bias=False), tnn.BatchNorm2d(cout))

    def forward(self, x):
        h = tern.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return tern.relu(h + (self.shortcut(x) if self.shortcut is not None else x))


def tern_resnet20():
    layers = [tnn.Conv2d(1, 16, 3, padding=1, bias=False), tnn.BatchNorm2d(16), tnn.ReLU()]
    cin = 16
    for s, w in enumerate([16, 32, 64]):
        for b in range(3):
            layers.append(TernBasicBlock(cin, w, 2 if (s > 0 and b == 0) else 1))
            cin = w
    layers += [tnn.AdaptiveAvgPool2d(1, 1), tnn.Flatten(), tnn.Linear(64, 10)]
    return tnn.Sequential(*layers)


TERN_MODELS = {"mlp": tern_mlp, "lenet5": tern_lenet5, "resnet20": tern_resnet20}


def batches(batch, count=4):
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, batch))
            for _ in range(count)]


def tern_run(name, data):
    model = TERN_MODELS[name]()
    opt = tern.optim.SGD(model, lr=0.01, momentum=0.9)
    data = [(tern.from_numpy(x), tern.from_numpy(y)) for x, y in data]

    def step(i):
        x, y = data[i % len(data)]
        opt.zero_grad()
        loss = tern.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def torch_run(name, data):
    model = pytorch_train.MODELS[name]()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    data = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in data]

    def step(i):
        x, y = data[i % len(data)]
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def samples_per_second(step, steps, batch):
    step(0)  # warm-up: first-call allocations, kernel selection
    start = time.perf_counter()
    for i in range(steps):
        step(i + 1)
    return steps * batch / (time.perf_counter() - start)


def worker(lib, name, threads):
    """One measurement in this process: prints samples/s."""
    torch.set_num_threads(threads)
    tern.set_num_threads(threads)
    batch, steps = {n: (b, k) for n, b, k in CONFIGS}[name]
    run = tern_run if lib == "tern" else torch_run
    print(samples_per_second(run(name, batches(batch)), steps, batch))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--models", default="mlp,lenet5,resnet20")
    p.add_argument("--worker", nargs=2, metavar=("LIB", "MODEL"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args.worker[0], args.worker[1], args.threads)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    out = {"threads": args.threads, "rounds": args.rounds, "torch_version": torch.__version__}
    for name, batch, steps in CONFIGS:
        if name not in args.models.split(","):
            continue
        rates = {"tern": [], "torch": []}
        for _ in range(args.rounds):
            for lib in rates:
                cmd = [sys.executable, os.path.abspath(__file__), "--threads", str(args.threads), "--worker", lib, name]
                rates[lib].append(float(subprocess.run(cmd, env=env, check=True, capture_output=True,
                                                       text=True).stdout.split()[-1]))
        tm, qm = statistics.median(rates["tern"]), statistics.median(rates["torch"])
        out[name] = {"batch": batch, "steps": steps, "tern": round(tm, 1), "torch": round(qm, 1),
                     "tern_over_torch": round(tm / qm, 3)}
        print(f"{name}: tern {tm:.0f} samples/s, torch {qm:.0f} samples/s, ratio {tm / qm:.3f}", file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
