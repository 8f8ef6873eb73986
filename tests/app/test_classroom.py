"""softmax_app.classroom under AppTest: presenter links, the quiz, predict first.

Each script builds the panel's Inputs itself (the classic example unless a
test passes others), so these tests do not depend on a page's layout.
"""

from __future__ import annotations

import hashlib
import math

import pytest
from streamlit.testing.v1 import AppTest

import softmax_core as sc
from softmax_app import presenter, quiz

TIMEOUT = 90


def _presenter_script() -> None:
    import streamlit as st

    from softmax_app import classroom, urlstate

    classroom.apply_presenter()
    urlstate.finish_run()
    st.write("code shown" if classroom.shows("code") else "code hidden")


def _html(at: AppTest) -> list[str]:
    return [element.proto.body for element in at.get("html")]


def test_presenter_link_hides_enlarges_and_reports_unknown_names():
    at = AppTest.from_function(_presenter_script, default_timeout=TIMEOUT)
    at.query_params["hide"] = "panel,code,menu"
    at.query_params["big"] = "1"
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        presenter.read_presenter({"hide": "panel,code,menu"}).problems[0]
    ]
    assert "'menu' is not a part this page can hide" in at.error[0].value
    assert _html(at) == [presenter.BIG_TEXT_CSS, presenter.HIDE_PANEL_CSS]
    assert at.markdown[0].value == "code hidden"
    assert dict(at.query_params) == {"hide": "code,panel", "big": "1"}
    at.run()  # the options stay, the message is said once
    assert not at.error and at.markdown[0].value == "code hidden"


def test_no_presenter_link_changes_nothing():
    at = AppTest.from_function(_presenter_script, default_timeout=TIMEOUT).run()
    assert not at.exception and not at.error and not _html(at)
    assert at.markdown[0].value == "code shown" and dict(at.query_params) == {}


def test_a_bad_big_is_named_and_normal_text_shown():
    at = AppTest.from_function(_presenter_script, default_timeout=TIMEOUT)
    at.query_params["big"] = "huge"
    at.run()
    assert at.error[0].value.startswith("**big** = 'huge' is not a switch")
    assert not _html(at)


def _quiz_script(g: list[list[float]], masked: bool) -> None:
    import numpy as np

    from softmax_app import classroom
    from softmax_app.panel import Inputs

    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    mask = np.array([[True, False], [True, True]]) if masked else None
    inputs = Inputs(
        x, "[[1,2],[3,4]]", (1,), "1", 1.0, np.array(g), "g", mask=mask, mask_text="m"
    )
    classroom.quiz_section(inputs)


def _quiz(g=((1.0, 0.0), (0.0, 1.0)), masked=False) -> AppTest:
    at = AppTest.from_function(
        _quiz_script, args=([list(r) for r in g], masked), default_timeout=TIMEOUT
    )
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _real_name(label: str) -> str:
    # The order comes from x's text, as the page shuffles it.
    seed = int.from_bytes(hashlib.sha256(b"[[1,2],[3,4]]").digest()[:4], "big")
    return quiz.make_quiz(seed).name_of(label)


def test_quiz_shows_neutral_labels_and_signatures():
    at = _quiz()
    labels = [s.value for s in at.subheader]
    softmax_names = [
        n for n, e in sc.IMPLEMENTATIONS.items() if "softmax" in e.functions
    ]
    assert labels == [f"Implementation {c}" for c in "ABCDEFG"][: len(softmax_names)]
    text = " ".join(m.value for m in at.markdown).lower()
    for name in softmax_names:
        assert name not in text and name.replace("_", " ") not in text
    stale = labels[[_real_name(label) for label in labels].index("stale_counter")]
    block = at.markdown[1 + labels.index(stale)].value
    # 100 random g, 100 shared g, on the classic shape.
    assert "only the first slice agrees" in block
    assert "Passes on 0 of 100 seeded random inputs" in block
    assert "Passes on 100 of 100 seeded random inputs with one upstream" in block
    # Logits that large saturate softmax (J ≈ 0): the bug mostly hides there.
    assert "of 100 seeded random inputs with logits 500·N(0, 1), far larger" in block
    assert not at.success and not at.error  # nothing revealed before an answer


def test_quiz_answers_are_checked_and_explained():
    at = _quiz()
    label = at.subheader[0].value
    real = _real_name(label)
    at.selectbox[0].select(real).run()
    assert at.success[0].value.startswith(f"Right: {label} is **")
    other = next(n for n in ("missing_diagonal", "wrong_axis") if n != real)
    at.selectbox[0].select(other).run()
    assert at.error[0].value.startswith(f"Not quite: {label} is **")


def test_quiz_under_a_mask_checks_with_it():
    # Slice 0 keeps one entry (its Jacobian is 0); slice 1 keeps both and the
    # stale counter reads slice 0's g there. The mask goes to every input.
    at = _quiz(masked=True)
    labels = [s.value for s in at.subheader]
    stale = labels.index(
        next(label for label in labels if _real_name(label) == "stale_counter")
    )
    block = at.markdown[1 + stale].value
    assert "only the first slice agrees" in block
    assert "Passes on 0 of 100 seeded random inputs with a random upstream" in block
    assert "shared by every slice" not in block  # not shared under a mask
    assert "the panel's mask `m`" in at.caption[-1].value


def _entry_script() -> None:
    import numpy as np
    import streamlit as st

    import softmax_core as sc
    from softmax_app import classroom
    from softmax_app.panel import Inputs

    x, g = np.array([[1.0, 2.0], [3.0, 4.0]]), np.eye(2)
    inputs = Inputs(x, "[[1,2],[3,4]]", (1,), "1", 1.0, g, "g")
    grad = sc.softmax_vjp(sc.softmax(x, 1), g, 1)
    if classroom.predict_entry(inputs, grad):
        st.write("THE NUMBERS")


def test_predict_an_entry_before_the_numbers():
    at = AppTest.from_function(_entry_script, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "THE NUMBERS" not in [m.value for m in at.markdown]
    assert at.info[0].value.startswith("The gradient is shown once")
    at.text_input[0].set_value("1, 1")
    at.text_input[1].set_value("0.2")
    at.button[0].click().run()
    # dL/dx[1, 1] = e / (1 + e)² ≈ 0.1966 for the classic example.
    assert math.isclose(math.e / (1 + math.e) ** 2, 0.19661193, rel_tol=1e-7)
    assert at.success[0].value.startswith("Right: dL/dx[1, 1] is 0.1966; you said 0.2")
    assert "THE NUMBERS" in [m.value for m in at.markdown]


@pytest.mark.parametrize(("typed", "message"), [("abc", "'abc' is not a number")])
def test_a_bad_prediction_is_named_and_nothing_revealed(typed, message):
    at = AppTest.from_function(_entry_script, default_timeout=TIMEOUT).run()
    at.text_input[1].set_value(typed)
    at.button[0].click().run()
    assert message in at.error[0].value
    assert "THE NUMBERS" not in [m.value for m in at.markdown]


def _verdict_script() -> None:
    import numpy as np
    import streamlit as st

    import softmax_core as sc
    from softmax_app import classroom
    from softmax_app.panel import Inputs

    x, g = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [1.0, 0.0]])
    inputs = Inputs(x, "[[1,2],[3,4]]", (1,), "1", 1.0, g, "g")
    report = sc.gradcheck(x, g, 1, implementation="stale_counter")
    variant = sc.IMPLEMENTATIONS["stale_counter"].variant("softmax")
    if classroom.predict_verdict(
        inputs, "stale_counter", report, correct_code=False, symptom=variant.symptom
    ):
        st.write(report.verdict)


def test_predict_the_verdict_before_the_check():
    at = AppTest.from_function(_verdict_script, default_timeout=TIMEOUT).run()
    assert not at.exception and at.info[0].value.startswith("The verdict and")
    assert not [m for m in at.markdown if m.value.startswith("PASS")]
    at.radio[0].set_value("FAIL").run()
    # Every slice shares g = [1, 0]: the stale counter passes here.
    assert at.warning[0].value.startswith("Not this time: the check passes; the code")
    assert "every slice has the same upstream gradient" in at.warning[0].value
    assert [m for m in at.markdown if m.value.startswith("PASS")]
