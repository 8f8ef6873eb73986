"""Heatmaps draw values that are zero up to rounding as zero, and grids keep their
titles clear of the tick labels above them."""

from __future__ import annotations

import numpy as np
import pytest

import softmax_core as sc
from softmax_app import rounding
from softmax_app.inputs import RandomSpec
from softmax_app.render import figures

# The issue's example: x = random(2, 3, 4; seed=7; scale=1), axis 1, g = ones.
X7 = RandomSpec((2, 3, 4), seed=7).generate()


def issue_dx() -> tuple[np.ndarray, float]:
    g = np.ones_like(X7)
    y = sc.softmax(X7, 1)
    return sc.softmax_vjp(y, g, 1), rounding.vjp_zero_tol(g, 1.0)


def test_rounding_noise_is_drawn_as_zero_on_a_neutral_scale_regression():
    # The dL/dx heatmap auto-scaled to ±5e-17 and showed saturated red.
    dx, tol = issue_dx()
    view = dx[0]
    assert 0 < np.max(np.abs(view)) < 1e-15  # noise, not exact zeros
    fig = figures.heatmap(
        view, diverging=True, title="dL/dx", value_format=".4~g", zero_tol=tol
    )
    trace = fig.data[0]
    assert (trace.zmin, trace.zmax) == (-1.0, 1.0)  # neutral: every cell white
    assert trace.showscale is False  # no colour bar fitted to noise
    assert "zero up to rounding" in fig.layout.title.text
    assert trace.texttemplate == "%{text}"
    assert {cell for row in trace.text for cell in row} == {"0"}
    np.testing.assert_array_equal(trace.z, view)  # the data is not altered
    assert "computed" in trace.hovertemplate  # the hover still shows the value


def test_real_values_keep_their_scale_and_noise_cells_read_zero():
    z = np.array([[0.25, -0.125, 3e-17], [0.0, -2e-17, 0.5]])
    fig = figures.heatmap(z, diverging=True, value_format=".4~g", zero_tol=1e-14)
    trace = fig.data[0]
    assert (trace.zmin, trace.zmax) == (-0.5, 0.5)
    assert trace.showscale is not False
    assert [list(r) for r in trace.text] == [["0.25", "-0.125", "0"], ["0", "0", "0.5"]]
    assert "zero up to rounding" not in (fig.layout.title.text or "")


def test_without_a_tolerance_the_heatmap_is_unchanged():
    z = np.array([[5e-17, -3e-17]])
    trace = figures.heatmap(z, diverging=True, value_format=".3g").data[0]
    assert trace.zmax == pytest.approx(5e-17)
    assert trace.texttemplate == "%{z:.3g}"


def test_jacobian_grid_of_saturated_slices_is_neutral():
    # y = softmax([0, 700]) = [1e-304, 1]: J's entries are about 1e-304, real
    # but far below the rounding of its terms (scale max(y) / T = 1).
    y = sc.softmax(np.array([[0.0, 700.0], [700.0, 0.0]]), 1)
    stack = sc.slice_jacobians(y, 1)
    assert 0 < np.max(np.abs(stack)) < 1e-300
    fig = figures.jacobian_grid(
        list(stack), ["x[0, :]", "x[1, :]"], zero_tol=rounding.jacobian_zero_tol(y, 1)
    )
    for trace in fig.data:
        assert (trace.zmin, trace.zmax) == (-1.0, 1.0)
        assert not trace.showscale
    assert "zero up to rounding" in fig.layout.title.text


@pytest.mark.parametrize("count", [4, 6, 9])
def test_grid_titles_clear_the_tick_labels_above_regression(count):
    # Subplot titles of the second row overlapped the first row's tick labels:
    # the gap between rows must hold tick labels (~25 px) and a title (~20 px).
    y = sc.softmax(RandomSpec((count, 4), seed=1).generate(), 1)
    stack = sc.slice_jacobians(y, 1)
    fig = figures.jacobian_grid(list(stack), [f"x[{k}, :]" for k in range(count)])
    layout = fig.layout
    plot_height = layout.height - layout.margin.t - layout.margin.b
    domains = sorted(
        {tuple(layout[name].domain) for name in layout if name.startswith("yaxis")},
        reverse=True,
    )
    assert len(domains) > 1
    for upper, lower in zip(domains, domains[1:], strict=False):
        gap_px = (upper[0] - lower[1]) * plot_height
        assert gap_px >= 56, gap_px
    # and every panel keeps its size whatever the number of rows
    heights = {round((d[1] - d[0]) * plot_height) for d in domains}
    assert heights == {200}


def test_directional_noise_is_not_drawn_as_bars():
    x = RandomSpec((2, 3, 4), seed=7).generate()
    g = np.ones_like(x)
    report = sc.gradcheck(x, g, 1, mode="directional")
    fig = figures.direction_bars(
        report.directional_analytic,
        report.directional_numeric,
        zero_tol=rounding.gradcheck_zero_tols(report, g),
    )
    assert tuple(fig.layout.yaxis.range) == (-1.0, 1.0)
    assert "zero up to rounding" in fig.layout.title.text
    # real derivatives keep their autoscaled axis
    real = sc.gradcheck(x, np.random.default_rng(0).standard_normal(x.shape), 1,
                        mode="directional")  # fmt: skip
    fig = figures.direction_bars(real.directional_analytic, real.directional_numeric,
                                 zero_tol=(1e-14, 1e-9))  # fmt: skip
    assert fig.layout.yaxis.range is None
