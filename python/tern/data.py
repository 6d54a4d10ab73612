"""tern.data: datasets and the C++ DataLoader (background threads, seeded
shuffling, in-order batches)."""

import numpy as _np

from . import _C
from ._C.data import Dataset, ImageDataset, fashion_mnist as _fashion_mnist, idx_folder, load, synthetic_images  # noqa: F401

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"


def fashion_mnist(train=True, dir=FASHION_MNIST_DIR):  # noqa: A002
    """Fashion-MNIST from Debian's dataset-fashion-mnist, normalised."""
    return _fashion_mnist(dir, train)


def TensorDataset(inputs, labels, num_classes=0):
    """Examples as rows of `inputs` (a Tensor or NumPy array, shared, not
    copied) with integer labels; num_classes 0: the largest label + 1."""
    from . import as_tensor, cast, int64
    x = as_tensor(inputs)
    y = as_tensor(_np.asarray(labels) if not isinstance(labels, _C.Tensor) else labels)
    if y.dtype != int64:
        y = cast(y, int64)
    return _C.data.TensorDataset(x, y, num_classes)


class DataLoader:
    """Iterates (inputs, labels) batches; each iteration is the next epoch
    (reshuffled with the seed and the epoch number)."""

    def __init__(self, dataset, batch_size=64, shuffle=True, drop_last=False, seed=0, prefetch=4, workers=1,
                 crop_padding=0, random_flip=False, rank=0, world=1):
        # rank / world: this process's shard of every epoch (tern.dist), as
        # `tern train --dist` splits the data; batch_size is per process.
        self._loader = _C.data.DataLoader(dataset, batch_size, shuffle, drop_last, seed, prefetch, workers,
                                          crop_padding, random_flip, rank, world)
        self.dataset = dataset
        self.epoch = 0

    def __len__(self):
        return len(self._loader)

    def __iter__(self):
        self._loader.start_epoch(self.epoch)
        self.epoch += 1
        while True:
            batch = self._loader.next()
            if batch is None:
                return
            yield batch
