# Bad input raises the Python exception of the matching kind with the C++
# message; nothing crashes the interpreter.
import numpy as np
import pytest

import tern


def test_exception_kinds():
    with pytest.raises(ValueError, match="cannot be broadcast"):
        tern.add(tern.zeros([2, 3]), tern.zeros([4]))
    with pytest.raises(IndexError):
        tern.squeeze(tern.zeros([2]), 3)
    with pytest.raises(TypeError):
        tern.cross_entropy(tern.zeros([2, 3]), tern.zeros([2]))  # target must be i64
    with pytest.raises(OSError, match="nope.safetensors"):
        tern.load("/nonexistent/nope.safetensors")
    with pytest.raises(ValueError, match="unknown|valid"):
        tern.nn.make_model("no-such-model")
    with pytest.raises(TypeError):  # pybind11's argument check
        tern.exp("not a tensor")


def test_bad_shapes_to_layers_raise_not_crash():
    lin = tern.nn.Linear(4, 2)
    with pytest.raises(ValueError):
        lin(tern.zeros([3, 5]))
    conv = tern.nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError):
        conv(tern.zeros([1, 2, 8, 8]))
    with pytest.raises(ValueError):
        tern.matmul(tern.zeros([2, 3]), tern.zeros([4, 5]))
    with pytest.raises(ValueError):
        tern.reshape(tern.zeros([6]), [4, -1])
    with pytest.raises(ValueError):
        tern.Tensor(np.zeros(2)).item()

