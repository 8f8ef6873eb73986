"""What learners read off every figure builder, for whole kinds of inputs.

The builders assemble plain dicts and call ``go.Figure`` once (plotly's
``update_*`` methods and ``make_subplots`` cost ten times as much). These tests
pin what a learner relies on, whatever builds it: row 0 at the top, a
diverging scale centred on 0, noise read as "0", one shared scale across the
small multiples with titles above their own panel, and masked cells blank in
the data and covered grey. The grid's layout is checked against plotly's own
``make_subplots`` (the independent reference it replaces).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from plotly.subplots import make_subplots

from softmax_app.render import figures, masked

# Finite values across many magnitudes, plus the non-finite cells heatmaps blank.
VALUES = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(-1e-15, 1e-15, allow_nan=False),
    st.sampled_from([0.0, np.nan, np.inf, -np.inf]),
)
SHAPES = st.tuples(st.integers(1, 14), st.integers(1, 14))


def grid_of(shape: tuple[int, int]) -> st.SearchStrategy[np.ndarray]:
    return arrays(np.float64, shape, elements=VALUES)


def reference_bound(z: np.ndarray) -> float:
    """The diverging colour range: the largest finite |v|, 1 when there is none."""
    finite = np.abs(z[np.isfinite(z)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def as_float(values: object) -> np.ndarray:
    return np.array(values, dtype=np.float64)


# --- heatmap ------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(data=st.data(), shape=SHAPES)
def test_heatmap_draws_row_0_at_the_top_on_a_scale_centred_on_zero(data, shape):
    z = data.draw(grid_of(shape))
    fig = figures.heatmap(z, diverging=True)
    trace = fig.data[0]
    assert fig.layout.yaxis.autorange == "reversed"  # row 0 at the top
    assert fig.layout.xaxis.type == fig.layout.yaxis.type == "category"
    assert list(trace.y) == [str(i) for i in range(shape[0])]
    assert list(trace.x) == [str(j) for j in range(shape[1])]
    # inf/NaN cells are blank; every other cell is drawn as computed
    np.testing.assert_array_equal(
        as_float(trace.z), np.where(np.isfinite(z), z, np.nan)
    )
    bound = reference_bound(z)
    assert (trace.zmin, trace.zmid, trace.zmax) == (-bound, 0.0, bound)
    labelled = max(shape) <= figures.MAX_LABELLED_CELLS
    assert (trace.texttemplate is not None) == labelled


def test_a_sequential_heatmap_has_no_midpoint_and_a_1d_array_is_one_row():
    fig = figures.heatmap(np.array([0.25, 0.75]))
    trace = fig.data[0]
    assert trace.zmid is None and trace.zmin is None
    assert trace.colorscale == go.Heatmap(colorscale="cividis").colorscale
    assert as_float(trace.z).shape == (1, 2)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), shape=SHAPES, tol=st.sampled_from([1e-16, 1e-14, 1e-9]))
def test_noise_cells_read_zero_and_the_rest_read_their_value(data, shape, tol):
    z = data.draw(grid_of(shape))
    trace = figures.heatmap(z, diverging=True, value_format=".4~g", zero_tol=tol).data[
        0
    ]
    noise = np.isfinite(z) & (np.abs(z) <= tol) & (z != 0)
    if not noise.any():
        assert trace.text is None
        return
    # Python's own formatting of each value is the reference for the labels
    # (an exact -0.0 is not noise: it reads "-0", as Python writes it).
    expected = [
        [
            "0" if 0 < abs(v) <= tol else format(v, ".4g") if np.isfinite(v) else ""
            for v in row
        ]
        for row in z.tolist()
    ]
    assert [list(row) for row in trace.text] == expected
    assert "computed %{z:.4~g}" in trace.hovertemplate  # the hover keeps the value
    finite = z[np.isfinite(z)]
    if np.all(np.abs(finite) <= tol):  # all noise: neutral scale, no colour bar
        assert (trace.zmin, trace.zmax, trace.showscale) == (-1.0, 1.0, False)


# --- small multiples ------------------------------------------------------------


@pytest.mark.parametrize("columns", [1, 2, 3])
@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 6])
def test_grid_layout_is_the_one_make_subplots_builds(count, columns):
    titles = [f"x[{k}, :]" for k in range(count)]
    fig = figures.jacobian_grid([np.eye(2)] * count, titles, columns=columns)
    cols = min(columns, count)
    rows = -(-count // cols)
    plot_height = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    reference = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles,
        horizontal_spacing=figures.GRID_COLUMN_GAP,
        vertical_spacing=figures.GRID_ROW_GAP / plot_height if rows > 1 else 0.0,
    ).layout
    for k in range(1, rows * cols + 1):
        for axis in (f"xaxis{k}", f"yaxis{k}"):
            ours, theirs = fig.layout[axis], reference[axis]
            assert ours.anchor == theirs.anchor
            assert ours.domain == pytest.approx(theirs.domain, abs=1e-12)
        assert fig.layout[f"yaxis{k}"].autorange == "reversed"
        assert (
            fig.layout[f"xaxis{k}"].type == fig.layout[f"yaxis{k}"].type == "category"
        )
    assert len(fig.layout.annotations) == len(reference.annotations) == count
    for ours, theirs in zip(fig.layout.annotations, reference.annotations, strict=True):
        assert ours.text == theirs.text
        assert (ours.x, ours.y) == pytest.approx((theirs.x, theirs.y), abs=1e-12)
        assert (ours.xanchor, ours.yanchor) == (theirs.xanchor, theirs.yanchor)


@settings(max_examples=25, deadline=None)
@given(data=st.data(), count=st.integers(1, 6), n=st.integers(1, 4))
def test_grid_panels_share_one_scale_and_only_the_first_shows_it(data, count, n):
    mats = [data.draw(grid_of((n, n))) for _ in range(count)]
    fig = figures.jacobian_grid(mats, [f"s{k}" for k in range(count)], columns=3)
    bound = reference_bound(np.stack(mats))
    for k, (trace, m) in enumerate(zip(fig.data, mats, strict=True)):
        assert (trace.zmin, trace.zmid, trace.zmax) == (-bound, 0.0, bound)
        assert bool(trace.showscale) == (k == 0)
        suffix = str(k + 1) if k else ""
        assert (trace.xaxis, trace.yaxis) == (f"x{suffix}", f"y{suffix}")
        np.testing.assert_array_equal(
            as_float(trace.z), np.where(np.isfinite(m), m, np.nan)
        )


def panel_axes(layout: go.Layout, k: int) -> tuple[go.layout.XAxis, go.layout.YAxis]:
    suffix = str(k + 1) if k else ""
    return layout[f"xaxis{suffix}"], layout[f"yaxis{suffix}"]


@pytest.mark.parametrize(("count", "columns"), [(4, 3), (6, 2), (9, 3), (5, 1)])
def test_grid_titles_sit_above_their_own_panel_clear_of_the_row_above(count, columns):
    fig = figures.jacobian_grid([np.eye(3)] * count, [f"t{k}" for k in range(count)],
                                columns=columns)  # fmt: skip
    layout = fig.layout
    plot_height = layout.height - layout.margin.t - layout.margin.b
    for k, note in enumerate(layout.annotations):
        x_axis, y_axis = panel_axes(layout, k)
        assert note.text == f"t{k}"
        assert note.x == pytest.approx(sum(x_axis.domain) / 2)  # centred on it
        assert note.y == pytest.approx(y_axis.domain[1])  # on its top edge,
        assert note.yanchor == "bottom"  # written upwards from there
        if k >= columns:  # the panel above: its tick labels need the room
            below_upper = panel_axes(layout, k - columns)[1].domain[0]
            gap_px = (below_upper - note.y) * plot_height
            assert gap_px == pytest.approx(figures.GRID_ROW_GAP)


def test_a_grid_too_wide_to_draw_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="20 columns do not fit"):
        figures.jacobian_grid([np.eye(2)] * 20, [str(k) for k in range(20)], columns=20)


# --- masked cells ----------------------------------------------------------------


@st.composite
def values_and_mask(draw):
    shape = draw(SHAPES)
    z = draw(grid_of(shape))
    kept = draw(arrays(np.bool_, shape))
    return z, kept


@settings(max_examples=40, deadline=None)
@given(case=values_and_mask(), tol=st.sampled_from([0.0, 1e-14]))
def test_masked_cells_are_blank_in_the_data_and_covered_grey(case, tol):
    z, kept = case
    fig = masked.mark_masked(figures.heatmap(z, diverging=True, zero_tol=tol), kept)
    if kept.all():
        assert len(fig.data) == 1  # nothing masked: nothing added
        return
    base, overlay = fig.data
    blank = ~kept | ~np.isfinite(z)
    np.testing.assert_array_equal(np.isnan(as_float(base.z)), blank)
    np.testing.assert_array_equal(as_float(base.z)[~blank], z[~blank])
    np.testing.assert_array_equal(as_float(overlay.z), np.where(kept, np.nan, 1.0))
    assert np.asarray(overlay.text)[~kept].tolist() == ["masked"] * int((~kept).sum())
    assert (overlay.x, overlay.y) == (base.x, base.y)
    assert overlay.showscale is False
    assert {c for _, c in overlay.colorscale} == {masked.MASKED_COLOR}
    if base.text is not None:  # a masked noise cell must not also read "0"
        assert set(np.asarray(base.text, dtype=object)[~kept].tolist()) == {""}


def test_grid_overlays_sit_on_their_own_panel_whatever_columns_says_regression():
    # The overlays were placed by the row and column that `columns` gave: a
    # grid drawn with 3 columns, marked with 2, greyed the wrong panels.
    kept = np.ones((4, 2, 2), dtype=bool)
    kept[1, 0, 0] = kept[3, 1, 1] = False
    fig = figures.jacobian_grid([np.eye(2)] * 4, list("abcd"), columns=3)
    fig = masked.mark_masked_grid(fig, kept, columns=2)
    bases, overlays = fig.data[:4], fig.data[4:]
    assert [(o.xaxis, o.yaxis) for o in overlays] == [("x2", "y2"), ("x4", "y4")]
    for overlay, k in zip(overlays, (1, 3), strict=True):
        covered = ~np.isnan(as_float(overlay.z))
        np.testing.assert_array_equal(covered, ~kept[k])
        np.testing.assert_array_equal(np.isnan(as_float(bases[k].z)), ~kept[k])


def test_masked_bars_are_grey_and_say_masked_the_rest_keep_their_values():
    fig = figures.slice_bar(np.array([0.25, 0.0, 0.75]), title="y")
    kept = np.array([True, False, True])
    bar = masked.mark_masked_bars(fig, kept).data[0]
    assert list(bar.marker.color) == ["#3b6fb6", masked.MASKED_COLOR, "#3b6fb6"]
    assert list(bar.text) == ["0.2500", "masked", "0.7500"]
    assert list(bar.hovertext) == ["", "masked (left out)", ""]
    assert (
        masked.mark_masked_bars(figures.slice_bar([0.5, 0.5]), None).data[0].text
        is None
    )
    long = masked.mark_masked_bars(
        figures.slice_bar(np.full(30, 1 / 30)), np.arange(30) > 0
    )
    assert (
        long.data[0].text is None
        and long.data[0].marker.color[0] == masked.MASKED_COLOR
    )


# --- the rest -----------------------------------------------------------------------


def test_direction_bars_put_analytic_beside_numeric_per_direction():
    fig = figures.direction_bars(np.array([1.0, -2.0]), np.array([1.0, -2.5]))
    analytic, numeric = fig.data
    assert fig.layout.barmode == "group"
    assert list(analytic.x) == list(numeric.x) == ["direction 0", "direction 1"]
    assert list(analytic.y) == [1.0, -2.0] and list(numeric.y) == [1.0, -2.5]
    assert fig.layout.yaxis.range is None  # real values keep their own axis


@pytest.mark.parametrize("error", [[[1e-3, 2.5e-7]], [[0.0, 0.0]], [[4e-16, 0.9]]])
def test_log_error_ticks_are_powers_of_ten_spanning_the_colours(error):
    trace = figures.log_error_heatmap(np.array(error)).data[0]
    ticks = list(trace.colorbar.tickvals)
    assert ticks[0] == trace.zmin and ticks[-1] <= trace.zmax
    assert list(trace.colorbar.ticktext) == [f"1e{int(t)}" for t in ticks]
    assert trace.zmin <= np.min(trace.z) and np.max(trace.z) <= trace.zmax


def test_builders_leave_their_inputs_alone():
    z = np.array([[1.0, np.nan], [-np.inf, 1e-17]])
    before = z.copy()
    figures.mark_nonfinite(figures.heatmap(z, diverging=True, zero_tol=1e-14), z)
    figures.jacobian_grid([z, z], ["a", "b"], zero_tol=1e-14)
    figures.log_error_heatmap(np.abs(z))
    np.testing.assert_array_equal(z, before)
