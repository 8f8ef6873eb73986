"""Takeaway sentences of the charts (softmax_app.render.alttext) and their drawing.

Reference numbers come from scipy's softmax and from the Jacobian's formula
diag(y) − y yᵀ built here, never from the page's code. The AppTests count, on
every page, the charts against their sentences (alt text and caption).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import softmax as scipy_softmax

from softmax_app import rounding
from softmax_app.render import alttext
from softmax_app.render.alttext import number
from tests.apptest_helpers import CLASSIC, open_page

ROOT = Path(__file__).resolve().parents[2]
X = np.array([[1.0, 2.0], [3.0, 4.0]])
Y = scipy_softmax(X, axis=1)


def jacobian(y: np.ndarray) -> np.ndarray:
    """Softmax's Jacobian of one slice, diag(y) − y yᵀ (NUMERICS.md)."""
    return np.diag(y) - np.outer(y, y)


# --- heatmaps of arrays ---------------------------------------------------------


def test_array_alt_states_range_and_where() -> None:
    text = alttext.array_alt(X, name="x")
    assert (
        text == "Heatmap of x, 2 × 2: values from 1 (row 0, col 0) to 4 (row 1, col 1)."
    )
    y_text = alttext.array_alt(Y, name="y")
    assert (
        f"from {Y.min():.3g} (row 0, col 0) to {Y.max():.3g} (row 0, col 1)" in y_text
    )


def test_array_alt_one_row_names_entries() -> None:
    text = alttext.array_alt(np.array([5.0, -2.0, 0.5]), name="g")
    assert "1 × 3" in text and "from −2 (entry 1) to 5 (entry 0)" in text


def test_array_alt_leaves_masked_cells_out() -> None:
    kept = np.array([[True, False], [True, True]])
    z = np.array([[1.0, 100.0], [3.0, -50.0]])
    text = alttext.array_alt(z, name="x", kept=kept)
    assert "from −50 (row 1, col 1) to 3 (row 1, col 0)" in text
    assert "100" not in text and "1 cell masked" in text


def test_array_alt_counts_nonfinite_and_keeps_them_out_of_the_range() -> None:
    z = np.array([[np.nan, 1.0], [np.inf, 2.0], [-np.inf, -np.inf]])
    text = alttext.array_alt(z, name="naive")
    assert "from 1 (row 0, col 1) to 2 (row 1, col 1)" in text
    assert "not finite: 1 NaN, 1 inf, 2 −inf" in text
    all_bad = alttext.array_alt(np.array([[np.nan, np.inf]]), name="naive")
    assert "no finite value" in all_bad


def test_array_alt_zero_up_to_rounding() -> None:
    noise = np.array([[1e-17, -2e-17], [0.0, 3e-18]])
    text = alttext.array_alt(noise, name="dL/dx", zero_tol=1.4e-14)
    assert "every value is 0 up to rounding (|v| ≤ 1.4e-14)" in text
    # Without the tolerance the noise is reported as the numbers it is.
    assert "from −2e-17" in alttext.array_alt(noise, name="dL/dx")
    # Noise beside real values reads 0.
    mixed = alttext.array_alt(np.array([[1e-17, 0.5]]), name="g", zero_tol=1e-14)
    assert "from 0 (entry 0) to 0.5 (entry 1)" in mixed


def test_array_alt_constant_and_fully_masked() -> None:
    assert "every value is 0.25" in alttext.array_alt(np.full((3, 4), 0.25), name="y")
    kept = np.zeros((2, 2), dtype=bool)
    text = alttext.array_alt(X, name="x", kept=kept)
    assert "no finite value" in text and "4 cells masked" in text


def test_array_alt_large_array_is_a_summary() -> None:
    z = np.random.default_rng(0).normal(size=(100, 100))
    i, j = np.unravel_index(np.argmax(z), z.shape)
    text = alttext.array_alt(z, name="x")
    assert f"to {z.max():.3g} (row {i}, col {j})" in text
    assert len(text) < 120


# --- Jacobians ------------------------------------------------------------------


def test_jacobian_alt_classic() -> None:
    text = alttext.jacobian_alt(jacobian(Y[0]), name="J for x[0, :]")
    # sigma(1) sigma(-1) = 0.19661... (see tests/apptest_helpers.SIGMA_PRODUCT)
    assert text == (
        "Heatmap of J for x[0, :]: diagonal 0.197, off-diagonal −0.197; "
        "every row sums to 0; symmetric."
    )


def test_jacobian_alt_ranges_of_a_longer_slice() -> None:
    y = scipy_softmax(np.array([0.0, 1.0, 3.0]))
    j = jacobian(y)
    off = j[~np.eye(3, dtype=bool)]
    text = alttext.jacobian_alt(j, name="J")
    assert f"diagonal from {np.diag(j).min():.3g} to {np.diag(j).max():.3g}" in text
    assert f"off-diagonal from {number(off.min())} to {number(off.max())}" in text


def test_jacobian_alt_log_softmax_is_not_symmetric() -> None:
    y = scipy_softmax(np.array([0.0, 1.0, 3.0]))
    text = alttext.jacobian_alt(np.eye(3) - np.outer(np.ones(3), y), name="J")
    assert "every row sums to 0; not symmetric" in text


def test_jacobian_alt_wrong_matrix_is_not_called_a_softmax_jacobian() -> None:
    text = alttext.jacobian_alt(np.diag(Y[0]), name="J")
    assert "every row sums to 0" not in text
    assert f"row sums from {Y[0].min():.3g} to {Y[0].max():.3g}" in text


def test_jacobian_alt_masked_entries() -> None:
    y = scipy_softmax(np.array([1.0, 2.0]))
    j = np.full((3, 3), 99.0)  # junk at the masked row and column
    j[np.ix_([0, 2], [0, 2])] = jacobian(y)
    text = alttext.jacobian_alt(j, name="J", kept=np.array([True, False, True]))
    assert "99" not in text
    assert "diagonal 0.197, off-diagonal −0.197" in text and "1 entry masked" in text
    none = alttext.jacobian_alt(j, name="J", kept=np.zeros(3, dtype=bool))
    assert "every entry is masked" in none


def test_jacobian_alt_nonfinite() -> None:
    text = alttext.jacobian_alt(np.full((2, 2), np.nan), name="J")
    assert "not finite: 4 NaN" in text and "diagonal" not in text


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 12), elements=st.floats(-60, 60)))
def test_jacobian_alt_of_any_softmax_rows_sum_to_zero(x: np.ndarray) -> None:
    y = scipy_softmax(x)
    # The page passes the Jacobian's rounding scale, max(y) / T (rounding.py).
    tol = rounding.jacobian_zero_tol(y, 1.0)
    text = alttext.jacobian_alt(jacobian(y), name="J", zero_tol=tol)
    assert "every row sums to 0" in text
    assert x.size == 1 or text.endswith("; symmetric.")


# --- one slice's bars -----------------------------------------------------------


def test_slice_bar_alt_classic() -> None:
    text = alttext.slice_bar_alt(Y[0], label="y[0, :]", temperature=1.0)
    assert text == (
        "y[0, :] at T = 1: the largest probability is 0.731 at position 1, "
        "the smallest 0.269 at position 0."
    )


def test_slice_bar_alt_masked_ties_and_labels() -> None:
    y = np.array([0.5, 0.0, 0.5, 0.0])
    kept = np.array([True, False, True, False])
    text = alttext.slice_bar_alt(
        y, label="y", temperature=2.0, labels=["a", "b", "c", "d"], kept=kept
    )
    assert text == (
        "y at T = 2: the largest probability is 0.5 at 2 positions tied (a, c); "
        "2 entries masked (drawn grey, not computed)."
    )


def test_slice_bar_alt_nan_and_fully_masked() -> None:
    text = alttext.slice_bar_alt(np.full(3, np.nan), label="y", temperature=1.0)
    assert "not finite: 3 NaN" in text and "largest" not in text
    none = alttext.slice_bar_alt(
        np.zeros(2), label="y", temperature=1.0, kept=np.zeros(2, dtype=bool)
    )
    assert "every entry is masked" in none


# --- small multiples, errors, directions, the sweep -----------------------------


def test_grid_alt() -> None:
    j0, j1 = jacobian(Y[0]), jacobian(scipy_softmax(np.array([0.0, 0.0])))
    text = alttext.grid_alt([j0, j1], ["x[0, :]", "x[1, :]"])
    assert "0.197 (x[0, :]), 0.25 (x[1, :]); every row sums to 0." in text
    wrong = alttext.grid_alt([j0, np.diag(Y[0])], ["a", "b"])
    assert "every row sums to 0" not in wrong
    kept = np.array([[True, True], [False, False]])
    assert "all masked (b)" in alttext.grid_alt([j0, j1], ["a", "b"], kept=kept)


def test_error_alt() -> None:
    e = np.array([[1e-12, 0.0], [4.5e-11, np.nan]])
    text = alttext.error_alt(e, name="|a − n|", tolerance=1e-11)
    assert "largest 4.5e-11 at row 1, col 0" in text
    assert "1 cell exactly 0" in text and "1 of 4 above 1e-11" in text
    assert "not finite: 1 NaN" in text


def test_direction_alt() -> None:
    a, n = np.array([0.1, 0.2, -0.3]), np.array([0.1, 0.2 + 7e-3, -0.3])
    text = alttext.direction_alt(a, n)
    assert "largest |a − n| is 0.007 (direction 1)" in text
    assert "analytic from −0.3 to 0.2" in text
    zero = alttext.direction_alt(
        np.array([1e-17]), np.array([-1e-16]), zero_tol=(1e-15, 1e-12)
    )
    assert "both are 0 up to rounding (|v| ≤ 1e-12)" in zero


def test_sweep_alt() -> None:
    scales = np.array([1.0, 100.0, 200.0, 1000.0])
    text = alttext.sweep_alt(
        scales, np.array([0.0, 0.0, 0.5, 1.0]), current=300.0, current_broken=0.5
    )
    assert "0% up to scale 100, first broken at 200 (50%), 100% at 1000" in text
    assert "at the current scale 300: 50%" in text and "predicted" not in text
    never = alttext.sweep_alt(scales, np.zeros(4), current=1.0, current_broken=0.0)
    assert "0% at every scale" in never


def test_as_markdown_round_trip_keeps_the_words() -> None:
    text = "|a − n| of y_i * 2"
    escaped = alttext.as_markdown(text)
    assert re.sub(r"\\(.)", r"\1", escaped) == text and "\\_" in escaped


# --- every chart is drawn with its sentence -------------------------------------


def test_no_chart_is_drawn_without_the_helper() -> None:
    """Only views.chart may call plotly_chart, so no chart skips its sentence."""
    sources = [
        *ROOT.glob("app_pages/*.py"),
        *ROOT.glob("softmax_app/**/*.py"),
        ROOT / "app.py",
    ]
    callers = {
        str(p.relative_to(ROOT)) for p in sources if "plotly_chart(" in p.read_text()
    }
    assert callers == {"softmax_app/views.py"}


PAGES = [
    ("app_pages/explore.py", CLASSIC),
    ("app_pages/explore.py", {"x": "random(2, 3, 4; seed=0)", "axis": "2"}),
    ("app_pages/explore.py", {"x": "[[1,2,3],[4,5,6]]", "axis": "1", "mask": "causal"}),
    ("app_pages/backward.py", CLASSIC),
    (
        "app_pages/backward.py",
        {"x": "[[1,2,3],[4,5,6]]", "axis": "1", "mask": "causal"},
    ),
    ("app_pages/backward.py", {**CLASSIC, "f": "log_softmax"}),
    ("app_pages/gradcheck.py", {**CLASSIC, "impl": "stale_counter"}),
    ("app_pages/stability.py", {**CLASSIC, "scale": "300"}),
    ("app_pages/home.py", {}),
    ("app_pages/lesson.py", {}),
]


@pytest.mark.parametrize(("page", "params"), PAGES)
def test_every_chart_has_its_sentence(page: str, params: dict[str, str]) -> None:
    at = open_page(page, **params)
    alts = [chart.proto.alt for chart in at.get("plotly_chart")]
    assert all(alt.strip() for alt in alts), alts
    captions = Counter(c.value for c in at.caption)
    wanted = Counter(alttext.as_markdown(alt) for alt in alts)
    assert not wanted - captions, f"charts without a caption: {wanted - captions}"
    if page.endswith(("explore.py", "backward.py", "gradcheck.py", "stability.py")):
        assert alts


def test_directional_bars_have_their_sentence() -> None:
    at = open_page("app_pages/gradcheck.py", **CLASSIC)
    at.radio(key="gc_mode").set_value("directional").run()
    alts = [chart.proto.alt for chart in at.get("plotly_chart")]
    assert len(alts) == 1 and alts[0].startswith("Bars of 3 directional derivatives")
    assert alttext.as_markdown(alts[0]) in [c.value for c in at.caption]


def test_stability_sentence_states_the_current_numbers() -> None:
    at = open_page("app_pages/stability.py", **CLASSIC, scale="300")
    alts = [chart.proto.alt for chart in at.get("plotly_chart")]
    naive = next(a for a in alts if a.startswith("Heatmap of naive"))
    # At scale 300, exp(300·4) overflows: slice [3, 4] gives inf/inf = NaN,
    # while 300·2 = 600 < 709.78 leaves slice [1, 2] finite: half the slices.
    assert "NaN" in naive
    sweep = next(a for a in alts if a.startswith("Share of"))
    assert "at the current scale 300: 50%" in sweep


def test_log_softmax_jacobian_sentence_names_its_function() -> None:
    at = open_page("app_pages/backward.py", **CLASSIC, f="log_softmax")
    alt = at.get("plotly_chart")[0].proto.alt
    # (I − 1yᵀ) for y = softmax([1, 2]): diagonal 1 − y_i, off-diagonal −y_j.
    assert alt == (
        "Heatmap of J of log_softmax(x[0, :]): diagonal from 0.269 to 0.731, "
        "off-diagonal from −0.731 to −0.269; every row sums to 0; not symmetric."
    )
