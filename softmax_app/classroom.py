"""The classroom modes on the page: presenter links, spot the bug, predict first.

Streamlit glue over :mod:`softmax_app.presenter`, :mod:`softmax_app.quiz` and
:mod:`softmax_app.predict` (where the logic and its tests live):

* :func:`apply_presenter` (``app.py``, every run): reads ``hide=`` and ``big=``,
  says what it could not use, enlarges the text, hides the panel; pages ask
  :func:`shows` before drawing a hideable part.
* :func:`quiz_mode` / :func:`quiz_section` (Gradcheck, ``quiz=1``).
* :func:`predict_mode`, :func:`predict_entry` (Backward) and
  :func:`predict_verdict` (Gradcheck), ``predict=1``: each returns whether the
  page may show its numbers yet.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

import softmax_core as sc
from softmax_app import predict, presenter, quiz, urlstate
from softmax_app.panel import Inputs
from softmax_core.passrate import DEFAULT_SCALE, UPSTREAM_KINDS

__all__ = [
    "PASS_RATE_INPUTS",
    "PASS_RATE_MAX_SIZE",
    "apply_presenter",
    "predict_entry",
    "predict_mode",
    "predict_verdict",
    "quiz_mode",
    "quiz_section",
    "shows",
]

#: Seeded random inputs per pass rate (half with random g, half shared).
PASS_RATE_INPUTS = 200
#: Pass rates are computed for inputs up to this many entries (about a second
#: for the whole gallery); larger inputs get the signature without them.
PASS_RATE_MAX_SIZE = 64

_OPTIONS = "_presenter_options"
_SWITCHES = "_classroom_switches"


# --- presenter links ----------------------------------------------------------


def apply_presenter() -> presenter.PresenterOptions:
    """Read ``hide`` and ``big`` (kept across page switches) and apply them."""
    options: presenter.PresenterOptions = st.session_state.get(
        _OPTIONS, presenter.PresenterOptions()
    )
    hide, big = urlstate.incoming("hide"), urlstate.incoming("big")
    if hide is not None or big is not None:
        params = {"hide": ",".join(sorted(options.hide)), "big": str(int(options.big))}
        params |= {k: v for k, v in (("hide", hide), ("big", big)) if v is not None}
        options = presenter.read_presenter(params)
        for problem in options.problems:
            st.error(problem, icon="🔗")
    st.session_state[_OPTIONS] = options
    urlstate.publish("hide", ",".join(sorted(options.hide)), "")
    urlstate.publish("big", "1" if options.big else "0", "0")
    if options.big:
        st.html(presenter.BIG_TEXT_CSS)
    if not options.shows("panel"):
        st.html(presenter.HIDE_PANEL_CSS)
    return options


def shows(part: str) -> bool:
    """Return whether `part` (``panel``, ``code``, ``explain``) is shown."""
    options: presenter.PresenterOptions = st.session_state.get(
        _OPTIONS, presenter.PresenterOptions()
    )
    return options.shows(part)


def _switch(name: str) -> bool:
    """Read an on/off link parameter (``quiz``, ``predict``), kept per session."""
    switches: dict[str, bool] = st.session_state.setdefault(_SWITCHES, {})
    raw = urlstate.incoming(name)
    if raw is not None:
        try:
            switches[name] = presenter.parse_switch(raw, name)
        except ValueError as exc:
            switches[name] = False
            st.error(f"{exc}. The {name} mode is off.", icon="🔗")
    urlstate.publish(name, "1" if switches.get(name) else "0", "0")
    return switches.get(name, False)


def quiz_mode() -> bool:
    """Return whether the link asks for the spot-the-bug quiz (``quiz=1``)."""
    return _switch("quiz")


def predict_mode() -> bool:
    """Return whether the link asks to predict before seeing (``predict=1``)."""
    return _switch("predict")


# --- spot the bug -------------------------------------------------------------


@st.cache_data(max_entries=256, show_spinner=False)
def _pass_rate(
    name: str,
    shape: tuple[int, ...],
    axes: tuple[int, ...],
    function: str,
    t: float,
    mask: np.ndarray | None,
    scale: float = DEFAULT_SCALE,
) -> sc.PassRate:
    # One upstream kind when a second would say nothing new: a loss reduced to
    # one number, large logits (about the forward pass), or a mask (under
    # which a shared g is no longer the same in every slice).
    one_kind = function == "cross_entropy" or scale != DEFAULT_SCALE or mask is not None
    kinds = ("random",) if one_kind else UPSTREAM_KINDS
    return sc.pass_rate(
        name, shape, axes, function=function, temperature=t, scale=scale,
        n_inputs=PASS_RATE_INPUTS // 2 * len(kinds), upstreams=kinds, where=mask,
    )  # fmt: skip


def _report(inputs: Inputs, name: str) -> sc.GradcheckReport:
    if inputs.function == "cross_entropy":
        return sc.gradcheck(
            inputs.x, 1.0, inputs.axes, function="cross_entropy",
            target=inputs.target, implementation=name,
            temperature=inputs.temperature, where=inputs.mask,
        )  # fmt: skip
    return sc.gradcheck(
        inputs.x, inputs.upstream, inputs.axes, function=inputs.function,
        implementation=name, temperature=inputs.temperature, where=inputs.mask,
    )  # fmt: skip


def quiz_section(inputs: Inputs) -> None:
    """Spot the bug: each implementation under a neutral label, then reveal."""
    st.header("Spot the bug")
    seed = int.from_bytes(hashlib.sha256(inputs.x_text.encode()).digest()[:4], "big")
    game = quiz.make_quiz(seed, function=inputs.function)
    st.markdown(
        "Each implementation below is one of the gallery's backward passes of "
        f"**{inputs.function}**, under a neutral label. Read its check signature "
        "on the current input and over seeded random inputs, then name it."
    )
    with_rates = inputs.x.size <= PASS_RATE_MAX_SIZE
    if not with_rates:
        st.info(
            f"Pass rates are computed for inputs of up to {PASS_RATE_MAX_SIZE} "
            f"entries; x has {inputs.x.size:,}, so only the check on this input is "
            "shown."
        )
    sigs: dict[str, quiz.Signature] = {}
    with st.spinner("Checking every implementation…"):
        for name in game.names:
            report = _report(inputs, name)
            if not with_rates:
                empty = sc.PassRate(name, inputs.x.shape, inputs.axes, ())
                sigs[name] = quiz.signature(report, empty)
                continue
            args = (name, inputs.x.shape, inputs.axes, inputs.function,
                    inputs.temperature, inputs.mask)  # fmt: skip
            sigs[name] = quiz.signature(
                report, _pass_rate(*args), large=_pass_rate(*args, quiz.LARGE_SCALE)
            )
    options = quiz.choices(game)
    titles = dict(options)
    for label, name in zip(game.labels, game.names, strict=True):
        with st.container(border=True):
            st.subheader(label)
            st.markdown("\n".join(f"- {line}" for line in quiz.describe(sigs[name])))
            key = f"quiz-{game.seed}-{label}"
            guess = st.selectbox(
                "Which one is it?", [n for n, _ in options], index=None,
                format_func=titles.__getitem__, key=key,
                placeholder="Pick a name…",
            )  # fmt: skip
            if guess is not None:
                feedback = quiz.check_answer(game, label, guess, sigs)
                show = st.success if feedback.correct else st.error
                show(feedback.message)
    st.caption(
        "Labels are shuffled from x, so one link gives one order. Pass rates: "
        "seeded random inputs of this shape, logits x ~ "
        f"{DEFAULT_SCALE:g}·N(0, 1) (large: {quiz.LARGE_SCALE:g}·N(0, 1)), upstream "
        "gradients N(0, 1)"
        + (", class targets uniform" if inputs.function == "cross_entropy" else "")
        + ("" if inputs.mask is None else f", the panel's mask `{inputs.mask_text}`")
        + "."
    )


# --- predict, then reveal -----------------------------------------------------


def _answers() -> dict[str, str]:
    """Return the session's predictions, by what they were about."""
    answers: dict[str, str] = st.session_state.setdefault("_predictions", {})
    return answers


def _fingerprint(*parts: object) -> str:
    text = "|".join(
        p.tobytes().hex() if isinstance(p, np.ndarray) else repr(p) for p in parts
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def predict_entry(inputs: Inputs, gradient: np.ndarray) -> bool:
    """Ask for one entry of dL/dx first; return whether to show the numbers."""
    key = _fingerprint("entry", inputs.x, inputs.upstream, inputs.axes,
                       inputs.temperature, inputs.function)  # fmt: skip
    answers = _answers()
    st.subheader("Predict first")
    tol = predict.DEFAULT_TOLERANCE
    with st.form(f"predict-{key}"):
        index_text = st.text_input(
            "Which entry of dL/dx (its index)", ", ".join("0" * inputs.x.ndim),
            key=f"predict-index-{key}",
        )  # fmt: skip
        value_text = st.text_input(
            "Your prediction of that entry", "", key=f"predict-value-{key}"
        )
        st.caption(f"It counts as right {tol.describe()}.")
        sent = st.form_submit_button("Check my prediction")
    if sent:
        answers[key] = f"{index_text}\n{value_text}"
    if key not in answers:
        st.info("The gradient is shown once you have made a prediction.")
        return False
    index_text, value_text = answers[key].split("\n", 1)
    try:
        index = predict.parse_index(index_text, inputs.x.shape)
        value = predict.parse_number(value_text)
    except ValueError as exc:
        st.error(f"{exc}. Correct it and check again.")
        del answers[key]
        return False
    facts = predict.upstream_facts(inputs.upstream, inputs.axes)
    reveal = predict.check_number(
        value, float(gradient[index]), index, function=inputs.function,
        temperature=inputs.temperature, constant_slice=facts.constant_within,
    )  # fmt: skip
    (st.success if reveal.correct else st.warning)(reveal.message)
    return True


def predict_verdict(
    inputs: Inputs, name: str, report: sc.GradcheckReport, *, correct_code: bool,
    symptom: str,
) -> bool:  # fmt: skip
    """Ask PASS or FAIL first; return whether to show the check's numbers."""
    key = _fingerprint("verdict", name, inputs.x, inputs.upstream, inputs.axes,
                       inputs.temperature, inputs.function)  # fmt: skip
    answers = _answers()
    st.subheader("Predict first")
    choice = st.radio(
        f"Will the check of `{name}` pass on this input?", ["PASS", "FAIL"],
        index=None, horizontal=True, key=f"predict-{key}",
    )  # fmt: skip
    if choice is not None:
        answers[key] = choice
    if key not in answers:
        st.info("The verdict and the errors are shown once you have predicted.")
        return False
    reveal = predict.check_verdict(
        predict.parse_verdict(answers[key]), report.passed,
        correct_code=correct_code, symptom=symptom,
        facts=predict.upstream_facts(inputs.upstream, inputs.axes),
    )  # fmt: skip
    (st.success if reveal.correct else st.warning)(reveal.message)
    return True
