"""tern.optim: every optimiser of the library's registry and the LR schedules.

Settings are the library's own names and defaults (PyTorch's), checked by
the library: SGD(model.parameters(), lr=0.1, momentum=0.9)."""

import collections as _collections

from . import _C
from ._C import Tensor as _Tensor
from ._C.optim import CosineAnnealing, ConstantLr, LinearWarmup, LrSchedule, StepDecay, make_schedule  # noqa: F401

names = _C.optim.names


def _setting(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, float) else str(v)


def _named(params):
    """(name, tensor) pairs from a Module, a list of tensors or of (name, tensor) pairs."""
    if isinstance(params, _C.nn.Module):
        return params.named_parameters()
    params = list(params)
    out = []
    for i, p in enumerate(params):
        if isinstance(p, _Tensor):
            out.append((f"param{i}", p))
        elif isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], _Tensor):
            out.append((str(p[0]), p[1]))
        else:
            raise TypeError(f"optimiser parameters: expected tensors or (name, tensor) pairs, got {type(p).__name__}")
    return out


class Optimizer:
    """An optimiser by registry name ("sgd", "adam", ...) over `params`."""

    def __init__(self, name, params, **settings):
        self._opt = _C.optim.make(name, _named(params), {k: _setting(v) for k, v in settings.items()})

    def step(self):
        self._opt.step()

    def zero_grad(self):
        self._opt.zero_grad()

    @property
    def lr(self):
        return self._opt.lr

    @lr.setter
    def lr(self, value):
        self._opt.lr = value

    @property
    def steps(self):
        return self._opt.steps

    @property
    def kind(self):
        return self._opt.kind

    def state_dict(self):
        return _collections.OrderedDict(self._opt._state_dict())

    def load_state_dict(self, state):
        self._opt._load_state_dict(list(state.items()))

    def __repr__(self):
        return f"tern.optim.{type(self).__name__}(lr={self.lr})"


def _apply(self, opt, step):
    """Sets the optimiser's learning rate to lr_at(step)."""
    opt.lr = self.lr_at(step)


LrSchedule.apply = _apply


def _kind(name):
    class _Named(Optimizer):
        def __init__(self, params, **settings):
            super().__init__(name, params, **settings)
    return _Named


class SGD(_kind("sgd")):
    """SGD with momentum, dampening, nesterov, weight_decay (default lr 1e-2)."""


class Adam(_kind("adam")):
    """Adam: lr, beta1, beta2, eps, weight_decay, amsgrad (default lr 1e-3)."""


class AdamW(_kind("adamw")):
    """AdamW (decoupled weight decay, default 1e-2)."""


class Adagrad(_kind("adagrad")):
    """Adagrad: lr, lr_decay, weight_decay, initial_accumulator_value, eps, row_wise."""


class RowAdagrad(_kind("rowadagrad")):
    """Adagrad with one accumulator per row (embeddings)."""


class RMSprop(_kind("rmsprop")):
    """RMSprop: lr, alpha, eps, weight_decay, momentum, centered."""


class YellowFin(_kind("yellowfin")):
    """YellowFin, the momentum and learning-rate tuner."""
