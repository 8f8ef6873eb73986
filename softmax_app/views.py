"""Streamlit pieces every page uses: tables, the code expanders, downloads."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from softmax_app.exports import to_csv_bytes, to_npy_bytes
from softmax_app.panel import Inputs
from softmax_app.snippets import snippets

__all__ = ["array_table", "display_frame", "how_it_works", "reproduce_in_code"]

#: Tables show at most this many rows and columns; the heatmaps carry the rest.
#: (Formatting cells is the slowest part of a rerun: a 100 x 100 table took
#: about 0.2 s of the script's 0.24 s on a 100,000-element input.)
MAX_TABLE_SIDE = 30


def array_table(a: np.ndarray, *, caption: str = "", digits: int = 8) -> None:
    """Show a 0-D, 1-D or 2-D array as a table (1-D as one row)."""
    a = np.asarray(a)
    if a.ndim > 2:
        st.caption(f"{caption}: shape {a.shape}, too many dimensions for a table.")
        return
    grid = np.atleast_2d(a)
    rows, cols = grid.shape
    if rows > MAX_TABLE_SIDE or cols > MAX_TABLE_SIDE:
        grid = grid[:MAX_TABLE_SIDE, :MAX_TABLE_SIDE]
        caption += (
            f" (first {grid.shape[0]} x {grid.shape[1]} of {rows} x {cols}; "
            f"the heatmap shows more)"
        )
    frame = pd.DataFrame(grid, columns=[str(j) for j in range(grid.shape[1])])
    if caption:
        st.caption(caption)
    st.dataframe(display_frame(frame, digits), width="stretch")


def display_frame(frame: pd.DataFrame, digits: int = 8) -> Any:
    """Format a numeric table for st.dataframe with `digits` significant digits.

    A NaN cell reaches the browser as null and reads "None" whatever the
    Styler says, so a table holding NaN is sent as text ("NaN", "inf").
    """
    if frame.isna().to_numpy().any():
        return frame.map(lambda v: "NaN" if np.isnan(v) else f"{v:.{digits}g}")
    return frame.style.format(f"{{:.{digits}g}}")


def reproduce_in_code(
    inputs: Inputs, results: Mapping[str, np.ndarray], *, note: str = ""
) -> None:
    """Draw the "Reproduce in code" expander: NumPy, PyTorch, JAX and downloads."""
    with st.expander("Reproduce in code"):
        if note:
            st.caption(note)
        codes = snippets(
            inputs.x,
            inputs.x_text,
            inputs.axis_arg,
            inputs.temperature,
            inputs.upstream,
            inputs.g_text,
        )
        for tab, code in zip(st.tabs(list(codes)), codes.values(), strict=True):
            with tab:
                st.code(code, language="python")
        arrays = {"x": inputs.x, "g": inputs.upstream, **results}
        columns = st.columns(len(arrays))
        for column, (name, array) in zip(columns, arrays.items(), strict=True):
            with column:
                # Cached: np.savetxt of 100,000 entries takes ~0.1 s, and the
                # bytes would otherwise be rebuilt on every rerun.
                st.download_button(
                    f"{name}.npy",
                    _npy_bytes(array),
                    file_name=f"{name}.npy",
                    mime="application/octet-stream",
                    key=f"download-{name}-npy",
                    # No rerun: it is not needed, and a click made during one is lost.
                    on_click="ignore",
                )
                if array.ndim in (1, 2):
                    st.download_button(
                        f"{name}.csv",
                        _csv_bytes(array),
                        file_name=f"{name}.csv",
                        mime="text/csv",
                        key=f"download-{name}-csv",
                        on_click="ignore",
                    )


@st.cache_data(max_entries=16, show_spinner=False)
def _npy_bytes(array: np.ndarray) -> bytes:
    return to_npy_bytes(array)


@st.cache_data(max_entries=16, show_spinner=False)
def _csv_bytes(array: np.ndarray) -> bytes:
    return to_csv_bytes(array) or b""


def how_it_works(*functions: Callable[..., Any], intro: str = "") -> None:
    """Draw the "How it works" expander: the source of the core code behind it."""
    with st.expander("How it works"):
        if intro:
            st.markdown(intro)
        for function in functions:
            st.caption(f"`{function.__module__}.{function.__qualname__}`")
            st.code(inspect.getsource(function), language="python")
