"""Masks, log-softmax and cross-entropy on every page, under AppTest.

Reference values from the issue, computed with PyTorch 2.13.0 in float64:
``torch.log_softmax(x, 1)`` with ``.backward(g)``,
``torch.nn.functional.cross_entropy(x, torch.tensor([1, 0]))`` (mean) and its
gradient, and ``torch.softmax(x.masked_fill(~causal, -inf), 1)``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax as scipy_softmax

from softmax_app.render.masked import MASKED_COLOR
from tests.apptest_helpers import (
    CLASSIC,
    chart_specs,
    chart_z,
    decode,
    errors,
    next_to,
    open_page,
    page_text,
    shows_nothing_computed,
    tables,
)

LOG_SOFTMAX_DX = [[1.46211716, -1.46211716], [-0.26894142, 0.26894142]]
CE_LOSS = "0.81326169"
CE_DX = [[0.13447071, -0.13447071], [-0.36552929, 0.36552929]]
NINE = "[[1,2,3],[4,5,6],[7,8,9]]"
CAUSAL_Y = [
    [1.0, np.nan, np.nan],  # masked cells are blank in the heatmap's own trace
    [0.26894142, 0.73105858, np.nan],
    [0.09003057, 0.24472847, 0.66524096],
]
BACKWARD = "app_pages/backward.py"
EXPLORE = "app_pages/explore.py"
CAUSAL_X = {"x": NINE, "axis": "1"}


def test_log_softmax_gradient_and_its_jacobian_reach_backward():
    at = open_page(BACKWARD, **CLASSIC, g="[[2,0],[0,1]]", f="log_softmax")
    assert not errors(at)
    np.testing.assert_allclose(chart_z(at, "dL/dx"), LOG_SOFTMAX_DX, rtol=1e-8)
    # J of log-softmax, (I - 1 yᵀ): not symmetric, entry [i, j] = δij - y_j.
    y = scipy_softmax([1.0, 2.0])
    np.testing.assert_allclose(
        chart_z(at, "J of log_softmax(x[0, :])"), np.eye(2) - y[None, :], rtol=1e-12
    )
    assert "not symmetric" in page_text(at)
    assert "0.731059" in " ".join(el.value for el in at.latex)


def test_cross_entropy_shows_the_loss_and_y_minus_t():
    at = open_page(BACKWARD, **CLASSIC, f="cross_entropy", target="[1, 0]")
    assert not errors(at)
    assert CE_LOSS in [m.value for m in at.metric]
    np.testing.assert_allclose(chart_z(at, "dL/dx"), CE_DX, rtol=1e-8)
    latex = " ".join(el.value for el in at.latex)
    assert r"(y - t)" in latex and "0.134471" in latex


def test_cross_entropy_default_target_is_the_argmax_said_on_screen():
    at = open_page(BACKWARD, **CLASSIC, f="cross_entropy")
    assert "target = argmax" in page_text(at)
    np.testing.assert_allclose(chart_z(at, "t (target)"), [[0, 1], [0, 1]])


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("[2, 0]", "class axis has length 2"),
        ("[1, 0, 1]", "shape (3,)"),
        ("[[1,0],[1,1]]", "sum to 1"),
    ],
)
def test_a_bad_target_is_named_next_to_its_box_and_nothing_is_computed(target, words):
    at = open_page(BACKWARD, **CLASSIC, f="cross_entropy", target=target)
    kind, text = next_to(at, "target")
    assert kind == "alert" or "target" in text, (kind, text)
    assert any("**target**" in e and words in e for e in errors(at)), errors(at)
    assert shows_nothing_computed(at)


def test_causal_mask_gives_the_reference_rows_with_masked_cells_distinct():
    at = open_page("app_pages/explore.py", x=NINE, axis="1", mask="causal")
    assert not errors(at)
    np.testing.assert_allclose(
        chart_z(at, "y = softmax"), CAUSAL_Y, rtol=1e-7, equal_nan=True
    )
    y_table = tables(at)[1]
    assert y_table.iloc[0, 1] == "masked" and y_table.iloc[2, 2] != "masked"
    assert "Grey cells are masked" in page_text(at)


def test_a_fully_masked_slice_is_explained_and_gives_zeros_not_nan():
    at = open_page(BACKWARD, **CLASSIC, g="[[2,0],[0,1]]", mask="[[1,0],[0,0]]")
    assert not errors(at)
    assert "1 of 2 slices is fully masked" in page_text(at)
    dx = chart_z(at, "dL/dx")
    assert dx[0, 0] == 0 and np.isnan(dx[1]).all()  # masked: drawn grey, not 0


@pytest.mark.parametrize(
    ("mask", "words"),
    [("[1, 0]", "shape (2,)"), ("[[1,0.5],[1,1]]", "only 1 (kept) and 0")],
)
def test_a_bad_mask_is_named_and_nothing_is_computed(mask, words):
    at = open_page(BACKWARD, **CLASSIC, mask=mask)
    assert any("**mask**" in e and words in e for e in errors(at)), errors(at)
    assert shows_nothing_computed(at)


def test_causal_needs_two_dimensions():
    at = open_page(BACKWARD, x="[1, 2, 3]", mask="causal")
    assert any("causal needs at least two dimensions" in e for e in errors(at))


def test_the_backward_pass_uses_the_mask():
    g = "[[1,0,0],[0,1,0],[0,0,1]]"
    at = open_page(BACKWARD, x=NINE, axis="1", g=g, mask="causal")
    x, keep = np.arange(1.0, 10.0).reshape(3, 3), np.tri(3, dtype=bool)
    y = np.where(keep, scipy_softmax(np.where(keep, x, -np.inf), axis=1), 0.0)
    dx = y * (np.eye(3) - np.sum(np.eye(3) * y, axis=1, keepdims=True))
    np.testing.assert_allclose(
        chart_z(at, "dL/dx"), np.where(keep, dx, np.nan), rtol=1e-12, equal_nan=True
    )


def test_jvp_beside_vjp_coincide_for_softmax_and_differ_for_log_softmax():
    at = open_page(BACKWARD, **CLASSIC, g="[[2,0],[0,1]]")
    np.testing.assert_allclose(
        chart_z(at, "JVP J t"), chart_z(at, "VJP Jᵀg"), rtol=1e-12, atol=1e-15
    )
    assert "J is symmetric" in page_text(at)
    at = open_page(BACKWARD, **CLASSIC, g="[[2,0],[0,1]]", f="log_softmax")
    y = scipy_softmax(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
    g = np.array([[2.0, 0.0], [0.0, 1.0]])
    jvp = g - np.sum(y * g, axis=1, keepdims=True)  # (t - 1 <y, t>), t = g
    np.testing.assert_allclose(chart_z(at, "JVP J t"), jvp, rtol=1e-12)
    assert "not symmetric" in page_text(at)


def test_a_tangent_from_the_link_is_used_and_a_bad_one_named():
    at = open_page(BACKWARD, **CLASSIC, tangent="[[1,0],[0,0]]", f="log_softmax")
    y = scipy_softmax([1.0, 2.0])
    np.testing.assert_allclose(
        chart_z(at, "JVP J t"), [[1 - y[0], -y[0]], [0, 0]], rtol=1e-12
    )
    at = open_page(BACKWARD, **CLASSIC, tangent="[1, 2, 3]")
    assert any("**tangent**" in e for e in errors(at))


def test_gradcheck_checks_each_function_and_the_mask():
    page = "app_pages/gradcheck.py"
    at = open_page(page, **CLASSIC, g="[[2,0],[0,1]]", f="log_softmax")
    assert "PASS" in page_text(at) and "log_softmax_vjp" in page_text(at)
    at = open_page(page, **CLASSIC, f="cross_entropy", target="[1, 0]")
    assert "PASS" in page_text(at)
    at = open_page(
        page,
        x=NINE,
        axis="1",
        mask="causal",
        g="[[1,0,0],[0,1,0],[0,0,1]]",
        impl="stale_counter",
    )
    assert "FAIL" in page_text(at) and "masked logits" in page_text(at)


def test_links_keep_function_target_and_mask_and_defaults_leave_them():
    at = open_page(
        BACKWARD, **CLASSIC, f="cross_entropy", target="[1, 0]", mask="causal"
    )
    assert (
        at.query_params["f"] == ["cross_entropy"]
        or at.query_params["f"] == "cross_entropy"
    )
    at.selectbox(key="f").set_value("softmax").run()
    assert "f" not in at.query_params and "target" not in at.query_params
    assert "mask" in at.query_params


def test_a_new_x_of_another_shape_replaces_a_stale_mask_visibly():
    at = open_page(BACKWARD, **CLASSIC, mask="[[1,0],[1,1]]")
    at.text_area(key="x").set_value("[[1,2,3],[4,5,6]]").run()
    assert not errors(at)
    assert at.text_input(key="mask").value == "none"
    assert "mask is now `none`" in page_text(at)


def test_presets_set_function_target_and_mask():
    at = open_page(BACKWARD, mask="causal", f="log_softmax")
    at.selectbox(key="preset").set_value("cross-entropy").run()
    assert at.text_input(key="mask").value == "none"
    assert CE_LOSS in [m.value for m in at.metric]
    at.selectbox(key="preset").set_value("causal attention").run()
    assert at.text_input(key="mask").value == "causal"
    assert "target" not in at.query_params


def test_stability_applies_the_mask():
    at = open_page("app_pages/stability.py", **CLASSIC, mask="[[1,0],[0,0]]")
    assert not errors(at)
    stable = chart_z(at, "softmax: max-shifted")
    assert stable[0, 0] == 1 and np.isnan(stable[0, 1])  # masked, drawn grey
    assert "fully masked" in page_text(at)


# --- masked cells in the small multiples and the one-slice bars ---------------


def test_the_small_multiples_grey_the_masked_rows_and_columns():
    at = open_page(BACKWARD, **CAUSAL_X, mask="causal")
    grid = chart_specs(at)["backward-grid"]
    heatmaps = [t for t in grid["data"] if t.get("name") != "masked"]
    overlays = [t for t in grid["data"] if t.get("name") == "masked"]
    # Slice 0 keeps entry 0 only, slice 1 entries 0 and 1, slice 2 everything:
    # overlays for the first two panels, on their own subplots.
    assert len(heatmaps) == 3 and len(overlays) == 2
    kept0 = np.zeros((3, 3), bool)
    kept0[0, 0] = True
    np.testing.assert_array_equal(np.isnan(decode(overlays[0]["z"])), kept0)
    assert overlays[1]["xaxis"] == heatmaps[1]["xaxis"]
    # The masked cells left the panel's own heatmap: blank there, not 0.
    z0 = np.array(decode(heatmaps[0]["z"]), dtype=np.float64)
    assert np.isnan(z0[~kept0]).all() and z0[0, 0] == 0.0
    assert "Grey cells are masked rows and columns" in page_text(at)


def test_the_one_slice_bars_mark_masked_entries():
    at = open_page(EXPLORE, **CAUSAL_X, mask="causal", slice="1")
    bar = chart_specs(at)["explore-slice"]["data"][0]
    colours = bar["marker"]["color"]
    assert colours[2] == MASKED_COLOR and MASKED_COLOR not in colours[:2]
    assert bar["text"][2] == "masked"
    assert "Grey bars are masked entries" in page_text(at)


def test_cross_entropy_offers_no_g_download_since_it_uses_none():
    # Newcomer report: g.npy held the onehot g, which cross-entropy never uses,
    # beside a dL/dx that did not come from it.
    at = open_page(BACKWARD, **CLASSIC, f="cross_entropy", target="[1, 0]")
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"x.npy", "target.npy", "dx.npy"} <= labels
    assert not {"g.npy", "g.csv"} & labels
    at = open_page(BACKWARD, **CLASSIC, f="log_softmax")
    assert "g.npy" in {b.proto.label for b in at.get("download_button")}


def test_the_tangent_in_use_is_named_and_cross_entropy_says_g_is_only_a_direction():
    # Newcomer report: under cross-entropy the JVP used t = g (the onehot of
    # the g box the page calls unused) and nothing said what t was.
    at = open_page(BACKWARD, **CLASSIC, f="cross_entropy", target="[1, 0]")
    text = page_text(at)
    assert "t = g, the upstream gradient box: `onehot`." in text
    assert "only the direction x moves in" in text
    at = open_page(BACKWARD, **CLASSIC, tangent="[[1,0],[0,0]]")
    assert "t = `[[1,0],[0,0]]`." in page_text(at)
