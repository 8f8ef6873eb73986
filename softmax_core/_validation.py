"""Checks at the edge of the public API: axes, dtypes, temperature, shapes.

Every public function validates its arguments here once; inside, the arrays are
trusted. Messages name the function, the argument, what was expected and what
was received, plus a hint when the fix is obvious.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Axis",
    "FloatArray",
    "as_float_array",
    "check_same_shape",
    "check_temperature",
    "check_where",
    "normalize_axes",
    "result_dtype",
]

#: An axis argument: one int, a tuple of distinct ints, or None for all axes.
Axis: TypeAlias = int | Sequence[int] | None
FloatArray: TypeAlias = NDArray[np.floating[Any]]


def normalize_axes(axis: Axis, shape: tuple[int, ...], func: str) -> tuple[int, ...]:
    """Turn an axis argument into sorted, non-negative, distinct axes.

    Parameters
    ----------
    axis : int, sequence of int or None
        The axis argument as the user gave it. ``None`` means every axis.
    shape : tuple of int
        Shape of the array the axes refer to.
    func : str
        Name of the public function, for the error message.

    Returns
    -------
    tuple of int
        The axes in increasing order.

    Raises
    ------
    TypeError
        If `axis` is not an int, a sequence of ints or None.
    ValueError
        If an axis is out of range or repeated.

    Examples
    --------
    >>> normalize_axes(-1, (2, 3), "softmax")
    (1,)
    >>> normalize_axes((2, 0), (2, 3, 4), "softmax")
    (0, 2)
    """
    ndim = len(shape)
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, bool):
        raise TypeError(
            f"{func}: axis must be an int, a tuple of ints or None, not a bool"
        )
    if isinstance(axis, Sequence) and not isinstance(axis, str):
        raw = list(axis)
    else:
        raw = [axis]
    axes: list[int] = []
    for a in raw:
        if isinstance(a, bool):
            raise TypeError(f"{func}: axis entries must be ints, not bools")
        try:
            index = operator.index(a)
        except TypeError:
            raise TypeError(
                f"{func}: axis must be an int, a tuple of ints or None; "
                f"got {type(a).__name__} {a!r}"
            ) from None
        if not -ndim <= index < ndim:
            valid = f"valid axes are {-ndim}..{ndim - 1}" if ndim else "it has no axes"
            raise ValueError(
                f"{func}: axis {index} is out of range for an array of shape "
                f"{shape}; {valid}"
            )
        axes.append(index % ndim)
    if len(set(axes)) != len(axes):
        raise ValueError(
            f"{func}: axis {tuple(raw)} repeats an axis (for an array of shape "
            f"{shape}); each axis may appear once"
        )
    return tuple(sorted(axes))


def result_dtype(*dtypes: np.dtype[Any]) -> np.dtype[Any]:
    """Return the floating dtype results are returned in.

    float16, float32 and float64 are kept; bool and integer inputs become
    float64; mixed inputs promote as NumPy does.
    """
    floats = [d if d.kind == "f" else np.dtype(np.float64) for d in dtypes]
    out = np.result_type(*floats)
    # long double is not something we compute in; float64 is as accurate as we go.
    return out if out.itemsize <= 8 else np.dtype(np.float64)


def as_float_array(x: ArrayLike, name: str, func: str) -> FloatArray:
    """Convert `x` to a floating array in the dtype it will be computed in.

    float16 is computed in float32 (as PyTorch does on the CPU), bool and
    integers in float64. Complex, object and string arrays are refused.

    Raises
    ------
    TypeError
        If `x` is complex, object, string or otherwise non-numeric.
    """
    try:
        a = np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{func}: {name} must be a numeric array; {exc}") from None
    kind = a.dtype.kind
    if kind == "c":
        raise TypeError(
            f"{func}: {name} is complex ({a.dtype}); softmax needs real numbers"
        )
    if kind not in "biuf":
        raise TypeError(
            f"{func}: {name} must be a real numeric array; got dtype {a.dtype}"
        )
    if kind == "f" and a.dtype.itemsize == 2:
        return a.astype(np.float32)
    if kind == "f" and a.dtype.itemsize <= 8:
        return a
    return a.astype(np.float64)


def check_temperature(temperature: float, func: str) -> float:
    """Return `temperature` as a float after checking it is finite and > 0."""
    # float() would accept "2" and True: a string or a bool is a mistake here.
    if isinstance(temperature, str | bytes | bool | np.bool_):
        raise TypeError(
            f"{func}: temperature must be a number; got {temperature!r}"
        )
    try:
        t = float(temperature)
    except (TypeError, ValueError):
        raise TypeError(
            f"{func}: temperature must be a number; got {temperature!r}"
        ) from None
    if not math.isfinite(t) or t <= 0:
        raise ValueError(
            f"{func}: temperature must be finite and > 0; got {temperature!r}"
        )
    return t


def check_where(
    where: ArrayLike | None, shape: tuple[int, ...], func: str
) -> NDArray[np.bool_] | None:
    """Return the mask broadcast to `shape`, or None when every entry counts."""
    if where is None:
        return None
    mask = np.asarray(where)
    if mask.dtype != np.bool_:
        raise TypeError(
            f"{func}: where must be a boolean array; got dtype {mask.dtype}"
        )
    try:
        return np.broadcast_to(mask, shape)
    except ValueError:
        raise ValueError(
            f"{func}: where has shape {mask.shape}, which does not broadcast to "
            f"x's shape {shape}"
        ) from None


def check_same_shape(
    a: NDArray[Any], b: NDArray[Any], names: tuple[str, str], func: str
) -> None:
    """Raise ValueError naming both shapes when `a` and `b` differ in shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{func}: {names[1]} has shape {b.shape} but {names[0]} has shape "
            f"{a.shape}; they must match"
        )
