"""Look at N-D arrays in 2-D: pick two dimensions to show and an index for the rest.

``view_2d`` and ``slice_at`` are plain NumPy (tested); ``pick_view`` and
``pick_slice`` are the shared widgets that choose their arguments.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from softmax_core._slices import batch_shape, to_slices

__all__ = ["pick_slice", "pick_view", "slice_at", "view_2d"]


def view_2d(a: np.ndarray, rows: int, cols: int, index: tuple[int, ...]) -> np.ndarray:
    """Return the 2-D section of `a` over dims `rows` x `cols` at `index`.

    `index` lists one position per remaining dimension, in order. A 0-D array
    becomes 1x1 and a 1-D array one row.

    Examples
    --------
    >>> a = np.arange(24).reshape(2, 3, 4)
    >>> view_2d(a, 2, 0, (1,)).tolist()
    [[4, 16], [5, 17], [6, 18], [7, 19]]
    """
    a = np.asarray(a)
    if a.ndim < 2:
        return np.atleast_2d(a)
    rest = [d for d in range(a.ndim) if d not in (rows, cols)]
    picked = np.moveaxis(a, [rows, cols], [-2, -1])
    return picked[tuple(index[: len(rest)])] if rest else picked


def slice_at(
    a: np.ndarray, axes: tuple[int, ...], index: tuple[int, ...]
) -> np.ndarray:
    """Return the flattened softmax slice of `a` at batch position `index`."""
    return to_slices(np.asarray(a), axes)[tuple(index)]


def pick_view(shape: tuple[int, ...], key: str) -> tuple[int, int, tuple[int, ...]]:
    """Widgets choosing which two dims of an N-D array to show, and where.

    Returns ``(rows, cols, index)`` for :func:`view_2d`; for 1-D and 2-D arrays
    there is nothing to choose and no widget is drawn.
    """
    ndim = len(shape)
    if ndim <= 2:
        return (0, 1, ())
    dims = list(range(ndim))
    left, right = st.columns(2)
    rows = left.selectbox("rows: dim", dims, index=ndim - 2, key=f"{key}-rows")
    cols_options = [d for d in dims if d != rows]
    cols = right.selectbox(
        "columns: dim", cols_options, index=len(cols_options) - 1, key=f"{key}-cols"
    )
    rest = [d for d in dims if d not in (rows, cols)]
    columns = st.columns(len(rest))
    index = tuple(
        int(
            column.number_input(
                f"index in dim {d}", 0, shape[d] - 1, 0, key=f"{key}-at-{d}"
            )
        )
        for column, d in zip(columns, rest, strict=True)
    )
    return rows, cols, index


def pick_slice(
    shape: tuple[int, ...], axes: tuple[int, ...], key: str
) -> tuple[int, ...]:
    """Widgets choosing one softmax slice: an index along each non-softmax dim."""
    batch = batch_shape(shape, axes)
    if not batch or 0 in batch:
        return (0,) * len(batch)
    dims = [d for d in range(len(shape)) if d not in axes]
    columns = st.columns(len(batch))
    return tuple(
        int(
            column.number_input(
                f"slice: index in dim {d}", 0, n - 1, 0, key=f"{key}-slice-{d}"
            )
        )
        for column, d, n in zip(columns, dims, batch, strict=True)
    )
