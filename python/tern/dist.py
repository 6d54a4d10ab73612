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
as backward has produced its gradients, with the CLI's collectives and
codecs (fp16, PowerSGD). `train("ps", servers=1, codec="3lc", ...)` runs
any registered strategy on a zoo model, as `tern train --dist` does.
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
    """Wraps a module for data-parallel training; call it as the module.

    The options are `tern train --dist allreduce`'s, read by the same
    function (a mistake gets the CLI's message):
      allreduce   "ring", "hd" (halving-doubling), "mpi" or "blueconnect"
      factors     with blueconnect: "AxB..." or "auto" (cost model, probed links)
      bucket_bytes  gradient bucket size (the CLI's --bucket-kb, in bytes)
      overlap     reduce each bucket during backward (False: after it)
      codec       "none", "fp16" (halves on the wire, ring or hd) or
                  "powersgd" (low-rank factors, error feedback)
      codec_arg   powersgd: "rank=R,seed=S" or {"rank": R, "seed": S}
    """

    def __init__(self, module, allreduce="ring", bucket_bytes=1 << 20, overlap=True, codec="none",
                 codec_arg=None, factors=None, broadcast=True):
        init()
        if broadcast:
            broadcast_parameters(module)
        self.module = module
        flags = {"allreduce": allreduce, "codec": codec}
        if not overlap:
            flags["no_overlap"] = True
        if factors is not None:
            flags["factors"] = factors
        if codec_arg:
            flags["codec_arg"] = codec_arg
        self._reducer = _C.dist.DataParallel(module, bucket_bytes, **flags)

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

    @property
    def exposed_comm_seconds(self):
        """Seconds backward's end waited for communication, over all steps."""
        return self._reducer.exposed_comm_seconds


strategies = _C.dist.strategies


def train(strategy, **options):
    """Trains a zoo model with a distributed strategy on this MPI job, as
    `tern train --dist STRATEGY` does; call it on every rank:

        mpirun -np 3 python3 -c 'import tern; print(tern.dist.train("ps", servers=1, codec="3lc", epochs=1))'

    Keyword arguments are the CLI's flags with _ for - : the training
    options (model, data, epochs, batch_size (global: split over the
    workers), lr, optimizer, seed, threads, checkpoint, ... as tern.train
    takes) and the strategy's own (servers, codec, codec_arg, aggregator,
    byzantine, async_, send_schedule="p3" for P3's priority propagation,
    ...; tern.dist.strategy_flags() lists them all).
    Values may be strings, numbers, True for a switch, a list for a
    repeatable flag, or a dict for k=v settings (codec_arg={"s": 1.0}). Mistakes raise ValueError/TypeError before MPI starts;
    an error during the run ends the whole job with one line, as the CLI
    does. Returns the dict `tern train --dist ... --json` prints, complete
    on rank 0 (its "leader" is True there).
    """
    options = {(k[:-1] if k.endswith("_") else k): v for k, v in options.items()}  # async_ -> async
    return _C.dist.train(strategy, **options)


def strategy_flags():
    """The keywords of every strategy (the CLI's flag names, with _ for -)."""
    return [k.replace("-", "_") for k in _C.dist.strategy_flags()]
