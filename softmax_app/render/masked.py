"""Masked cells, drawn so they cannot be mistaken for a computed 0. No Streamlit.

A masked entry's probability is 0 and its gradient is 0, but not because
anything was computed: it was left out. Heatmaps paint those cells grey with
the word "masked" (colour is not the only cue) and keep them out of the colour
scale; tables write "masked" in a grey cell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from softmax_app.inputs import FloatArray
from softmax_app.masking import BoolArray
from softmax_app.render.figures import MAX_LABELLED_CELLS

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = [
    "MASKED_COLOR",
    "MASKED_TEXT",
    "mark_masked",
    "mark_masked_bars",
    "mark_masked_grid",
    "masked_table",
]

MASKED_COLOR = "#8c8c8c"
MASKED_TEXT = "masked"
_CELL_STYLE = "background-color: #d9d9d9; color: #4d4d4d; font-style: italic"


def _grid(a: FloatArray | BoolArray) -> np.ndarray:
    b = np.asarray(a)
    return b[None, :] if b.ndim == 1 else np.atleast_2d(b)


def _overlay(masked: np.ndarray, base: go.Heatmap) -> dict[str, Any]:
    """Build a grey heatmap over the masked cells of `base`, labelled "masked".

    It sits on `base`'s axes, so in a grid it covers the same panel.
    """
    overlay: dict[str, Any] = {
        "type": "heatmap",
        "z": np.where(masked, 1.0, np.nan),
        "x": base.x,
        "y": base.y,
        "text": np.where(masked, MASKED_TEXT, ""),
        "colorscale": [[0.0, MASKED_COLOR], [1.0, MASKED_COLOR]],
        "showscale": False,
        "hovertemplate": "row %{y}, col %{x}: masked (left out)<extra></extra>",
        "xgap": 1,
        "ygap": 1,
        "name": MASKED_TEXT,
    }
    rows, cols = masked.shape
    if rows <= MAX_LABELLED_CELLS and cols <= MAX_LABELLED_CELLS:
        overlay.update(texttemplate="%{text}", textfont={"size": 11, "color": "white"})
    if base.xaxis is not None:  # a grid panel's axes (x2, y2, ...)
        overlay.update(xaxis=base.xaxis, yaxis=base.yaxis)
    return overlay


def _take_out(trace: go.Heatmap, masked: np.ndarray) -> None:
    """Drop the masked cells from a trace, so they do not set the colour scale."""
    # Plain attribute assignment: trace.update() goes through plotly's path
    # parsing, about twice the cost.
    trace.z = np.where(masked, np.nan, np.asarray(trace.z, dtype=np.float64))
    if trace.text is not None and np.shape(trace.text) == masked.shape:
        trace.text = np.where(masked, "", np.asarray(trace.text, dtype=object))


def mark_masked(fig: go.Figure, kept: BoolArray | None) -> go.Figure:
    """Paint the masked cells of a :func:`figures.heatmap` grey, labelled "masked".

    `kept` is the mask of the drawn view (True: kept), same shape as the
    heatmap's z. The masked cells are taken out of the first trace (so they
    do not set the colour scale) and covered by a grey trace whose cells
    read "masked", also on hover. Without masked cells the figure is
    returned unchanged.
    """
    if kept is None:
        return fig
    masked = ~_grid(kept).astype(bool)
    if not masked.any():
        return fig
    _take_out(fig.data[0], masked)
    fig.add_trace(_overlay(masked, fig.data[0]))
    return fig


def mark_masked_grid(
    fig: go.Figure, kept: BoolArray | None, columns: int = 3
) -> go.Figure:
    """Paint the masked cells of a :func:`figures.jacobian_grid` grey, "masked".

    `kept` holds one ``n x n`` mask per panel, in the grid's order (shape
    ``(panels, n, n)``; a Jacobian's cell is kept when its row and column
    both are). Each panel's masked cells leave its heatmap and get a grey
    overlay on that panel's axes. `columns` is the grid's; it is not needed
    (each overlay takes its panel's axes) and kept so callers need no change.
    """
    if kept is None:
        return fig
    overlays = []
    for k, masked in enumerate(~np.asarray(kept, dtype=bool)):
        if masked.any():
            _take_out(fig.data[k], masked)
            overlays.append(_overlay(masked, fig.data[k]))
    if overlays:
        fig.add_traces(overlays)
    return fig


def mark_masked_bars(fig: go.Figure, kept: BoolArray | None) -> go.Figure:
    """Grey the masked bars of a :func:`figures.slice_bar`, labelled "masked".

    A masked entry's probability is 0 because it was left out, not computed:
    its bar is grey, reads "masked" and says so on hover.
    """
    if kept is None:
        return fig
    masked = ~np.asarray(kept, dtype=bool).ravel()
    if not masked.any():
        return fig
    bar = fig.data[0]
    colour = bar.marker.color
    bar.marker.color = [MASKED_COLOR if m else colour for m in masked]
    bar.hovertext = ["masked (left out)" if m else "" for m in masked]
    bar.hovertemplate = "%{x}: %{y:.6g} %{hovertext}<extra></extra>"
    if bar.texttemplate is not None:  # values are written on the bars
        values = np.asarray(bar.y, dtype=np.float64)
        bar.text = [
            MASKED_TEXT if m else f"{v:.4f}"
            for m, v in zip(masked, values, strict=True)
        ]
        bar.texttemplate = "%{text}"
    return fig


def masked_table(
    values: FloatArray, kept: BoolArray, digits: int = 8
) -> pd.DataFrame | Styler:
    """Build a table of `values` whose masked cells read "masked" on grey.

    Examples
    --------
    >>> masked_table(np.array([0.25, 0.75]), np.array([True, False])).data
       0       1
    0  0.25  masked
    """
    grid, masked = _grid(values), ~_grid(kept).astype(bool)

    def text(v: float, m: bool) -> str:
        if m:
            return MASKED_TEXT
        return "NaN" if np.isnan(v) else f"{v:.{digits}g}"

    cells = [
        [text(v, m) for v, m in zip(row, mrow, strict=True)]
        for row, mrow in zip(grid.tolist(), masked.tolist(), strict=True)
    ]
    frame = pd.DataFrame(cells, columns=[str(j) for j in range(grid.shape[1])])
    styles = np.where(masked, _CELL_STYLE, "")
    return frame.style.apply(lambda _: styles, axis=None)
