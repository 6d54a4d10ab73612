"""tern.dist under mpirun (ctest python_dist, 3 ranks): collectives give the
sums, means and broadcasts they promise, DistributedDataParallel makes
every rank start from rank 0's weights and end backward with the mean of
the ranks' gradients (exactly in fp32, to half precision with codec fp16,
exactly with rank-1 PowerSGD of rank-1 gradients), and its options are
checked as the CLI checks them."""
import numpy as np

import tern
import tern.nn as nn

tern.dist.init()
r, n = tern.dist.rank(), tern.dist.size()
assert n >= 2, "run under mpirun with 2 or more ranks"

t = tern.full([5], float(r + 1))
tern.dist.all_reduce(t)
assert np.all(t.numpy() == n * (n + 1) / 2), t.numpy()
t = tern.full([5], float(r + 1))
tern.dist.all_reduce(t, average=True)
assert np.allclose(t.numpy(), (n + 1) / 2), t.numpy()
t = tern.full([7], float(r))
tern.dist.broadcast(t, root=n - 1)
assert np.all(t.numpy() == n - 1)

tern.manual_seed(100 + r)  # a different initialisation on every rank
model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
ddp = tern.dist.DistributedDataParallel(model, bucket_bytes=64)  # several buckets
assert ddp.num_buckets > 1
w = model.state_dict()
for name, p in w.items():
    mine = p.numpy().copy()
    total = tern.from_numpy(mine.copy())
    tern.dist.all_reduce(total)
    assert np.allclose(total.numpy(), n * mine), f"{name} differs between ranks after the broadcast"

rng = np.random.default_rng(r)
x = tern.from_numpy(rng.standard_normal((4, 6)).astype(np.float32))
y = tern.from_numpy(np.array([0, 1, 2, r % 3], dtype=np.int64))
# The rank's own gradient, without the reducer...
local = tern.grad(tern.cross_entropy(model(x), y), list(model.parameters()))
want = []
for g in local:
    g = tern.from_numpy(g.numpy().copy())
    tern.dist.all_reduce(g, average=True)
    want.append(g.numpy())
# ...and through it.
ddp.backward(tern.cross_entropy(ddp(x), y))
for p, wv in zip(model.parameters(), want):
    assert np.allclose(p.grad.numpy(), wv, atol=1e-6), "DDP gradient is not the mean over ranks"

# One wrapper per model at a time: a second live one is refused (both would
# reduce every gradient); once the first is gone, a new one may take over.
try:
    tern.dist.DistributedDataParallel(model, broadcast=False)
except ValueError as e:
    assert "already under another DataParallel" in str(e), str(e)
else:
    raise AssertionError("a second live DDP over the same model was accepted")
del ddp

# The CLI's collectives and codecs through the same wrapper.
for options, atol in [({"allreduce": "hd"}, 1e-6), ({"allreduce": "mpi", "overlap": False}, 1e-6),
                      ({"codec": "fp16"}, 2e-3)]:
    for p in model.parameters():
        p.grad = None
    d = tern.dist.DistributedDataParallel(model, bucket_bytes=64, **options)
    d.backward(tern.cross_entropy(d(x), y))
    for p, wv in zip(model.parameters(), want):
        assert np.allclose(p.grad.numpy(), wv, atol=atol), f"DDP {options}: not the mean over ranks"
    del d

# PowerSGD reaches the reducer: a [32 x 64] weight at rank 1 is
# approximated (identical on every rank, not the exact mean), its bias
# (a vector) is reduced exactly.
wide = nn.Linear(64, 32)
d = tern.dist.DistributedDataParallel(wide, codec="powersgd", codec_arg={"rank": 1, "seed": 3})
xw = tern.from_numpy(rng.standard_normal((8, 64)).astype(np.float32))
exact = []
for g in tern.grad(tern.sum(tern.square(wide(xw))), list(wide.parameters())):
    g = tern.from_numpy(g.numpy().copy())
    tern.dist.all_reduce(g, average=True)
    exact.append(g.numpy())
d.backward(tern.sum(tern.square(d(xw))))
weight, bias = [p.grad.numpy().copy() for p in wide.parameters()]
assert weight.shape == (32, 64) and np.all(np.isfinite(weight))
same = tern.from_numpy(weight.copy())
tern.dist.all_reduce(same)
assert np.allclose(same.numpy(), n * weight, rtol=1e-5, atol=1e-6), "PowerSGD results differ between ranks"
assert np.linalg.norm(weight - exact[0]) > 1e-3 * np.linalg.norm(exact[0]), "rank-1 PowerSGD gave the exact mean"
assert np.allclose(bias, exact[1], atol=1e-5), "PowerSGD: the bias was not reduced exactly"

for bad, message in [({"codec": "3lc"}, "needs --dist ps"), ({"allreduce": "mpi", "codec": "fp16"}, "ring or hd"),
                     ({"allreduce": "nosuch"}, "ring, hd, mpi"), ({"factors": "2x2"}, "needs --allreduce blueconnect")]:
    try:
        tern.dist.DistributedDataParallel(model, broadcast=False, **bad)
    except ValueError as e:
        assert message in str(e), (bad, str(e))
    else:
        raise AssertionError(f"DDP {bad} was accepted")

tern.dist.barrier()
if r == 0:
    print(f"tern.dist: {n} ranks, collectives, DDP with its collectives and codecs as promised")
