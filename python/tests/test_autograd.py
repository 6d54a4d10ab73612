import numpy as np
import pytest

import tern


def leaf(a):
    t = tern.tensor(np.asarray(a, dtype=np.float64))
    t.requires_grad = True
    return t


def test_backward_accumulates_into_leaves():
    x = leaf([[1.0, -2.0], [3.0, 0.5]])
    w = leaf([[0.5], [-1.0]])
    loss = tern.relu(x @ w).sum()
    assert loss.requires_grad and not loss.is_leaf
    loss.backward()
    xs, ws = x.numpy(), w.numpy()
    mask = (xs @ ws > 0).astype(np.float64)
    np.testing.assert_allclose(w.grad.numpy(), xs.T @ mask)
    np.testing.assert_allclose(x.grad.numpy(), mask @ ws.T)
    x.grad = None
    assert x.grad is None


def test_grad_returns_without_accumulating_and_matches_finite_differences():
    x = leaf(np.linspace(-1, 1, 5))
    (g,) = tern.grad(tern.sum(tern.tanh(x) * x), [x])
    xs = x.numpy()
    np.testing.assert_allclose(g.numpy(), np.tanh(xs) + xs * (1 - np.tanh(xs) ** 2), rtol=1e-10)
    assert x.grad is None
    eps = 1e-6
    f = lambda v: np.sum(np.tanh(v) * v)  # noqa: E731
    fd = [(f(xs + eps * e) - f(xs - eps * e)) / (2 * eps) for e in np.eye(5)]
    np.testing.assert_allclose(g.numpy(), fd, rtol=1e-6)


def test_backward_with_explicit_gradient_and_several_roots():
    x = leaf([1.0, 2.0])
    y = x * 3
    y.backward(tern.tensor([1.0, 10.0], dtype=tern.float64))
    np.testing.assert_allclose(x.grad.numpy(), [3, 30])
    x.zero_grad()
    tern.backward([tern.sum(x), tern.sum(x * x)])
    np.testing.assert_allclose(x.grad.numpy(), [3, 5])


def test_no_grad_and_enable_grad():
    x = leaf([1.0])
    with tern.no_grad():
        assert not tern.is_grad_enabled()
        y = x * 2
        with tern.enable_grad():
            z = x * 2
    assert tern.is_grad_enabled()
    assert not y.requires_grad and z.requires_grad

    @tern.no_grad()
    def f(v):
        return v * 2
    assert not f(x).requires_grad


def test_detach_and_hooks():
    x = leaf([1.0, 2.0])
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    tern.sum(x * x).backward()
    np.testing.assert_allclose(seen[0], [2, 4])


def test_autograd_errors():
    with pytest.raises(ValueError, match="does not require grad"):
        tern.ones([1]).backward()
    with pytest.raises(ValueError):
        tern.ones([2], tern.int64).requires_grad = True
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(ValueError):  # not a scalar: needs an explicit gradient
        y.backward()
    with pytest.raises(ValueError):
        y.requires_grad = False


def test_gradcheck_binding_passes_a_correct_gradient():
    x = leaf(np.linspace(0.5, 2, 6).reshape(2, 3))
    w = leaf(np.ones((3, 2)) * 0.3)
    r = tern.gradcheck(lambda a, b: tern.tanh(a @ b), [x, w])
    assert r["ok"], r["message"]
    assert r["max_abs_error"] < 1e-6
