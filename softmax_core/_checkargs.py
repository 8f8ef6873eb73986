"""Argument checks of :func:`softmax_core.gradcheck`, one function per argument.

Messages start with ``gradcheck:``, name the argument, what was expected (for
the function being checked) and what was received.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from softmax_core._validation import (
    Axis,
    FloatArray,
    as_float_array,
    check_temperature,
    check_where,
    normalize_axes,
)
from softmax_core.crossentropy import REDUCTIONS
from softmax_core.gallery import IMPLEMENTATIONS, Implementation, LossImplementation
from softmax_core.slices import batch_shape
from softmax_core.targets import _class_axes, _distribution

BoolArray = NDArray[np.bool_]

__all__ = [
    "check_choice",
    "check_directions",
    "check_mask",
    "check_point",
    "check_target",
    "check_upstream",
    "non_negative",
    "positive_step",
    "resolve",
]


def check_choice(value: str, choices: tuple[str, ...], name: str) -> None:
    if value not in choices:
        raise ValueError(
            f"gradcheck: {name} must be one of {', '.join(map(repr, choices))}; "
            f"got {value!r}"
        )


def check_point(
    x: ArrayLike, axis: Axis, temperature: float
) -> tuple[FloatArray, tuple[int, ...], float]:
    """Validate the point, the axes and the temperature."""
    a = as_float_array(x, "x", "gradcheck")
    if not np.isfinite(a).all():
        raise ValueError(
            "gradcheck: x holds NaN or inf; a gradient cannot be checked there "
            "(finite differences need finite neighbours)"
        )
    axes = normalize_axes(axis, a.shape, "gradcheck")
    return a, axes, check_temperature(temperature, "gradcheck")


def check_mask(where: ArrayLike | None, shape: tuple[int, ...]) -> BoolArray | None:
    """Return the mask as a boolean array of x's shape, or None (every entry counts)."""
    if where is not None and np.asarray(where).dtype.kind in "iuf":
        # The forward's where= takes booleans only; say how to get them.
        raise TypeError(
            f"gradcheck: where must be a boolean array (True: the logit takes "
            f"part); got dtype {np.asarray(where).dtype}. For 0/1 values pass "
            "np.asarray(mask, dtype=bool)"
        )
    mask = check_where(where, shape, "gradcheck")
    return None if mask is None else np.array(mask)


def check_upstream(
    upstream: ArrayLike,
    shape: tuple[int, ...],
    axes: tuple[int, ...],
    function: str,
    reduction: str,
) -> FloatArray:
    """Validate the upstream gradient's values and its shape for `function`."""
    g = as_float_array(upstream, "upstream", "gradcheck")
    if function != "cross_entropy":
        expected, need = shape, f"x has shape {shape}; they must match"
    else:
        check_choice(reduction, REDUCTIONS, "reduction")
        ce = f"for cross_entropy with reduction {reduction!r} it must"
        if reduction == "none":
            expected = batch_shape(shape, axes)
            need = (
                f"{ce} have the batch shape {expected}, one number per slice "
                f"(x's shape {shape} without {_class_axes(axes)})"
            )
        else:
            expected = ()
            need = f"{ce} be a scalar, shape () (the loss is one number)"
    if g.shape != expected:
        raise ValueError(f"gradcheck: upstream has shape {g.shape} but {need}")
    if not np.isfinite(g).all():
        raise ValueError("gradcheck: upstream holds NaN or inf; it must be finite")
    return g


def check_target(
    target: ArrayLike | None,
    shape: tuple[int, ...],
    axes: tuple[int, ...],
    function: str,
    mask: BoolArray | None = None,
) -> FloatArray | None:
    """Probabilities of `shape` for cross-entropy; None (and no target) otherwise.

    A slice with every class masked gets zeros (its target is ignored).
    """
    if function != "cross_entropy":
        if target is not None:
            raise ValueError(
                f"gradcheck: target is for function='cross_entropy' only; "
                f"{function} has no target"
            )
        return None
    if target is None:
        raise ValueError(
            "gradcheck: function='cross_entropy' needs a target: class indices of "
            f"the batch shape {batch_shape(shape, axes)} or probabilities of x's "
            f"shape {shape}"
        )
    return _distribution(target, shape, axes, mask, "gradcheck").astype(np.float64)


def check_directions(n_directions: int) -> None:
    if isinstance(n_directions, bool) or not isinstance(n_directions, int):
        raise TypeError(f"gradcheck: n_directions must be an int; got {n_directions!r}")
    if n_directions < 1:
        raise ValueError(f"gradcheck: n_directions must be >= 1; got {n_directions}")


def resolve(
    implementation: str | Implementation | LossImplementation, function: str
) -> tuple[Implementation | LossImplementation, str, bool]:
    """Return the implementation, its display name and whether it is the gallery's.

    The gallery's code takes a stack of points in one call; a user's object is
    called one point at a time, as it may assume the shape of `x`.
    """
    if isinstance(implementation, str):
        entry = IMPLEMENTATIONS.get(implementation)
        if entry is None or function not in entry.functions:
            names = ", ".join(
                repr(n) for n, e in IMPLEMENTATIONS.items() if function in e.functions
            )
            problem = (
                f"unknown implementation {implementation!r}"
                if entry is None
                else f"{implementation!r} has no {function} version (it applies "
                f"to {', '.join(entry.functions)})"
            )
            raise ValueError(
                f"gradcheck: {problem}; valid names for {function} are {names}, or "
                f"pass an object with {_methods(function)}"
            )
        return entry.variant(function).implementation, implementation, True
    cross = function == "cross_entropy"
    wanted = ("loss", "grad") if cross else ("forward", "backward")
    missing = [m for m in wanted if not callable(getattr(implementation, m, None))]
    if missing:
        raise TypeError(
            "gradcheck: implementation must be a name from IMPLEMENTATIONS or, for "
            f"{function}, an object with {_methods(function)}; "
            f"{type(implementation).__name__} has no {' or '.join(missing)}"
        )
    name = getattr(implementation, "name", None)
    if not isinstance(name, str):
        name = type(implementation).__name__
    return implementation, name, False


def _methods(function: str) -> str:
    if function == "cross_entropy":
        return (
            "methods loss(x, target, axis, reduction) and "
            "grad(x, target, axis, reduction, upstream)"
        )
    return "methods forward(x, axis) and backward(x, upstream, axis)"


def non_negative(value: float, name: str) -> float:
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"gradcheck: {name} must be finite and >= 0; got {value!r}")
    return v


def positive_step(value: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"gradcheck: eps must be finite and > 0; got {value!r}")
    return v
