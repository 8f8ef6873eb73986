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

from softmax_app.inputs import PRESETS, RandomSpec, format_axis, parse_axis
from softmax_core import parse_array
from tests.apptest_helpers import (
    BAD_INPUTS,
    CLASSIC,
    WIDGET_OF,
    assert_no_exception,
    errors,
    next_to,
    open_code_expanders,
    open_page,
    shows_nothing_computed,
)

PAGES = ("explore", "backward", "gradcheck", "stability")

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


def test_axis_box_lists_every_axis_and_links_keep_it_as_written_regression():
    # Regression: a 2-D array offered "-1 (last axis)", "0" and "none", but no
    # "1", and a link's axis=1 became the default -1 and left the URL.
    at = open_page(x="[[1,2,3],[4,5,6]]", axis="1")
    box = at.selectbox(key="axis")
    assert box.options == [
        "0 (= -2, length 2)",
        "1 (= -1, last axis, length 3)",
        "none (all axes, 6 entries)",
    ]
    assert box.value == "1"
    assert at.query_params["axis"] == "1"
    # Asked as written: axis 1 stays dim 1 when x becomes 3-D, ...
    at.text_area(key="x").input("random(2, 3, 4; seed=0)").run()
    assert at.query_params["axis"] == "1"
    assert at.session_state["_inputs"].axes == (1,)
    # ... and -1 stays the last axis.
    last = open_page(x="[[1,2,3],[4,5,6]]", axis="-1")
    assert last.selectbox(key="axis").value == "1"
    assert "axis" not in last.query_params  # -1 is the default
    last.text_area(key="x").input("random(2, 3, 4; seed=0)").run()
    assert last.session_state["_inputs"].axes == (2,)
    assert last.selectbox(key="axis").value == "2"


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
        assert at.selectbox(key="axis").value == "1"  # as the link asked
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
def test_bad_input_is_explained_next_to_its_box_and_nothing_is_computed(name):
    # Regression: the error was shown at the top of the page and every page then
    # drew the results of the default example under it.
    params, parameter = BAD_INPUTS[name]
    at = open_page("app_pages/explore.py", **params)
    kind, text = next_to(at, WIDGET_OF[parameter])
    assert kind == "error" and text.startswith(f"**{parameter}**"), (kind, text)
    assert at.session_state["_inputs"] is None
    # The page says so too, names the input, offers an example and stops.
    (stop,) = at.main.error
    assert f"**{parameter}**" in stop.value
    assert shows_nothing_computed(at)
    assert at.main.button(key="load-example")


@pytest.mark.parametrize("page", PAGES)
def test_no_page_computes_from_a_substitute_for_an_unreadable_x(page):
    at = open_page(f"app_pages/{page}.py", x="[[1,2],[3]]", T="2")
    assert at.title[0].value  # the page's title and introduction are drawn
    assert any("**x**" in e.value for e in at.main.error)
    assert shows_nothing_computed(at)


def test_load_an_example_sets_every_input():
    at = open_page("app_pages/explore.py", x="[[1,2],[3]]", T="2", g="ones")
    at.main.button(key="load-example").click().run()
    assert_no_exception(at)
    assert errors(at) == []
    preset = PRESETS["classic"]
    assert at.text_area(key="x").value == preset.x
    assert at.select_slider(key="T").value == preset.temperature
    assert at.text_input(key="g").value == preset.upstream
    assert at.session_state["_inputs"].axes == (1,)
    assert not shows_nothing_computed(at)


@pytest.mark.parametrize("text", ["[]", "[[]]", "array([], shape=(3, 0))"])
def test_empty_x_is_refused_with_one_clear_message_regression_zero_slices(text):
    # x = [] was accepted: "sums to 1 over 0 slices" beside "1 slice has no
    # finite entry".
    at = open_page("app_pages/explore.py", x=text)
    kind, message = next_to(at, "x")
    assert kind == "error" and "no entries" in message
    assert shows_nothing_computed(at)
    assert "sums to 1" not in " ".join(s.value for s in at.success)


def test_a_fixed_input_clears_the_message_and_computes():
    at = open_page("app_pages/explore.py", **CLASSIC, T="0")
    assert next_to(at, "T")[0] == "error"
    at.select_slider(key="T").set_value(2.0).run()
    assert errors(at) == []
    assert at.query_params["T"] == "2"
    assert not shows_nothing_computed(at)


def test_use_t_1_button_fixes_a_bad_temperature():
    at = open_page("app_pages/explore.py", **CLASSIC, T="-3")
    assert at.query_params["T"] == "-3"  # the link keeps what was asked
    at.sidebar.button(key="use-default-t").click().run()
    assert errors(at) == [] and "T" not in at.query_params
    assert at.session_state["_inputs"].temperature == 1.0


def test_a_bad_axis_left_by_a_new_x_is_explained_not_replaced():
    at = open_page("app_pages/explore.py", x="random(2, 3, 4; seed=0)", axis="2")
    at.text_area(key="x").input("[[1, 2], [3, 4]]").run()
    kind, text = next_to(at, "axis")
    assert kind == "error" and "axis 2 is out of range" in text
    assert at.selectbox(key="axis").value is None  # nothing is shown as picked
    assert shows_nothing_computed(at)
    at.selectbox(key="axis").select("0").run()
    assert errors(at) == [] and at.session_state["_inputs"].axes == (0,)


def test_a_bad_x_stays_in_the_link_like_a_bad_g():
    # The box keeps the text and the page says what is wrong with it; the link
    # must do the same, not silently become a link to the default example.
    at = open_page(x="[[1,2],[3]]")
    assert errors(at)[0].startswith("**x**")
    assert at.text_area(key="x").value == "[[1,2],[3]]"
    assert at.query_params["x"] == "[[1,2],[3]]"
    at.text_area(key="x").input("[[1, 2], [3, 4]]").run()  # fixed: the default
    assert errors(at) == [] and "x" not in at.query_params


def test_a_bad_g_is_named_beside_a_bad_axis():
    # Regression: under a bad axis the g box was not read, so a link with both
    # mistakes named only the axis.
    at = open_page("app_pages/backward.py", x=CLASSIC["x"], axis="7", g="[1, 2, 3]")
    for box in ("axis", "g"):
        kind, text = next_to(at, box)
        assert kind == "error" and text.startswith(f"**{box}**"), (kind, text)
    assert shows_nothing_computed(at)
    # onehot needs the axis: no message about g then.
    at = open_page("app_pages/backward.py", x=CLASSIC["x"], axis="7")
    assert next_to(at, "g")[0] != "error"


def test_bad_g_message_names_both_shapes():
    at = open_page(**CLASSIC, g="[1, 2, 3]")
    assert "(3,)" in errors(at)[0] and "(2, 2)" in errors(at)[0]


def test_shared_upload_reference_explains_itself():
    at = open_page(x="upload:data.npy")
    assert "upload the file again" in errors(at)[0]


# --- the upstream gradient follows x ---------------------------------------------


def test_stale_g_is_replaced_visibly_when_x_changes_shape_regression():
    # Regression: typing a (2, 3) x under g = [[1,0],[0,1]] kept that g in its
    # box, named it in the Backward summary and used onehot behind an error.
    at = open_page("app_pages/backward.py", **CLASSIC, g="[[1,0],[0,1]]")
    at.text_area(key="x").input("[[1, 2, 3], [4, 5, 6]]").run()
    assert_no_exception(at)
    assert errors(at) == []
    assert at.text_input(key="g").value == "onehot"
    kind, note = next_to(at, "g")
    assert kind == "alert" or kind == "info"
    assert "[[1,0],[0,1]]" in note and "(2, 3)" in note and "onehot" in note
    inputs = at.session_state["_inputs"]
    np.testing.assert_array_equal(inputs.upstream, [[0, 0, 1], [0, 0, 1]])
    assert inputs.g_text == "onehot"
    assert "g" not in at.query_params
    summary = " ".join(m.value for m in at.main.markdown)
    assert "upstream gradient `onehot`" in summary
    assert "[[1,0],[0,1]]" not in summary
    # The page says it too, beside the summary (the sidebar may be closed).
    assert any(i.value == note for i in at.main.info)
    # The note goes once the learner types a g of their own.
    at.text_input(key="g").input("[[1, 0, 0], [0, 1, 0]]").run()
    assert errors(at) == [] and next_to(at, "g")[0] != "info"


def test_g_typed_with_the_wrong_shape_is_an_error_not_replaced():
    at = open_page("app_pages/backward.py", x="[[1, 2, 3], [4, 5, 6]]")
    at.text_input(key="g").input("[[1, 0], [0, 1]]").run()
    assert at.text_input(key="g").value == "[[1, 0], [0, 1]]"
    kind, text = next_to(at, "g")
    assert kind == "error" and "(2, 2)" in text and "(2, 3)" in text
    assert shows_nothing_computed(at)


# --- presets and the random generator -----------------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_set_x_axis_t_and_g_together(name):
    preset = PRESETS[name]
    at = open_page(T="3", g="ones", axis="0")
    at.selectbox(key="preset").select(name).run()
    assert_no_exception(at)
    assert errors(at) == []
    assert at.text_area(key="x").value == preset.x
    assert at.select_slider(key="T").value == preset.temperature
    assert at.text_input(key="g").value == preset.upstream
    inputs = at.session_state["_inputs"]
    assert inputs.axes == parse_axis(preset.axis, inputs.x.shape)
    assert at.selectbox(key="axis").value == format_axis(inputs.axes, inputs.x.ndim)
    if preset.x == PRESETS["classic"].x:  # the default x is left out of the URL
        assert "x" not in at.query_params
    else:
        assert at.query_params["x"] == preset.x


def test_random_generator_writes_the_exact_array_regression_rounding():
    # Regression: Generate wrote the values rounded to 3 decimals, so "seed 7"
    # differed from random(2, 3, 4; seed=7; scale=1) typed in the box.
    at = open_page()
    at.text_input(key="rand_shape").input("2, 3, 4")
    at.number_input(key="rand_seed").set_value(7)
    at.button(key="generate").click().run()
    assert_no_exception(at)
    assert at.text_area(key="x").value == "random(2, 3, 4; seed=7; scale=1)"
    generated = at.session_state["_inputs"].x
    typed = open_page(x="random(2, 3, 4; seed=7; scale=1)")
    np.testing.assert_array_equal(generated, typed.session_state["_inputs"].x)
    np.testing.assert_array_equal(
        generated, np.random.default_rng(7).standard_normal((2, 3, 4))
    )
    assert at.query_params["x"] == "random(2, 3, 4; seed=7; scale=1)"


def test_random_generator_small_arrays_are_exact_too():
    at = open_page()
    at.text_input(key="rand_shape").input("3, 2")
    at.number_input(key="rand_seed").set_value(7)
    at.number_input(key="rand_scale").set_value(2.0)
    at.button(key="generate").click().run()
    expected = 2.0 * np.random.default_rng(7).standard_normal((3, 2))
    np.testing.assert_array_equal(at.session_state["_inputs"].x, expected)


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
    at.button(key="generate").click().run()
    assert at.text_area(key="x").value == "random(20, 30, 40; seed=0; scale=1)"
    np.testing.assert_array_equal(
        at.session_state["_inputs"].x, RandomSpec((20, 30, 40), 0, 1.0).generate()
    )


def test_random_generator_bad_shape_is_an_error():
    at = open_page()
    at.text_input(key="rand_shape").input("2, x")
    at.button(key="generate").click().run()
    assert_no_exception(at)
    assert errors(at) and errors(at)[0].startswith("**Random array**")
    assert "x was not changed" in errors(at)[0]
    assert next_to(at, "generate")[0] == "error"  # right under the button


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
    assert at.selectbox(key="axis").value == "1"
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


def test_failed_upload_says_next_to_the_uploader_that_x_was_kept_regression():
    # Regression: a failed upload left the previous x on every page, and the
    # only trace was an error that went away on the next rerun.
    at = open_page("app_pages/explore.py")
    a = np.arange(6.0).reshape(2, 3)
    at.file_uploader(key="upload").set_value(("a.npy", _npy(a), NPY)).run()
    at.file_uploader(key="upload").set_value(("b.npy", b"not an npy", NPY)).run()
    for _ in range(2):  # still said on the next rerun (the file is still there)
        kind, text = next_to(at, "upload")
        assert kind == "error" and text.startswith("**Upload** 'b.npy'")
        assert "x was not changed" in text and "(2, 3)" in text
        np.testing.assert_array_equal(at.session_state["_inputs"].x, a)
        at.select_slider(key="T").set_value(2.0).run()


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


# --- page-local URL parameters ------------------------------------------------


def _page_with_a_local_parameter():
    import streamlit as st

    from softmax_app import urlstate

    def read(text):
        value = float(text)
        if not 0 < value < 1:
            raise ValueError("it must be between 0 and 1")
        return value

    problem = urlstate.seed_widget("eps", "eps-box", read)
    st.session_state.setdefault("eps-box", 0.5)
    st.number_input("eps", key="eps-box")
    if problem:
        st.warning(problem)
    urlstate.publish("eps", f"{st.session_state['eps-box']:g}", "0.5")
    urlstate.finish_run()


@pytest.mark.parametrize(
    ("given", "value", "warning"), [("0.25", 0.25, None), ("7", 0.5, "between")]
)
def test_seed_widget_reads_a_page_parameter_once(given, value, warning):
    at = AppTest.from_function(_page_with_a_local_parameter)
    at.query_params["eps"] = given
    at.run()
    assert at.number_input(key="eps-box").value == value
    assert [w.value for w in at.warning] == (
        [] if warning is None else [f"**eps** = {given!r}: it must be between 0 and 1"]
    )
    at.number_input(key="eps-box").set_value(0.125).run()
    assert at.number_input(key="eps-box").value == 0.125  # the URL is not re-read
    assert at.query_params["eps"] == "0.125"


@pytest.mark.parametrize("page", PAGES)
def test_code_expanders_are_built_only_when_open(page):
    # Issue 11: "expanders that compute only when open". Closed, the two code
    # expanders send no code at all (no snippets built, no highlighter work in
    # the browser); opened, their code is there, and stays on the next run.
    at = open_page(f"app_pages/{page}.py", **CLASSIC, g="[[1,0],[0,1]]")
    labels = [e.label for e in at.main.expander]
    assert {"How it works", "Reproduce in code"} <= set(labels)
    assert not [c for c in at.main.code]
    open_code_expanders(at)
    assert len(at.main.code) >= 2
    at.run()
    assert len(at.main.code) >= 2


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("explore", "def _softmax("),
        ("backward", "def _softmax_vjp("),
        ("gradcheck", "def sliced("),
        ("stability", "def naive_softmax("),
    ],
)
def test_how_it_works_shows_the_short_reference_without_docstrings(page, shown):
    # Regression: the expander printed whole modules (about 450 lines on
    # Gradcheck), docstrings included, and imported private core names.
    at = open_page(f"app_pages/{page}.py", **CLASSIC, g="[[1,0],[0,1]]")
    open_code_expanders(at)
    # How it works shows functions; Reproduce in code starts with its imports.
    sources = [c.value for c in at.code if c.value.lstrip().startswith("def ")]
    assert any(shown in s for s in sources), sources
    for source in sources:
        assert '"""' not in source
        assert len(source.splitlines()) < 120


# --- the take-home notebook ---------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_page_offers_the_notebook_in_its_download_area(page):
    at = open_page(f"app_pages/{page}.py", **CLASSIC)
    labels = [str(b.proto.label) for b in at.get("download_button")]
    assert labels.count("Download notebook (.ipynb)") == 1, labels
    # It follows the page's .npy downloads, under the Download heading.
    assert labels[-1] == "Download notebook (.ipynb)"
    assert any(h.value == "Download" for h in at.subheader)
