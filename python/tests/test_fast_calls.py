"""The fast paths of python/src/fast_calls.cc behave exactly as the bindings
and Python methods they stand in front of: same results, same dtypes, same
autograd, same exceptions and messages."""
import numpy as np
import pytest

import tern

UNARY = ["neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "sin", "cos", "square"]
BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge"]


def arr(t):
    return t.numpy().copy()


@pytest.fixture
def xy():
    rng = np.random.default_rng(0)
    return (tern.from_numpy(rng.uniform(0.5, 2, (3, 4)).astype(np.float32)),
            tern.from_numpy(rng.uniform(0.5, 2, (4,)).astype(np.float32)))


def test_functions_match_their_bindings_by_keyword(xy):
    x, y = xy
    for name in UNARY:
        fn = getattr(tern, name)
        assert np.array_equal(arr(fn(x)), arr(fn(t=x))), name  # keywords take the binding's path
        assert np.array_equal(arr(getattr(x, name)()), arr(fn(x))), name
    for name in BINARY:
        fn = getattr(tern, name)
        assert np.array_equal(arr(fn(x, y)), arr(fn(a=x, b=y))), name
    for name in ["add_scalar", "mul_scalar"]:
        fn = getattr(tern, name)
        assert np.array_equal(arr(fn(x, 3)), arr(fn(t=x, s=3.0))), name
    assert np.array_equal(arr(tern.pow_scalar(x, 2)), arr(tern.pow_scalar(t=x, p=2.0)))
    assert "add(a:" in tern.add.__doc__


def test_operators_match_numpy_and_keep_dtypes(xy):
    x, y = xy
    a, b = arr(x), arr(y)
    assert np.allclose(arr(x + y), a + b) and np.allclose(arr(x - y), a - b)
    assert np.allclose(arr(x * y), a * b) and np.allclose(arr(x / y), a / b)
    assert np.allclose(arr(x + 2), a + 2) and np.allclose(arr(2 + x), a + 2) and np.allclose(arr(x - 0.5), a - 0.5)
    assert np.allclose(arr(x * 3), a * 3) and np.allclose(arr(3.0 * x), a * 3) and np.allclose(arr(x / 4), a / 4)
    assert np.allclose(arr(2 - x), 2 - a) and np.allclose(arr(1 / x), 1 / a)  # reflected: the Python methods
    assert np.array_equal(arr(x < y), a < b) and np.array_equal(arr(x == x), np.ones_like(a, bool))
    assert np.array_equal(arr(x >= 1.0), a >= 1.0)  # a number: the Python method's path
    assert np.allclose(arr(-x), -a) and np.allclose(arr(x + np.ones(4, np.float32)), a + 1)
    i = tern.tensor([1, 2, 3], dtype=tern.int64)
    assert (i + 2).dtype == tern.int64 and arr(i + 2).tolist() == [3, 4, 5]
    assert (x + True).dtype == tern.float32  # bool is no fast-path number
    assert np.allclose(arr(x + np.float32(1.5)), a + 1.5)


def test_errors_are_the_bindings(xy):
    x, y = xy
    with pytest.raises(ValueError, match="cannot be broadcast"):
        tern.add(x, tern.ones([5]))
    with pytest.raises(ValueError, match="cannot be broadcast"):
        x + tern.ones([5])
    with pytest.raises(TypeError, match="incompatible function arguments"):
        tern.add(x, 1)
    with pytest.raises(TypeError):
        tern.exp(x, x)
    with pytest.raises(ZeroDivisionError):
        x / 0
    with pytest.raises(TypeError):
        x.exp(1)


def test_autograd_through_fast_paths(xy):
    x, y = xy
    x.requires_grad = True
    loss = tern.sum(tern.tanh(x * 2.0 + y) - x / 3 + x.exp())
    (g,) = tern.grad(loss, [x])
    a, b = arr(x), arr(y)
    want = 2 * (1 - np.tanh(2 * a + b) ** 2) - 1 / 3 + np.exp(a)
    assert np.allclose(arr(g), want, rtol=1e-5)
    with tern.no_grad():
        assert not (x + y).requires_grad
    assert (x + y).requires_grad
