"""The Explore page (/explore) under AppTest, and its Streamlit-free helpers.

Reference numbers come from scipy's softmax, never from the page's own code.
"""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
import pytest
from scipy.special import softmax as scipy_softmax

from softmax_app import arrayview
from softmax_app.inputs import RandomSpec
from softmax_app.render import figures
from softmax_core.slices import to_slices
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

PAGE = "app_pages/explore.py"
X3 = RandomSpec((2, 3, 4), seed=0).generate()

# --- figure helpers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("axes", "rows", "cols", "ndim", "x_arrow", "y_arrow", "words"),
    [
        ((1,), 0, 1, 2, True, False, "each row sums to 1"),
        ((0,), 0, 1, 2, False, True, "each column sums to 1"),
        ((0, 1), 0, 1, 2, True, True, "the whole view is one slice"),
        ((0,), -1, 0, 1, True, False, "the array sums to 1"),
        ((0, 2), 1, 2, 3, True, False, "dim 0 (not shown)"),
        ((0,), 1, 2, 3, False, False, "dim 0 (not shown)"),
        ((2,), 2, 1, 3, False, True, "each column sums to 1"),  # transposed view
    ],
)
def test_softmax_direction(axes, rows, cols, ndim, x_arrow, y_arrow, words):
    d = figures.softmax_direction(axes, rows, cols, ndim)
    assert ("→" in d.x_title) == x_arrow
    assert ("↓" in d.y_title) == y_arrow
    assert words in d.note


def test_softmax_direction_0d():
    assert "single number" in figures.softmax_direction((), 0, 1, 0).note


@pytest.mark.parametrize(("shape", "axes"), [((2, 3, 4), (0, 2)), ((3, 2), (1,)),
                                             ((2, 2, 3), (0, 1, 2))])  # fmt: skip
def test_slice_labels_follow_the_slice_order(shape, axes):
    # Fill each entry with its own index tuple and flatten like the core does.
    index = np.indices(shape)
    labels = figures.slice_labels(shape, axes)
    for position, label in enumerate(labels):
        entry = tuple(int(to_slices(index[a], axes)[(0,) * (len(shape) - len(axes))]
                          [position]) for a in axes)  # fmt: skip
        expected = str(entry[0]) if len(axes) == 1 else str(entry)
        assert label == expected


def test_view_and_slice_labels_index_like_numpy():
    a = np.arange(24).reshape(2, 3, 4)
    assert figures.view_label("x", 3, 1, 2, (1,)) == "x[1, :, :]"
    np.testing.assert_array_equal(arrayview.view_2d(a, 1, 2, (1,)), a[1, :, :])
    assert figures.slice_label("y", 3, (0, 2), (2,)) == "y[:, 2, :]"
    np.testing.assert_array_equal(
        arrayview.slice_at(a, (0, 2), (2,)), a[:, 2, :].ravel()
    )


def test_nonfinite_overlay_covers_exactly_the_bad_cells():
    z = np.array([[0.5, -np.inf], [np.nan, np.inf]])
    fig = figures.mark_nonfinite(figures.heatmap(z), z)
    assert len(fig.data) == 2
    overlay = fig.data[1]
    assert np.isnan(np.asarray(overlay.z, dtype=float)[0, 0])
    assert np.asarray(overlay.text).tolist() == [["", "-inf"], ["NaN", "inf"]]
    assert overlay.showscale is False
    finite = np.ones((2, 2))
    assert len(figures.mark_nonfinite(figures.heatmap(finite), finite).data) == 1


def test_sweep_line_marks_current_and_predicted_in_data_coordinates():
    scales = np.geomspace(1, 1000, 5)
    fig = figures.sweep_line(scales, [0, 0, 0.5, 1, 1], current=30.0, predicted=177.4)
    assert isinstance(fig, go.Figure)
    names = [t.name for t in fig.data]
    assert names == ["naive softmax", "predicted", "current"]
    assert set(fig.data[2].x) == {30.0} and set(fig.data[1].x) == {177.4}
    assert list(fig.data[0].y) == [0, 0, 50, 100, 100]
    assert fig.layout.xaxis.type == "log"
    np.testing.assert_allclose(fig.layout.xaxis.range, [0, 3])
    # a prediction outside the swept range is left out, not stretched to
    outside = figures.sweep_line(scales, np.zeros(5), predicted=1e6)
    assert [t.name for t in outside.data] == ["naive softmax"]


# --- the page -----------------------------------------------------------------


def test_default_input_renders():
    at = open_page(PAGE)
    assert errors(at) == []
    assert at.title[0].value.startswith("Explore")
    assert set(chart_specs(at)) == {"explore-x", "explore-y", "explore-slice"}


def test_classic_numbers_reach_tables_charts_and_text():
    at = open_page(PAGE, **CLASSIC)
    assert errors(at) == []
    x_table, y_table = tables(at)
    np.testing.assert_array_equal(x_table.to_numpy(), [[1, 2], [3, 4]])
    np.testing.assert_allclose(y_table.to_numpy(), CLASSIC_Y, rtol=1e-15)
    specs = chart_specs(at)
    np.testing.assert_allclose(trace_z(specs["explore-y"]), CLASSIC_Y, rtol=1e-15)
    np.testing.assert_array_equal(trace_z(specs["explore-x"]), [[1, 2], [3, 4]])
    bar = specs["explore-slice"]["data"][0]
    np.testing.assert_allclose(decode(bar["y"]), CLASSIC_Y[0], rtol=1e-15)
    assert "→" in specs["explore-y"]["layout"]["xaxis"]["title"]["text"]
    text = page_text(at)
    assert "each row sums to 1" in text
    assert "Every slice sums to 1" in text


def test_temperature_changes_are_visible():
    at = open_page(PAGE, **CLASSIC)
    at.select_slider(key="T").set_value(2.0).run()
    expected = scipy_softmax(np.array([[1.0, 2.0], [3.0, 4.0]]) / 2, axis=1)
    np.testing.assert_allclose(tables(at)[1].to_numpy(), expected, rtol=1e-15)
    bar = chart_specs(at)["explore-slice"]
    np.testing.assert_allclose(decode(bar["data"][0]["y"]), expected[0], rtol=1e-15)
    assert "T = 2" in bar["layout"]["title"]["text"]


def test_3d_tuple_axis_view_and_slice():
    at = open_page(PAGE, x="random(2, 3, 4; seed=0)", axis="0,2")
    assert errors(at) == []
    expected = scipy_softmax(X3, axis=(0, 2))
    # default view: dims 1 x 2 at index 0 of dim 0
    np.testing.assert_allclose(
        trace_z(chart_specs(at)["explore-y"]), expected[0], rtol=1e-13
    )
    assert "dim 0 (not shown)" in page_text(at)
    # show dims 0 x 2 at index 1 of dim 1: one whole slice, its cells sum to 1
    at.selectbox(key="explore-view-rows").select(0).run()
    at.number_input(key="explore-view-at-1").set_value(1).run()
    y = trace_z(chart_specs(at)["explore-y"])
    np.testing.assert_allclose(y, expected[:, 1, :], rtol=1e-13)
    assert y.sum() == pytest.approx(1.0)
    assert "the whole view is one slice" in page_text(at)
    # the bar chart: the slice at index 2 of dim 1, labelled by (i, k)
    at.number_input(key="explore-slice-1").set_value(2).run()
    bar = chart_specs(at)["explore-slice"]["data"][0]
    np.testing.assert_allclose(decode(bar["y"]), expected[:, 2, :].ravel(), rtol=1e-13)
    assert bar["x"][:2] == ["(0, 0)", "(0, 1)"]


def test_4d_attention_preset_renders():
    at = open_page(PAGE, x="random(2, 2, 4, 4; seed=0; scale=2)")
    assert errors(at) == []
    x = RandomSpec((2, 2, 4, 4), seed=0, scale=2.0).generate()
    y = trace_z(chart_specs(at)["explore-y"])
    np.testing.assert_allclose(y, scipy_softmax(x, axis=-1)[0, 0], rtol=1e-13)
    np.testing.assert_allclose(y.sum(axis=1), 1.0)


def test_masked_rows_sum_to_zero_and_say_so():
    at = open_page(PAGE, x="[[0.5, -inf, 2.0, -inf], [-inf, -inf, -inf, -inf]]")
    assert errors(at) == []
    y = trace_z(chart_specs(at)["explore-y"])
    np.testing.assert_array_equal(y[1], 0.0)
    np.testing.assert_allclose(y[0], scipy_softmax([0.5, -np.inf, 2.0, -np.inf]))
    assert "sum to **0** by design" in page_text(at)
    # the -inf logits are labelled on the x heatmap, not left blank
    x_spec = chart_specs(at)["explore-x"]
    assert x_spec["data"][1]["text"][1] == ["-inf"] * 4


def test_nan_slice_is_reported_and_tabulated_as_nan_not_none_regression():
    at = open_page(PAGE, x="[[nan, 1], [1, 2]]")
    assert errors(at) == []
    assert "contain NaN or +inf" in page_text(at)
    x_table, y_table = tables(at)
    # st.dataframe shows a NaN cell as "None": tables with NaN are sent as text
    assert list(x_table.iloc[0]) == ["NaN", "1"]
    assert list(y_table.iloc[0]) == ["NaN", "NaN"]
    expected = scipy_softmax([1.0, 2.0])
    np.testing.assert_allclose(y_table.iloc[1].astype(float), expected, rtol=1e-7)


def test_expanders_show_the_source_and_the_code():
    at = open_code_expanders(open_page(PAGE, **CLASSIC))
    code = "\n".join(c.value for c in at.code)
    assert "def _softmax(" in code and "def softmax(" in code
    assert "axis = 1" in code  # as the link wrote it
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"x.npy", "y.npy", "y.csv"} <= labels


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_inputs_are_explained_and_nothing_is_drawn(name):
    # Regression: /explore?x=[[1,2],[3]] showed the error, then full tables and
    # charts of the default example.
    params, parameter = BAD_INPUTS[name]
    at = open_page(PAGE, **params)
    assert at.title[0].value.startswith("Explore")
    assert any(e.value.startswith(f"**{parameter}**") for e in at.sidebar.error)
    assert any(f"**{parameter}**" in e.value for e in at.main.error)
    assert chart_specs(at) == {} and tables(at) == []
    assert not at.success


@pytest.mark.parametrize(
    "x", ["[[nan, 1], [1, 2]]", "[[inf, 1], [2, 3]]", "[nan, nan]"]
)
def test_no_success_banner_over_a_nan_slice_regression(x):
    # Regression: a green "Every slice sums to 1" showed while a slice was NaN.
    at = open_page(PAGE, x=x)
    assert not any("sums to 1" in s.value for s in at.success)
    assert not at.success
    assert any("contain NaN or +inf" in w.value for w in at.warning)


def test_success_banner_only_when_every_slice_is_a_distribution():
    masked = open_page(PAGE, x="[[0.5, -inf], [-inf, -inf]]")
    assert not masked.success  # a fully masked slice sums to 0, not 1
    assert "1 of 2 slices sum to 1" in page_text(masked)
    fine = open_page(PAGE, **CLASSIC)
    (banner,) = fine.success
    assert banner.value.startswith("**Every slice sums to 1**")


def test_slice_sums_readings_wording():
    from softmax_app.readings import slice_sums_readings
    from softmax_core.stability import SliceSums

    def kinds(n, zero, nan):
        check = SliceSums(np.ones(n), 0.0, n, zero, nan)
        return [r.kind for r in slice_sums_readings(check)]

    assert kinds(3, 0, 0) == ["success"]
    assert kinds(3, 1, 0) == ["info", "info"]
    assert kinds(3, 0, 1) == ["warning", "warning"]
    assert kinds(2, 1, 1) == ["warning", "info", "warning"]
    assert "success" not in kinds(1, 0, 1)


# --- the link restores the view ------------------------------------------------


def test_slice_and_view_are_read_from_the_link():
    at = open_page(
        PAGE, x="random(2, 3, 4; seed=0)", axis="0,2", slice="2", view="0,2@1"
    )
    assert errors(at) == [] and not at.warning
    expected = scipy_softmax(X3, axis=(0, 2))
    y = trace_z(chart_specs(at)["explore-y"])
    np.testing.assert_allclose(y, expected[:, 1, :], rtol=1e-13)
    bar = chart_specs(at)["explore-slice"]["data"][0]
    np.testing.assert_allclose(decode(bar["y"]), expected[:, 2, :].ravel(), rtol=1e-13)
    assert at.query_params["slice"] == "2" and at.query_params["view"] == "0,2@1"


def test_picking_a_slice_and_a_view_goes_into_the_link():
    at = open_page(PAGE, x="random(2, 3, 4; seed=0)")
    assert "slice" not in at.query_params and "view" not in at.query_params
    at.number_input(key="explore-slice-1").set_value(2).run()
    at.selectbox(key="explore-view-rows").select(0).run()
    assert at.query_params["slice"] == "0,2"
    assert at.query_params["view"] == "0,2@0"
    link = at.sidebar.code[0].value
    assert link.startswith("./explore?") and "slice=0,2" in link
    assert "view=0,2@0" in link and "x=random(2,%203,%204;%20seed=0)" in link
    # The link opens the same view in a new session.
    again = open_page(PAGE, x="random(2, 3, 4; seed=0)", slice="0,2", view="0,2@0")
    assert again.number_input(key="explore-slice-1").value == 2
    assert again.selectbox(key="explore-view-rows").value == 0
    assert chart_specs(again) == chart_specs(at)


def test_a_slice_that_does_not_fit_is_said_next_to_the_picker():
    at = open_page(PAGE, **CLASSIC, slice="5")
    (warning,) = at.main.warning
    assert "**slice** = '5'" in warning.value and "out of range" in warning.value
    bar = chart_specs(at)["explore-slice"]
    assert bar["layout"]["title"]["text"].startswith("y[0, :]")  # says which


def test_large_input_tables_are_cropped_and_say_so():
    # A 100 x 1000 input: the tables show its first 30 x 30 (formatting every
    # cell of a 100 x 100 table took most of a rerun), the heatmap shows more.
    at = open_page(PAGE, x="random(100, 1000; seed=0)")
    x_table, y_table = tables(at)[:2]
    assert x_table.shape == (30, 30)
    expected = RandomSpec((100, 1000), seed=0).generate()
    np.testing.assert_allclose(
        x_table.to_numpy(dtype=float), expected[:30, :30], rtol=1e-7
    )
    # (the page already crops its view to 100 x 100 for the heatmaps)
    assert any("first 30 x 30 of 100 x 100" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("shape", "view"),
    [
        ((2, 3, 4), (0, 2, (1,))),
        ((2, 3, 4, 5), (3, 1, (1, 2))),
        ((2, 3, 4), (1, 2, (0,))),
    ],
)
def test_view_text_round_trips(shape, view):
    text = arrayview.format_view(view)
    assert arrayview.parse_view(text, shape) == view


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("0,0@1", "two different dims"),
        ("0,3@1", "two different dims"),
        ("0,2", "one index for each other dim"),
        ("0,2@3", "index 3 is out of range for dim 1 (length 3)"),
        ("a,b@1", "must be whole numbers"),
    ],
)
def test_view_text_errors_say_what_does_not_fit(text, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        arrayview.parse_view(text, (2, 3, 4))


def test_slice_text_round_trips_and_errors():
    assert arrayview.parse_slice("1,2", (2, 3, 4), (1,)) == (1, 2)
    assert arrayview.format_slice((1, 2)) == "1,2"
    with pytest.raises(ValueError, match="index 4 is out of range for dim 2"):
        arrayview.parse_slice("1,4", (2, 3, 4), (1,))
    with pytest.raises(ValueError, match="one index for each dim"):
        arrayview.parse_slice("1", (2, 3, 4), (1,))


def test_the_y_titles_name_the_temperature():
    # Newcomer report: at T = 1.5 the y table and heatmap said "softmax(x)".
    at = open_page(PAGE, x="[[1, 2], [3, 4]]", axis="1", T="2")
    captions = [c.value for c in at.caption]
    assert any(c.startswith("y = softmax(x / T)") for c in captions), captions
    assert not any(c.startswith("y = softmax(x)") for c in captions)
