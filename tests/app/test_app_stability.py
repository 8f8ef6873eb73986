"""The Stability page (/stability) under AppTest.

Reference numbers come from scipy's softmax/log_softmax or are pinned with a
comment on how they were computed; never from the page's own code.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import log_softmax as scipy_log_softmax
from scipy.special import softmax as scipy_softmax

from softmax_app.inputs import RandomSpec
from tests.apptest_helpers import (
    BAD_INPUTS,
    CLASSIC,
    CLASSIC_Y,
    chart_specs,
    decode,
    errors,
    open_code_expanders,
    open_page,
    page_text,
    tables,
    trace_z,
)

PAGE = "app_pages/stability.py"
CHARTS = {
    "stability-naive",
    "stability-stable",
    "stability-sweep",
    "stability-naive-log",
    "stability-log",
}


def test_default_input_renders_every_section():
    at = open_page(PAGE)
    assert errors(at) == []
    assert set(chart_specs(at)) == CHARTS
    assert [s.value for s in at.subheader][:3] == [
        "1. Overflow: the naive formula against the max shift",
        "2. Underflow: log(softmax(x)) against log_softmax(x)",
        "3. Precision: float16, float32, float64",
    ]
    assert at.select_slider(key="scale").value == 1.0
    assert "scale" not in at.query_params


def test_classic_at_scale_1_naive_and_stable_agree():
    at = open_page(PAGE, **CLASSIC)
    specs = chart_specs(at)
    for key in ("stability-naive", "stability-stable"):
        np.testing.assert_allclose(trace_z(specs[key]), CLASSIC_Y, rtol=1e-15)
    assert at.warning.len == 0
    # 709.782712893384 / 4 (the largest logit): where exp(4 * scale) overflows
    assert "177.4" in page_text(at)


def test_scale_makes_the_naive_softmax_overflow():
    # 300 * [[1, 2], [3, 4]] = [[300, 600], [900, 1200]]: exp(600) is finite,
    # exp(900) and exp(1200) are inf, so row 1 is inf / inf = NaN throughout.
    at = open_page(PAGE, **CLASSIC, scale="300")
    assert errors(at) == []
    specs = chart_specs(at)
    naive = trace_z(specs["stability-naive"])
    np.testing.assert_allclose(naive[0], [np.exp(-300.0), 1.0], rtol=1e-13)
    assert np.isnan(naive[1]).all()
    assert specs["stability-naive"]["data"][1]["text"] == [["", ""], ["NaN", "NaN"]]
    stable = trace_z(specs["stability-stable"])
    expected = scipy_softmax(300 * np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
    np.testing.assert_allclose(stable, expected, rtol=1e-13)
    warning = at.warning[0].value
    assert "50% of the slices" in warning and "709.78" in warning
    # the sweep marks the current scale and the predicted break
    sweep = specs["stability-sweep"]["data"]
    assert [t["name"] for t in sweep] == ["naive softmax", "predicted", "current"]
    assert set(sweep[2]["x"]) == {300.0}
    assert sweep[1]["x"][0] == pytest.approx(709.782712893384 / 4)


def test_half_broken_rows():
    # rows [1, 2] and [3, -4] at scale 300: only exp(900) overflows
    at = open_page(PAGE, x="[[1, 2], [3, -4]]", scale="300")
    naive = trace_z(chart_specs(at)["stability-naive"])
    assert np.isfinite(naive[0]).all() and not np.isfinite(naive[1]).all()
    assert naive[1, 1] == 0.0  # exp(-1200) / inf: finite but wrong
    assert "50% of the slices" in at.warning[0].value


def test_huge_logits_preset():
    at = open_page(PAGE, x="[1000, 1001, 1002]")
    specs = chart_specs(at)
    assert np.isnan(trace_z(specs["stability-naive"])).all()
    np.testing.assert_allclose(
        trace_z(specs["stability-stable"])[0],
        scipy_softmax([1000.0, 1001.0, 1002.0]),
        rtol=1e-13,
    )
    assert "exp(709.78)" in at.warning[0].value


def test_masked_row_breaks_the_naive_softmax_by_0_over_0():
    at = open_page(PAGE, x="[[0.5, -inf, 2.0, -inf], [-inf, -inf, -inf, -inf]]")
    naive = trace_z(chart_specs(at)["stability-naive"])
    assert np.isnan(naive[1]).all()
    warning = at.warning[0].value
    assert "0 / 0" in warning and "exp(709.78)" not in warning


def test_log_of_softmax_turns_minus_inf_where_log_softmax_is_finite():
    at = open_page(PAGE, x="[[0, -800, -10]]")
    specs = chart_specs(at)
    naive = trace_z(specs["stability-naive-log"])
    # a non-finite cell is blank (NaN) in the heatmap and labelled by the overlay
    assert np.isnan(naive[0, 1])
    np.testing.assert_allclose(naive[0, [0, 2]], [0.0, -10.0], atol=1e-4)
    assert specs["stability-naive-log"]["data"][1]["text"][0][1] == "-inf"
    stable = trace_z(specs["stability-log"])
    np.testing.assert_allclose(
        stable[0], scipy_log_softmax([0.0, -800.0, -10.0]), rtol=1e-13
    )
    assert any("-inf" in w.value and "745.13" in w.value for w in at.warning)


def test_dtype_table_shows_float16_overflow():
    at = open_page(PAGE, x="[10, 11, 12]")
    summary, values = tables(at)
    assert list(summary.index) == ["float16", "float32", "float64"]
    assert summary.loc["float16", "naive: max |error|"] == "inf/NaN"
    assert summary.loc["float32", "naive: max |error|"] != "inf/NaN"
    assert summary.loc["float64", "softmax: max |error|"] == "0"
    assert list(summary["exp overflows above"]) == ["11.09", "88.72", "709.78"]
    expected = scipy_softmax([10.0, 11.0, 12.0])
    # the table holds NaN, so it is sent as text with 8 significant digits
    numbers = values.astype(float)
    np.testing.assert_allclose(numbers.loc["float64 softmax"], expected, rtol=1e-7)
    np.testing.assert_allclose(numbers.loc["float32 softmax"], expected, rtol=1e-6)
    np.testing.assert_allclose(numbers.loc["float16 softmax"], expected, rtol=2e-3)


def test_nan_cells_read_nan_not_none_regression():
    # st.dataframe shows a NaN cell as "None" whatever a Styler says.
    at = open_page(PAGE, x="[10, 11, 12]")
    values = tables(at)[1]
    assert list(values.loc["float16 naive"]) == ["0", "0", "NaN"]


def test_scale_round_trips_through_the_url():
    at = open_page(PAGE, **CLASSIC, scale="300")
    assert at.select_slider(key="scale").value == 300.0
    at.select_slider(key="scale").set_value(500.0).run()
    assert at.query_params["scale"] == "500"
    at.select_slider(key="scale").set_value(1.0).run()
    assert "scale" not in at.query_params


@pytest.mark.parametrize("bad", ["abc", "0", "1e9", "nan"])
def test_bad_scale_names_the_parameter(bad):
    at = open_page(PAGE, scale=bad)
    assert len(errors(at)) == 1 and errors(at)[0].startswith("**scale**")
    assert at.select_slider(key="scale").value == 1.0
    assert set(chart_specs(at)) == CHARTS


def test_3d_tuple_axis():
    at = open_page(PAGE, x="random(2, 3, 4; seed=0)", axis="0,2", scale="100")
    assert errors(at) == []
    x = 100 * RandomSpec((2, 3, 4), seed=0).generate()
    stable = trace_z(chart_specs(at)["stability-stable"])
    np.testing.assert_allclose(stable, scipy_softmax(x, axis=(0, 2))[0], rtol=1e-12)
    values = tables(at)[1]
    np.testing.assert_allclose(
        values.loc["float64 softmax"].astype(float),
        scipy_softmax(x, axis=(0, 2))[:, 0, :].ravel(),
        rtol=1e-7,
    )


def test_reproduce_in_code_uses_the_scaled_input():
    at = open_code_expanders(open_page(PAGE, **CLASSIC, scale="3"))
    code = "\n".join(c.value for c in at.code)
    assert "x = np.array([[3.0, 6.0]," in code
    assert "def naive_softmax(" in code
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"naive.npy", "y.npy", "log_naive.npy", "log_y.npy"} <= labels


def test_sweep_chart_data_matches_the_threshold():
    at = open_page(PAGE, **CLASSIC)
    sweep = chart_specs(at)["stability-sweep"]["data"][0]
    scales = np.asarray(decode(sweep["x"]), dtype=float)
    broken = np.asarray(decode(sweep["y"]), dtype=float)
    # row [1, 2] breaks once 2s > 709.78, row [3, 4] once 4s > 709.78
    np.testing.assert_array_equal(broken[scales < 177.44], 0)
    np.testing.assert_array_equal(broken[(scales > 177.45) & (scales < 354.89)], 50)
    np.testing.assert_array_equal(broken[scales > 354.9], 100)


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_inputs_are_explained_and_nothing_is_drawn(name):
    params, parameter = BAD_INPUTS[name]
    at = open_page(PAGE, **params)
    assert any(f"**{parameter}**" in e.value for e in at.main.error)
    assert chart_specs(at) == {}
    assert not at.success


def test_number_box_reaches_the_exact_breaking_point_regression():
    # The slider's stops (150, 200) could not reach where exp(4 * scale)
    # overflows: 709.782712893384 / 4 = 177.445678223346.
    at = open_page(PAGE, **CLASSIC)
    box = at.number_input(key="scale_number")
    assert box.value == 1.0
    box.set_value(177.44).run()
    assert at.select_slider(key="scale").value == 177.44
    assert at.query_params["scale"] == "177.44"
    assert at.warning.len == 0  # 4 * 177.44 = 709.76: still finite
    at.number_input(key="scale_number").set_value(177.45).run()
    assert at.select_slider(key="scale").value == 177.45
    assert "50% of the slices" in at.warning[0].value  # 709.8 overflows


def test_slider_and_number_box_stay_in_step():
    at = open_page(PAGE, **CLASSIC)
    at.select_slider(key="scale").set_value(300.0).run()
    assert at.number_input(key="scale_number").value == 300.0
    assert at.query_params["scale"] == "300"


def test_an_exact_scale_from_a_link_keeps_every_digit():
    at = open_page(PAGE, **CLASSIC, scale="177.445678223346")
    assert at.number_input(key="scale_number").value == 177.445678223346
    assert at.query_params["scale"] == "177.445678223346"
    assert "177.445678223" in page_text(at)  # the prediction, to type in
