#!/usr/bin/env python3
"""L2HMC on a strongly correlated 2-D Gaussian, the leapfrog staged with tern.function.

L2HMC (Levy, Hoffman & Sohl-Dickstein, ICLR 2018) learns the leapfrog
integrator of Hamiltonian Monte Carlo: small networks of the position
scale, shift and transform the momentum update, trained to maximise the
expected squared jump distance of the Metropolis-Hastings chain. It is the
small-op workload of the TensorFlow Eager paper (Agrawal et al., SysML
2019): three tiny MLPs per leapfrog step, where per-op overhead dominates
and staging pays. Here the leapfrog is one `tern.function`; training takes
gradients through the staged call (its backward is staged too), and
sampling replays the graph with no Python per op.

    PYTHONPATH=build/python /usr/bin/python3 python/examples/l2hmc_staged.py
    PYTHONPATH=build/python /usr/bin/python3 python/examples/l2hmc_staged.py --train-steps 0   # plain learned-free HMC-like baseline
"""

import argparse
import json
import time

import numpy as np

import tern
import tern.nn as nn

RHO = 0.95  # the target's correlation: a narrow ridge plain HMC crosses slowly


class Dynamics(nn.Module):
    """The learned parts of the leapfrog (Levy et al.'s S_v, T_v, Q_v), one hidden layer."""

    def __init__(self, hidden=10):
        super().__init__()
        self.w1 = nn.Parameter(tern.randn([hidden, 2]) * 0.3)
        self.b1 = nn.Parameter(tern.zeros([hidden]))
        self.ws = nn.Parameter(tern.randn([2, hidden]) * 0.01)
        self.wt = nn.Parameter(tern.randn([2, hidden]) * 0.01)
        self.wq = nn.Parameter(tern.randn([2, hidden]) * 0.01)


def make_leapfrog(dyn, precision, steps, eps):
    """L leapfrog steps from (x, v); returns the new state and the log
    determinant of the map's Jacobian (the momentum scaling exp(s))."""
    def grad_energy(x):  # U(x) = x^T P x / 2
        return tern.matmul(x, precision)

    def leapfrog(x, v):
        logdet = tern.zeros([x.shape[0]])
        for _ in range(steps):
            h = tern.relu(tern.linear(x, dyn.w1, dyn.b1))
            s = tern.tanh(tern.linear(h, dyn.ws)) * (0.5 * eps)
            t = tern.linear(h, dyn.wt)
            q = tern.tanh(tern.linear(h, dyn.wq))
            v = v * tern.exp(s) - (grad_energy(x) * tern.exp(q) + t) * (0.5 * eps)
            logdet = logdet + tern.sum(s, 1)
            x = x + v * eps
            v = v - grad_energy(x) * (0.5 * eps)
        return x, v, logdet
    return leapfrog


def hamiltonian(x, v, precision):
    return 0.5 * tern.sum(tern.matmul(x, precision) * x, 1) + 0.5 * tern.sum(v * v, 1)


def transition(leapfrog, x, precision):
    """One Metropolis-Hastings step of every chain: fresh momentum, leapfrog,
    accept or reject. Returns the next state, the acceptance probabilities
    and the proposal."""
    v = tern.randn(list(x.shape))
    x1, v1, logdet = leapfrog(x, v)
    log_ratio = hamiltonian(x, v, precision) - hamiltonian(x1, v1, precision) + logdet
    p = tern.exp(tern.minimum(log_ratio, tern.zeros([x.shape[0]])))
    accept = tern.unsqueeze(tern.rand([x.shape[0]]) < p, 1)
    return tern.where(accept, x1, x), p, x1


def sample(leapfrog, x, precision, burn_in, n, seed):
    """`burn_in` + `n` transitions of every chain from `x` under no_grad,
    the random numbers drawn from `seed` (so two samplers compare on the same
    draws). Returns the samples after burn-in, the mean acceptance
    probability, the mean squared jump per transition, the transitions per
    second and the final state."""
    tern.manual_seed(seed)
    samples, accept, jump = [], 0.0, 0.0
    with tern.no_grad():
        start = time.perf_counter()
        for i in range(burn_in + n):
            x_next, p, _ = transition(leapfrog, x, precision)
            if i >= burn_in:
                accept += float(p.numpy().mean())
                jump += float(tern.sum(tern.square(x_next - x), 1).numpy().mean())
                samples.append(x_next.numpy().copy())
            x = x_next
        seconds = time.perf_counter() - start
    return np.concatenate(samples), accept / n, jump / n, (burn_in + n) / seconds, x


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chains", type=int, default=64)
    ap.add_argument("--leapfrog-steps", type=int, default=10)
    ap.add_argument("--eps", type=float, default=0.1)
    ap.add_argument("--train-steps", type=int, default=300)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--samples", type=int, default=300, help="transitions per chain measured, before and after training")
    ap.add_argument("--burn-in", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    tern.manual_seed(args.seed)
    cov = np.array([[1.0, RHO], [RHO, 1.0]], np.float32)
    precision = tern.from_numpy(np.linalg.inv(cov).astype(np.float32))
    dyn = Dynamics()
    eager = make_leapfrog(dyn, precision, args.leapfrog_steps, args.eps)
    staged = tern.function(eager, name="l2hmc_leapfrog")
    opt = tern.optim.Adam(dyn, lr=args.lr)
    # Chains start on the target (drawn with NumPy), so samples are usable at once.
    start = np.random.default_rng(args.seed).standard_normal((args.chains, 2)) @ np.linalg.cholesky(cov).T
    x = tern.from_numpy(start.astype(np.float32))

    # Staging changes nothing but speed: the same state from both, and the
    # same samples at the same draws.
    v0 = tern.randn([args.chains, 2])
    with tern.no_grad():
        max_diff = float(np.abs(eager(x, v0)[0].numpy() - staged(x, v0)[0].numpy()).max())
    n_eager = max(1, args.samples // 10)
    _, _, _, eager_rate, _ = sample(eager, x, precision, 0, n_eager, args.seed + 1)
    _, _, _, staged_rate, _ = sample(staged, x, precision, 0, n_eager, args.seed + 1)
    _, accept0, jump0, _, _ = sample(staged, x, precision, args.burn_in, args.samples, args.seed + 2)

    # Training: maximise the acceptance-weighted squared jump of the proposal
    # (Levy et al.'s expected squared jump distance), gradients through the
    # staged call (its backward graph is staged too).
    losses = []
    tern.manual_seed(args.seed + 3)
    for _ in range(args.train_steps):
        x_next, p, proposal = transition(staged, x, precision)
        loss = -tern.mean(p * tern.sum(tern.square(proposal - x), 1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        x = x_next.detach()

    s, accept1, jump1, rate, _ = sample(staged, x, precision, args.burn_in, args.samples, args.seed + 2)
    result = {
        "chains": args.chains, "train_steps": args.train_steps, "samples": len(s),
        "staged_vs_eager_max_abs_diff": max_diff,
        "transitions_per_second": {"eager": eager_rate, "staged": staged_rate},
        "losses_finite": bool(np.all(np.isfinite(losses))),
        "before_training": {"acceptance": accept0, "mean_squared_jump": jump0},
        "after_training": {"acceptance": accept1, "mean_squared_jump": jump1},
        "sample_mean": s.mean(0).tolist(), "sample_cov": np.cov(s.T).tolist(),
        "traces": staged.traces,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"staged leapfrog = eager within {max_diff:.1e} ({staged.traces} traces); transitions/s of "
              f"{args.chains} chains: eager {eager_rate:.0f}, staged {staged_rate:.0f} ({staged_rate / eager_rate:.1f}x)")
        print(f"before training: acceptance {accept0:.3f}, mean squared jump {jump0:.3f}")
        print(f"after {args.train_steps} training steps: acceptance {accept1:.3f}, mean squared jump {jump1:.3f}")
        print(f"samples: mean {np.round(s.mean(0), 3).tolist()}, covariance {np.round(np.cov(s.T), 3).tolist()} "
              f"(target [[1, {RHO}], [{RHO}, 1]])")
    return result


if __name__ == "__main__":
    main()
