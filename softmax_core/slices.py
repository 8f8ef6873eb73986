"""View an N-D array as a stack of 1-D softmax slices, and back.

Shape letters used in this package: ``batch_shape`` is the input shape with the
softmax axes removed (order kept) and ``n`` the product of the softmax axes'
lengths. A slice is flattened in C order over the softmax axes in increasing
order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from softmax_core import _validation
from softmax_core._validation import Axis

__all__ = [
    "batch_shape",
    "from_slices",
    "normalize_axes",
    "slice_length",
    "to_slices",
]


def normalize_axes(
    axis: Axis, shape: tuple[int, ...], func: str = "normalize_axes"
) -> tuple[int, ...]:
    """Return the softmax axes `axis` means for `shape`: sorted, non-negative.

    ``None`` means every axis. `func` names the caller in error messages.

    Raises
    ------
    ValueError
        If an axis is out of range or repeated.
    TypeError
        If `axis` is not an int, a sequence of ints or None.

    Examples
    --------
    >>> normalize_axes(-1, (2, 3))
    (1,)
    >>> normalize_axes(None, (2, 3, 4))
    (0, 1, 2)
    """
    return _validation.normalize_axes(axis, shape, func)


def batch_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """Return `shape` without the softmax `axes`.

    Examples
    --------
    >>> batch_shape((2, 3, 4), (0, 2))
    (3,)
    """
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def slice_length(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    """Return ``n``, the number of entries in one softmax slice."""
    return math.prod(shape[i] for i in axes)


def to_slices(a: NDArray[Any], axes: tuple[int, ...]) -> NDArray[Any]:
    """Move `axes` (sorted) to the end and flatten them.

    Returns an array of shape ``batch_shape + (n,)``; a copy only when the
    softmax axes are not already last and contiguous.

    Examples
    --------
    >>> to_slices(np.arange(6).reshape(2, 3), (0,))
    array([[0, 3],
           [1, 4],
           [2, 5]])
    """
    keep = [i for i in range(a.ndim) if i not in axes]
    moved = np.transpose(a, keep + list(axes))
    return moved.reshape(batch_shape(a.shape, axes) + (slice_length(a.shape, axes),))


def from_slices(
    s: NDArray[Any], shape: tuple[int, ...], axes: tuple[int, ...]
) -> NDArray[Any]:
    """Inverse of :func:`to_slices`: give back an array of `shape`.

    Examples
    --------
    >>> a = np.arange(24).reshape(2, 3, 4)
    >>> bool((from_slices(to_slices(a, (0, 2)), a.shape, (0, 2)) == a).all())
    True
    """
    keep = [i for i in range(len(shape)) if i not in axes]
    order = keep + list(axes)
    moved_shape = tuple(shape[i] for i in order)
    return np.transpose(s.reshape(moved_shape), np.argsort(order))
