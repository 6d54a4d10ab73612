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


class Function(_C.StagedFunction):
    """A staged Python function (see the module docstring). Attributes:
    `traces` (how many times the body ran to trace), `cache_size` (graphs
    cached), `signatures()` (the (non-tensor key, tensor signature) of each
    graph), `graph()` / `graph(*args, **kwargs)` (the staged graph as text)."""

    def __init__(self, fn, name=None, optimize=True, stage_backward=True, retrace_warning=5, signature=None):
        if signature is not None:
            signature = [(dtype, [int(d) for d in shape]) for dtype, shape in signature]
        # A subclass of the C++ class, so a call goes to C++ with no Python frame in between.
        super().__init__(fn, name or getattr(fn, "__name__", "function"), optimize, stage_backward, retrace_warning,
                         signature)
        self._fn = fn
        functools.update_wrapper(self, fn)

    def __get__(self, obj, objtype=None):
        """As a method: the instance becomes a (hashed by identity) argument."""
        if obj is None:
            return self
        return functools.partial(self, obj)

    @property
    def python_function(self):
        return self._fn

    def graph(self, *args, backward=False, **kwargs):
        """The text of the graph the last call ran. With arguments, calls the
        function on them first (tracing if needed; it runs, side effects on
        running statistics included). backward=True: the staged forward and
        backward graphs that call recorded for autograd."""
        if args or kwargs:
            self(*args, **kwargs)
        return self.graph_text(backward)

    def __repr__(self):
        return f"<tern.function {self.__name__}: {self.traces} traces, {self.cache_size} graphs cached>"


def function(fn=None, *, name=None, optimize=True, stage_backward=True, retrace_warning=5, signature=None):
    """Decorator: @tern.function or @tern.function(optimize=False, ...).

    optimize: run the graph passes (folding, CSE, DCE, fusion scheduling).
    stage_backward: a call that needs gradients is one tape node with a
    staged backward graph (False: every op is recorded on the tape as eager).
    retrace_warning: warn once on stderr after this many traces.
    signature: one (dtype, shape) per tensor argument, in order; a dim -k is
    symbolic dim k (shared by every argument that writes -k), so one graph
    serves every size, e.g. [(tern.f32, [-1, 784]), (tern.i64, [-1])] for
    any batch size. A call that does not fit is a ValueError naming the
    argument and both shapes."""
    def wrap(f):
        return Function(f, name=name, optimize=optimize, stage_backward=stage_backward,
                        retrace_warning=retrace_warning, signature=signature)
    return wrap if fn is None else wrap(fn)
