"""The shared input panel under Streamlit's AppTest: URL sync, bad inputs, presets,
the random generator, the grid editor and uploads.

The helpers (``open_page``, ``errors``, ...) and the bad inputs come from
``tests/apptest_helpers.py``, shared with the page tests. Reference numbers come
from scipy or are pinned with a comment saying how they were computed; never from
the app's own code.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from softmax_core import parse_array
from softmax_core.specs import PRESETS, RandomSpec, format_axis, parse_axis
from tests.apptest_helpers import (
    BAD_INPUTS,
    CLASSIC,
    assert_no_exception,
    errors,
    open_page,
)

# --- URL parameters -----------------------------------------------------------


def test_url_parameters_seed_the_widgets():
    at = open_page(x="[[1,2,3],[4,5,6]]", axis="0", T="2", g="ones")
    assert at.text_area(key="x").value == "[[1,2,3],[4,5,6]]"
    assert at.selectbox(key="axis").value == "0"
    assert at.select_slider(key="T").value == 2.0
    assert at.text_input(key="g").value == "ones"
    assert errors(at) == []
    inputs = at.session_state["_inputs"]
    np.testing.assert_array_equal(inputs.x, [[1, 2, 3], [4, 5, 6]])
    assert inputs.axes == (0,) and inputs.temperature == 2.0


def test_widget_changes_reach_the_url_and_defaults_leave_it():
    at = open_page()
    assert dict(at.query_params) == {}  # the defaults are not written out
    at.text_area(key="x").input("[[1,2,3],[4,5,6]]").run()
    at.selectbox(key="axis").select("0").run()
    at.select_slider(key="T").set_value(0.5).run()
    at.text_input(key="g").input("random").run()
    assert_no_exception(at)
    assert dict(at.query_params) == {
        "x": "[[1,2,3],[4,5,6]]",
        "axis": "0",
        "T": "0.5",
        "g": "random",
    }
    at.select_slider(key="T").set_value(1.0).run()
    assert "T" not in at.query_params


def test_temperature_between_slider_notches_is_kept():
    at = open_page(T="0.33")
    assert at.select_slider(key="T").value == 0.33
    assert at.query_params["T"] == "0.33"


def test_switching_pages_keeps_the_panel():
    at = open_page("app_pages/explore.py", **CLASSIC, T="2")
    at.text_area(key="x").input("[[0, 1, 5], [2, 2, 2]]").run()
    for page in ("app_pages/stability.py", "app_pages/home.py", "app_pages/explore.py"):
        at.switch_page(page).run()
        assert_no_exception(at)
        assert at.text_area(key="x").value == "[[0, 1, 5], [2, 2, 2]]"
        assert at.selectbox(key="axis").value == "-1"  # axis 1 of a 2-D array
        assert at.select_slider(key="T").value == 2.0
        assert at.query_params["x"] == "[[0, 1, 5], [2, 2, 2]]"


def test_rerun_still_runs_the_router_regression_legacy_pages_folder():
    # Streamlit treats a folder named exactly pages/ beside app.py as a legacy
    # multipage app: a fresh server (and every AppTest rerun) ran the page file
    # alone, with no panel and no st.error. The pages now live in app_pages/.
    at = open_page("app_pages/explore.py", x="[[1,2],[3]]")
    for _ in range(2):
        assert at.text_area(key="x").value == "[[1,2],[3]]"
        assert any("**x**" in e for e in errors(at))
        at.run()
        assert_no_exception(at)


# --- bad inputs ---------------------------------------------------------------


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_names_the_parameter_and_falls_back(name):
    params, parameter = BAD_INPUTS[name]
    at = open_page(**params)
    messages = errors(at)
    assert len(messages) == 1, messages
    assert messages[0].startswith(f"**{parameter}**"), messages
    inputs = at.session_state["_inputs"]
    np.testing.assert_array_equal(inputs.x, [[1.0, 2.0], [3.0, 4.0]])
    assert np.isfinite(inputs.temperature) and inputs.temperature > 0
    assert inputs.upstream.shape == inputs.x.shape


def test_a_bad_x_stays_in_the_link_like_a_bad_g():
    # The box keeps the text and the page says what is wrong with it; the link
    # must do the same, not silently become a link to the default example.
    at = open_page(x="[[1,2],[3]]")
    assert errors(at)[0].startswith("**x**")
    assert at.text_area(key="x").value == "[[1,2],[3]]"
    assert at.query_params["x"] == "[[1,2],[3]]"
    at.text_area(key="x").input("[[1, 2], [3, 4]]").run()  # fixed: the default
    assert errors(at) == [] and "x" not in at.query_params


def test_bad_g_message_names_both_shapes():
    at = open_page(**CLASSIC, g="[1, 2, 3]")
    assert "(3,)" in errors(at)[0] and "(2, 2)" in errors(at)[0]


def test_shared_upload_reference_explains_itself():
    at = open_page(x="upload:data.npy")
    assert "upload the file again" in errors(at)[0]


# --- presets and the random generator -----------------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_fill_x_and_axis(name):
    text, axis, _ = PRESETS[name]
    at = open_page()
    at.selectbox(key="preset").select(name).run()
    assert_no_exception(at)
    assert errors(at) == []
    assert at.text_area(key="x").value == text
    inputs = at.session_state["_inputs"]
    assert inputs.axes == parse_axis(axis, inputs.x.shape)
    assert at.selectbox(key="axis").value == format_axis(inputs.axes, inputs.x.ndim)
    if text == PRESETS["classic"][0]:  # the default x is left out of the URL
        assert "x" not in at.query_params
    else:
        assert at.query_params["x"] == text


def test_random_generator_writes_small_arrays_out():
    at = open_page()
    at.text_input(key="rand_shape").input("3, 2")
    at.number_input(key="rand_seed").set_value(7)
    at.number_input(key="rand_scale").set_value(2.0)
    at.button[0].click().run()
    assert_no_exception(at)
    expected = 2.0 * np.random.default_rng(7).standard_normal((3, 2))
    x = parse_array(at.text_area(key="x").value)
    np.testing.assert_array_equal(x, expected.round(3))
    np.testing.assert_array_equal(at.session_state["_inputs"].x, expected.round(3))
    # the box shows one row per line; the link carries one compact line
    assert "\n" in at.text_area(key="x").value
    link = at.query_params["x"]
    assert "\n" not in link and " " not in link
    np.testing.assert_array_equal(parse_array(link), expected.round(3))


def test_typed_text_goes_into_the_link_as_typed():
    # A spreadsheet paste: the line break separates rows, so it is kept.
    at = open_page()
    at.text_area(key="x").input("1\t2\n3\t5").run()
    assert_no_exception(at)
    assert at.query_params["x"] == "1\t2\n3\t5"
    np.testing.assert_array_equal(at.session_state["_inputs"].x, [[1, 2], [3, 5]])


def test_random_generator_refers_to_large_arrays_by_spec():
    at = open_page()
    at.text_input(key="rand_shape").input("20, 30, 40")
    at.button[0].click().run()
    assert at.text_area(key="x").value == "random(20, 30, 40; seed=0; scale=1)"
    np.testing.assert_array_equal(
        at.session_state["_inputs"].x, RandomSpec((20, 30, 40), 0, 1.0).generate()
    )


def test_random_generator_bad_shape_is_an_error():
    at = open_page()
    at.text_input(key="rand_shape").input("2, x")
    at.button[0].click().run()
    assert_no_exception(at)
    assert errors(at) and errors(at)[0].startswith("**Random array**")


# --- grid editor --------------------------------------------------------------


def _grid_key(at: AppTest) -> str:
    (editor,) = at.data_editor
    return editor.key


def test_grid_edit_changes_x():
    at = open_page(**CLASSIC)
    at.session_state[_grid_key(at)] = {
        "edited_rows": {1: {"0": 10.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert_no_exception(at)
    x = at.session_state["_inputs"].x
    np.testing.assert_array_equal(x, [[1.0, 2.0], [10.0, 4.0]])
    np.testing.assert_array_equal(parse_array(at.text_area(key="x").value), x)
    np.testing.assert_array_equal(parse_array(at.query_params["x"]), x)
    assert at.query_params["x"] == "[[1,2],[10,4]]"  # the compact form
    assert at.selectbox(key="axis").value == "-1"
    # the grid now shows the new array
    np.testing.assert_array_equal(at.data_editor[0].value.to_numpy(), x)


def test_grid_edit_of_a_1d_array_and_a_cleared_cell():
    at = open_page(x="[1, 2, 3]")
    at.session_state[_grid_key(at)] = {
        "edited_rows": {0: {"2": None, "0": -1.5}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    x = at.session_state["_inputs"].x
    assert x.shape == (3,)
    np.testing.assert_array_equal(x, [-1.5, 2.0, np.nan])


def test_no_grid_for_3d_inputs():
    at = open_page(x="random(2, 3, 4; seed=0)")
    assert len(at.data_editor) == 0


# --- uploads ------------------------------------------------------------------


NPY = "application/octet-stream"


def _npy(a: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, a, allow_pickle=allow_pickle)
    return buffer.getvalue()


def test_upload_npy_and_csv():
    at = open_page()
    a = np.arange(6.0).reshape(2, 3) / 4
    at.file_uploader(key="upload").set_value(("a.npy", _npy(a), NPY))
    at.run()
    assert_no_exception(at)
    np.testing.assert_array_equal(at.session_state["_inputs"].x, a)
    np.testing.assert_array_equal(parse_array(at.text_area(key="x").value), a)
    at.file_uploader(key="upload").set_value(("b.csv", b"1,2\n3,5\n", "text/csv"))
    at.run()
    np.testing.assert_array_equal(at.session_state["_inputs"].x, [[1, 2], [3, 5]])


def test_upload_of_pickled_npy_is_refused():
    at = open_page()
    evil = _npy(np.array([{"a": 1}], dtype=object), allow_pickle=True)
    at.file_uploader(key="upload").set_value(("evil.npy", evil, NPY))
    at.run()
    assert_no_exception(at)
    assert errors(at) and errors(at)[0].startswith("**Upload**")
    np.testing.assert_array_equal(at.session_state["_inputs"].x, [[1, 2], [3, 4]])


def test_large_upload_is_kept_in_the_session_not_the_url():
    at = open_page()
    a = np.random.default_rng(1).standard_normal((50, 60))
    at.file_uploader(key="upload").set_value(("big.npy", _npy(a), NPY))
    at.run()
    assert at.text_area(key="x").value == "upload:big.npy"
    assert at.query_params["x"] == "upload:big.npy"
    np.testing.assert_array_equal(at.session_state["_inputs"].x, a)
    at.run()  # still there on the next run
    np.testing.assert_array_equal(at.session_state["_inputs"].x, a)
