"""Issue 14 on the pages (AppTest): quiz=1 and predict=1 on Gradcheck, predict=1 on
Backward, hide= and big= on every page, the presenter variant of Copy link."""

from __future__ import annotations

import pytest

import softmax_core as sc
from softmax_app import presenter
from tests.apptest_helpers import (
    CLASSIC,
    SIGMA_PRODUCT,
    assert_no_exception,
    errors,
    open_page,
    page_text,
)

IDENTITY = {"g": "[[1,0],[0,1]]"}
SOFTMAX = [n for n, e in sc.IMPLEMENTATIONS.items() if "softmax" in e.functions]


def _expanders(at) -> list[str]:
    return [e.label for e in at.expander]


def _html(at) -> list[str]:
    return [element.proto.body for element in at.get("html")]


# --- spot the bug -------------------------------------------------------------


def test_quiz_link_shows_labels_not_names():
    at = open_page("app_pages/gradcheck.py", quiz="1", **CLASSIC, **IDENTITY)
    labels = [s.value for s in at.subheader if s.value.startswith("Implementation")]
    assert len(labels) == len(SOFTMAX)
    # No picker, no gallery, no code: each would name the implementations.
    assert "impl" not in [s.key for s in at.selectbox]
    assert not [b for b in at.button if "stale" in b.label]
    assert "How it works" not in _expanders(at)
    text = page_text(at).lower()
    assert not [n for n in SOFTMAX if n in text or n.replace("_", " ") in text]
    assert "only the first slice agrees" in text
    assert at.query_params["quiz"] == "1"


def test_quiz_answer_is_revealed_on_the_page():
    at = open_page("app_pages/gradcheck.py", quiz="1", **CLASSIC, **IDENTITY)
    at.selectbox[0].select("stale_counter").run()
    assert_no_exception(at)
    shown = [a.value for a in at.success] + [a.value for a in at.error]
    assert len(shown) == 1
    assert shown[0].startswith(
        ("Right: Implementation A", "Not quite: Implementation A")
    )


def test_bad_quiz_switch_is_named_and_the_page_works():
    at = open_page("app_pages/gradcheck.py", quiz="maybe", **CLASSIC)
    assert (
        "**quiz** = 'maybe' is not a switch: use quiz=1 (on) or quiz=0 (off)"
        in (errors(at)[0])
    )
    assert any(s.key == "impl" for s in at.selectbox)  # the ordinary page


# --- predict, then reveal -----------------------------------------------------


def test_gradcheck_predict_waits_for_pass_or_fail():
    at = open_page(
        "app_pages/gradcheck.py",
        predict="1",
        impl="stale_counter",
        **CLASSIC,
        **IDENTITY,
    )
    assert "The verdict and the errors are shown once" in page_text(at)
    assert not [m for m in at.markdown if "✗ FAIL" in m.value or "✓ PASS" in m.value]
    at.radio(
        key=next(r.key for r in at.radio if r.key.startswith("predict-"))
    ).set_value("PASS").run()
    assert_no_exception(at)
    assert at.warning[0].value.startswith("Not this time: the check fails;")
    assert [m for m in at.markdown if "✗ FAIL" in m.value]


def test_backward_predict_waits_for_a_number():
    at = open_page("app_pages/backward.py", predict="1", **CLASSIC, **IDENTITY)
    assert "The gradient is shown once you have made a prediction." in page_text(at)
    assert "One slice's Jacobian" not in [s.value for s in at.subheader]
    value = next(t for t in at.text_input if t.key.startswith("predict-value-"))
    value.set_value(f"{SIGMA_PRODUCT:.3f}")
    next(b for b in at.button if b.label == "Check my prediction").click().run()
    assert_no_exception(at)
    assert at.success[0].value.startswith(
        "Right: dL/dx[0, 0] is 0.1966; you said 0.197"
    )
    assert "One slice's Jacobian" in [s.value for s in at.subheader]


def test_without_predict_the_numbers_come_at_once():
    at = open_page("app_pages/backward.py", **CLASSIC, **IDENTITY)
    assert "Predict first" not in [s.value for s in at.subheader]
    assert "One slice's Jacobian" in [s.value for s in at.subheader]


# --- presenter links ----------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    ["app_pages/explore.py", "app_pages/backward.py", "app_pages/gradcheck.py",
     "app_pages/stability.py"],
)  # fmt: skip
def test_hide_and_big_on_every_page(page):
    at = open_page(page, hide="code,explain,menu", big="1", **CLASSIC)
    assert "'menu' is not a part this page can hide, so it is shown" in errors(at)[0]
    assert presenter.BIG_TEXT_CSS in _html(at)
    assert presenter.HIDE_PANEL_CSS not in _html(at)
    assert "Reproduce in code" not in _expanders(at)
    assert "How it works" not in _expanders(at)
    assert "Download" not in [s.value for s in at.subheader]


def test_hide_panel_keeps_the_inputs_and_the_link():
    at = open_page("app_pages/explore.py", hide="panel", x="[[5,6]]", axis="1")
    assert presenter.HIDE_PANEL_CSS in _html(at)
    assert at.session_state["_inputs"].x.tolist() == [[5.0, 6.0]]
    assert at.query_params["hide"] == "panel"
    assert "Reproduce in code" in _expanders(at)  # only the panel is hidden


def test_copy_link_offers_the_presenter_variant():
    at = open_page("app_pages/explore.py", **CLASSIC)
    (link,) = [c.value for c in at.sidebar.code]  # still the only code box
    (button,) = at.get("link_button")
    assert button.proto.url == presenter.presenter_link(link)
    assert button.proto.url.endswith("&hide=panel,code&big=1")
