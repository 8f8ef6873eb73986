"""The Gradcheck page (/gradcheck) under Streamlit's AppTest.

The expected verdicts follow from the gallery's documentation and from an
independent reference: scipy's softmax and the VJP y * (g - <g, y>) written out.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import softmax as scipy_softmax
from streamlit.testing.v1 import AppTest

from softmax_app import compute, rounding
from softmax_app.render import figures
from softmax_core import IMPLEMENTATIONS, Variant, implementations_for
from tests.apptest_helpers import (
    BAD_PARAMS,
    PWNED,
    SIGMA_PRODUCT,
    chart_title,
    chart_z,
    charts,
    open_code_expanders,
    open_page,
    shows_nothing_computed,
    verdicts,
)
from tests.apptest_helpers import CLASSIC as PANEL_CLASSIC

PAGE = "app_pages/gradcheck.py"
# The entries the page checks with f = softmax, as app_pages/gradcheck.py lists them.
SOFTMAX_ENTRIES = implementations_for("softmax")
CLASSIC = {**PANEL_CLASSIC, "g": "[[1,0],[0,1]]"}


def metric(at: AppTest, label: str) -> float:
    return float(next(m.value for m in at.metric if m.label == label))


# --- renders ------------------------------------------------------------------------


def test_default_input_renders_and_passes() -> None:
    at = open_page(PAGE)
    assert at.title[0].value.startswith("Gradcheck")
    assert not at.error
    assert at.selectbox(key="impl").value == "vectorized"
    assert verdicts(at) == {"PASS"}
    assert len(at.get("plotly_chart")) == 3


def test_stale_counter_fails_on_the_classic_example() -> None:
    at = open_page(PAGE, impl="stale_counter", **CLASSIC)
    assert verdicts(at) == {"FAIL"}
    assert not at.error  # a failing check is a result, not an input error
    # The stale counter feeds slice 0's upstream gradient to slice 1, so its
    # analytic gradient is [[s, -s], [s, -s]] against the true [[s, -s], [-s, s]]:
    # ||a - n|| / (||a|| + ||n||) = 2s*sqrt(2) / (2s + 2s) = 1/sqrt(2).
    assert metric(at, "norm relative error") == pytest.approx(2**-0.5, rel=1e-2)
    s = SIGMA_PRODUCT
    np.testing.assert_allclose(chart_z(at, "analytic"), [[s, -s], [s, -s]], rtol=1e-12)
    np.testing.assert_allclose(chart_z(at, "numeric"), [[s, -s], [-s, s]], rtol=1e-6)
    # Worst slice first: slice 1, off by 2s; slice 0 exact.
    table = next(df.value for df in at.dataframe if "slice" in df.value.columns)
    assert table["slice"].tolist() == ["x[1, :]", "x[0, :]"]
    assert table["worst |a − n|"].iloc[0] == pytest.approx(2 * s, rel=1e-6)
    assert table["worst |a − n|"].iloc[1] < 1e-9


def test_vectorized_passes_on_the_classic_example() -> None:
    at = open_page(PAGE, impl="vectorized", **CLASSIC)
    assert verdicts(at) == {"PASS"}
    assert metric(at, "max relative error") < 1e-7
    assert metric(at, "norm relative error") < 1e-7
    assert any("reads as: **fine**" in c.value for c in at.caption)


#: Every (entry, function) variant of the gallery.
VARIANTS = [
    (name, variant.function)
    for name, entry in IMPLEMENTATIONS.items()
    for variant in entry.variants
]


def example_params(variant: Variant) -> dict[str, str]:
    """The link of a variant's documented example: x, axis, g or target, f."""
    params = {
        "x": json.dumps(variant.x),
        "axis": json.dumps(variant.axis),
        "f": variant.function,
    }
    if variant.function == "cross_entropy":
        params["target"] = json.dumps(variant.target)
    else:
        params["g"] = json.dumps(variant.upstream)
    return params


@pytest.mark.parametrize(("name", "function"), VARIANTS)
def test_every_gallery_entry_matches_its_documented_verdict(
    name: str, function: str
) -> None:
    entry = IMPLEMENTATIONS[name]
    variant = entry.variant(function)
    at = open_page(PAGE, impl=name, **example_params(variant))
    assert at.selectbox(key="impl").value == name
    # The symptom starts with the documented verdict ("PASS:", "PASS, but", "FAIL:").
    expected = variant.symptom.split(":")[0].split(",")[0]
    assert verdicts(at) == {expected}, variant.symptom
    assert at.session_state["_inputs"].function == function
    assert entry.title in " ".join(m.value for m in at.markdown)
    assert not at.error


def test_three_d_input_with_tuple_axis() -> None:
    at = open_page(PAGE, x="random(2, 3, 4; seed=0)", axis="0,2", g="random")
    assert not at.error
    assert verdicts(at) == {"PASS"}
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    g = np.asarray(at.session_state["_inputs"].upstream)
    y = scipy_softmax(x, axis=(0, 2))
    reference = y * (g - np.sum(g * y, axis=(0, 2), keepdims=True))
    # The default view of a 3-D array: dims 1 x 2 with dim 0 at index 0.
    np.testing.assert_allclose(chart_z(at, "analytic"), reference[0], rtol=1e-10)
    table = next(df.value for df in at.dataframe if "slice" in df.value.columns)
    assert sorted(table["slice"]) == ["x[:, 0, :]", "x[:, 1, :]", "x[:, 2, :]"]


@pytest.mark.parametrize("case", list(BAD_PARAMS))
def test_bad_input_is_explained_and_nothing_is_checked(case: str) -> None:
    at = open_page(PAGE, **BAD_PARAMS[case])
    assert at.main.error, f"{case}: no st.error"
    assert at.title[0].value.startswith("Gradcheck")
    assert not verdicts(at), "a check of another input was shown"
    assert not at.get("plotly_chart")
    assert not PWNED.exists()


def test_non_finite_input_is_refused_with_the_core_message() -> None:
    at = open_page(PAGE, x="[[0.5, -inf, 2.0]]")
    assert any("NaN or inf" in e.value for e in at.error)
    assert not verdicts(at)


# --- the implementation parameter ---------------------------------------------------


def test_impl_url_parameter_round_trips() -> None:
    at = open_page(PAGE, impl="missing_diagonal", **CLASSIC)
    assert at.selectbox(key="impl").value == "missing_diagonal"
    assert at.query_params["impl"] == "missing_diagonal"
    at.selectbox(key="impl").set_value("wrong_axis").run()
    assert at.query_params["impl"] == "wrong_axis"
    assert verdicts(at) == {"FAIL"}
    at.selectbox(key="impl").set_value("vectorized").run()
    assert "impl" not in at.query_params  # the default is left out of links
    assert verdicts(at) == {"PASS"}


def test_invalid_impl_lists_valid_names() -> None:
    at = open_page(PAGE, impl="no_such_thing", **CLASSIC)
    message = " ".join(e.value for e in at.error)
    assert "no_such_thing" in message
    assert all(name in message for name in SOFTMAX_ENTRIES)
    assert at.selectbox(key="impl").value == "vectorized"
    # No verdict of the default the learner did not ask for, until they pick.
    assert verdicts(at) == set() and not at.get("plotly_chart")
    at.selectbox(key="impl").select("stale_counter").run()
    assert verdicts(at) == {"FAIL"} and not at.error


def test_a_bad_impl_is_reported_when_a_bad_input_stops_the_page() -> None:
    # Regression: the page stopped at the bad T before it read impl, so a link
    # with both mistakes named only one of them.
    at = open_page(PAGE, impl="no_such_impl", T="-1")
    messages = [e.value for e in at.error]
    assert any(m.startswith("**impl**") and "no_such_impl" in m for m in messages)
    assert any(m.startswith("**T**") for m in messages), messages
    assert shows_nothing_computed(at)
    # Once T is fixed, the picker shows the default and says why, once, and
    # checks nothing until the learner picks.
    at.button(key="use-default-t").click().run()
    (message,) = [e.value for e in at.main.error]
    assert message.startswith("**impl**") and "Pick one above" in message
    assert at.selectbox(key="impl").value == "vectorized"
    assert verdicts(at) == set() and not at.get("plotly_chart")
    assert "impl" not in at.query_params
    at.selectbox(key="impl").select("vectorized").run()
    assert not at.error
    assert verdicts(at) == {"PASS"}


# --- buttons ------------------------------------------------------------------------


def test_classic_preset_button_reproduces_the_failure() -> None:
    at = open_page(PAGE, x="random(3, 5; seed=1)", g="ones")
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["impl"] == "stale_counter"
    inputs = at.session_state["_inputs"]
    np.testing.assert_array_equal(inputs.x, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(inputs.upstream, np.eye(2))
    assert inputs.axes == (1,)
    assert verdicts(at) == {"FAIL"}
    assert at.query_params["impl"] == "stale_counter"


def test_classic_button_sets_every_input_and_keeps_axis_as_written() -> None:
    at = open_page(PAGE, x="random(2, 3, 4; seed=0)", axis="0,2", T="2", g="ones")
    at.button[0].click().run()
    assert not at.error
    assert at.query_params["axis"] == "1"  # as written, not -1
    assert "T" not in at.query_params  # T = 1, the default
    assert at.query_params["g"] == "[[1, 0], [0, 1]]"
    assert at.session_state["_inputs"].temperature == 1.0


def test_a_replaced_g_is_said_on_the_page() -> None:
    at = open_page(PAGE, **CLASSIC)
    at.text_area(key="x").input("[[1, 2, 3], [4, 5, 6]]").run()
    assert not at.error
    (note,) = [i.value for i in at.main.info if "g is now" in i.value]
    assert "[[1,0],[0,1]]" in note and "(2, 3)" in note


def test_gallery_button_loads_the_documented_example() -> None:
    at = open_page(PAGE)
    at.button(key="gallery-softmax-unshifted_exp").click().run()
    assert not at.exception
    entry = SOFTMAX_ENTRIES["unshifted_exp"]
    inputs = at.session_state["_inputs"]
    np.testing.assert_array_equal(inputs.x, entry.x)
    np.testing.assert_array_equal(inputs.upstream, entry.upstream)
    assert at.selectbox(key="impl").value == "unshifted_exp"
    assert verdicts(at) == {"FAIL"}
    assert any("non-finite" in m.value for m in at.markdown)


def test_all_ones_hides_the_stale_counter() -> None:
    at = open_page(PAGE, impl="stale_counter", x="[[1,2],[3,4]]", axis="1", g="ones")
    assert verdicts(at) == {"PASS"}
    assert any("constant along each slice right now" in i.value for i in at.info)
    # And the button sets g = ones from a failing state.
    at = open_page(PAGE, impl="stale_counter", **CLASSIC)
    assert verdicts(at) == {"FAIL"}
    next(b for b in at.button if b.label.startswith("Try it")).click().run()
    assert at.session_state["g"] == "ones"
    assert verdicts(at) == {"PASS"}


# --- modes and their cost -----------------------------------------------------------


def test_modes_offered_by_size() -> None:
    small = open_page(PAGE, **CLASSIC)
    modes = ["sliced", "elementwise", "directional"]
    assert small.radio(key="gc_mode").options == modes
    big = open_page(PAGE, x="random(80, 80; seed=0)")
    assert big.radio(key="gc_mode").options == ["sliced", "directional"]
    assert any("elementwise* is not offered" in c.value for c in big.caption)


def test_elementwise_and_directional_modes() -> None:
    at = open_page(PAGE, impl="stale_counter", **CLASSIC)
    at.radio(key="gc_mode").set_value("elementwise").run()
    assert verdicts(at) == {"FAIL"}
    assert metric(at, "forward evaluations") == 8  # 2 per element
    at.radio(key="gc_mode").set_value("directional").run()
    assert not at.exception
    assert verdicts(at) == {"FAIL"}
    assert metric(at, "forward evaluations") == 6  # 2 per direction, 3 directions


def test_tolerance_and_step_reach_the_check() -> None:
    at = open_page(PAGE, **CLASSIC)
    at.select_slider(key="gc_atol").set_value(1e-2).run()
    at.select_slider(key="gc_rtol").set_value(1e-1).run()
    assert any("atol = 1e-02 and rtol = 1e-01" in c.value for c in at.caption)
    # A huge step: the central difference's truncation error (~h²) grows from
    # ~1e-12 to ~1e-4 relative, and a strict rtol turns it into a failure of a
    # correct backward pass.
    assert metric(at, "max relative error") < 1e-9
    at.select_slider(key="gc_atol").set_value(1e-10).run()
    at.select_slider(key="gc_rtol").set_value(1e-6).run()
    assert verdicts(at) == {"PASS"}
    at.select_slider(key="gc_eps").set_value(1e-1).run()
    assert 1e-5 < metric(at, "max relative error") < 1e-3
    assert verdicts(at) == {"FAIL"}


def test_refusal_rules() -> None:
    refusal = compute.gradcheck_refusal
    assert refusal((64, 64), (1,), "elementwise", "vectorized") is None
    assert "elementwise" in compute.gradcheck_refusal(
        (65, 64), (1,), "elementwise", "vectorized"
    )
    # sliced costs n * size: one 10,000-entry slice is too many passes...
    assert compute.gradcheck_refusal((10_000,), (0,), "sliced", "vectorized")
    # ... but directional has no limit for the vectorized VJP,
    assert refusal((1000, 1000), (0, 1), "directional", "vectorized") is None
    # while the per-slice Jacobian builders are refused on the same input.
    assert "Jacobian" in compute.gradcheck_refusal(
        (1000, 1000), (0, 1), "directional", "per_slice_loop"
    )


# --- figure builders used by the page (Streamlit-free) ------------------------------


def test_log_error_heatmap_shows_true_values_on_a_log_scale() -> None:
    error = np.array([[0.0, 1e-12], [3e-4, 0.5]])
    fig = figures.log_error_heatmap(error, title="err")
    trace = fig.data[0]
    np.testing.assert_allclose(
        trace.z, [[np.log10(figures.ERROR_FLOOR), -12], [np.log10(3e-4), np.log10(0.5)]]
    )
    np.testing.assert_array_equal(trace.customdata, error)
    assert trace.colorscale == figures.heatmap(error).data[0].colorscale  # sequential
    assert trace.zmin == -18 and trace.zmax == 0
    assert list(trace.colorbar.ticktext)[0] == "1e-18"
    assert trace.texttemplate == "%{text}"
    assert [list(row) for row in trace.text] == [
        ["0.0e+00", "1.0e-12"],
        ["3.0e-04", "5.0e-01"],
    ]


# --- rounding: zero gradients ---------------------------------------------------------


def test_ones_reads_not_meaningful_beside_pass_regression() -> None:
    # The page showed PASS beside "norm relative error ... reads as: wrong":
    # with g = ones both gradients are zero up to rounding.
    at = open_page(PAGE, x="random(2, 3, 4; seed=7; scale=1)", axis="1", g="ones")
    assert verdicts(at) == {"PASS"}
    readings = [c.value for c in at.caption if c.value.startswith("reads as")]
    assert readings == [f"reads as: **{rounding.NOT_MEANINGFUL}**"] * 2
    # and the gradient heatmaps are drawn as zero, not as saturated noise
    for spec in charts(at):
        title = chart_title(spec)
        if title.startswith(("analytic", "numeric")):
            trace = spec["data"][0]
            assert (trace["zmin"], trace["zmax"]) == (-1, 1), title
            assert "zero up to rounding" in title


def test_real_failures_still_read_wrong() -> None:
    at = open_page(PAGE, impl="stale_counter", **CLASSIC)
    readings = [c.value for c in at.caption if c.value.startswith("reads as")]
    assert "reads as: **wrong**" in readings


# --- mode, step and tolerances in the link ------------------------------------------


def test_settings_are_read_from_the_link() -> None:
    at = open_page(PAGE, **CLASSIC, mode="elementwise", eps="1e-05", rtol="0.01",
                   atol="1e-06")  # fmt: skip
    assert not at.error
    assert at.radio(key="gc_mode").value == "elementwise"
    assert at.select_slider(key="gc_eps").value == 1e-5
    assert any("atol = 1e-06 and rtol = 1e-02" in c.value for c in at.caption)
    assert metric(at, "forward evaluations") == 8  # elementwise: 2 per element
    for key, value in (("mode", "elementwise"), ("eps", "1e-05"), ("rtol", "0.01"),
                       ("atol", "1e-06")):  # fmt: skip
        assert at.query_params[key] == value


def test_settings_are_written_to_the_link_and_defaults_left_out() -> None:
    at = open_page(PAGE, **CLASSIC)
    assert not {"mode", "eps", "rtol", "atol"} & set(at.query_params)
    at.radio(key="gc_mode").set_value("directional").run()
    at.select_slider(key="gc_rtol").set_value(1e-2).run()
    assert at.query_params["mode"] == "directional"
    assert at.query_params["rtol"] == "0.01"
    at.radio(key="gc_mode").set_value("sliced").run()
    at.select_slider(key="gc_rtol").set_value("auto").run()
    assert not {"mode", "rtol"} & set(at.query_params)


def test_a_step_between_the_slider_stops_is_kept() -> None:
    at = open_page(PAGE, **CLASSIC, eps="3e-05")
    assert at.select_slider(key="gc_eps").value == 3e-5
    assert at.query_params["eps"] == "3e-05"


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"mode": "fast"}, "mode"),
        ({"eps": "abc"}, "eps"),
        ({"eps": "0"}, "eps"),
        ({"rtol": "-1"}, "rtol"),
        ({"atol": "nan"}, "atol"),
    ],
)
def test_bad_settings_name_the_parameter(params: dict[str, str], name: str) -> None:
    at = open_page(PAGE, **CLASSIC, **params)
    messages = [e.value for e in at.main.error]
    assert len(messages) == 1 and messages[0].startswith(f"**{name}**"), messages
    assert "Pick a value above" in messages[0]
    # Nothing is checked with a setting the learner did not ask for ...
    assert verdicts(at) == set() and not at.get("plotly_chart")
    # ... until the next run, with the setting the widget visibly holds.
    at.run()
    assert verdicts(at) == {"PASS"} and not at.main.error
    assert verdicts(at) == {"PASS"}  # the check ran with the value shown


def test_a_mode_too_slow_for_the_input_is_explained() -> None:
    at = open_page(PAGE, x="random(80, 80; seed=0)", mode="elementwise")
    (message,) = [e.value for e in at.main.error]
    assert message.startswith("**mode**") and "not offered" in message
    assert at.radio(key="gc_mode").value == "sliced"


# --- reproduce in code and downloads ------------------------------------------------


def test_code_needs_no_softmax_lab_and_downloads_are_visible() -> None:
    at = open_page(PAGE, **CLASSIC, impl="stale_counter", eps="1e-05")
    open_code_expanders(at)
    expander = next(e for e in at.main.expander if e.label == "Reproduce in code")
    code = "\n".join(c.value for c in expander.code)
    assert "softmax_core" not in code and "softmax_app" not in code
    assert "eps=1e-05" in code and "planted bug" in code
    assert not expander.get("download_button")  # not hidden in the expander
    assert "Download" in [s.value for s in at.main.subheader]
    labels = {b.proto.label for b in at.main.get("download_button")}
    assert {"x.npy", "g.npy", "y.npy", "analytic.npy", "numeric.npy"} <= labels


# --- per function (issue 13) --------------------------------------------------------

# The cross-entropy reference (x = [[1, 2], [3, 4]], axis 1, target [1, 0],
# mean): dL/dx from torch.nn.functional.cross_entropy in PyTorch 2.13.0.
CE_GRAD = [[0.13447071, -0.13447071], [-0.36552929, 0.36552929]]
# log-softmax, g = [[1, 0], [0, 1]]: the VJP g - y Σg and the transposed Jg =
# g - <y, g> of slice 0 (y = [0.26894142, 0.73105858], scipy.special.softmax).
LOG_VJP_ROW0 = [0.73105858, -0.73105858]
LOG_JG_ROW0 = [0.73105858, -0.26894142]


@pytest.mark.parametrize("function", ["softmax", "log_softmax", "cross_entropy"])
def test_the_picker_lists_the_functions_entries(function: str) -> None:
    at = open_page(PAGE, **PANEL_CLASSIC, f=function)
    assert at.selectbox(key="impl").options == [
        f"{name}: {entry.title}"
        for name, entry in implementations_for(function).items()
    ]
    assert verdicts(at) == {"PASS"}


def test_log_softmax_checks_the_entrys_log_softmax_code() -> None:
    at = open_page(PAGE, impl="transposed_jacobian", f="log_softmax", **CLASSIC)
    assert verdicts(at) == {"FAIL"}  # softmax forgives Jg, log-softmax does not
    np.testing.assert_allclose(chart_z(at, "analytic")[0], LOG_JG_ROW0, rtol=1e-7)
    np.testing.assert_allclose(chart_z(at, "numeric")[0], LOG_VJP_ROW0, rtol=1e-6)
    same = open_page(PAGE, impl="transposed_jacobian", **CLASSIC)
    assert verdicts(same) == {"PASS"}


def test_cross_entropy_checks_the_mean_loss_against_the_target() -> None:
    at = open_page(PAGE, **PANEL_CLASSIC, f="cross_entropy", target="[1, 0]")
    assert verdicts(at) == {"PASS"}
    np.testing.assert_allclose(chart_z(at, "numeric"), CE_GRAD, rtol=1e-6)
    bug = open_page(
        PAGE, **PANEL_CLASSIC, f="cross_entropy", target="[1, 0]", impl="missing_mean"
    )
    assert verdicts(bug) == {"FAIL"}
    # N = 2 times too large: ||2n - n|| / (||2n|| + ||n||) = 1/3.
    np.testing.assert_allclose(chart_z(bug, "analytic"), 2 * np.array(CE_GRAD), 1e-7)
    assert metric(bug, "norm relative error") == pytest.approx(1 / 3, rel=1e-3)


def test_a_refused_impl_and_a_bad_setting_are_both_said() -> None:
    at = open_page(PAGE, impl="missing_diagonal", f="log_softmax", eps="abc", **CLASSIC)
    messages = " ".join(e.value for e in at.main.error)
    assert "has no log_softmax version" in messages and "**eps**" in messages
    assert verdicts(at) == set() and not at.get("plotly_chart")


def test_an_entry_without_the_functions_version_is_said_and_not_checked() -> None:
    at = open_page(PAGE, impl="missing_diagonal", f="log_softmax", **CLASSIC)
    message = " ".join(e.value for e in at.error)
    assert "'missing_diagonal' has no log_softmax version" in message
    assert at.selectbox(key="impl").value == "vectorized"
    # Nothing is computed from the default until the learner picks it.
    assert verdicts(at) == set() and not at.get("plotly_chart")
    assert "impl" not in at.query_params


def test_the_gallery_shows_the_functions_entries_and_loads_their_examples() -> None:
    at = open_page(PAGE, f="cross_entropy")
    keys = {b.key for b in at.button if (b.key or "").startswith("gallery-")}
    assert keys == {
        f"gallery-cross_entropy-{n}" for n in implementations_for("cross_entropy")
    }
    at.button(key="gallery-cross_entropy-missing_mean").click().run()
    inputs = at.session_state["_inputs"]
    assert inputs.function == "cross_entropy"
    np.testing.assert_array_equal(inputs.x, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(inputs.target, [[0, 1], [1, 0]])
    assert at.query_params["target"] == "[1, 0]"
    assert at.selectbox(key="impl").value == "missing_mean"
    assert verdicts(at) == {"FAIL"}


def test_log_softmax_gallery_button_sets_f_and_g() -> None:
    at = open_page(PAGE, **PANEL_CLASSIC, f="log_softmax")
    at.button(key="gallery-log_softmax-wrong_axis").click().run()
    inputs = at.session_state["_inputs"]
    assert inputs.function == "log_softmax"
    np.testing.assert_array_equal(inputs.upstream, [[1, 0], [1, 0]])
    assert verdicts(at) == {"FAIL"}


def test_masked_cross_entropy_checks_the_entry_under_the_mask() -> None:
    params = {"x": "[[1,2,3],[4,5,6],[7,8,9]]", "axis": "1", "mask": "causal"}
    at = open_page(PAGE, **params, f="cross_entropy", target="[0, 1, 2]")
    assert verdicts(at) == {"PASS"}
    causal = np.tri(3, dtype=bool)
    x = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
    # Independent reference: masked logits at -inf, scipy's softmax, (y - t)/N.
    y = scipy_softmax(np.where(causal, x, -np.inf), axis=1)
    expected = (y - np.eye(3)) / 3
    np.testing.assert_allclose(chart_z(at, "analytic"), expected, atol=1e-12)
    bug = open_page(
        PAGE, **params, f="cross_entropy", target="[0, 1, 2]", impl="missing_mean"
    )
    assert verdicts(bug) == {"FAIL"}


def test_a_fully_masked_slice_keeps_sliced_mode_for_cross_entropy() -> None:
    # Sliced mode was refused here ("sliced mode cannot check"): the core's
    # sliced mean divided by every slice, the fully masked one included.
    params = {"x": "[[1,2],[3,4],[5,6]]", "axis": "1", "mask": "[[0,0],[1,1],[1,1]]"}
    at = open_page(PAGE, **params, f="cross_entropy", target="argmax")
    assert at.radio(key="gc_mode").options == ["sliced", "elementwise", "directional"]
    assert at.radio(key="gc_mode").value == "sliced"
    assert not any("is not offered" in c.value for c in at.caption)
    assert verdicts(at) == {"PASS"}
    # The kept rows [3, 4] and [5, 6] with their argmax, class 1: N = 2, and
    # (softmax - onehot(1)) / 2 = ±(1 - σ(1)) / 2 = ±0.13447071 (the issue's
    # reference value for x = [[1, 2]], pinned to torch there).
    expected = [[0.0, 0.0], [0.13447071, -0.13447071], [0.13447071, -0.13447071]]
    np.testing.assert_allclose(chart_z(at, "numeric"), expected, atol=1e-8)
    bug = open_page(PAGE, **params, f="cross_entropy", impl="missing_mean")
    assert verdicts(bug) == {"FAIL"}


def test_the_all_ones_lesson_sits_with_the_verdict() -> None:
    at = open_page(PAGE, **CLASSIC)
    blocks = [type(e).__name__ + ":" + str(getattr(e, "value", "")) for e in at.main]
    lesson = next(i for i, b in enumerate(blocks) if "all-ones lesson" in b)
    download = next(i for i, b in enumerate(blocks) if b.endswith(":Download"))
    assert lesson < download
    # It is softmax's lesson: the cross-entropy's page does not show it.
    ce = open_page(PAGE, **PANEL_CLASSIC, f="cross_entropy")
    assert not any("all-ones lesson" in i.value for i in ce.info)


def test_download_notebook_follows_the_check() -> None:
    at = open_page(PAGE, impl="stale_counter", **CLASSIC)
    buttons = [b for b in at.get("download_button") if "notebook" in str(b.proto.label)]
    assert len(buttons) == 1
