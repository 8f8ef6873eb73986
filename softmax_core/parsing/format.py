"""Write an array as text that :func:`parse_array` reads back exactly."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from softmax_core._validation import as_float_array
from softmax_core.parsing._limits import MAX_NDIM

__all__ = ["format_array"]


def format_array(x: ArrayLike, *, compact: bool = False) -> str:
    """Write an array as text that :func:`parse_array` reads back exactly.

    Parameters
    ----------
    x : array_like of shape (...)
        Real numbers with at most :data:`MAX_NDIM` dimensions. float16 and
        float32 values are written as the float64 numbers they equal; bool
        and integers as floats.
    compact : bool, default False
        One line with no spaces and whole numbers without ``.0``
        (``[[1,-0.5],[inf,0.1]]``): the form for a shared link. It reads back
        exactly like the default layout.

    Returns
    -------
    str
        Nested lists, one row per line for 2-D and more (NumPy's layout, with
        a blank line between blocks), each number as the shortest decimal
        that reads back as the same float64 (``repr(float(v))``): ``-0.0``,
        ``5e-324``, ``1e+308``, ``nan``, ``inf`` and ``-inf`` included. A 0-d
        array is a bare number. Empty arrays whose shape nested lists cannot
        spell (a 0 before the last axis, such as ``(0, 3)``) are written as
        ``array([], shape=(0, 3))``.

    Raises
    ------
    TypeError
        If `x` is complex or not numeric.
    ValueError
        If `x` has more than :data:`MAX_NDIM` dimensions.

    Notes
    -----
    ``parse_array(format_array(x))`` has the shape of `x` and bit-identical
    float64 values, except that every NaN is written as ``nan``: the sign and
    payload of a NaN are not kept. The output is not shortened with ``...``
    for large arrays, and numbers are padded to one width so columns line up.

    Examples
    --------
    >>> print(format_array([[1.0, -0.5], [np.inf, 0.1]]))
    [[ 1.0, -0.5],
     [ inf,  0.1]]
    >>> format_array([[1.0, -0.5], [np.inf, 0.1]], compact=True)
    '[[1,-0.5],[inf,0.1]]'
    >>> format_array(np.float32(0.1))
    '0.10000000149011612'
    >>> format_array(np.zeros((0, 3)))
    'array([], shape=(0, 3))'
    """
    a = as_float_array(x, "x", "format_array").astype(np.float64, copy=False)
    if a.ndim > MAX_NDIM:
        raise ValueError(
            f"format_array: x has {a.ndim} dimensions; parse_array reads at most "
            f"{MAX_NDIM}"
        )
    shape = a.shape
    if a.ndim == 0:
        return repr(float(a))
    if a.size == 0 and 0 in shape[:-1]:
        return f"array([], shape={shape})".replace(" ", "" if compact else " ")
    words: list[str] = [repr(v) for v in a.ravel().tolist()]
    if compact:
        # "2.0" -> "2" and "-0.0" -> "-0" read back as the same float64
        items = [w[:-2] if w.endswith(".0") else w for w in words]
    else:
        width = max((len(w) for w in words), default=0)
        items = [w.rjust(width) for w in words]
    # Build from the innermost lists outwards: group the items of each level
    # into lists of that level's length.
    for level in range(a.ndim - 1, -1, -1):
        n_groups = math.prod(shape[:level])
        length = shape[level]
        if compact:
            sep = ","
        elif level == a.ndim - 1:
            sep = ", "
        else:
            sep = "," + "\n" * (a.ndim - 1 - level) + " " * (level + 1)
        if length == 0:
            items = ["[]"] * n_groups
        else:
            items = [
                "[" + sep.join(items[i : i + length]) + "]"
                for i in range(0, len(items), length)
            ]
    return items[0]
