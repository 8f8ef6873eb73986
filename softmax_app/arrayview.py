"""Look at N-D arrays in 2-D: pick two dimensions to show and an index for the rest.

``view_2d`` and ``slice_at`` are plain NumPy (tested); ``pick_view`` and
``pick_slice`` are the shared widgets that choose their arguments, and can keep
the choice in the link (``view=0,2@1``: rows dim 0, columns dim 2, index 1 of
the rest; ``slice=1,0``: the index along each non-softmax dim), read and
written by ``parse_view``/``format_view`` and ``parse_slice``/``format_slice``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st
from numpy.typing import NDArray
from streamlit.delta_generator import DeltaGenerator

from softmax_app import urlstate
from softmax_core.slices import batch_shape, to_slices

View = tuple[int, int, tuple[int, ...]]

__all__ = [
    "format_slice",
    "format_view",
    "parse_slice",
    "parse_view",
    "pick_slice",
    "pick_view",
    "slice_at",
    "view_2d",
]


def view_2d(
    a: NDArray[Any], rows: int, cols: int, index: tuple[int, ...]
) -> NDArray[Any]:
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
    a: NDArray[Any], axes: tuple[int, ...], index: tuple[int, ...]
) -> NDArray[Any]:
    """Return the flattened softmax slice of `a` at batch position `index`."""
    slice_: NDArray[Any] = to_slices(np.asarray(a), axes)[tuple(index)]
    return slice_


def default_view(ndim: int) -> View:
    """Return the view drawn unless one is picked: the last two dims, at 0."""
    if ndim <= 2:
        return (0, 1, ())
    return (ndim - 2, ndim - 1, (0,) * (ndim - 2))


def format_view(view: View) -> str:
    """Write a view as ``rows,cols@i,j``: the dims shown, then the other indices.

    Examples
    --------
    >>> format_view((0, 2, (1,)))
    '0,2@1'
    """
    rows, cols, index = view
    return f"{rows},{cols}@" + ",".join(str(i) for i in index)


def _ints(text: str, what: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in text.split(",") if p.strip())
    except ValueError:
        raise ValueError(f"{what} {text!r} must be whole numbers") from None


def parse_view(text: str, shape: tuple[int, ...]) -> View:
    """Read ``rows,cols@i,j`` for an array of `shape`; ValueError if it does not fit.

    Examples
    --------
    >>> parse_view("0,2@1", (2, 3, 4))
    (0, 2, (1,))
    """
    ndim = len(shape)
    dims_text, _, index_text = text.partition("@")
    dims = _ints(dims_text, "the dims")
    if len(dims) != 2 or dims[0] == dims[1] or not all(0 <= d < ndim for d in dims):
        raise ValueError(
            f"{dims_text!r} must name two different dims of 0..{ndim - 1}, e.g. 0,2"
        )
    rest = [d for d in range(ndim) if d not in dims]
    index = _ints(index_text, "the index")
    if len(index) != len(rest):
        raise ValueError(f"after @ it needs one index for each other dim ({len(rest)})")
    for d, i in zip(rest, index, strict=True):
        if not 0 <= i < shape[d]:
            raise ValueError(
                f"index {i} is out of range for dim {d} (length {shape[d]})"
            )
    return dims[0], dims[1], index


def format_slice(index: tuple[int, ...]) -> str:
    """Write a slice's batch index as ``1,0``."""
    return ",".join(str(i) for i in index)


def parse_slice(
    text: str, shape: tuple[int, ...], axes: tuple[int, ...]
) -> tuple[int, ...]:
    """Read a slice's batch index for `shape` and softmax `axes`.

    Examples
    --------
    >>> parse_slice("1", (2, 3), (1,))
    (1,)
    """
    batch = batch_shape(shape, axes)
    index = _ints(text, "the slice")
    if len(index) != len(batch):
        raise ValueError(
            f"it needs one index for each dim that is not a softmax axis ({len(batch)})"
        )
    dims = [d for d in range(len(shape)) if d not in axes]
    for d, i, n in zip(dims, index, batch, strict=True):
        if not 0 <= i < n:
            raise ValueError(f"index {i} is out of range for dim {d} (length {n})")
    return index


def _seed(param: str | None, read: Callable[[str], object]) -> str | None:
    """Read a new URL value of `param`; return a sentence if it does not fit."""
    if param is None:
        return None
    raw = urlstate.incoming(param)
    if raw is None:
        return None
    try:
        read(raw)
    except ValueError as exc:
        return f"The link's **{param}** = {raw!r} does not fit this x: {exc}."
    return None


def pick_view(shape: tuple[int, ...], key: str, *, param: str | None = None) -> View:
    """Widgets choosing which two dims of an N-D array to show, and where.

    Returns ``(rows, cols, index)`` for :func:`view_2d`; for 1-D and 2-D arrays
    there is nothing to choose and no widget is drawn. With `param`, the
    choice is read from and written to the URL under that name.
    """
    ndim = len(shape)
    if ndim <= 2:
        if param is not None:
            urlstate.publish(param, "", "")
        return (0, 1, ())
    rows_key, cols_key = f"{key}-rows", f"{key}-cols"
    at_keys = {d: f"{key}-at-{d}" for d in range(ndim)}

    def apply(text: str) -> None:
        rows, cols, index = parse_view(text, shape)
        st.session_state[rows_key], st.session_state[cols_key] = rows, cols
        rest = [d for d in range(ndim) if d not in (rows, cols)]
        for d, i in zip(rest, index, strict=True):
            st.session_state[at_keys[d]] = i

    problem = _seed(param, apply)
    if problem:
        st.warning(problem + " Showing the view picked below instead.")
    dims = list(range(ndim))
    default_rows, default_cols, _ = default_view(ndim)
    if st.session_state.get(rows_key) not in dims:
        st.session_state[rows_key] = default_rows
    left, right = st.columns(2)
    rows = left.selectbox("rows: dim", dims, key=rows_key)
    cols_options = [d for d in dims if d != rows]
    if st.session_state.get(cols_key) not in cols_options:
        st.session_state[cols_key] = cols_options[-1]
    cols = right.selectbox("columns: dim", cols_options, key=cols_key)
    rest = [d for d in dims if d not in (rows, cols)]
    columns = st.columns(len(rest))
    index = tuple(
        _index_input(column, f"index in dim {d}", shape[d], at_keys[d])
        for column, d in zip(columns, rest, strict=True)
    )
    view = (int(rows), int(cols), index)
    if param is not None:
        urlstate.publish(param, format_view(view), format_view(default_view(ndim)))
    return view


def _index_input(column: DeltaGenerator, label: str, length: int, key: str) -> int:
    """Draw a number input for an index into a dim of `length`, kept in range."""
    value = st.session_state.get(key)
    if not isinstance(value, int) or not 0 <= value < length:
        st.session_state[key] = 0
    return int(column.number_input(label, 0, length - 1, key=key))


def pick_slice(
    shape: tuple[int, ...],
    axes: tuple[int, ...],
    key: str,
    *,
    param: str | None = None,
) -> tuple[int, ...]:
    """Widgets choosing one softmax slice: an index along each non-softmax dim.

    With `param`, the choice is read from and written to the URL under that name.
    """
    batch = batch_shape(shape, axes)
    if not batch or 0 in batch:
        if param is not None:
            urlstate.publish(param, "", "")
        return (0,) * len(batch)
    dims = [d for d in range(len(shape)) if d not in axes]
    keys = [f"{key}-slice-{d}" for d in dims]

    def apply(text: str) -> None:
        for k, i in zip(keys, parse_slice(text, shape, axes), strict=True):
            st.session_state[k] = i

    problem = _seed(param, apply)
    if problem:
        st.warning(problem + " Showing the slice picked below instead.")
    columns = st.columns(len(batch))
    index = tuple(
        _index_input(column, f"slice: index in dim {d}", n, k)
        for column, d, n, k in zip(columns, dims, batch, keys, strict=True)
    )
    if param is not None:
        urlstate.publish(param, format_slice(index), format_slice((0,) * len(batch)))
    return index
