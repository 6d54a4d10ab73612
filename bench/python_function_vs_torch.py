#!/usr/bin/env python3
"""tern.function against Tern's Python eager, PyTorch eager and
torch.jit.script, on the small-op workload of the TensorFlow Eager paper
(Agrawal et al., SysML 2019): an L2HMC leapfrog (Levy et al., ICLR 2018),
the same computation as `tern bench staged --workload l2hmc`
(tern/graph/staged_bench.cc): 10 steps on a [16, 2] state, each running three
tiny MLPs, about 190 small ops per call. Both libraries get the same weights
and the outputs are checked to agree.

--grad adds the same call followed by the gradient of |x|^2 + |v|^2 with
respect to the weights (tern.grad through the staged call, i.e. its staged
backward graph; torch.autograd.grad). --resnet20 adds a ResNet-20 training step (batch 64: forward, loss.backward()
through the staged call, SGD update) staged vs eager.

Variants are timed in interleaved rounds (each round times every variant
once, `--calls` calls each), so drift on a shared machine hits all alike; the
figures are medians over rounds, per call. Both libraries use the same thread
count. Prints one JSON object. Run it alone on the machine:

    flock -x /work/.cpu.lock env PYTHONPATH=build/python /usr/bin/python3 bench/python_function_vs_torch.py
"""
import argparse
import json
import statistics
import time

import numpy as np
import torch

import tern

EPS = 0.1


def tern_l2hmc(net):
    w1, b1, ws, wt, wq = net

    def leapfrog(x, v):
        for _ in range(10):
            h = tern.relu(tern.linear(x, w1, b1))
            s = tern.tanh(tern.linear(h, ws)) * (0.5 * EPS)
            t = tern.linear(h, wt)
            q = tern.tanh(tern.linear(h, wq))
            v = v * tern.exp(s) - (x * tern.exp(q) + t) * (0.5 * EPS)  # dU/dx = x for U = |x|^2 / 2
            x = x + v * EPS
            v = v - x * (0.5 * EPS)
        return x, v
    return leapfrog


def torch_leapfrog(x, v, w1, b1, ws, wt, wq):
    # type: (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor) -> Tuple[Tensor, Tensor]
    for _ in range(10):
        h = torch.relu(torch.nn.functional.linear(x, w1, b1))
        s = torch.tanh(torch.nn.functional.linear(h, ws)) * (0.5 * 0.1)
        t = torch.nn.functional.linear(h, wt)
        q = torch.tanh(torch.nn.functional.linear(h, wq))
        v = v * torch.exp(s) - (x * torch.exp(q) + t) * (0.5 * 0.1)
        x = x + v * 0.1
        v = v - x * (0.5 * 0.1)
    return x, v


def per_call_us(fn, calls):
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def rounds_of(variants, rounds, calls):
    """{name: median µs per call}, every variant timed once per round."""
    times = {name: [] for name in variants}
    for _ in range(rounds):
        for name, fn in variants.items():
            times[name].append(per_call_us(fn, calls))
    return {name: statistics.median(t) for name, t in times.items()}, times


def l2hmc(args, grad=False):
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(s).astype(np.float32) * 0.3 for s in [(10, 2), (2, 10), (2, 10), (2, 10)]]
    w1, ws, wt, wq = weights
    b1 = np.zeros(10, np.float32)
    x0 = rng.standard_normal((16, 2)).astype(np.float32)
    v0 = rng.standard_normal((16, 2)).astype(np.float32)

    tnet = [tern.tensor(a, requires_grad=grad) for a in (w1, b1, ws, wt, wq)]
    eager = tern_l2hmc(tnet)
    staged = tern.function(eager)
    tx, tv = tern.tensor(x0), tern.tensor(v0)
    pnet = [torch.from_numpy(a.copy()).requires_grad_(grad) for a in (w1, b1, ws, wt, wq)]
    px, pv = torch.from_numpy(x0.copy()), torch.from_numpy(v0.copy())
    scripted = torch.jit.script(torch_leapfrog)

    # Same numbers everywhere (float32; the staged graph fuses, so allow rounding).
    if grad:  # a training-style call: the gradient of |x|^2 + |v|^2 w.r.t. the weights
        def tern_call(fn):
            x, v = fn(tx, tv)
            loss = tern.sum(x * x) + tern.sum(v * v)
            return tern.grad(loss, tnet)

        def torch_call(fn):
            x, v = fn(px, pv, *pnet)
            loss = (x * x).sum() + (v * v).sum()
            return torch.autograd.grad(loss, pnet)

        # The whole step staged: tern.grad inside the body puts the gradient
        # ops in the same graph; called under no_grad after the trace.
        def step_body(x0, v0):
            x, v = eager(x0, v0)
            return tern.grad(tern.sum(x * x) + tern.sum(v * v), tnet)
        whole_step = tern.function(step_body)
        whole_step(tx, tv)

        def whole_step_call():
            with tern.no_grad():
                return whole_step(tx, tv)
    else:
        def tern_call(fn):
            return fn(tx, tv)

        def torch_call(fn):
            return fn(px, pv, *pnet)
    ref = tern_call(eager)[0].numpy()
    for name, got in [("tern.function", tern_call(staged)[0].numpy()),
                      ("torch", torch_call(torch_leapfrog)[0].detach().numpy()),
                      ("torch.jit.script", torch_call(scripted)[0].detach().numpy())]:
        assert np.allclose(got, ref, rtol=1e-4, atol=1e-5), f"{name} disagrees with Tern eager"
    for _ in range(30):  # warm-up: the profiling executor specialises scripted code after a few runs
        torch_call(scripted), tern_call(staged), tern_call(eager), torch_call(torch_leapfrog)
    assert np.allclose(torch_call(scripted)[0].detach().numpy(), ref, rtol=1e-4, atol=1e-5)
    variants = {
        "tern_eager": lambda: tern_call(eager),
        "tern_function": lambda: tern_call(staged),
        "torch_eager": lambda: torch_call(torch_leapfrog),
        "torch_jit_script": lambda: torch_call(scripted),
    }
    if grad:
        assert np.allclose(whole_step_call()[0].numpy(), ref, rtol=1e-4, atol=1e-5)
        variants["tern_function_whole_step"] = whole_step_call
    medians, _ = rounds_of(variants, args.rounds, args.calls)
    return {
        "what": "L2HMC leapfrog: 10 steps, state [16, 2], 3 small MLPs per step, " +
                ("gradient of |x|^2 + |v|^2 w.r.t. the 5 weights (staged backward)" if grad else "no gradients"),
        "graph_nodes": staged.num_nodes(), "traces": staged.traces,
        "us_per_call": {k: round(v, 2) for k, v in medians.items()},
        "ratios": {
            "tern_eager / tern_function": round(medians["tern_eager"] / medians["tern_function"], 2),
            "torch_jit_script / tern_function": round(medians["torch_jit_script"] / medians["tern_function"], 2),
            "torch_eager / tern_function": round(medians["torch_eager"] / medians["tern_function"], 2),
            "torch_eager / torch_jit_script": round(medians["torch_eager"] / medians["torch_jit_script"], 2),
            **({"tern_eager / tern_function_whole_step":
                round(medians["tern_eager"] / medians["tern_function_whole_step"], 2),
                "torch_jit_script / tern_function_whole_step":
                round(medians["torch_jit_script"] / medians["tern_function_whole_step"], 2)} if grad else {}),
        },
    }


def resnet20(args):
    tern.manual_seed(1)
    model = tern.nn.make_model("resnet20", in_channels=3, image_size=32, num_classes=10)
    opt = tern.optim.SGD(model, lr=0.01, momentum=0.9)
    x = tern.randn([64, 3, 32, 32])
    y = tern.tensor(np.arange(64) % 10)

    def loss_fn(x, y):
        return tern.cross_entropy(model(x), y)
    staged = tern.function(loss_fn)

    def step(fn):
        opt.zero_grad()
        fn(x, y).backward()
        opt.step()
    # The trace; the next call builds the staged backward; the one after
    # records the planned path's shapes. Then both are warm.
    for _ in range(3):
        step(staged)
    step(loss_fn)
    medians, _ = rounds_of({"eager": lambda: step(loss_fn), "tern_function": lambda: step(staged)},
                           args.resnet_rounds, 1)
    return {
        "what": "ResNet-20 training step, batch 64 (forward, loss.backward() through the call, SGD+momentum)",
        "ms_per_step": {k: round(v / 1e3, 2) for k, v in medians.items()},
        "ratio eager / tern_function": round(medians["eager"] / medians["tern_function"], 3),
        "traces": staged.traces,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--grad", action="store_true", help="also L2HMC with gradients w.r.t. the weights")
    p.add_argument("--resnet20", action="store_true")
    p.add_argument("--resnet-rounds", type=int, default=7)
    args = p.parse_args()
    tern.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    out = {"threads": args.threads, "torch": torch.__version__, "rounds": args.rounds, "calls_per_round": args.calls,
           "l2hmc": l2hmc(args)}
    if args.grad:
        out["l2hmc_grad"] = l2hmc(args, grad=True)
    if args.resnet20:
        out["resnet20"] = resnet20(args)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
