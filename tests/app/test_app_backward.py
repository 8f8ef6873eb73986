"""The Backward page (/backward) under Streamlit's AppTest.

Reference numbers come from scipy's softmax and Jacobians written out as
``diag(y) - outer(y, y)``, never from the page's own code.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax as scipy_softmax

from softmax_app.render import figures
from tests.apptest_helpers import (
    BAD_PARAMS,
    PWNED,
    SIGMA_PRODUCT,
    chart_title,
    chart_titles,
    chart_z,
    charts,
    open_page,
    tables,
    trace_z,
)
from tests.apptest_helpers import CLASSIC as PANEL_CLASSIC

PAGE = "app_pages/backward.py"
CLASSIC = {**PANEL_CLASSIC, "g": "[[1,0],[0,1]]"}


def reference_jacobian(y: np.ndarray, t: float = 1.0) -> np.ndarray:
    return (np.diag(y) - np.outer(y, y)) / t


# --- renders ------------------------------------------------------------------------


def test_default_input_renders() -> None:
    at = open_page(PAGE)
    assert at.title[0].value.startswith("Backward")
    assert not at.error
    assert len(at.get("plotly_chart")) >= 3
    assert len(at.latex) == 7


def test_classic_numbers_reach_the_page() -> None:
    at = open_page(PAGE, **CLASSIC)
    assert not at.error
    s = SIGMA_PRODUCT
    # The chosen slice's Jacobian heatmap.
    expected = [[s, -s], [-s, s]]
    np.testing.assert_allclose(chart_z(at, "J of x[0, :]"), expected, rtol=1e-12)
    # The gradient heatmap and table: dL/dx = [[s, -s], [-s, s]].
    np.testing.assert_allclose(chart_z(at, "dL/dx"), expected, rtol=1e-12)
    tables = [df.value.to_numpy() for df in at.dataframe]
    assert any(
        t.shape == (2, 2) and np.allclose(t, [[s, -s], [-s, s]], rtol=1e-12)
        for t in tables
    )
    assert any(t.shape == (2, 2) and np.array_equal(t, np.eye(2)) for t in tables)
    # The step-by-step panel carries the same numbers (6 significant digits).
    latex = " ".join(el.value for el in at.latex)
    assert "0.196612" in latex and "0.268941" in latex
    # Small multiples: both slices' Jacobians (they are equal in this example).
    grid = next(spec for spec in charts(at) if len(spec["data"]) == 2)
    for trace in range(len(grid["data"])):
        np.testing.assert_allclose(trace_z(grid, trace), [[s, -s], [-s, s]], rtol=1e-12)


def test_second_slice_is_selectable() -> None:
    at = open_page(PAGE, x="[[1,2],[5,3]]", axis="1", g="[[1,0],[0,1]]")
    at.number_input(key="backward-slice-0").set_value(1).run()
    assert not at.exception
    y = scipy_softmax([5.0, 3.0])
    np.testing.assert_allclose(
        chart_z(at, "J of x[1, :]"), reference_jacobian(y), rtol=1e-12
    )
    assert any("x[1, :]" in sub.value for sub in at.subheader)


def test_three_d_input_with_tuple_axis() -> None:
    at = open_page(PAGE, x="random(2, 3, 4; seed=0)", axis="0,2")
    assert not at.error
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    # Slice x[:, 0, :], flattened in C order over dims (0, 2).
    y = scipy_softmax(x[:, 0, :].ravel())
    jac = chart_z(at, "J of x[:, 0, :]")
    np.testing.assert_allclose(jac, reference_jacobian(y), rtol=1e-10, atol=1e-15)
    spec = next(
        s for s in charts(at) if s["layout"]["title"]["text"].startswith("J of")
    )
    assert spec["data"][0]["x"][:2] == ["(0, 0)", "(0, 1)"]
    assert spec["data"][0]["x"][-1] == "(1, 3)"
    # Three slices (dim 1 has length 3): three small multiples.
    grid = next(s for s in charts(at) if len(s["data"]) == 3)
    titles = [a["text"] for a in grid["layout"]["annotations"]]
    assert titles == ["x[:, 0, :]", "x[:, 1, :]", "x[:, 2, :]"]


@pytest.mark.parametrize("case", list(BAD_PARAMS))
def test_bad_input_is_explained_and_nothing_is_computed(case: str) -> None:
    at = open_page(PAGE, **BAD_PARAMS[case])
    assert at.main.error, f"{case}: no st.error"
    assert at.title[0].value.startswith("Backward")
    assert not at.get("plotly_chart"), f"{case}: drew results of another input"
    assert not at.latex and not at.main.dataframe
    assert not PWNED.exists()


def test_slice_is_read_from_and_written_to_the_link() -> None:
    at = open_page(PAGE, x="[[1,2],[5,3]]", axis="1", slice="1")
    y = scipy_softmax([5.0, 3.0])
    np.testing.assert_allclose(
        chart_z(at, "J of x[1, :]"), reference_jacobian(y), rtol=1e-12
    )
    at.number_input(key="backward-slice-0").set_value(0).run()
    assert "slice" not in at.query_params  # slice 0 is the default
    at.number_input(key="backward-slice-0").set_value(1).run()
    assert at.query_params["slice"] == "1"
    assert "slice=1" in at.sidebar.code[0].value


def test_view_of_a_3d_gradient_is_read_from_the_link() -> None:
    at = open_page(PAGE, x="random(2, 3, 4; seed=0)", view="0,1@3")
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    y = scipy_softmax(x, axis=-1)
    g = np.zeros_like(x)
    np.put_along_axis(g, np.argmax(x, axis=-1)[..., None], 1.0, axis=-1)
    dx = y * (g - (g * y).sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(chart_z(at, "dL/dx"), dx[:, :, 3], atol=1e-15)
    assert at.query_params["view"] == "0,1@3"


def test_summary_names_the_upstream_gradient_used() -> None:
    at = open_page(PAGE, **CLASSIC)
    text = " ".join(m.value for m in at.main.markdown)
    assert "upstream gradient `[[1,0],[0,1]]`" in text


# --- what the page explains ---------------------------------------------------------


def test_constant_upstream_is_called_correct() -> None:
    at = open_page(PAGE, x="[[1,2],[3,4]]", axis="1", g="ones")
    assert any("exactly zero — correct, not a bug" in s.value for s in at.success)
    np.testing.assert_allclose(chart_z(at, "dL/dx"), np.zeros((2, 2)), atol=1e-16)


def test_rounding_noise_of_a_zero_gradient_is_drawn_as_zero_regression() -> None:
    # With g = ones along axis 1, dL/dx is exactly zero; in float64 it comes out
    # as noise around 1e-16, which the heatmap auto-scaled to ±5e-17 and drew
    # saturated red and blue.
    at = open_page(PAGE, x="random(2, 3, 4; seed=7; scale=1)", axis="1", g="ones")
    specs = {chart_title(spec): spec for spec in charts(at)}
    (title,) = [t for t in specs if t.startswith("dL/dx")]
    trace = specs[title]["data"][0]
    assert "zero up to rounding" in title
    assert (trace["zmin"], trace["zmax"]) == (-1, 1)  # neutral: every cell white
    assert not trace.get("showscale", True)
    noise = trace_z(specs[title])
    assert 0 < np.abs(noise).max() < 1e-14  # the noise is there, drawn as zero
    assert set(np.ravel(trace["text"])) == {"0"}
    # g itself is the learner's numbers: drawn as they are.
    (g_title,) = [t for t in specs if t.startswith("g (upstream)")]
    assert "rounding" not in g_title
    # The Jacobians are real signal: no rounding note on them.
    assert not any("rounding" in t for t in specs if t.startswith("J of"))


def test_non_constant_upstream_has_no_zero_callout() -> None:
    at = open_page(PAGE, **CLASSIC)
    assert not any("exactly zero" in s.value for s in at.success)


def test_temperature_reaches_the_steps() -> None:
    at = open_page(PAGE, x="[[1,2],[3,4]]", axis="1", g="[[1,0],[0,1]]", T="2")
    y = scipy_softmax([0.5, 1.0])
    np.testing.assert_allclose(
        chart_z(at, "J of x[0, :]"), reference_jacobian(y, 2.0), rtol=1e-12
    )
    assert any(r"\frac{1}{2}" in el.value for el in at.latex)


def test_long_slice_gets_a_summary_not_a_heatmap() -> None:
    at = open_page(PAGE, x="random(2, 100; seed=0)", axis="1")
    assert not at.error
    assert not any(t.startswith("J of") for t in chart_titles(at))
    assert any("heatmaps are drawn for n ≤ 64" in i.value for i in at.info)
    x = np.random.default_rng(0).standard_normal((2, 100))
    y = scipy_softmax(x[0])
    diagonal = y * (1 - y)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["diagonal: max"] == f"{diagonal.max():.4g}"
    top = np.sort(y)[-2:]
    assert metrics["max |off-diagonal| y_i y_j / T"] == f"{top[0] * top[1]:.4g}"
    # n = 100 <= 1024: the steps are still shown, abbreviated.
    assert any(r"\vdots" in el.value for el in at.latex)


def test_jacobian_memory_cap_is_reported() -> None:
    # 2000 slices of 64: a 2000 x 64 x 64 float64 stack is 62.5 MiB > 32 MiB.
    at = open_page(PAGE, x="random(2000, 64; seed=0)", axis="1")
    assert any("slice_jacobians" in e.value and "MiB" in e.value for e in at.error)
    # The chosen slice's Jacobian is still drawn.
    assert any(t.startswith("J of x[0, :]") for t in chart_titles(at))


def test_reproduce_in_code_offers_dx_and_j() -> None:
    at = open_page(PAGE, **CLASSIC)
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"dx.npy", "J.npy", "dx.csv"} <= labels


# --- figure builders used by the page (Streamlit-free) ------------------------------


def test_jacobian_grid_shares_one_symmetric_scale() -> None:
    a = reference_jacobian(scipy_softmax([0.0, 1.0, 2.0]))
    b = 3 * reference_jacobian(scipy_softmax([0.0, 0.0, 0.0]))
    fig = figures.jacobian_grid([a, b], ["first", "second"], labels=["p", "q", "r"])
    bound = max(np.abs(a).max(), np.abs(b).max())
    for trace in fig.data:
        assert trace.zmin == -bound and trace.zmax == bound and trace.zmid == 0
        assert (
            trace.colorscale[0][1]
            == figures.heatmap(a, diverging=True).data[0].colorscale[0][1]
        )
        assert list(trace.y) == ["p", "q", "r"]
    assert [t.showscale for t in fig.data] == [True, False]
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.data[0].texttemplate  # 3 <= MAX_LABELLED_SMALL: cells labelled
    big = figures.jacobian_grid([np.eye(20)], ["big"])
    assert not big.data[0].texttemplate


def test_the_gradient_table_shows_rounding_noise_as_zero_like_the_heatmap():
    # g = ones is constant along each slice: dL/dx is 0, computed as noise of
    # about 1e-17 for these logits (sum(y) is not exactly 1 in float64).
    at = open_page(PAGE, x="[[0.1,0.7,0.2],[1,2,3]]", axis="1", g="ones")
    frames = [t for t in tables(at) if t.shape == (2, 3)]
    gradient = frames[-1]  # g's table first, then dL/dx's
    assert (gradient.to_numpy(dtype=float) == 0.0).all()
    captions = " ".join(c.value for c in at.caption)
    assert "6 values are zero up to rounding" in captions
