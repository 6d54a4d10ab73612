"""Reference counting between NumPy and Tern leaks nothing: 10^5 round trips
(shared and copied arrays, ops, autograd) leave the resident set where it
was after a warm-up. A leak of one small array or tensor per iteration
would add over 10 MB."""
import gc

import numpy as np

import tern


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def churn(n):
    base = np.arange(32, dtype=np.float32)
    for i in range(n):
        t = tern.from_numpy(base)                 # shared
        u = tern.from_numpy(base[::2].copy())     # a fresh array, shared
        v = tern.from_numpy(base[::2])            # strided: shared view
        y = (t * 2.0 + 1.0).numpy()               # a result, viewed from NumPy
        w = tern.from_numpy(y)                    # and back
        x = tern.ones([4])
        x.requires_grad = True
        tern.sum(x * x).backward()
        # The fast paths (fast_calls.cc) and their fallbacks, errors included.
        z = tern.add(u, v) - 2 * u / 3.0 + (-u).exp() + tern.mul_scalar(v, 2)
        b = u < v
        try:
            t + u
        except ValueError:
            pass
        del t, u, v, y, w, x, z, b


def test_round_trips_do_not_grow_the_resident_set():
    churn(10_000)  # warm-up: allocator caches, pybind11 type caches
    gc.collect()
    before = rss_bytes()
    churn(100_000)
    gc.collect()
    grown = rss_bytes() - before
    assert grown < 4 * 1024 * 1024, f"resident set grew by {grown / 1e6:.1f} MB over 10^5 iterations"
