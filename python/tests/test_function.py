# tern.function: staged calls equal eager ones, the body runs only when a new
# signature (tensor dtypes/shapes, non-tensor values) is traced, gradients
# through staged calls equal eager's, and errors come out as Python errors.
import numpy as np
import pytest

import tern
import tern.nn as nn
import tern.optim as optim


def body(x, w, scale=2.0, act="relu"):
    h = x @ w
    h = tern.relu(h) if act == "relu" else tern.tanh(h)
    return tern.sum(h * scale, [1]) + 1.0, tern.exp(-h)


def counted(fn, **options):
    calls = []

    def wrapped(*args, **kwargs):
        calls.append(1)
        return fn(*args, **kwargs)
    wrapped.__name__ = fn.__name__
    return tern.function(**options)(wrapped), calls


def close(a, b, tol=1e-6):
    return np.allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


@pytest.mark.parametrize("shape", [(3, 4), (1, 4), (7, 4)])
@pytest.mark.parametrize("kw", [{}, {"scale": 0.5}, {"act": "tanh"}])
def test_outputs_equal_eager_for_several_signatures(shape, kw):
    f = tern.function(body)
    x, w = tern.randn(list(shape)), tern.randn([4, 5])
    for _ in range(2):  # the trace, then a replay
        got, want = f(x, w, **kw), body(x, w, **kw)
        assert isinstance(got, tuple) and len(got) == 2
        assert all(close(g, e) for g, e in zip(got, want))


def test_same_signature_does_not_run_the_body_again():
    f, calls = counted(body)
    x, w = tern.randn([3, 4]), tern.randn([4, 5])
    f(x, w)
    for _ in range(5):
        out = f(tern.randn([3, 4]), w)  # new values, same dtypes and shapes
    assert len(calls) == 1 and f.traces == 1 and f.cache_size == 1
    x2 = tern.randn([3, 4])
    assert close(f(x2, w)[1], body(x2, w)[1])
    assert len(calls) == 1


def test_new_shape_dtype_or_python_argument_retraces():
    f, calls = counted(body)
    x, w = tern.randn([3, 4]), tern.randn([4, 5])
    f(x, w)
    f(tern.randn([6, 4]), w)                    # new shape
    f(x, w, scale=3.0)                          # new non-tensor value
    f(x, w, act="tanh")
    f(x, w, 3.0)                                # positional instead of keyword: another key
    assert len(calls) == 5 and f.traces == 5 and f.cache_size == 5
    f(x, w, scale=3.0)
    f(tern.randn([6, 4]), w)
    assert len(calls) == 5
    assert len(f.signatures()) == 5
    assert ("(Tensor, Tensor, scale=3.0)", "f32[3, 4];f32[4, 5];") in [tuple(s) for s in f.signatures()]


def test_int_and_float_arguments_are_different_keys():
    f, calls = counted(lambda x, k: x * k)
    x = tern.randn([2])
    f(x, 1), f(x, 1.0), f(x, True), f(x, 1)
    assert len(calls) == 3


def test_python_loop_bound_is_part_of_the_key_and_unrolled():
    @tern.function
    def power(x, n):
        y = x
        for _ in range(n - 1):
            y = y * x
        return y
    x = tern.tensor([1.5, 2.0])
    assert close(power(x, 3), [1.5 ** 3, 8.0])
    assert close(power(x, 4), [1.5 ** 4, 16.0])
    assert power.traces == 2
    assert power.graph(x, 3).count("= mul(") == 2


def test_tensors_in_tuples_and_list_outputs():
    @tern.function
    def f(pair, k):
        a, b = pair
        return [a + b, a * k]
    a, b = tern.randn([2, 3]), tern.randn([2, 3])
    for _ in range(2):
        out = f((a, b), 2.0)
        assert isinstance(out, list) and close(out[0], a.numpy() + b.numpy()) and close(out[1], a.numpy() * 2)
    assert f.traces == 1


def test_graph_text_and_repr():
    f = tern.function(body)
    x, w = tern.randn([3, 4]), tern.randn([4, 5])
    text = f.graph(x, w)
    assert text.startswith("graph(%0: f32[3, 4], %1: f32[4, 5])")
    assert "matmul(%0, %1)" in text and "relu(" in text and "return (" in text
    assert f.num_nodes() >= 5
    assert "1 traces" in repr(f)


def test_decorator_with_options():
    @tern.function(optimize=False, name="unopt")
    def f(x):
        return (x + 0.0) * 1.0 + x * 0.0
    x = tern.randn([4])
    assert close(f(x), x) and f.__name__ == "f"


def test_gradients_equal_eager_and_backward_is_staged():
    f = tern.function(body)
    x, w = tern.randn([3, 4]), tern.randn([4, 5])
    w.requires_grad = True
    grads = []
    for fn in (body, f, f):
        y, z = fn(x, w, scale=1.5, act="tanh")
        w.grad = None
        (tern.sum(y) + tern.sum(z * z)).backward()
        grads.append(w.grad.numpy().copy())
    assert close(grads[1], grads[0], 1e-5) and close(grads[2], grads[0], 1e-5)
    assert "// backward" in f.graph(backward=True)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(tern.relu(self.fc1(x)))


def train(staged, steps=5):
    tern.manual_seed(3)
    model = MLP()
    opt = optim.SGD(model, lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    x = tern.from_numpy(rng.standard_normal((8, 6)).astype(np.float32))
    y = tern.from_numpy(rng.integers(0, 3, 8).astype(np.int64))

    def loss_fn(x, y):
        return tern.cross_entropy(model(x), y)
    loss_fn = tern.function(loss_fn) if staged else loss_fn
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(x, y)
        loss.backward()
        opt.step()
        losses.append(float(loss.numpy()))
    return losses, loss_fn


def test_training_loop_of_an_mlp_gives_eager_losses():
    eager, _ = train(False)
    staged, fn = train(True)
    assert close(staged, eager, 1e-5)
    assert eager[-1] < eager[0]           # it learns, so the parameter updates were seen
    assert fn.traces == 1


def test_a_whole_training_step_staged_with_grad_inside():
    tern.manual_seed(4)
    model = MLP()
    params = [p for _, p in model.named_parameters()]
    x, y = tern.randn([8, 6]), tern.tensor([0, 1, 2, 0, 1, 2, 0, 1])

    def step(x, y):
        loss = tern.cross_entropy(model(x), y)
        return [loss] + tern.grad(loss, params)
    staged = tern.function(step)
    want = step(x, y)
    staged(x, y)  # the trace
    with tern.no_grad():
        got = staged(x, y)
    assert all(close(g, e, 1e-5) for g, e in zip(got, want))


def test_method_decorated_on_a_module():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        @tern.function
        def forward(self, x):
            return tern.tanh(self.fc(x))
    a, b = Net(), Net()
    x = tern.randn([3, 4])
    assert close(a(x), tern.tanh(a.fc(x))) and close(b(x), tern.tanh(b.fc(x)))
    assert Net.forward.traces == 2  # each instance is its own key


def test_python_exception_in_the_body_propagates_unchanged():
    @tern.function
    def f(x, fail):
        if fail:
            raise KeyError("no such thing")
        return x * 2.0
    x = tern.randn([2])
    with pytest.raises(KeyError, match="no such thing"):
        f(x, True)
    with pytest.raises(KeyError):  # nothing was cached for that key
        f(x, True)
    assert close(f(x, False), x.numpy() * 2)


def test_library_error_in_the_body_is_a_value_error():
    f = tern.function(lambda a, b: a @ b)
    with pytest.raises(ValueError):
        f(tern.randn([2, 3]), tern.randn([4, 5]))


def test_unhashable_argument_is_a_type_error_naming_it():
    f = tern.function(body)
    x, w = tern.randn([3, 4]), tern.randn([4, 5])
    with pytest.raises(TypeError, match=r"argument scale \(dict\) is not hashable"):
        f(x, w, scale={"a": 1})
    with pytest.raises(TypeError, match=r"argument args\[1\] \(ndarray\) is not hashable"):
        f(x, np.ones((4, 5), np.float32))


def test_non_tensor_result_is_a_type_error():
    f = tern.function(lambda x: (x, 3))
    with pytest.raises(TypeError, match="must return a Tensor"):
        f(tern.randn([2]))
    with pytest.raises(ValueError, match="has not been called"):
        tern.function(body).graph()


def test_symbolic_signature_one_trace_for_every_batch_size():
    tern.manual_seed(5)
    model = MLP()

    def loss_fn(x, y):
        return tern.cross_entropy(model(x), y)
    staged, calls = counted(loss_fn, signature=[(tern.f32, [-1, 6]), (tern.i64, [-1])])
    params = [p for _, p in model.named_parameters()]
    for n in (2, 5, 3, 8):
        x, y = tern.randn([n, 6]), tern.tensor(np.arange(n) % 3)
        got, want = staged(x, y), loss_fn(x, y)
        assert close(got, want, 1e-5)
        assert all(close(g, e, 1e-5) for g, e in zip(tern.grad(got, params), tern.grad(want, params)))
    # The trace, then two probe traces at s0 + 1 and s0 + 2 that find the
    # batch size's affine attributes (graph::function); none after that.
    assert len(calls) == 3 and staged.traces == 1 and staged.probes == 2 and staged.cache_size == 1
    assert staged.graph().startswith("graph(%0: f32[-1, 6], %1: i64[-1])")


def test_call_outside_the_signature_is_a_value_error():
    f = tern.function(lambda x: x * 2.0, signature=[(tern.f32, [-1, 4])])
    f(tern.randn([3, 4]))
    with pytest.raises(ValueError, match=r"argument 0 has shape \[3, 5\]"):
        f(tern.randn([3, 5]))


def test_result_kind_must_not_depend_on_shapes():
    f = tern.function(lambda x: x if x.shape[0] == 2 else (x, x))
    assert isinstance(f(tern.randn([2])), tern.Tensor)
    with pytest.raises(TypeError, match="returned a tuple for these argument shapes but a Tensor"):
        f(tern.randn([3]))
    assert isinstance(f(tern.randn([2])), tern.Tensor)


def test_calls_from_two_threads_agree_with_eager():
    import threading
    f = tern.function(body)
    w = tern.randn([4, 5])
    xs = [tern.randn([n, 4]) for n in (2, 3, 4, 5)]
    bad = []

    def worker(x):
        for _ in range(20):
            if not close(f(x, w)[0], body(x, w)[0]):
                bad.append(x.shape)
    threads = [threading.Thread(target=worker, args=(x,)) for x in xs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad and f.traces == 4
