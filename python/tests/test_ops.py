import os
import re

import numpy as np
import pytest

import tern

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_every_public_op_is_bound_under_its_cpp_name():
    header = open(os.path.join(ROOT, "tern", "ops", "ops.h")).read()
    names = set(re.findall(r"^(?:Tensor|std::vector<Tensor>|bool)\s+(\w+)\(", header, re.M))
    names.discard("operator")
    assert len(names) > 60
    missing = sorted(n for n in names if not hasattr(tern, n))
    assert missing == []
    assert sorted(n for n in names if n not in tern.OPS) == []


rng = np.random.default_rng(0)
A = rng.standard_normal((3, 4)).astype(np.float32)
B = rng.standard_normal((3, 4)).astype(np.float32)
P = np.abs(A) + 0.5


@pytest.mark.parametrize("name,ref,x", [
    ("neg", np.negative, A), ("exp", np.exp, A), ("log", np.log, P), ("sqrt", np.sqrt, P), ("abs", np.abs, A),
    ("tanh", np.tanh, A), ("sigmoid", lambda v: 1 / (1 + np.exp(-v)), A), ("relu", lambda v: np.maximum(v, 0), A),
    ("sin", np.sin, A), ("cos", np.cos, A), ("square", np.square, A)])
def test_unary_ops_match_numpy(name, ref, x):
    np.testing.assert_allclose(getattr(tern, name)(tern.from_numpy(x)).numpy(), ref(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,ref", [
    ("add", np.add), ("sub", np.subtract), ("mul", np.multiply), ("div", np.divide),
    ("maximum", np.maximum), ("minimum", np.minimum), ("eq", np.equal), ("ne", np.not_equal),
    ("lt", np.less), ("le", np.less_equal), ("gt", np.greater), ("ge", np.greater_equal)])
def test_binary_ops_broadcast_like_numpy(name, ref):
    b = B[:1]  # [1, 4] broadcasts over [3, 4]
    got = getattr(tern, name)(tern.from_numpy(A), tern.from_numpy(b)).numpy()
    np.testing.assert_allclose(got, ref(A, b), rtol=1e-6)


def test_operators_with_tensors_scalars_and_arrays():
    a, b = tern.from_numpy(A), tern.from_numpy(B)
    np.testing.assert_allclose((a + b * 2 - 1).numpy(), A + B * 2 - 1, rtol=1e-6)
    np.testing.assert_allclose((1 - a).numpy(), 1 - A, rtol=1e-6)
    np.testing.assert_allclose((2 / tern.from_numpy(P)).numpy(), 2 / P, rtol=1e-6)
    np.testing.assert_allclose((a / 4).numpy(), A / 4, rtol=1e-6)
    np.testing.assert_allclose((a ** 2).numpy(), A ** 2, rtol=1e-6)
    np.testing.assert_allclose((a @ b.T).numpy(), A @ B.T, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose((a + B).numpy(), A + B, rtol=1e-6)
    np.testing.assert_array_equal((a > 0).numpy(), A > 0)
    np.testing.assert_array_equal((tern.arange(0, 5) == 3).numpy(), np.arange(5) == 3)
    np.testing.assert_allclose((-a).numpy(), -A)
    np.testing.assert_allclose(abs(a).numpy(), np.abs(A))


def test_reductions_and_movement():
    t = tern.from_numpy(A)
    np.testing.assert_allclose(tern.sum(t).item(), A.sum(), rtol=1e-5)
    np.testing.assert_allclose(t.sum(1).numpy(), A.sum(1), rtol=1e-5)
    np.testing.assert_allclose(t.mean([0], True).numpy(), A.mean(0, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(t.var(1).numpy(), A.var(1, ddof=1), rtol=1e-4)
    np.testing.assert_allclose(t.max(1).numpy(), A.max(1))
    np.testing.assert_array_equal(t.argmax(1).numpy(), A.argmax(1))
    np.testing.assert_allclose(tern.logsumexp(t, 1).numpy(), np.log(np.exp(A).sum(1)), rtol=1e-5)
    np.testing.assert_allclose(t.permute(1, 0).numpy(), A.T)
    np.testing.assert_allclose(tern.cat([t, t], 0).numpy(), np.concatenate([A, A]))
    np.testing.assert_allclose(tern.stack([t, t], 1).numpy(), np.stack([A, A], 1))
    parts = tern.split(t, 2, 1)
    assert [p.shape for p in parts] == [(3, 2), (3, 2)]
    np.testing.assert_allclose(tern.pad(t, [1, 2]).numpy(), np.pad(A, ((0, 0), (1, 2))))
    np.testing.assert_allclose(tern.expand(t[:1], [3, 4]).numpy(), np.broadcast_to(A[:1], (3, 4)))
    np.testing.assert_allclose(tern.where(t > 0, t, tern.zeros_like(t)).numpy(), np.where(A > 0, A, 0))
    idx = tern.tensor([[0, 1, 0, 2]])
    np.testing.assert_allclose(tern.gather(t, 0, idx).numpy(), np.take_along_axis(A, idx.numpy(), 0))
    np.testing.assert_allclose(tern.softmax(t, 1).numpy().sum(1), np.ones(3), rtol=1e-5)


def test_nn_ops_and_random():
    x = tern.randn([2, 3, 8, 8], generator=tern.Generator(1))
    x2 = tern.randn([2, 3, 8, 8], generator=tern.Generator(1))
    np.testing.assert_array_equal(x.numpy(), x2.numpy())  # seeded
    w = tern.randn([4, 3, 3, 3])
    y = tern.conv2d(x, w, None, stride=1, padding=1)
    assert y.shape == (2, 4, 8, 8)
    assert tern.max_pool2d(y, 2).shape == (2, 4, 4, 4)
    assert tern.adaptive_avg_pool2d(y, 1, 1).shape == (2, 4, 1, 1)
    logits = tern.randn([5, 10])
    target = tern.tensor([1, 2, 3, 4, 0])
    ce = tern.cross_entropy(logits, target).item()
    nll = tern.nll_loss(tern.log_softmax(logits, 1), target).item()
    assert abs(ce - nll) < 1e-5
    bn = tern.batch_norm(y, training=True)
    np.testing.assert_allclose(bn.numpy().mean((0, 2, 3)), np.zeros(4), atol=1e-5)
    r = tern.rand([1000])
    assert 0 <= r.numpy().min() and r.numpy().max() < 1
    assert tern.allclose(logits, logits.clone())
