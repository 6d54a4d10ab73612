"""tern.dist under mpirun (ctest python_dist, 3 ranks): collectives give the
sums, means and broadcasts they promise, and DistributedDataParallel makes
every rank start from rank 0's weights and end backward with the mean of
the ranks' gradients."""
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
tern.dist.barrier()
if r == 0:
    print(f"tern.dist: {n} ranks, collectives and DDP ({ddp.num_buckets} buckets) as promised")
