import os

import numpy as np
import pytest

import tern
from tern import data


def test_numpy_backed_dataset_and_loader():
    x = np.arange(50 * 3, dtype=np.float32).reshape(50, 3)
    y = np.arange(50) % 5
    ds = data.TensorDataset(x, y)
    assert len(ds) == 50 and ds.num_classes == 5 and ds.example_shape == (3,)
    xi, yi = ds[7]
    np.testing.assert_array_equal(xi.numpy(), x[7])
    assert yi.item() == 2
    loader = data.DataLoader(ds, batch_size=16, shuffle=True, seed=3)
    assert len(loader) == 4
    seen = []
    for inputs, labels in loader:
        np.testing.assert_array_equal(inputs.numpy()[:, 0] // 3 % 5, labels.numpy())
        seen += labels.numpy().tolist()
    assert len(seen) == 50
    first = [b[1].numpy().tolist() for b in data.DataLoader(ds, batch_size=16, seed=3)]
    again = [b[1].numpy().tolist() for b in data.DataLoader(ds, batch_size=16, seed=3)]
    assert first == again  # seeded
    epoch2 = [b[1].numpy().tolist() for b in loader]
    assert epoch2 != first  # reshuffled each epoch
    threaded = [b[1].numpy().tolist() for b in data.DataLoader(ds, batch_size=16, seed=3, workers=3)]
    assert threaded == first  # the same batches, in order, whatever the worker count


def test_dataset_errors():
    with pytest.raises(ValueError):
        data.TensorDataset(np.zeros((4, 2), np.float32), np.zeros(3, np.int64))
    ds = data.TensorDataset(np.zeros((4, 2), np.float32), np.zeros(4, np.int64))
    with pytest.raises(IndexError):
        ds[4]
    with pytest.raises(IndexError):
        ds.get([0, 9])


def test_synthetic_images():
    ds = data.synthetic_images(100, [1, 8, 8], 4, seed=1)
    x, y = ds.get([0, 1, 2])
    assert x.shape == (3, 1, 8, 8) and x.dtype == tern.float32 and y.dtype == tern.int64


@pytest.mark.skipif(not os.path.isdir(data.FASHION_MNIST_DIR), reason="dataset-fashion-mnist not installed")
def test_fashion_mnist():
    test = data.fashion_mnist(train=False)
    assert len(test) == 10000 and test.example_shape == (1, 28, 28) and test.num_classes == 10
    small = test.take(list(range(100)))
    assert len(small) == 100
    with pytest.raises(OSError, match="nowhere"):
        data.fashion_mnist(dir="/nowhere")


def test_load_a_data_spec(tmp_path):
    csv = tmp_path / "t.csv"
    rows = ["a,b,label"] + [f"{i},{i % 3},{'xy'[i % 2]}" for i in range(20)]
    csv.write_text("\n".join(rows) + "\n")
    train, test, classes = data.load(f"csv:{csv}")
    assert len(train) + len(test) == 20
    assert train.example_shape == (2,) and classes == ["x", "y"]
    with pytest.raises((OSError, ValueError), match="nope.csv"):
        data.load(f"csv:{tmp_path}/nope.csv")
