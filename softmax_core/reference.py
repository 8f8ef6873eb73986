"""The short NumPy reference behind each public function, as source text.

The public functions validate their arguments, pick a path and cast the
result; the mathematics sits in a few short private functions. This module
names them, so an app or a notebook can show a learner the code that really
runs (without its docstring) without reaching into private names.

>>> print(reference_source("softmax_vjp"))  # doctest: +ELLIPSIS
def _softmax_vjp(
...
    grad: FloatArray = np.multiply(g, y, out=np.empty_like(g))
...
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import threading
from collections.abc import Callable
from typing import Any

from softmax_core import (
    _numeric,
    backward,
    crossentropy,
    functions,
    jacobian,
    stability,
    targets,
)

__all__ = ["REFERENCES", "function_source", "reference_source"]

#: Public function name -> the reference functions that compute it, in reading
#: order.
REFERENCES: dict[str, tuple[Callable[..., Any], ...]] = {
    "softmax": (functions._shifted, functions._softmax),
    "log_softmax": (functions._shifted, functions._log_softmax),
    "softmax_vjp": (backward._softmax_vjp,),
    "log_softmax_vjp": (backward._log_softmax_vjp,),
    "softmax_jvp": (backward._softmax_vjp,),
    "log_softmax_jvp": (backward._log_softmax_jvp,),
    "slice_jacobians": (jacobian._slice_jacobians, jacobian._log_softmax_jacobians),
    "cross_entropy": (
        functions._shifted,
        functions._log_softmax,
        crossentropy._slice_losses,
        crossentropy._reduce,
    ),
    "cross_entropy_grad": (crossentropy._cross_entropy_grad,),
    "target_distribution": (targets._one_hot, targets._checked_probabilities),
    "gradcheck": (_numeric.steps, _numeric.perturbed_points, _numeric.sliced),
    "naive_softmax": (stability.naive_softmax,),
    "naive_log_softmax": (stability.naive_log_softmax,),
}


def reference_source(name: str) -> str:
    """Return the source of the reference functions behind `name`, docstrings cut.

    Parameters
    ----------
    name : str
        A key of :data:`REFERENCES`, e.g. ``"softmax"``.

    Returns
    -------
    str
        The functions' source, one after another, separated by a blank line.

    Raises
    ------
    ValueError
        If `name` is not a key of :data:`REFERENCES`.
    """
    try:
        functions_ = REFERENCES[name]
    except KeyError:
        valid = ", ".join(map(repr, REFERENCES))
        raise ValueError(
            f"reference_source: no reference for {name!r}; valid names are {valid}"
        ) from None
    return "\n\n".join(function_source(f) for f in functions_)


#: Serialises the first parse of each function. CPython 3.11's AST
#: constructor keeps its recursion depth in interpreter-wide state: two threads
#: parsing at once (a garbage collection inside one parse can switch threads)
#: can fail with "SystemError: AST constructor recursion depth mismatch". That
#: happened to one of 30 sessions opening Backward at once on one server.
_PARSE_LOCK = threading.Lock()


def function_source(function: Callable[..., Any]) -> str:
    """Return the source of `function` without its docstring and decorators.

    Each function's source is read and parsed once per process, under a lock,
    and then reused: every app session shows the same text, and no two
    threads parse at the same time.

    Raises
    ------
    TypeError
        If the source of `function` cannot be found (a builtin, a lambda).
    """
    with _PARSE_LOCK:
        return _parsed_source(function)


@functools.cache
def _parsed_source(function: Callable[..., Any]) -> str:
    source = textwrap.dedent(inspect.getsource(function))
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    lines = source.splitlines()
    first = node.lineno - 1  # the def line, after any decorators
    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        start = body[0].lineno - 1
        end = body[0].end_lineno or body[0].lineno
        lines = lines[:start] + lines[end:]
    return "\n".join(lines[first:]).rstrip()
