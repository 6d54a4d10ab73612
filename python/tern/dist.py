"""tern.dist: data-parallel training from Python under mpirun.

    mpirun -np 4 python3 train.py          # each process: one rank

    tern.dist.init()
    model = MyModel()
    ddp = tern.dist.DistributedDataParallel(model)   # rank 0's weights everywhere
    loader = tern.data.DataLoader(train, batch_size=16, seed=1,
                                  rank=tern.dist.rank(), world=tern.dist.size())
    for x, y in loader:
        opt.zero_grad()
        ddp.backward(tern.cross_entropy(ddp(x), y))  # gradients averaged over ranks,
        opt.step()                                    # all-reduced bucket by bucket during backward

The reducer is the one `tern train --dist allreduce` uses
(tern/distributed/ddp/data_parallel.h): parameters in buckets of
`bucket_bytes`, each bucket all-reduced on a communication thread as soon
as backward has produced its gradients.
"""
import contextlib

from . import _C

init = _C.dist.init
rank = _C.dist.rank
size = _C.dist.size
barrier = _C.dist.barrier
all_reduce = _C.dist.all_reduce
broadcast = _C.dist.broadcast
broadcast_parameters = _C.dist.broadcast_parameters
average_buffers = _C.dist.average_buffers


class DistributedDataParallel:
    """Wraps a module for data-parallel training; call it as the module."""

    def __init__(self, module, bucket_bytes=1 << 20, overlap=True, algorithm="ring", broadcast=True):
        init()
        if broadcast:
            broadcast_parameters(module)
        self.module = module
        self._reducer = _C.dist.DataParallel(module, bucket_bytes, overlap, algorithm)

    def __call__(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    @contextlib.contextmanager
    def sync(self):
        """Around loss.backward(): afterwards every .grad is the mean over ranks."""
        self._reducer.prepare_step()
        yield
        self._reducer.finish_step()

    def backward(self, loss):
        with self.sync():
            loss.backward()

    @property
    def num_buckets(self):
        return self._reducer.num_buckets
