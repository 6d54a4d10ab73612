"""tern.function: stage a Python function into Tern's graph IR (TensorFlow
Eager's multi-stage programming, Agrawal et al., SysML 2019).

    @tern.function
    def step(x, v, steps=10):
        ...

The body runs (eagerly, traced) on the first call for each input signature:
the dtypes and shapes of the tensor arguments and the values of the
non-tensor ones (ints, floats, bools, strings, None, tuples of these; they
are compared by type and value, so a Python loop bound or a flag picks its
own graph). Later calls with that signature replay the cached, optimised
graph in C++ without running Python per op. Tensors the body reads that are
not arguments (parameters, buffers) are captured by reference, so optimiser
updates are seen by later calls. Gradients flow through a staged call: it is
one tape node whose gradient is a staged backward graph.

Python side effects (print, appending to a list, reading a global that
changes) happen only while tracing, as in TF Eager.
"""

import functools

from . import _C


class Function:
    """A staged Python function (see the module docstring). Attributes:
    `traces` (how many times the body ran to trace), `cache_size` (graphs
    cached), `signatures()` (the (non-tensor key, tensor signature) of each
    graph), `graph()` / `graph(*args, **kwargs)` (the staged graph as text)."""

    def __init__(self, fn, name=None, optimize=True, stage_backward=True, retrace_warning=5):
        self._fn = fn
        self._staged = _C.StagedFunction(fn, name or getattr(fn, "__name__", "function"), optimize, stage_backward,
                                         retrace_warning)
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        return self._staged(*args, **kwargs)

    def __get__(self, obj, objtype=None):
        """As a method: the instance becomes a (hashed by identity) argument."""
        if obj is None:
            return self
        return functools.partial(self._staged, obj)

    @property
    def python_function(self):
        return self._fn

    @property
    def traces(self):
        return self._staged.traces

    @property
    def cache_size(self):
        return self._staged.cache_size

    def signatures(self):
        return self._staged.signatures()

    def graph(self, *args, backward=False, **kwargs):
        """The text of the graph the last call ran. With arguments, calls the
        function on them first (tracing if needed; it runs, side effects on
        running statistics included). backward=True: the staged forward and
        backward graphs that call recorded for autograd."""
        if args or kwargs:
            self._staged(*args, **kwargs)
        return self._staged.graph_text(backward)

    def num_nodes(self):
        """Nodes in the graph the last call ran."""
        return self._staged.num_nodes()

    def __repr__(self):
        return f"<tern.function {self.__name__}: {self.traces} traces, {self.cache_size} graphs cached>"


def function(fn=None, *, name=None, optimize=True, stage_backward=True, retrace_warning=5):
    """Decorator: @tern.function or @tern.function(optimize=False, ...).

    optimize: run the graph passes (folding, CSE, DCE, fusion scheduling).
    stage_backward: a call that needs gradients is one tape node with a
    staged backward graph (False: every op is recorded on the tape as eager).
    retrace_warning: warn once on stderr after this many traces."""
    def wrap(f):
        return Function(f, name=name, optimize=optimize, stage_backward=stage_backward,
                        retrace_warning=retrace_warning)
    return wrap if fn is None else wrap(fn)
