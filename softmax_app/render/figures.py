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
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from numpy.typing import NDArray

from softmax_app.inputs import FloatArray

__all__ = [
    "DIVERGING",
    "MAX_LABELLED_CELLS",
    "SEQUENTIAL",
    "heatmap",
    "slice_bar",
    "zero_note",
    # Explore and Stability
    "NONFINITE_COLOR",
    "Direction",
    "mark_nonfinite",
    "nonfinite_labels",
    "slice_label",
    "slice_labels",
    "softmax_direction",
    "sweep_line",
    "view_label",
]

DIVERGING = "RdBu_r"
SEQUENTIAL = "cividis"
#: Cells are labelled with their values when both sides are at most this long.
MAX_LABELLED_CELLS = 12


def heatmap(
    z: FloatArray,
    *,
    title: str = "",
    diverging: bool = False,
    x_labels: Sequence[str] | None = None,
    y_labels: Sequence[str] | None = None,
    x_title: str = "",
    y_title: str = "",
    value_format: str = ".4g",
    height: int | None = None,
    zero_tol: float = 0.0,
) -> go.Figure:
    """Draw a heatmap of a 2-D array with row 0 at the top.

    Parameters
    ----------
    z : ndarray of shape (rows, cols)
        Values; a 1-D array is drawn as one row. NaN cells are left blank.
    diverging : bool
        Centre a diverging scale on 0 (for signed values) instead of cividis.
    value_format : str
        d3 format for the cell labels and hover text.
    zero_tol : float, default 0
        Values with ``|v| <= zero_tol`` are zero up to rounding (see
        :mod:`softmax_app.rounding`): their cells read "0". When every value
        is, the colour bar is not fitted to the noise: the range is neutral
        (±1, all cells white), the colour bar hidden and the title says so.
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
    labelled = rows <= MAX_LABELLED_CELLS and cols <= MAX_LABELLED_CELLS
    noise = np.isfinite(z) & (np.abs(z) <= zero_tol) & (z != 0) if zero_tol else None
    all_noise = noise is not None and finite.size > 0 and _all_small(finite, zero_tol)
    if diverging:
        bound = float(np.max(np.abs(finite))) if finite.size else 1.0
        bound = bound or 1.0  # an all-zero array still needs a non-empty range
        if all_noise:
            # Fitting the colours to noise around 1e-17 would paint it as signal.
            bound = 1.0
            trace.update(showscale=False)
        trace.update(zmid=0.0, zmin=-bound, zmax=bound)
    if noise is not None and noise.any():
        # Cells that are zero up to rounding read "0"; the hover keeps the value.
        text = _cell_text(z, value_format, noise)
        trace.update(
            text=text,
            hovertemplate=(
                f"row %{{y}}, col %{{x}}: %{{text}} (computed %{{z:{value_format}}})"
                "<extra></extra>"
            ),
        )
        if labelled:
            trace.update(texttemplate="%{text}", textfont={"size": 12})
    elif labelled:
        # texttemplate is drawn by the trace itself: far cheaper than annotations.
        trace.update(texttemplate=f"%{{z:{value_format}}}", textfont={"size": 12})
    if all_noise:
        title = _with_note(title, zero_note(zero_tol))
    fig = go.Figure(trace)
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        margin={"l": 10, "r": 10, "t": _top_margin(title), "b": 10},
        height=height or max(180, min(520, 60 + 38 * rows)),
        xaxis={"title": x_title, "side": "bottom", "type": "category"},
        yaxis={"title": y_title, "autorange": "reversed", "type": "category"},
    )
    return fig


def zero_note(zero_tol: float) -> str:
    """Say that every value of a figure is zero up to rounding.

    Examples
    --------
    >>> zero_note(1.4e-14)
    'all zero up to rounding (|v| ≤ 1.4e-14): drawn as 0'
    """
    return f"all zero up to rounding (|v| ≤ {zero_tol:.2g}): drawn as 0"


def _all_small(finite: FloatArray, zero_tol: float) -> bool:
    return bool(np.max(np.abs(finite)) <= zero_tol)


def _with_note(title: str, note: str) -> str:
    note = f"<span style='font-size:12px'>{note}</span>"
    return f"{title}<br>{note}" if title else note


def _top_margin(title: str) -> int:
    if not title:
        return 10
    return 40 + 18 * title.count("<br>")


def _cell_text(z: FloatArray, value_format: str, zero: FloatArray) -> list[list[str]]:
    """Cell labels in `value_format` (d3, e.g. ".4~g"), "0" where `zero`."""
    spec = value_format.replace("~", "")
    return [
        [
            "0" if is_zero else ("" if not np.isfinite(v) else format(v, spec))
            for v, is_zero in zip(row, zero_row, strict=True)
        ]
        for row, zero_row in zip(z.tolist(), zero.tolist(), strict=True)
    ]


def slice_bar(
    values: FloatArray,
    *,
    title: str = "",
    labels: Sequence[str] | None = None,
    value_title: str = "probability",
) -> go.Figure:
    """Draw a bar chart of one slice (e.g. its probabilities), labelled with values."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if labels is None:
        labels = [str(i) for i in range(values.size)]
    labels = list(labels)
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


# --- Explore and Stability helpers --------------------------------------------
# (appended; each is Streamlit-free and tested in tests/test_app_explore.py)

#: Colour of inf/NaN cells drawn over a heatmap by :func:`mark_nonfinite`; the
#: cells also carry an "inf"/"-inf"/"NaN" label, so colour is not the only cue.
NONFINITE_COLOR = "#e8590c"
#: The sweep's "current scale" line: a mid grey that reads on the light and the
#: dark theme alike (black vanished on dark); its label takes the theme's font
#: colour.
CURRENT_MARK_COLOR = "#868e96"


@dataclass(frozen=True)
class Direction:
    """How the softmax axes sit in a 2-D view: axis titles and one sentence."""

    x_title: str
    y_title: str
    note: str


def softmax_direction(
    axes: tuple[int, ...], rows: int, cols: int, ndim: int
) -> Direction:
    """Describe which way softmax normalises in the view of dims `rows` x `cols`.

    For a 1-D array the view is one row (dim 0 runs across); for 0-D there is a
    single cell. The titles put an arrow on the axis softmax runs along.

    Examples
    --------
    >>> softmax_direction((1,), 0, 1, 2).note
    'softmax along → (dim 1): each row sums to 1.'
    >>> softmax_direction((0,), 0, 1, 2).y_title
    'dim 0 ↓ softmax along'
    """
    if ndim == 0:
        return Direction("", "", "A single number: its softmax is 1.")
    if ndim == 1:
        rows, cols = -1, 0
    along_rows, along_cols = rows in axes, cols in axes
    hidden = [a for a in axes if a not in (rows, cols)]
    x_title = f"dim {cols}" + (" → softmax along" if along_cols else "")
    y_title = f"dim {rows}" + (" ↓ softmax along" if along_rows else "")
    if rows < 0:
        y_title = ""
    dims = ", ".join(str(a) for a in axes)
    if hidden:
        shown = [a for a in axes if a in (rows, cols)]
        where = (
            f"dim {', '.join(map(str, shown))} here and " if shown else ""
        ) + f"dim {', '.join(map(str, hidden))} (not shown)"
        note = (
            f"softmax normalises over dims ({dims}) together: each slice runs along "
            f"{where}, so the cells of one slice in this view sum to less than 1."
        )
    elif along_rows and along_cols:
        note = (
            f"softmax normalises over dims ({dims}) together: the whole view is "
            f"one slice and all its cells sum to 1."
        )
    elif along_cols:
        label = "the array" if ndim == 1 else "each row"
        note = f"softmax along → (dim {cols}): {label} sums to 1."
    else:
        note = f"softmax along ↓ (dim {rows}): each column sums to 1."
    return Direction(x_title, y_title, note)


def slice_labels(shape: tuple[int, ...], axes: tuple[int, ...]) -> list[str]:
    """Labels for the entries of one flattened softmax slice, in slice order.

    One axis gives ``0, 1, ...``; several give index tuples, in the C order
    that ``softmax_core.slices.to_slices`` flattens them in.

    Examples
    --------
    >>> slice_labels((2, 3, 2), (0, 2))
    ['(0, 0)', '(0, 1)', '(1, 0)', '(1, 1)']
    """
    lengths = [shape[a] for a in axes]
    if len(lengths) == 1:
        return [str(i) for i in range(lengths[0])]
    return [str(index) for index in np.ndindex(*lengths)]


def nonfinite_labels(z: FloatArray) -> NDArray[np.object_]:
    """``"inf"``, ``"-inf"`` or ``"NaN"`` for each non-finite entry, else ``""``.

    Examples
    --------
    >>> nonfinite_labels(np.array([1.0, np.inf, -np.inf, np.nan])).tolist()
    ['', 'inf', '-inf', 'NaN']
    """
    z = np.asarray(z, dtype=np.float64)
    labels = np.full(z.shape, "", dtype=object)
    labels[np.isposinf(z)] = "inf"
    labels[np.isneginf(z)] = "-inf"
    labels[np.isnan(z)] = "NaN"
    return labels


def mark_nonfinite(fig: go.Figure, z: FloatArray) -> go.Figure:
    """Paint the inf/NaN cells of a :func:`heatmap` of `z` and label them.

    :func:`heatmap` leaves such cells blank; this adds a second trace covering
    exactly those cells in :data:`NONFINITE_COLOR`, labelled (for small
    arrays) and with a hover text. A figure without non-finite cells is
    returned unchanged.
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim == 1:
        z = z[None, :]
    bad = ~np.isfinite(z)
    if not bad.any():
        return fig
    base = fig.data[0]
    labels = nonfinite_labels(z)
    overlay = go.Heatmap(
        z=np.where(bad, 1.0, np.nan),
        x=base.x,
        y=base.y,
        text=labels,
        colorscale=[[0.0, NONFINITE_COLOR], [1.0, NONFINITE_COLOR]],
        showscale=False,
        hovertemplate="row %{y}, col %{x}: %{text}<extra></extra>",
        xgap=1,
        ygap=1,
        name="inf / NaN",
    )
    if z.shape[0] <= MAX_LABELLED_CELLS and z.shape[1] <= MAX_LABELLED_CELLS:
        overlay.update(texttemplate="%{text}", textfont={"size": 12, "color": "white"})
    fig.add_trace(overlay)
    return fig


def sweep_line(
    scales: FloatArray,
    broken_fraction: FloatArray,
    *,
    current: float | None = None,
    predicted: float | None = None,
    title: str = "",
) -> go.Figure:
    """Plot the share of naive-softmax slices that broke against the logit scale.

    The scale axis is logarithmic. `current` draws a solid vertical line at the
    scale in use; `predicted` a dashed one where ``exp`` is expected to
    overflow (left out when it falls outside the swept range). The lines are
    ordinary traces, so they sit in data coordinates on the log axis.
    """
    scales = np.asarray(scales, dtype=np.float64)
    lo, hi = float(scales.min()), float(scales.max())
    fig = go.Figure(
        go.Scatter(
            x=scales,
            y=100 * np.asarray(broken_fraction, dtype=np.float64),
            mode="lines",
            line={"shape": "hv", "color": "#3b6fb6", "width": 2},
            hovertemplate="scale %{x:.4g}: %{y:.0f}% of slices inf/NaN<extra></extra>",
            name="naive softmax",
        )
    )
    marks = [
        (predicted, f"exp overflows ≈ {predicted:.4g}" if predicted else "", "dash",
         NONFINITE_COLOR, "predicted"),
        (current, f"scale {current:g}" if current else "", "solid",
         CURRENT_MARK_COLOR, "current"),
    ]  # fmt: skip
    for value, label, dash, color, name in marks:
        if value is None or not lo <= value <= hi:
            continue
        # The current scale is labelled at the top, the prediction halfway up.
        top = name == "current"
        fig.add_trace(
            go.Scatter(
                x=[value, value, value],
                y=[0, 54, 108],
                mode="lines+text",
                line={"dash": dash, "color": color, "width": 1.5},
                text=["", "", label] if top else ["", label, ""],
                textposition="top right" if top else "middle left",
                textfont={"size": 12} if top else {"color": color, "size": 12},
                hoverinfo="skip",
                name=name,
            )
        )
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        height=280,
        xaxis={
            "title": "logit scale (x multiplied by)",
            "type": "log",
            "range": [np.log10(lo), np.log10(hi)],
        },
        yaxis={"title": "% slices inf/NaN", "range": [-5, 120]},
        showlegend=False,
    )
    return fig


def view_label(
    name: str, ndim: int, rows: int, cols: int, index: tuple[int, ...]
) -> str:
    """NumPy-style text for the 2-D view ``view_2d(a, rows, cols, index)``.

    Examples
    --------
    >>> view_label("x", 3, 1, 2, (0,))
    'x[0, :, :]'
    >>> view_label("x", 3, 2, 0, (1,))
    'x[:, 1, :] (transposed: rows are dim 2)'
    >>> view_label("y", 2, 0, 1, ())
    'y'
    """
    if ndim <= 2:
        return name
    rest = iter(index)
    parts = [":" if d in (rows, cols) else str(next(rest)) for d in range(ndim)]
    label = f"{name}[{', '.join(parts)}]"
    return label + (f" (transposed: rows are dim {rows})" if rows > cols else "")


def slice_label(
    name: str, ndim: int, axes: tuple[int, ...], index: tuple[int, ...]
) -> str:
    """NumPy-style text for the softmax slice at batch position `index`.

    Examples
    --------
    >>> slice_label("y", 2, (1,), (0,))
    'y[0, :]'
    >>> slice_label("y", 3, (0, 2), (1,))
    'y[:, 1, :]'
    >>> slice_label("y", 1, (0,), ())
    'y'
    """
    if len(axes) == ndim:
        return name
    rest = iter(index)
    parts = [":" if d in axes else str(next(rest)) for d in range(ndim)]
    return f"{name}[{', '.join(parts)}]"


# --- Backward and Gradcheck helpers -------------------------------------------
# (appended; Streamlit-free, tested in tests/test_app_backward.py and
# tests/test_app_gradcheck.py)

#: Small multiples label their cells only up to this slice length.
MAX_LABELLED_SMALL = 6
#: Errors at or below this are drawn at the bottom of the log colour scale.
ERROR_FLOOR = 1e-18


#: Pixels between two rows of small multiples: the upper row's tick labels
#: (about 25 px) and the lower row's panel titles (about 20 px) must both fit.
GRID_ROW_GAP = 64
#: Pixels above the first row, for its panel titles (and a note, if any).
GRID_TOP = 40


def jacobian_grid(
    jacobians: Sequence[FloatArray],
    titles: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    columns: int = 3,
    value_format: str = ".3g",
    zero_tol: float = 0.0,
) -> go.Figure:
    """Draw several ``n x n`` Jacobians side by side on one shared diverging scale.

    All panels share ``zmin = -zmax`` (the largest ``|J|`` over all panels) and
    one colour bar, so equal colours mean equal values across slices. Rows are
    :data:`GRID_ROW_GAP` pixels apart, so panel titles clear the tick labels of
    the row above. `zero_tol` works as in :func:`heatmap`.
    """
    from plotly.subplots import make_subplots

    mats = [np.asarray(j, dtype=np.float64) for j in jacobians]
    count = max(1, len(mats))
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    n = mats[0].shape[0] if mats else 0
    labels = list(labels) if labels is not None else [str(i) for i in range(n)]
    finite = np.concatenate([m[np.isfinite(m)] for m in mats]) if mats else np.zeros(0)
    bound = float(np.max(np.abs(finite))) if finite.size else 1.0
    bound = bound or 1.0
    all_noise = bool(zero_tol) and finite.size > 0 and _all_small(finite, zero_tol)
    if all_noise:
        bound = 1.0  # neutral: do not fit the colours to rounding noise
    panel = 200 if n <= 16 else 260
    plot_height = rows * panel + (rows - 1) * GRID_ROW_GAP
    top = GRID_TOP + (22 if all_noise else 0)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=list(titles),
        horizontal_spacing=0.06,
        vertical_spacing=GRID_ROW_GAP / plot_height if rows > 1 else 0.0,
    )
    for k, m in enumerate(mats):
        trace = go.Heatmap(
            z=np.where(np.isfinite(m), m, np.nan),
            x=labels,
            y=labels,
            colorscale=DIVERGING,
            zmid=0.0,
            zmin=-bound,
            zmax=bound,
            showscale=k == 0 and not all_noise,
            colorbar={"thickness": 12},
            hovertemplate=(
                f"{titles[k]}: row %{{y}}, col %{{x}}: "
                f"%{{z:{value_format}}}<extra></extra>"
            ),
            xgap=1,
            ygap=1,
        )
        noise = np.isfinite(m) & (np.abs(m) <= zero_tol) & (m != 0)
        if zero_tol and noise.any():
            trace.update(text=_cell_text(m, value_format, noise))
            if n <= MAX_LABELLED_SMALL:
                trace.update(texttemplate="%{text}", textfont={"size": 10})
        elif n <= MAX_LABELLED_SMALL:
            trace.update(texttemplate=f"%{{z:{value_format}}}", textfont={"size": 10})
        fig.add_trace(trace, row=k // columns + 1, col=k % columns + 1)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    fig.update_layout(
        height=plot_height + top + 10,
        margin={"l": 10, "r": 10, "t": top, "b": 10},
    )
    if all_noise:
        fig.update_layout(
            title={
                "text": _with_note("", zero_note(zero_tol)),
                "x": 0.0,
                "xanchor": "left",
                "y": 1.0,
                "yanchor": "top",
                "pad": {"t": 4},
            }
        )
    return fig


def log_error_heatmap(
    error: FloatArray,
    *,
    title: str = "",
    x_labels: Sequence[str] | None = None,
    y_labels: Sequence[str] | None = None,
    x_title: str = "",
    y_title: str = "",
    floor: float = ERROR_FLOOR,
) -> go.Figure:
    """Draw non-negative errors on a sequential log10 scale (zeros at `floor`).

    The colour is ``log10(max(error, floor))``; cell labels and hover text show
    the error itself, and the colour bar is labelled in powers of ten.
    """
    e = np.asarray(error, dtype=np.float64)
    if e.ndim == 1:
        e = e[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log10(np.maximum(e, floor))
    fig = heatmap(
        z,
        title=title,
        x_labels=x_labels,
        y_labels=y_labels,
        x_title=x_title,
        y_title=y_title,
    )
    finite = z[np.isfinite(z)]
    low = float(np.floor(finite.min())) if finite.size else np.log10(floor)
    high = float(np.ceil(finite.max())) if finite.size else 0.0
    high = max(high, low + 1)
    ticks = np.arange(low, high + 1, max(1, int(np.ceil((high - low) / 4))))
    # A heatmap's texttemplate cannot reach customdata: the labels go in `text`.
    text = [[f"{v:.1e}" for v in row] for row in e.tolist()]
    fig.update_traces(
        customdata=e,
        text=text,
        zmin=low,
        zmax=high,
        colorscale=SEQUENTIAL,
        hovertemplate="row %{y}, col %{x}: %{text}<extra></extra>",
        colorbar={
            "thickness": 12,
            "tickvals": ticks.tolist(),
            "ticktext": [f"1e{int(t)}" for t in ticks],
        },
    )
    if fig.data[0].texttemplate:
        fig.update_traces(texttemplate="%{text}")
    return fig


def direction_bars(
    analytic: FloatArray,
    numeric: FloatArray,
    *,
    title: str = "",
    zero_tol: tuple[float, float] = (0.0, 0.0),
) -> go.Figure:
    """Draw the directional derivatives: analytic ``wᵀa`` beside the numeric ones.

    `zero_tol` (analytic, numeric) works as in :func:`heatmap`: when both sides
    are zero up to rounding, the value axis spans ±1 instead of the noise, and
    the title says so.
    """
    a = np.asarray(analytic, dtype=np.float64).ravel()
    n = np.asarray(numeric, dtype=np.float64).ravel()
    all_noise = (
        all(zero_tol)
        and a.size > 0
        and bool(np.isfinite(a).all() and np.isfinite(n).all())
        and _all_small(a, zero_tol[0])
        and _all_small(n, zero_tol[1])
    )
    if all_noise:
        title = _with_note(title, zero_note(max(zero_tol)))
    labels = [f"direction {i}" for i in range(a.size)]
    fig = go.Figure(
        [
            go.Bar(
                x=labels,
                y=a,
                name="analytic wᵀa",
                marker_color="#3b6fb6",
                hovertemplate="%{x}: %{y:.10g}<extra>analytic</extra>",
            ),
            go.Bar(
                x=labels,
                y=n,
                name="numeric (central difference)",
                marker_color="#e8a33d",
                hovertemplate="%{x}: %{y:.10g}<extra>numeric</extra>",
            ),
        ]
    )
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        barmode="group",
        margin={"l": 10, "r": 10, "t": _top_margin(title), "b": 10},
        height=280,
        xaxis={"type": "category"},
        legend={"orientation": "h", "y": -0.2},
    )
    if all_noise:
        fig.update_yaxes(range=[-1.0, 1.0])
    return fig
