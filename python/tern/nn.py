"""tern.nn: the C++ modules and model zoo, and Module subclassing in Python.

A Python Module is a C++ Module whose forward() is the Python method:
assigning a tensor that requires grad to an attribute registers it as a
parameter, assigning a module registers it as a child, so named_parameters(),
state_dict(), train()/eval() and optimisers see both kinds alike."""

import collections as _collections

from . import _C
from ._C import Tensor as _Tensor
from ._C.nn import (  # noqa: F401
    GRU, LSTM, AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, Dropout, Embedding, Flatten, LayerNorm,
    Linear, MaxPool2d, MultiheadAttention, ReLU, ReLU6, Sigmoid, Tanh, describe, init, make_model, model_names)

_Base = _C.nn.Module


def Parameter(t):
    """A leaf tensor that requires grad, sharing `t`'s data: what a Module registers."""
    t = t.detach()
    t.requires_grad = True
    return t


def _lookup(self, name):
    """Attribute access to a C++ module's own parameters, buffers and children (lin.weight)."""
    if name.startswith("__"):
        raise AttributeError(name)
    for n, t in _Base.named_parameters(self) + _Base.named_buffers(self):
        if n == name:
            return t
    for n, c in _Base.named_children(self):
        if n == name:
            return c
    raise AttributeError(f"{type(self).__name__} has no attribute, parameter, buffer or child '{name}'")


def _state_dict(self):
    """Parameters then buffers, by dotted name, sharing memory with the module."""
    return _collections.OrderedDict(self._state())


def _load_state_dict(self, state, strict=True):
    """Copies `state` into the module's tensors in place; names and shapes
    must match (strict=False: only names both have are copied)."""
    items = [(k, v if isinstance(v, _Tensor) else _C.from_numpy(v)) for k, v in state.items()]
    if not strict:
        mine = dict(self._state())
        items = [(k, v) for k, v in items if k in mine]
        from . import no_grad
        with no_grad():
            for k, v in items:
                mine[k][...] = v.numpy()
        return
    self._assign(items, "state dict")


def _save(self, path):
    """Writes state_dict() to a safetensors file."""
    from . import save
    save(self.state_dict(), path)


def _load(self, path, strict=True):
    """Loads a safetensors file written by save() (or a Tern checkpoint / PyTorch state dict)."""
    if strict:
        return _C.io.load_weights(str(path), self)
    from . import load
    self.load_state_dict(load(path), strict=False)


def _zero_grad(self):
    for p in self.parameters():
        p.zero_grad()


def _modules(self):
    yield self
    for _, c in self.named_children():
        yield from _modules(c)


_Base.__getattr__ = _lookup
_Base.state_dict = _state_dict
_Base.load_state_dict = _load_state_dict
_Base.save = _save
_Base.load = _load
_Base.zero_grad = _zero_grad
_Base.modules = _modules
_Base.children = lambda self: [c for _, c in self.named_children()]
_Base.__repr__ = lambda self: f"tern.nn.{self.type}({self.num_parameters()} parameters)"


class Module(_Base):
    """Subclass this and define forward(). Call super().__init__() first."""

    def __init__(self):
        _Base.__init__(self, type(self).__name__)

    def __setattr__(self, name, value):
        if isinstance(value, _Base):
            self._register_module(name, value)
        elif isinstance(value, _Tensor) and value.requires_grad and value.is_leaf:
            self._register_parameter(name, value)
        object.__setattr__(self, name, value)

    def register_buffer(self, name, tensor):
        """A tensor saved in state_dict() but not trained (running statistics)."""
        self._register_buffer(name, tensor)
        object.__setattr__(self, name, tensor)

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and not kwargs and isinstance(args[0], _Tensor):
            return _Base.__call__(self, args[0])
        return self.forward(*args, **kwargs)

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")


class Sequential(_C.nn.Sequential):
    """Runs its modules in order (C++ and Python ones alike)."""

    def __init__(self, *modules):
        _C.nn.Sequential.__init__(self)
        self._keep = []  # Python modules stay alive as long as the sequence
        for m in modules:
            self.append(m)

    def append(self, module):
        self._keep.append(module)
        self.add(module)
        return self

    def __getitem__(self, i):
        return self._keep[i]

    def __iter__(self):
        return iter(self._keep)


class ModuleList(Module):
    """Holds modules (registered as children "0", "1", ...) for a forward() to use."""

    def __init__(self, modules=()):
        super().__init__()
        object.__setattr__(self, "_items", [])
        for m in modules:
            self.append(m)

    def append(self, module):
        self._register_module(str(len(self._items)), module)
        self._items.append(module)
        return self

    def __getitem__(self, i):
        return self._items[i]

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)


class functional:  # noqa: N801  (a namespace, as torch.nn.functional)
    from ._C import (avg_pool2d, batch_norm, conv2d, cross_entropy, dropout, embedding, layer_norm, linear,  # noqa
                     log_softmax, max_pool2d, mse_loss, nll_loss, relu, sigmoid, softmax, tanh)


F = functional
