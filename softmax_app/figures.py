"""Plotly figure builders: arrays in, ``go.Figure`` out. No Streamlit here.

Colour rules used on every page:

* signed quantities (Jacobians, gradients, errors around 0) use a diverging,
  colour-blind-safe scale (``RdBu_r``) centred on 0 with ``zmid=0``;
* probabilities and raw logits use the sequential ``cividis``.

Streamlit's own Plotly template is sequential, so the scale is always passed
explicitly. Row 0 is drawn at the top, as in a printed matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

__all__ = [
    "DIVERGING",
    "MAX_LABELLED_CELLS",
    "SEQUENTIAL",
    "heatmap",
    "slice_bar",
]

DIVERGING = "RdBu_r"
SEQUENTIAL = "cividis"
#: Cells are labelled with their values when both sides are at most this long.
MAX_LABELLED_CELLS = 12


def heatmap(
    z: np.ndarray,
    *,
    title: str = "",
    diverging: bool = False,
    x_labels: Sequence[str] | None = None,
    y_labels: Sequence[str] | None = None,
    x_title: str = "",
    y_title: str = "",
    value_format: str = ".4g",
    height: int | None = None,
) -> go.Figure:
    """A heatmap of a 2-D array with row 0 at the top.

    Parameters
    ----------
    z : ndarray of shape (rows, cols)
        Values; a 1-D array is drawn as one row. NaN cells are left blank.
    diverging : bool
        Centre a diverging scale on 0 (for signed values) instead of cividis.
    value_format : str
        d3 format for the cell labels and hover text.
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim == 1:
        z = z[None, :]
    rows, cols = z.shape
    x_labels = list(x_labels) if x_labels is not None else [str(j) for j in range(cols)]
    y_labels = list(y_labels) if y_labels is not None else [str(i) for i in range(rows)]
    finite = z[np.isfinite(z)]
    trace = go.Heatmap(
        z=np.where(np.isfinite(z), z, np.nan),
        x=x_labels,
        y=y_labels,
        colorscale=DIVERGING if diverging else SEQUENTIAL,
        colorbar={"thickness": 12},
        hovertemplate=f"row %{{y}}, col %{{x}}: %{{z:{value_format}}}<extra></extra>",
        xgap=1,
        ygap=1,
    )
    if diverging:
        bound = float(np.max(np.abs(finite))) if finite.size else 1.0
        bound = bound or 1.0  # an all-zero array still needs a non-empty range
        trace.update(zmid=0.0, zmin=-bound, zmax=bound)
    if rows <= MAX_LABELLED_CELLS and cols <= MAX_LABELLED_CELLS:
        # texttemplate is drawn by the trace itself: far cheaper than annotations.
        trace.update(texttemplate=f"%{{z:{value_format}}}", textfont={"size": 12})
    fig = go.Figure(trace)
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        height=height or max(180, min(520, 60 + 38 * rows)),
        xaxis={"title": x_title, "side": "bottom", "type": "category"},
        yaxis={"title": y_title, "autorange": "reversed", "type": "category"},
    )
    return fig


def slice_bar(
    values: np.ndarray,
    *,
    title: str = "",
    labels: Sequence[str] | None = None,
    value_title: str = "probability",
) -> go.Figure:
    """A bar chart of one slice (e.g. its probabilities), labelled with values."""
    values = np.asarray(values, dtype=np.float64).ravel()
    labels = list(labels) if labels is not None else [str(i) for i in range(values.size)]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=values,
            marker_color="#3b6fb6",
            texttemplate="%{y:.4f}" if values.size <= 24 else None,
            textposition="outside",
            hovertemplate="%{x}: %{y:.6g}<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        height=300,
        yaxis={"title": value_title},
        xaxis={"type": "category"},
    )
    return fig
