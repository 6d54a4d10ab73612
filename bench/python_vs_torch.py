#!/usr/bin/env python3
"""Tern from Python against PyTorch from Python, on the same 2 threads:
  - op call: a one-element add, as a function (tern.add / torch.add) and as
    an operator (a + b): what a Python user pays per call (binding +
    dispatch), where small models spend their time;
  - autograd op: the same with a recorded gradient;
  - NumPy round trip: from_numpy + .numpy() of a 1M-float array (zero-copy);
  - LeNet-5 step: forward, backward and an SGD+momentum update on a batch of
    64 random 28x28 images, both models written as Python modules.
Prints one JSON object with the times (microseconds) and the ratios
torch / tern (above 1: Tern is faster). Run it alone on the machine:

    flock -x /work/.cpu.lock env PYTHONPATH=build/python /usr/bin/python3 bench/python_vs_torch.py
"""
import json
import time

import numpy as np
import torch

import tern


def best_us(fn, reps, rounds=5):
    """The best of `rounds` averages over `reps` calls, in microseconds."""
    fn()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        best = min(best, (time.perf_counter() - start) / reps * 1e6)
    return best


class TernLeNet(tern.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = tern.nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = tern.nn.Conv2d(6, 16, 5)
        self.fc1 = tern.nn.Linear(400, 120)
        self.fc2 = tern.nn.Linear(120, 84)
        self.fc3 = tern.nn.Linear(84, 10)

    def forward(self, x):
        x = tern.max_pool2d(tern.relu(self.conv1(x)), 2)
        x = tern.flatten(tern.max_pool2d(tern.relu(self.conv2(x)), 2), 1)
        return self.fc3(tern.relu(self.fc2(tern.relu(self.fc1(x)))))


class TorchLeNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(400, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, 10)

    def forward(self, x):
        F = torch.nn.functional
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = torch.flatten(F.max_pool2d(F.relu(self.conv2(x)), 2), 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def main():
    torch.set_num_threads(2)
    out = {}
    a, b = tern.ones([1]), tern.ones([1])
    ta, tb = torch.ones(1), torch.ones(1)
    out["op_us"] = {"tern": best_us(lambda: tern.add(a, b), 20000), "torch": best_us(lambda: torch.add(ta, tb), 20000)}
    out["operator_us"] = {"tern": best_us(lambda: a + b, 20000), "torch": best_us(lambda: ta + tb, 20000)}
    g = tern.ones([8])
    g.requires_grad = True
    tg = torch.ones(8, requires_grad=True)
    out["autograd_op_us"] = {"tern": best_us(lambda: tern.mul(g, b), 20000),
                             "torch": best_us(lambda: torch.mul(tg, tb), 20000)}
    arr = np.ones(1 << 20, np.float32)
    out["numpy_round_trip_us"] = {"tern": best_us(lambda: tern.from_numpy(arr).numpy(), 20000),
                                  "torch": best_us(lambda: torch.from_numpy(arr).numpy(), 20000)}

    x = np.random.default_rng(0).standard_normal((64, 1, 28, 28)).astype(np.float32)
    y = np.random.default_rng(1).integers(0, 10, 64)
    m = TernLeNet()
    opt = tern.optim.SGD(m, lr=0.01, momentum=0.9)
    tx, ty = tern.from_numpy(x), tern.from_numpy(y)

    def tern_step():
        opt.zero_grad()
        tern.cross_entropy(m(tx), ty).backward()
        opt.step()

    tm = TorchLeNet()
    topt = torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9)
    px, py = torch.from_numpy(x), torch.from_numpy(y)

    def torch_step():
        topt.zero_grad()
        torch.nn.functional.cross_entropy(tm(px), py).backward()
        topt.step()

    out["lenet5_step_us"] = {"tern": best_us(tern_step, 100), "torch": best_us(torch_step, 100)}
    for v in out.values():
        v["torch_over_tern"] = round(v["torch"] / v["tern"], 2)
        v["tern"], v["torch"] = round(v["tern"], 2), round(v["torch"], 2)
    out["torch_version"] = torch.__version__
    print(json.dumps(out))


if __name__ == "__main__":
    main()
