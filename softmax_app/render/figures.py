"""Plotly figure builders: arrays in, ``go.Figure`` out. No Streamlit here.

Colour rules used on every page:

* signed quantities (Jacobians, gradients, errors around 0) use a diverging,
  colour-blind-safe scale (``RdBu_r``) centred on 0 with ``zmid=0``;
* probabilities and raw logits use the sequential ``cividis``.

Streamlit's own Plotly template is sequential, so the scale is always passed
explicitly. Row 0 is drawn at the top, as in a printed matrix.

Each figure is assembled from plain dicts and validated once by
``go.Figure({"data": [...], "layout": {...}})``: plotly's ``update_*`` chains
and ``make_subplots`` cost several times as much server CPU on every page run
(``benchmarks/bench_figures.py``). Overlays are added with ``add_trace`` of a
dict, which validates only the new trace.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
    return go.Figure(
        _heatmap_spec(
            np.asarray(z, dtype=np.float64),
            title=title,
            diverging=diverging,
            labels=(x_labels, y_labels),
            axis_titles=(x_title, y_title),
            value_format=value_format,
            height=height,
            zero_tol=zero_tol,
        )
    )


def _heatmap_spec(
    z: FloatArray,
    *,
    title: str,
    diverging: bool,
    labels: tuple[Sequence[str] | None, Sequence[str] | None],
    axis_titles: tuple[str, str],
    value_format: str,
    height: int | None,
    zero_tol: float,
) -> dict[str, Any]:
    """Build the figure dict of :func:`heatmap`, for one ``go.Figure`` call."""
    # Figures are built from plain dicts in one constructor call: plotly's
    # update_* methods cost several times as much (path parsing, deep copies).
    if z.ndim == 1:
        z = z[None, :]
    rows, cols = z.shape
    x_labels = list(labels[0]) if labels[0] is not None else _index_labels(cols)
    y_labels = list(labels[1]) if labels[1] is not None else _index_labels(rows)
    finite = z[np.isfinite(z)]
    noise = np.isfinite(z) & (np.abs(z) <= zero_tol) & (z != 0) if zero_tol else None
    all_noise = noise is not None and finite.size > 0 and _all_small(finite, zero_tol)
    trace: dict[str, Any] = {
        "type": "heatmap",
        "z": np.where(np.isfinite(z), z, np.nan),
        "x": x_labels,
        "y": y_labels,
        "colorscale": DIVERGING if diverging else SEQUENTIAL,
        "colorbar": {"thickness": 12},
        "hovertemplate": (
            f"row %{{y}}, col %{{x}}: %{{z:{value_format}}}<extra></extra>"
        ),
        "xgap": 1,
        "ygap": 1,
    }
    if diverging:
        trace.update(_diverging_range(finite, all_noise))
    labelled = rows <= MAX_LABELLED_CELLS and cols <= MAX_LABELLED_CELLS
    trace.update(_cell_labels(z, value_format, noise, labelled, size=12))
    if "text" in trace:  # noise cells read "0"; the hover keeps the value
        trace["hovertemplate"] = (
            f"row %{{y}}, col %{{x}}: %{{text}} (computed %{{z:{value_format}}})"
            "<extra></extra>"
        )
    if all_noise:
        title = _with_note(title, zero_note(zero_tol))
    layout = {
        "title": {"text": title, "x": 0.0, "xanchor": "left"},
        "margin": {"l": 10, "r": 10, "t": _top_margin(title), "b": 10},
        "height": height or max(180, min(520, 60 + 38 * rows)),
        "xaxis": {"title": axis_titles[0], "side": "bottom", "type": "category"},
        "yaxis": {"title": axis_titles[1], "autorange": "reversed", "type": "category"},
    }
    return {"data": [trace], "layout": layout}


def _index_labels(count: int) -> list[str]:
    return [str(i) for i in range(count)]


def _diverging_range(finite: FloatArray, all_noise: bool) -> dict[str, Any]:
    """Centre the colours on 0: ``zmin = -zmax`` (the largest ``|v|``), ``zmid = 0``."""
    if all_noise:
        # Fitting the colours to noise around 1e-17 would paint it as signal.
        return {"showscale": False, "zmid": 0.0, "zmin": -1.0, "zmax": 1.0}
    bound = float(np.max(np.abs(finite))) if finite.size else 1.0
    bound = bound or 1.0  # an all-zero array still needs a non-empty range
    return {"zmid": 0.0, "zmin": -bound, "zmax": bound}


def _cell_labels(
    z: FloatArray,
    value_format: str,
    noise: NDArray[np.bool_] | None,
    labelled: bool,
    size: int,
) -> dict[str, Any]:
    """Give the trace keys that write the cell values; noise cells read "0".

    Unlabelled figures (too many cells) still get `text` for the hover.
    """
    if noise is not None and noise.any():
        cells: dict[str, Any] = {"text": _cell_text(z, value_format, noise)}
        if labelled:
            cells.update(texttemplate="%{text}", textfont={"size": size})
        return cells
    if labelled:
        # texttemplate is drawn by the trace itself: far cheaper than annotations.
        return {"texttemplate": f"%{{z:{value_format}}}", "textfont": {"size": size}}
    return {}


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


def _cell_text(
    z: FloatArray, value_format: str, zero: NDArray[np.bool_]
) -> list[list[str]]:
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
    trace: dict[str, Any] = {
        "type": "bar",
        "x": list(labels) if labels is not None else _index_labels(values.size),
        "y": values,
        "marker": {"color": "#3b6fb6"},
        "textposition": "outside",
        "hovertemplate": "%{x}: %{y:.6g}<extra></extra>",
    }
    if values.size <= 24:
        trace["texttemplate"] = "%{y:.4f}"
    layout = {
        "title": {"text": title, "x": 0.0, "xanchor": "left"},
        "margin": {"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        "height": 300,
        "yaxis": {"title": value_title},
        "xaxis": {"type": "category"},
    }
    return go.Figure({"data": [trace], "layout": layout})


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
    overlay: dict[str, Any] = {
        "type": "heatmap",
        "z": np.where(bad, 1.0, np.nan),
        "x": base.x,
        "y": base.y,
        "text": nonfinite_labels(z),
        "colorscale": [[0.0, NONFINITE_COLOR], [1.0, NONFINITE_COLOR]],
        "showscale": False,
        "hovertemplate": "row %{y}, col %{x}: %{text}<extra></extra>",
        "xgap": 1,
        "ygap": 1,
        "name": "inf / NaN",
    }
    if z.shape[0] <= MAX_LABELLED_CELLS and z.shape[1] <= MAX_LABELLED_CELLS:
        overlay.update(texttemplate="%{text}", textfont={"size": 12, "color": "white"})
    # add_trace of a dict validates only the new trace: cheaper than a rebuild
    # from fig.to_dict(), which deep-copies every trace.
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
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": scales,
            "y": 100 * np.asarray(broken_fraction, dtype=np.float64),
            "mode": "lines",
            "line": {"shape": "hv", "color": "#3b6fb6", "width": 2},
            "hovertemplate": (
                "scale %{x:.4g}: %{y:.0f}% of slices inf/NaN<extra></extra>"
            ),
            "name": "naive softmax",
        }
    ]
    if predicted is not None and lo <= predicted <= hi:
        label = f"exp overflows ≈ {predicted:.4g}" if predicted else ""
        data.append(_sweep_mark(predicted, label, top=False))
    if current is not None and lo <= current <= hi:
        data.append(_sweep_mark(current, f"scale {current:g}" if current else "", True))
    layout = {
        "title": {"text": title, "x": 0.0, "xanchor": "left"},
        "margin": {"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        "height": 280,
        "xaxis": {
            "title": "logit scale (x multiplied by)",
            "type": "log",
            "range": [np.log10(lo), np.log10(hi)],
        },
        "yaxis": {"title": "% slices inf/NaN", "range": [-5, 120]},
        "showlegend": False,
    }
    return go.Figure({"data": data, "layout": layout})


def _sweep_mark(value: float, label: str, top: bool) -> dict[str, Any]:
    """Draw a vertical line at `value`: the current scale, or the prediction.

    The current scale is solid grey, labelled at the top in the theme's font
    colour; the prediction dashed orange, labelled halfway up in its colour.
    """
    color = CURRENT_MARK_COLOR if top else NONFINITE_COLOR
    return {
        "type": "scatter",
        "x": [value, value, value],
        "y": [0, 54, 108],
        "mode": "lines+text",
        "line": {"dash": "solid" if top else "dash", "color": color, "width": 1.5},
        "text": ["", "", label] if top else ["", label, ""],
        "textposition": "top right" if top else "middle left",
        "textfont": {"size": 12} if top else {"color": color, "size": 12},
        "hoverinfo": "skip",
        "name": "current" if top else "predicted",
    }


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
#: Space between two columns of small multiples, as a fraction of the width.
GRID_COLUMN_GAP = 0.06
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
    mats = [np.asarray(j, dtype=np.float64) for j in jacobians]
    count = max(1, len(mats))
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    n = mats[0].shape[0] if mats else 0
    labels = list(labels) if labels is not None else _index_labels(n)
    finite = np.concatenate([m[np.isfinite(m)] for m in mats]) if mats else np.zeros(0)
    all_noise = bool(zero_tol) and finite.size > 0 and _all_small(finite, zero_tol)
    scale = _diverging_range(finite, all_noise)
    data = [
        _grid_panel(m, titles[k], labels, value_format, zero_tol)
        | scale
        | {"showscale": k == 0 and not all_noise}  # one colour bar: panel 0's
        | _subplot_refs(k)
        for k, m in enumerate(mats)
    ]
    panel = 200 if n <= 16 else 260
    plot_height = rows * panel + (rows - 1) * GRID_ROW_GAP
    top = GRID_TOP + (22 if all_noise else 0)
    layout = _grid_layout(rows, columns, titles, GRID_ROW_GAP / plot_height)
    layout["height"] = plot_height + top + 10
    layout["margin"] = {"l": 10, "r": 10, "t": top, "b": 10}
    if all_noise:
        layout["title"] = {
            "text": _with_note("", zero_note(zero_tol)),
            "x": 0.0,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "top",
            "pad": {"t": 4},
        }
    return go.Figure({"data": data, "layout": layout})


def _grid_panel(
    m: FloatArray, title: str, labels: list[str], value_format: str, zero_tol: float
) -> dict[str, Any]:
    """One panel's heatmap trace of :func:`jacobian_grid`, without its scale."""
    noise = np.isfinite(m) & (np.abs(m) <= zero_tol) & (m != 0) if zero_tol else None
    labelled = m.shape[0] <= MAX_LABELLED_SMALL
    return {
        "type": "heatmap",
        "z": np.where(np.isfinite(m), m, np.nan),
        "x": labels,
        "y": labels,
        "colorscale": DIVERGING,
        "colorbar": {"thickness": 12},
        "hovertemplate": (
            f"{title}: row %{{y}}, col %{{x}}: %{{z:{value_format}}}<extra></extra>"
        ),
        "xgap": 1,
        "ygap": 1,
    } | _cell_labels(m, value_format, noise, labelled, size=10)


def _subplot_refs(cell: int) -> dict[str, str]:
    """Name the axes of grid cell `cell` (row-major from 0): x and y, x2 and y2..."""
    suffix = str(cell + 1) if cell else ""
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def _grid_layout(
    rows: int, columns: int, titles: Sequence[str], row_gap: float
) -> dict[str, Any]:
    """Lay out the axes and panel titles of a `rows` x `columns` grid.

    What ``make_subplots(rows, columns, subplot_titles=titles,
    horizontal_spacing=GRID_COLUMN_GAP, vertical_spacing=row_gap)`` builds
    (plotly 7), in the same float operations, so the domains are the same
    numbers: row 0 at the top, axis ``k`` anchored to its partner, category
    axes with each y axis reversed (row 0 of a matrix at the top), and each
    title centred on its panel's top edge (``yanchor="bottom"``), above it.
    """
    layout: dict[str, Any] = {"annotations": []}
    for cell, (x_domain, y_domain) in enumerate(_grid_domains(rows, columns, row_gap)):
        refs = _subplot_refs(cell)
        suffix = refs["xaxis"][1:]
        # make_subplots clamps the axis domains to [0, 1], not the titles' x.
        layout[f"xaxis{suffix}"] = {
            "anchor": refs["yaxis"],
            "domain": [x_domain[0], min(1.0, x_domain[1])],
            "type": "category",
        }
        layout[f"yaxis{suffix}"] = {
            "anchor": refs["xaxis"],
            "domain": y_domain,
            "autorange": "reversed",
            "type": "category",
        }
        if cell < len(titles) and titles[cell]:
            layout["annotations"].append(
                {
                    "text": titles[cell],
                    "x": sum(x_domain) / 2.0,
                    "y": y_domain[1],
                    "xref": "paper",
                    "yref": "paper",
                    "xanchor": "center",
                    "yanchor": "bottom",
                    "showarrow": False,
                    "font": {"size": 16},
                }
            )
    return layout


def _grid_domains(
    rows: int, columns: int, row_gap: float
) -> list[tuple[list[float], list[float]]]:
    """Give each cell's x and y domain (paper fractions), row-major, row 0 on top.

    Each sum is written as make_subplots writes it (repeated additions, not a
    product), so the floats agree with plotly's to the last bit.
    """
    gap = row_gap if rows > 1 else 0.0
    width = (1.0 - GRID_COLUMN_GAP * (columns - 1)) / columns
    if width <= 0:
        raise ValueError(
            f"jacobian_grid: {columns} columns do not fit side by side; "
            f"at most {int(1 + 1 / GRID_COLUMN_GAP)}"
        )
    height = (1.0 - gap * (rows - 1)) / rows
    domains = []
    for row, col in itertools.product(range(rows), range(columns)):
        x0 = sum([width] * col) + col * GRID_COLUMN_GAP
        up = rows - 1 - row  # plotly counts rows from the bottom edge
        y0 = sum([height] * up) + up * gap
        domains.append(([x0, x0 + width], [y0, min(1.0, y0 + height)]))
    return domains


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
    spec = _heatmap_spec(
        z,
        title=title,
        diverging=False,
        labels=(x_labels, y_labels),
        axis_titles=(x_title, y_title),
        value_format=".4g",
        height=None,
        zero_tol=0.0,
    )
    finite = z[np.isfinite(z)]
    low = float(np.floor(finite.min())) if finite.size else np.log10(floor)
    high = float(np.ceil(finite.max())) if finite.size else 0.0
    high = max(high, low + 1)
    ticks = np.arange(low, high + 1, max(1, int(np.ceil((high - low) / 4))))
    trace = spec["data"][0]
    trace.update(
        customdata=e,
        # A heatmap's texttemplate cannot reach customdata: the labels go in `text`.
        text=[[f"{v:.1e}" for v in row] for row in e.tolist()],
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
    if "texttemplate" in trace:  # small enough to write the errors in the cells
        trace["texttemplate"] = "%{text}"
    return go.Figure(spec)


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
    bars = [
        (a, "analytic wᵀa", "#3b6fb6", "analytic"),
        (n, "numeric (central difference)", "#e8a33d", "numeric"),
    ]
    data = [
        {
            "type": "bar",
            "x": labels,
            "y": values,
            "name": name,
            "marker": {"color": color},
            "hovertemplate": f"%{{x}}: %{{y:.10g}}<extra>{short}</extra>",
        }
        for values, name, color, short in bars
    ]
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0.0, "xanchor": "left"},
        "barmode": "group",
        "margin": {"l": 10, "r": 10, "t": _top_margin(title), "b": 10},
        "height": 280,
        "xaxis": {"type": "category"},
        "legend": {"orientation": "h", "y": -0.2},
    }
    if all_noise:  # span ±1, not the noise
        layout["yaxis"] = {"range": [-1.0, 1.0]}
    return go.Figure({"data": data, "layout": layout})
