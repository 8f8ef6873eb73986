"""Streamlit pieces every page uses: tables, the code expanders, downloads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import streamlit as st

import softmax_core as sc
from softmax_app import classroom, compute, rounding
from softmax_app.inputs import FloatArray
from softmax_app.masking import BoolArray
from softmax_app.panel import Inputs
from softmax_app.render import alttext
from softmax_app.render.exports import to_csv_bytes, to_npy_bytes
from softmax_app.render.masked import masked_table
from softmax_app.render.snippets import Check, Loss, snippets
from softmax_core.reference import function_source

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "array_table",
    "chart",
    "column_format",
    "number_table",
    "download_arrays",
    "downloads",
    "how_it_works",
    "reproduce_in_code",
]

#: Tables show at most this many rows and columns; the heatmaps carry the rest.
#: (Formatting cells is the slowest part of a rerun: a 100 x 100 table took
#: about 0.2 s of the script's 0.24 s on a 100,000-element input.)
MAX_TABLE_SIDE = 30


def array_table(
    a: FloatArray,
    *,
    caption: str = "",
    digits: int = 8,
    kept: BoolArray | None = None,
    zero_tol: float = 0.0,
) -> None:
    """Show a 0-D, 1-D or 2-D array as a table (1-D as one row).

    With `kept` (the mask of the same view), masked cells read "masked".
    With `zero_tol`, values that are zero up to rounding read 0, as the
    heatmaps draw them (:func:`rounding.snap_to_zero`), and the caption says so.
    """
    a, snapped = rounding.snap_to_zero(np.asarray(a), zero_tol)
    if snapped:
        caption = f"{caption} — {rounding.snap_note(snapped, zero_tol)}"
    if a.ndim > 2:
        st.caption(f"{caption}: shape {a.shape}, too many dimensions for a table.")
        return
    grid = np.atleast_2d(a)
    rows, cols = grid.shape
    if rows > MAX_TABLE_SIDE or cols > MAX_TABLE_SIDE:
        grid = grid[:MAX_TABLE_SIDE, :MAX_TABLE_SIDE]
        if kept is not None:
            kept = np.atleast_2d(kept)[:MAX_TABLE_SIDE, :MAX_TABLE_SIDE]
        caption += (
            f" (first {grid.shape[0]} x {grid.shape[1]} of {rows} x {cols}; "
            f"the heatmap shows more)"
        )
    frame = pd.DataFrame(grid, columns=[str(j) for j in range(grid.shape[1])])
    if caption:
        st.caption(caption)
    if kept is not None and not np.all(kept):
        st.dataframe(masked_table(grid, kept, digits), width="stretch")
        return
    number_table(frame, digits)


def chart(fig: go.Figure, takeaway: str, *, key: str) -> None:
    """Draw a Plotly chart with its takeaway: the only way pages draw charts.

    The sentence (from :mod:`softmax_app.render.alttext`) is the chart's
    accessible name (``alt``, read by screen readers) and a caption right
    under it, for everyone. Call it inside ``with column:`` to place it.

    Raises
    ------
    ValueError
        If `takeaway` is blank: every chart must state what it shows.
    """
    if not takeaway.strip():
        raise ValueError(f"chart {key!r} has no takeaway sentence")
    st.plotly_chart(fig, key=key, alt=takeaway)
    st.caption(alttext.as_markdown(takeaway))


def number_table(frame: pd.DataFrame, digits: int = 8) -> None:
    """Show a numeric table with `digits` significant digits.

    The digits are a column format the browser applies: a pandas Styler would
    format every cell in Python on every run, which was the largest single
    cost of a Backward page run. A NaN cell reaches the browser as null and
    reads "None" whatever the format says, so a table holding NaN is sent as
    text ("NaN", "inf").
    """
    if frame.isna().to_numpy().any():
        text = frame.map(lambda v: "NaN" if np.isnan(v) else f"{v:.{digits}g}")
        st.dataframe(text, width="stretch")
        return
    config = {
        str(column): st.column_config.NumberColumn(
            format=column_format(frame[column].to_numpy(), digits)
        )
        for column in frame.columns
    }
    st.dataframe(frame, width="stretch", column_config=config)


def column_format(values: FloatArray, digits: int = 8) -> str:
    """Return the browser's printf format for a column of `digits` digits.

    The browser's ``%g`` writes a number of 10**digits or more in full, padded
    with zeros (1234567891 at 8 digits reads 1234567900, as if exact), so such
    a column is written in exponent form instead.

    Examples
    --------
    >>> column_format(np.array([0.25, -3.0])), column_format(np.array([1.5e9]))
    ('%.8g', '%.7e')
    """
    finite = np.abs(values[np.isfinite(values)])
    if finite.size and float(finite.max()) >= 10.0**digits:
        return f"%.{digits - 1}e"
    return f"%.{digits}g"


#: File names and labels of the downloads, in the order they are offered.
DOWNLOAD_LABELS = {
    "x": "x (input)",
    "g": "g (upstream gradient)",
    "mask": "mask (1 = kept, 0 = masked)",
    "target": "t (target distribution)",
    "y": "y = softmax(x / T)",
    "dx": "dL/dx",
    "J": "J (per-slice Jacobians)",
}


#: Session-state keys of the two code expanders (True while open).
REPRODUCE_KEY = "expander-reproduce"
HOW_KEY = "expander-how"


def lazy_expander(label: str, key: str) -> Any:
    """Return a closed-by-default expander whose content is built only when open.

    Opening or closing it reruns the page (``on_change="rerun"``), and its
    ``.open`` says which: the code boxes inside are neither computed nor sent
    to the browser while closed. The state stays open across reruns.
    """
    return st.expander(label, key=key, on_change="rerun")


def reproduce_in_code(
    inputs: Inputs,
    results: Mapping[str, FloatArray],
    *,
    note: str = "",
    check: Check | None = None,
) -> None:
    """Draw the "Reproduce in code" expander (NumPy, PyTorch, JAX), then downloads.

    The snippets need only NumPy, PyTorch or JAX. They also compute the per-slice
    Jacobians when `results` holds ``J``, the Stability page's arrays when it
    holds ``naive``, and the Gradcheck page's comparison when `check` is given.
    The downloads (x, g, y and every result) sit under a visible "Download"
    heading below, not in the expander. Nothing is drawn under ``hide=code``.
    """
    if not classroom.shows("code"):
        return
    expander = lazy_expander("Reproduce in code", REPRODUCE_KEY)
    with expander:
        if expander.open:
            _snippet_tabs(inputs, results, note, check)
    downloads(inputs, results)


def _snippet_tabs(
    inputs: Inputs,
    results: Mapping[str, FloatArray],
    note: str,
    check: Check | None,
) -> None:
    if note:
        st.caption(note)
    st.caption(
        "Runs as it is in any Python with NumPy (or PyTorch, or JAX): no "
        "Softmax Lab needed. Large arrays are read from the downloads below."
    )
    codes = snippets(
        inputs.x,
        inputs.x_text,
        inputs.axis_arg,
        inputs.temperature,
        inputs.upstream,
        inputs.g_text,
        jacobian="J" in results,
        stability="naive" in results,
        check=check,
        loss=Loss(
            inputs.function,
            inputs.mask,
            inputs.mask_text,
            inputs.target,
            inputs.target_text,
        ),
    )
    for tab, code in zip(st.tabs(list(codes)), codes.values(), strict=True):
        with tab:
            st.code(code, language="python")


def download_arrays(
    inputs: Inputs, results: Mapping[str, FloatArray]
) -> dict[str, Callable[[], FloatArray]]:
    """Each downloadable array by file stem, as a function that returns it.

    x, g and y come first (y computed only when asked for, if the page did
    not pass it), then the page's results in their order. Under cross-entropy
    there is no g (the page does not use it) and the target comes instead.
    """
    x, axes, t = inputs.x, inputs.axes, inputs.temperature
    arrays: dict[str, Callable[[], FloatArray]] = {"x": partial(np.asarray, x)}
    # Cross-entropy never uses the g box (its upstream gradient is 1 on the
    # loss): a g.npy would be an array the page's numbers did not come from.
    if inputs.function != "cross_entropy":
        arrays["g"] = partial(np.asarray, inputs.upstream)
    if inputs.mask is not None:
        arrays["mask"] = partial(np.asarray, inputs.mask, dtype=np.float64)
    if inputs.function == "cross_entropy" and inputs.target is not None:
        arrays["target"] = partial(np.asarray, inputs.target)
    if "y" not in results:
        arrays["y"] = partial(_softmax, x, axes, t, inputs.mask)
    for name, array in results.items():
        arrays[name] = partial(np.asarray, array)
    return arrays


def _softmax(
    x: FloatArray, axes: tuple[int, ...], t: float, mask: BoolArray | None
) -> FloatArray:
    return compute.forward(x, axes, t, mask)


def downloads(inputs: Inputs, results: Mapping[str, FloatArray]) -> None:
    """Draw the "Download" section: every array as .npy (and .csv up to 2-D).

    The bytes are built when a button is clicked, not on every rerun.
    """
    st.subheader("Download")
    st.caption(
        "The arrays on this page as .npy (np.load) and, up to 2-D, .csv "
        "(17 significant digits: every float64 reads back exactly)."
    )
    arrays = download_arrays(inputs, results)
    columns = st.columns(min(len(arrays), 6))
    for k, (name, get) in enumerate(arrays.items()):
        with columns[k % len(columns)]:
            label = DOWNLOAD_LABELS.get(name, name)
            st.markdown(f"**{label}**")
            st.download_button(
                f"{name}.npy",
                partial(_as_npy, get),
                file_name=f"{name}.npy",
                mime="application/octet-stream",
                key=f"download-{name}-npy",
                # No rerun: it is not needed, and a click made during one is lost.
                on_click="ignore",
                icon=":material/download:",
            )
            if _ndim(name, inputs, results) in (1, 2):
                st.download_button(
                    f"{name}.csv",
                    partial(_as_csv, get),
                    file_name=f"{name}.csv",
                    mime="text/csv",
                    key=f"download-{name}-csv",
                    on_click="ignore",
                    icon=":material/download:",
                )


def _ndim(name: str, inputs: Inputs, results: Mapping[str, FloatArray]) -> int:
    if name in results:
        return int(np.ndim(results[name]))
    return int(inputs.x.ndim)  # x, g and y all have x's shape


def _as_npy(get: Callable[[], FloatArray]) -> bytes:
    return to_npy_bytes(get())


def _as_csv(get: Callable[[], FloatArray]) -> bytes:
    return to_csv_bytes(get()) or b""


def how_it_works(*items: str | Callable[..., object], intro: str = "") -> None:
    """Draw the "How it works" expander: the code behind the page, no docstrings.

    A string names a public function of ``softmax_core`` and shows its short
    reference implementation (:func:`softmax_core.reference_source`); a
    callable (a gallery entry's backward pass) shows its own source. Nothing is
    drawn under ``hide=explain``.
    """
    if not classroom.shows("explain"):
        return
    expander = lazy_expander("How it works", HOW_KEY)
    if not expander.open:
        return
    with expander:
        if intro:
            st.markdown(intro)
        for item in items:
            if isinstance(item, str):
                st.caption(f"the NumPy reference behind `softmax_core.{item}`")
                st.code(sc.reference_source(item), language="python")
            else:
                st.caption(f"`{item.__qualname__}`")
                st.code(function_source(item), language="python")
