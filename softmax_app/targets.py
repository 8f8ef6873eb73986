"""The cross-entropy target: the ``target`` spec, read into a distribution.

The panel's target box and ``target`` link parameter take ``argmax`` (the
default: each slice's class is its largest unmasked logit), class indices (one
per slice, ``[1, 0]``, indexing the flattened slice), or probabilities of x's
shape (each slice summing to 1). Every form becomes the target distribution
``t`` of x's shape that cross-entropy compares softmax with. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from softmax_app.inputs import FloatArray
from softmax_app.masking import BoolArray, masked_logits
from softmax_core.slices import batch_shape, from_slices, slice_length, to_slices

__all__ = ["DEFAULT_TARGET", "TARGET_KEYWORDS", "make_target"]

DEFAULT_TARGET = "argmax"
TARGET_KEYWORDS = (DEFAULT_TARGET,)
#: How far a slice of target probabilities may sum from 1.
SUM_TOL = 1e-9


def _onehot(classes: FloatArray, x: FloatArray, axes: tuple[int, ...]) -> FloatArray:
    """Distribution of x's shape with 1 at each slice's class (-1: no class)."""
    slices = np.zeros(to_slices(np.zeros(x.shape), axes).shape)
    index = classes.astype(np.int64)
    has = index >= 0
    hot = np.where(has, index, 0)[..., None]
    np.put_along_axis(slices, hot, has[..., None].astype(np.float64), axis=-1)
    return np.array(from_slices(slices, x.shape, axes), order="C")


def _argmax_classes(
    x: FloatArray, axes: tuple[int, ...], mask: BoolArray | None
) -> FloatArray:
    """Each slice's largest unmasked logit (NaN counts as -inf); -1 if none."""
    logits = np.nan_to_num(masked_logits(x, mask), nan=-np.inf, posinf=np.inf)
    slices = to_slices(logits, axes)
    classes: FloatArray = np.argmax(slices, axis=-1).astype(np.float64)
    if mask is not None:
        classes[~np.any(to_slices(mask, axes), axis=-1)] = -1
    return classes


def _read_classes(values: FloatArray, n: int) -> FloatArray:
    bad = ~((values == np.round(values)) & (values >= 0) & (values < n))
    if bad.any():
        at = tuple(int(i) for i in np.argwhere(bad)[0]) if values.ndim else ()
        raise ValueError(
            f"class indices must be whole numbers from 0 to {n - 1} (the slice "
            f"has n = {n} entries); target has {float(values[at])!r} at index {at}"
        )
    return values


def _read_probabilities(values: FloatArray, axes: tuple[int, ...]) -> FloatArray:
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("target probabilities must be finite and >= 0")
    sums = np.sum(to_slices(values, axes), axis=-1)
    off = np.abs(sums - 1) > SUM_TOL
    if off.any():
        at = tuple(int(i) for i in np.argwhere(off)[0]) if sums.ndim else ()
        raise ValueError(
            f"each slice of target probabilities must sum to 1; the slice at "
            f"batch index {at} sums to {float(sums[at]):.10g}"
        )
    return values


def _check_masked(t: FloatArray, mask: BoolArray | None) -> None:
    if mask is None:
        return
    wrong = (t > 0) & ~mask
    if wrong.any():
        at = tuple(int(i) for i in np.argwhere(wrong)[0])
        raise ValueError(
            f"target puts probability on the masked entry at index {at}: its "
            "log-probability is -inf, so the loss would be infinite. Pick an "
            "unmasked class"
        )


def make_target(
    text: str,
    x: FloatArray,
    axes: tuple[int, ...],
    mask: BoolArray | None = None,
    *,
    parse: Callable[[str], ArrayLike],
) -> FloatArray:
    """Read the target box into a target distribution of x's shape.

    Parameters
    ----------
    text : str
        ``argmax``, class indices of shape ``batch_shape`` or probabilities of
        x's shape.
    x : ndarray
        The logits.
    axes : tuple of int
        The softmax (class) axes.
    mask : ndarray of bool, optional
        Masked entries may not be targets; a fully masked slice has none
        (its target row is all zeros and it adds nothing to the loss).
    parse : callable
        The array parser (``softmax_core.parse_array``).

    Raises
    ------
    ValueError
        If the text is unreadable, has neither shape, or names a class that
        is out of range or masked.

    Examples
    --------
    >>> from softmax_core import parse_array
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> make_target("[1, 0]", x, (1,), parse=parse_array)
    array([[0., 1.],
           [1., 0.]])
    >>> make_target("argmax", x, (1,), parse=parse_array)
    array([[0., 1.],
           [0., 1.]])
    """
    x = np.asarray(x, dtype=np.float64)
    batch, n = batch_shape(x.shape, axes), slice_length(x.shape, axes)
    if text.strip().lower() in ("", DEFAULT_TARGET):
        return _onehot(_argmax_classes(x, axes, mask), x, axes)
    values = np.asarray(parse(text), dtype=np.float64)
    if values.shape == batch or (batch == () and values.shape == (1,)):
        t = _onehot(_read_classes(values.reshape(batch), n), x, axes)
    elif values.shape == x.shape:
        t = _read_probabilities(values, axes)
    else:
        raise ValueError(
            f"target has shape {values.shape}; it needs class indices of shape "
            f"{batch} (one per slice) or probabilities of x's shape {x.shape} "
            f"(or {DEFAULT_TARGET})"
        )
    _check_masked(t, mask)
    return t
