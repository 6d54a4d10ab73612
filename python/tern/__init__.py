"""Tern from Python: tensors shared with NumPy, every op of tern/ops/ops.h
under its C++ name, autograd, and (in tern.nn, tern.optim, tern.data) the
library's modules, optimisers and data loaders.

The work happens in the C++ library (tern._C); this package only adds what
Python users expect on top: operators, indexing, context managers."""

import builtins as _builtins
import operator as _operator

import numpy as _np

from . import _C
from ._C import DType, Generator, Tensor, from_numpy  # noqa: F401

# --- dtypes -------------------------------------------------------------------
float32 = DType.float32
float64 = DType.float64
float16 = DType.float16
bfloat16 = DType.bfloat16
int32 = DType.int32
int64 = DType.int64
uint8 = DType.uint8
bool_ = DType.bool
f32, f64, f16, bf16, i32, i64, u8 = float32, float64, float16, bfloat16, int32, int64, uint8

_NUMPY_OF = {
    float32: _np.float32, float64: _np.float64, float16: _np.float16,
    int32: _np.int32, int64: _np.int64, uint8: _np.uint8, bool_: _np.bool_,
}

# --- every public op, under its C++ name ----------------------------------------
OPS = [
    "full", "zeros", "ones", "zeros_like", "ones_like", "arange", "rand", "randn",
    "contiguous", "clone", "cast",
    "neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "sin", "cos",
    "add_scalar", "mul_scalar", "pow_scalar", "square", "relu_grad",
    "add", "sub", "mul", "div", "maximum", "minimum",
    "eq", "ne", "lt", "le", "gt", "ge", "where",
    "sum", "mean", "var", "max", "argmax", "logsumexp",
    "reshape", "flatten", "unsqueeze", "squeeze", "permute", "transpose", "expand", "slice", "pad",
    "cat", "stack", "split",
    "gather", "index_select", "scatter_add", "index_add",
    "matmul", "linear", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
    "batch_norm", "layer_norm", "softmax", "log_softmax", "nll_loss", "cross_entropy", "mse_loss",
    "dropout", "embedding", "sum_to", "allclose",
    "default_generator", "manual_seed",
]
for _name in OPS:
    globals()[_name] = getattr(_C, _name)


def _dims_list(fn):
    """Reductions take one dim as an int too (t.sum(1)), as NumPy's do."""
    def reduce(t, dims=(), keepdim=False, *rest):
        dims = [dims] if isinstance(dims, int) else ([] if dims is None else list(dims))
        return fn(t, dims, keepdim, *rest)
    reduce.__name__, reduce.__doc__ = fn.__name__, fn.__doc__
    return reduce


sum = _dims_list(_C.sum)  # noqa: A001
mean = _dims_list(_C.mean)
var = _dims_list(_C.var)


def tensor(data, dtype=None, requires_grad=False):
    """A new tensor holding a copy of `data` (a list, scalar, NumPy array or
    Tensor). Python floats become float32, as in PyTorch."""
    if isinstance(data, Tensor):
        arr = _np.array(data.numpy(), copy=True) if data.dtype != bfloat16 else None
        if arr is None:
            t = clone(data.detach())
            return _finish(t if dtype is None else cast(t, dtype), requires_grad)
    else:
        from_python = not isinstance(data, _np.ndarray)
        arr = _np.array(data, copy=True)
        if from_python and arr.dtype == _np.float64:
            arr = arr.astype(_np.float32)
    if (arr.dtype.kind == "i" and arr.dtype.itemsize < 4) or (arr.dtype.kind == "u" and arr.dtype.itemsize > 1):
        arr = arr.astype(_np.int64)  # int8/int16/uint16+ have no Tern dtype: widened
    if dtype is not None and dtype != bfloat16:
        arr = arr.astype(_NUMPY_OF[dtype])
    t = from_numpy(_np.ascontiguousarray(arr))
    if dtype == bfloat16:
        t = cast(t, bfloat16)
    return _finish(t, requires_grad)


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad = True
    return t


def as_tensor(data):
    """`data` as a tensor, sharing memory with a NumPy array where it can."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, _np.ndarray):
        return from_numpy(data)
    return tensor(data)


# --- autograd ---------------------------------------------------------------------
is_grad_enabled = _C.is_grad_enabled


class no_grad:
    """Context manager (and decorator): ops inside record nothing for autograd."""

    _enabled = False

    def __enter__(self):
        self._prev = _C.is_grad_enabled()
        _C.set_grad_enabled(self._enabled)
        return self

    def __exit__(self, *exc):
        _C.set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapped


class enable_grad(no_grad):
    """Context manager (and decorator): switches autograd back on inside no_grad."""

    _enabled = True


gradcheck = _C.gradcheck


def backward(roots, grads=None):
    """Accumulates the gradients of `roots` (a tensor or a list) into the leaves' .grad."""
    if isinstance(roots, Tensor):
        roots = [roots]
    grads = [] if grads is None else [as_tensor(g) for g in ([grads] if isinstance(grads, Tensor) else grads)]
    _C.backward(list(roots), grads)


def grad(output, inputs, grad_output=None):
    """Gradients of `output` with respect to `inputs` (a tensor or a list),
    returned instead of accumulated. Returns a list when given a list."""
    single = isinstance(inputs, Tensor)
    out = _C.grad(output, [inputs] if single else list(inputs), grad_output)
    return out[0] if single else out


# --- Tensor methods and operators -----------------------------------------------------
def _scalar(x):
    return isinstance(x, (int, float, bool, _np.number, _np.bool_))


def _operand(self, other):
    """`other` as a tensor for a binary op with `self`: scalars take self's dtype."""
    if isinstance(other, Tensor):
        return other
    if _scalar(other):
        return full([], float(other), self.dtype)
    if isinstance(other, _np.ndarray):
        return from_numpy(other)
    return tensor(other, dtype=self.dtype)


def _arith(op, scalar_op=None):
    def method(self, other):
        if scalar_op is not None and _scalar(other) and self.dtype.is_floating_point:
            return scalar_op(self, float(other))
        return op(self, _operand(self, other))
    return method


def _reflected(op):
    def method(self, other):
        return op(_operand(self, other), self)
    return method


Tensor.__add__ = _arith(_C.add, _C.add_scalar)
Tensor.__radd__ = Tensor.__add__
Tensor.__sub__ = _arith(_C.sub, lambda t, s: _C.add_scalar(t, -s))
Tensor.__rsub__ = _reflected(_C.sub)
Tensor.__mul__ = _arith(_C.mul, _C.mul_scalar)
Tensor.__rmul__ = Tensor.__mul__
Tensor.__truediv__ = _arith(_C.div, lambda t, s: _C.mul_scalar(t, 1.0 / s))
Tensor.__rtruediv__ = _reflected(_C.div)
Tensor.__matmul__ = lambda self, other: _C.matmul(self, _operand(self, other))
Tensor.__rmatmul__ = lambda self, other: _C.matmul(_operand(self, other), self)
Tensor.__pow__ = lambda self, p: _C.pow_scalar(self, float(p)) if _scalar(p) else NotImplemented
Tensor.__neg__ = lambda self: _C.neg(self)
Tensor.__abs__ = lambda self: _C.abs(self)
Tensor.__eq__ = _arith(_C.eq)
Tensor.__ne__ = _arith(_C.ne)
Tensor.__lt__ = _arith(_C.lt)
Tensor.__le__ = _arith(_C.le)
Tensor.__gt__ = _arith(_C.gt)
Tensor.__ge__ = _arith(_C.ge)

# Ops whose first argument is the tensor become methods of the same name.
for _name in ["exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "sin", "cos", "square", "neg",
              "sum", "mean", "var", "max", "argmax", "logsumexp", "flatten", "unsqueeze", "squeeze",
              "transpose", "contiguous", "clone", "softmax", "log_softmax", "matmul", "cast", "expand",
              "slice", "pad", "split", "gather", "index_select"]:
    setattr(Tensor, _name, (lambda fn: lambda self, *a, **k: fn(self, *a, **k))(globals()[_name]))

# The element-wise operators and unary methods above, given fast paths in
# C++ that fall back to these Python methods for anything but tensors and
# Python numbers (python/src/fast_calls.cc).
_C._install_fast_methods(Tensor)


def _shape_args(args):
    return list(args[0]) if len(args) == 1 and not isinstance(args[0], int) else list(args)


Tensor.reshape = lambda self, *shape: _C.reshape(self, _shape_args(shape))
Tensor.view = Tensor.reshape
Tensor.permute = lambda self, *dims: _C.permute(self, _shape_args(dims))
Tensor.to = lambda self, dtype: self if self.dtype == dtype else _C.cast(self, dtype)
Tensor.float = lambda self: self.to(float32)
Tensor.double = lambda self: self.to(float64)
Tensor.long = lambda self: self.to(int64)
Tensor.tolist = lambda self: self.numpy().tolist()
Tensor.T = property(lambda self: _C.transpose(self, 0, 1) if self.ndim == 2 else
                    _C.permute(self, list(range(self.ndim))[::-1]))


def _index_tensor(item):
    t = item if isinstance(item, Tensor) else from_numpy(_np.asarray(item))
    if t.dtype == bool_:
        raise IndexError("boolean mask indexing is not supported; use tern.where or index with integer positions")
    if t.dtype == int32:
        t = cast(t, int64)
    if t.dtype != int64:
        raise IndexError(f"tensors used as indices must be integer, got {t.dtype.name}")
    return t


def _getitem(self, index):
    """Indexing with ints, slices (positive steps), None, ... and integer
    index tensors / lists; results are views except for index tensors."""
    items = index if isinstance(index, tuple) else (index,)
    if _builtins.sum(1 for it in items if it is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    specified = _builtins.sum(1 for it in items if it is not None and it is not Ellipsis)
    if specified > self.ndim:
        raise IndexError(f"too many indices for a tensor of dimension {self.ndim}: {specified} given")
    out, d = self, 0
    for it in items:
        if it is Ellipsis:
            d += self.ndim - specified
        elif it is None:
            out = _C.unsqueeze(out, d)
            d += 1
        elif isinstance(it, _builtins.slice):
            start, stop, step = it.indices(out.shape[d])
            if step <= 0:
                raise ValueError(f"slice step must be positive, got {step}")
            out = _C.slice(out, d, start, _builtins.max(stop, start), step)
            d += 1
        elif isinstance(it, (Tensor, list, _np.ndarray)):
            idx = _index_tensor(it)
            picked = _C.index_select(out, d, _C.reshape(idx, [-1]))
            shape = list(out.shape[:d]) + list(idx.shape) + list(out.shape[d + 1:])
            out = _C.reshape(picked, shape)
            d += idx.ndim
        else:
            try:
                i = _operator.index(it)
            except TypeError:
                raise TypeError(f"a tensor index must be an int, slice, None, ... or an integer tensor, "
                                f"got {type(it).__name__}") from None
            n = out.shape[d]
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of range for dim {d} of size {n}")
            i %= n
            out = _C.squeeze(_C.slice(out, d, i, i + 1, 1), d)
    return out


def _setitem(self, index, value):
    """Writes into the tensor's memory (through a NumPy view of it)."""
    if self.requires_grad and is_grad_enabled():
        raise RuntimeError("in-place assignment to a tensor that requires grad; do it under tern.no_grad()")
    if isinstance(index, Tensor):
        index = index.numpy()
    elif isinstance(index, tuple):
        index = tuple(i.numpy() if isinstance(i, Tensor) else i for i in index)
    self.numpy()[index] = value.numpy() if isinstance(value, Tensor) else value


Tensor.__getitem__ = _getitem
Tensor.__setitem__ = _setitem


# --- files ------------------------------------------------------------------------------
def save(tensors, path, metadata=None):
    """Writes a {name: tensor} dict (a state_dict) to a safetensors file."""
    _C.io.save_safetensors(str(path), [(k, as_tensor(v)) for k, v in tensors.items()], metadata or {})


def load(path):
    """Reads a safetensors file into an ordered {name: tensor} dict."""
    import collections
    tensors, _meta = _C.io.load_safetensors(str(path))
    return collections.OrderedDict(tensors)


# --- whole training runs ------------------------------------------------------------------
def train(*, on_epoch=None, **options):
    """Trains a zoo model as `tern train` does and returns the dict
    `tern train --json` prints (test accuracy, throughput, every epoch).

        tern.train(model="lenet5", epochs=2, batch_size=64, lr=0.05)
        tern.train(model="mlp", data="npz:mine.npz", on_epoch=print)

    Keyword arguments are the CLI's flags with _ for - (model, dataset,
    data, data_dir, epochs, batch_size, optimizer, optimizer_arg (a dict),
    lr, momentum, weight_decay, nesterov, schedule, warmup_epochs, seed,
    threads, augment, checkpoint, resume, init_from, init_exclude,
    loss_log, log_dir, progress, dropback_k, ...: train_option_names()).
    `on_epoch(dict)` is called after each epoch's evaluation. The run is
    C++ throughout, without the GIL. tern.dist.train runs distributed ones.
    """
    return _C.train(on_epoch, **options)


def train_option_names():
    """The keywords tern.train takes."""
    return _C.train_option_names()


from . import nn, optim, data, dist  # noqa: E402,F401
from .staging import function, Function  # noqa: E402,F401
set_num_threads = _C.set_num_threads
num_threads = _C.num_threads

# The seed systems, scriptable (python/src/systems.cc): `import tern.codec`
# and `from tern import dv` both work.
import sys as _sys  # noqa: E402
from ._C import codec, dv, ci  # noqa: E402,F401
for _name in ("codec", "dv", "ci"):
    _sys.modules[__name__ + "." + _name] = getattr(_C, _name)
