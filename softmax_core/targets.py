"""Cross-entropy targets: class indices or probabilities, checked slice by slice.

A target says, for each slice of the logits along the class axis, which
distribution the softmax should match: one class index per slice (of the batch
shape, the logits' shape without the class axes) or a probability per class
(of the logits' shape). :func:`target_distribution` turns either into
probabilities and, when a slice is wrong, says which slice and why.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from softmax_core._floating import ignores_underflow
from softmax_core._validation import (
    Axis,
    FloatArray,
    as_float_array,
    check_where,
    normalize_axes,
)
from softmax_core.slices import batch_shape, from_slices, slice_length, to_slices

__all__ = ["target_distribution"]

BoolArray = NDArray[np.bool_]


@ignores_underflow
def target_distribution(
    target: ArrayLike,
    shape: Sequence[int],
    axis: Axis = -1,
    *,
    where: ArrayLike | None = None,
) -> FloatArray:
    r"""Turn class indices or probabilities into probabilities of `shape`.

    Parameters
    ----------
    target : array_like of shape batch_shape or `shape`
        Class indices of the batch shape (`shape` without the class axes):
        integers, or floats with integer values (as parsed from text); or
        probabilities of `shape`. The shape decides which.
    shape : sequence of int
        The logits' shape.
    axis : int, tuple of int or None, default -1
        The class axis (several are numbered in C order, as the slices are).
    where : array_like of bool, optional
        Classes that exist, broadcast to `shape`.

    Returns
    -------
    ndarray of shape `shape`
        One-hot rows for indices (float64), or the probabilities in their own
        floating dtype (float16 as float32). A slice with every class masked
        takes no part: its target is ignored and returned as zeros.

    Raises
    ------
    ValueError
        If `target` has neither shape, or a slice has an index that is not
        an integer or is out of range, a probability that is negative, NaN
        or inf, probabilities that do not sum to 1 (within
        :math:`\max(10^{-6}, 4 n \epsilon)`, :math:`\epsilon` of the target's
        dtype), or probability on a masked class; the message names the
        slice (its index over the batch axes) and the class.
    TypeError
        If `target` is boolean or not real and numeric.

    Examples
    --------
    >>> target_distribution([1, 0], (2, 2))
    array([[0., 1.],
           [1., 0.]])
    >>> target_distribution([1.0, 3.0], (2, 2))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: target_distribution: target: slice (1,) has class index 3, but ...
    """
    func = "target_distribution"
    full = tuple(operator.index(s) for s in shape)
    axes = normalize_axes(axis, full, func)
    mask = check_where(where, full, func)
    return _distribution(target, full, axes, mask, func)



def _distribution(
    target: ArrayLike,
    shape: tuple[int, ...],
    axes: tuple[int, ...],
    mask: BoolArray | None,
    func: str,
) -> FloatArray:
    """Probabilities of `shape` from indices or probabilities, checked."""
    if not axes:
        raise ValueError(
            f"{func}: logits of shape {shape} have no class axis; a cross-entropy "
            "needs at least one"
        )
    if np.asarray(target).dtype.kind == "b":
        raise TypeError(
            f"{func}: target must be class indices (integers) or probabilities "
            "(floats); got a boolean array"
        )
    tt = as_float_array(target, "target", func)
    batch = batch_shape(shape, axes)
    n = slice_length(shape, axes)
    masked = None if mask is None else ~to_slices(mask, axes)
    # Slices with every class masked take no part: their target is ignored.
    empty = np.zeros(batch, bool) if masked is None else np.all(masked, axis=-1)
    if tt.shape == batch:
        probs = _one_hot(tt, n, axes, masked, empty, func)
    elif tt.shape == shape:
        # The sum's tolerance is the given dtype's (float16 is computed in float32).
        given = np.asarray(target).dtype
        eps = float(np.finfo(given if given.kind == "f" else np.float64).eps)
        probs = _checked_probabilities(to_slices(tt, axes), masked, empty, eps, func)
    else:
        raise ValueError(
            f"{func}: target has shape {tt.shape}; expected class indices of the "
            f"batch shape {batch} (the logits' shape without {_class_axes(axes)}) "
            f"or probabilities of the logits' shape {shape}"
        )
    probs[empty] = 0.0
    return from_slices(probs, shape, axes)


def _one_hot(
    index: FloatArray,
    n: int,
    axes: tuple[int, ...],
    masked: BoolArray | None,
    empty: BoolArray,
    func: str,
) -> FloatArray:
    """One-hot rows (batch_shape + (n,)) from checked class indices."""
    whole = np.isfinite(index) & (np.floor(index) == index)
    _refuse(~whole, index, func, "has class index {v}, which is not an integer")
    classes = "the class axis has length" if len(axes) == 1 else "the class axes hold"
    valid = f"{classes} {n}"
    _refuse((index < 0) | (index >= n), index, func,
            f"has class index {{v}}, but {valid}")
    k = index.astype(np.intp)
    probs = np.zeros(index.shape + (n,))
    np.put_along_axis(probs, k[..., None], 1.0, axis=-1)
    if masked is not None:
        hit = np.take_along_axis(masked, k[..., None], axis=-1)[..., 0] & ~empty
        _refuse(hit, index, func, "has class index {v}, which is masked (where is "
                "False there)")
    return probs


def _checked_probabilities(
    probs: FloatArray,
    masked: BoolArray | None,
    empty: BoolArray,
    eps: float,
    func: str,
) -> FloatArray:
    """Check probabilities (batch_shape + (n,)): finite, >= 0, sum 1, unmasked."""
    _refuse_class(~np.isfinite(probs), probs, func, "holds {v} at class {k}")
    _refuse_class(probs < 0, probs, func,
                  "has probability {v} at class {k}; probabilities must be >= 0")
    if masked is not None:
        _refuse_class((probs > 0) & masked & ~empty[..., None], probs, func,
                      "puts probability {v} on class {k}, which is masked (where "
                      "is False there)")
    n = probs.shape[-1]
    tol = max(1e-6, 4 * n * eps)
    total = np.asarray(np.sum(probs, axis=-1, dtype=np.float64))
    _refuse((np.abs(total - 1.0) > tol) & ~empty, total, func,
            f"sums to {{v}}, not 1 (probabilities must sum to 1 within {tol:.1g})")
    return probs.copy()


def _refuse(bad: BoolArray, values: FloatArray, func: str, what: str) -> None:
    """Raise for the first slice where `bad` holds, `what` given its value."""
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{func}: target: {_slice_name(index)} {what.format(v=_num(values[index]))}"
        )


def _refuse_class(bad: BoolArray, probs: FloatArray, func: str, what: str) -> None:
    """Raise for the first (slice, class) where `bad` holds."""
    if bad.any():
        *index, k = (int(i) for i in np.argwhere(bad)[0])
        value = _num(probs[tuple(index) + (k,)])
        raise ValueError(
            f"{func}: target: {_slice_name(tuple(index))} "
            f"{what.format(v=value, k=k)}"
        )


def _class_axes(axes: tuple[int, ...]) -> str:
    return f"the class axis {axes[0]}" if len(axes) == 1 else f"the class axes {axes}"


def _slice_name(index: tuple[int, ...]) -> str:
    return f"slice {index}" if index else "the slice"


def _num(value: Any) -> str:
    """Format a number as a learner types it: 3, not 3.0; 0.9, not 0.90000001."""
    v = float(value)
    return str(int(v)) if v.is_integer() else f"{v:.6g}"
