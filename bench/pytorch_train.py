#!/usr/bin/env python3
"""The PyTorch side of bench/train_vs_pytorch.sh: the same models as Tern's
zoo (mlp, lenet5, resnet20), trained on random data with SGD+momentum and
cross-entropy. Prints one JSON line like `tern bench train --json`.

Peak tensor memory comes from PyTorch's profiler: its raw memory events (one
per allocation and free in c10's CPU allocator, with a timestamp and signed
byte count) walked in time order give the peak above the live bytes at the
start of the step; adding the tensors alive then (parameters, gradients,
momentum buffers, buffers, the batch) gives the absolute peak, the figure
Tern's allocator counter reports."""
import argparse, json, time

import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def lenet5():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + (self.shortcut(x) if self.shortcut is not None else x))


def resnet20():
    layers = [nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for s, w in enumerate([16, 32, 64]):
        for b in range(3):
            layers.append(BasicBlock(cin, w, 2 if (s > 0 and b == 0) else 1))
            cin = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


MODELS = {"mlp": mlp, "lenet5": lenet5, "resnet20": resnet20}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="lenet5", choices=sorted(MODELS))
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--memory", action="store_true", help="also measure peak tensor memory (one extra profiled step)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = MODELS[a.model]()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(a.batch_size, 1, 28, 28)
    y = torch.arange(a.batch_size) % 10

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(a.steps):
        step()
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = {"model": a.model, "batch_size": a.batch_size, "threads": a.threads,
           "samples_per_second": a.steps * a.batch_size / secs, "step_ms": secs / a.steps * 1e3,
           "samples_per_cpu_second": a.steps * a.batch_size / cpu}
    if a.memory:
        from torch.profiler import profile, ProfilerActivity
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            step()
        live = peak = 0
        events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
        for e in sorted(events, key=lambda e: e.start_us()):  # stable: same-microsecond events keep their order
            live += e.nbytes()
            peak = max(peak, live)
        tensors = list(model.parameters()) + [p.grad for p in model.parameters() if p.grad is not None]
        tensors += [v for st in opt.state.values() for v in st.values() if torch.is_tensor(v)]
        tensors += [x, y] + [b for b in model.buffers()]
        resident = sum(t.numel() * t.element_size() for t in tensors)
        out["peak_tensor_bytes"] = resident + peak
    print(json.dumps(out))


if __name__ == "__main__":
    main()
