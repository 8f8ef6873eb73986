"""Gradcheck: numeric against analytic gradients, and the gallery of planted bugs."""

import json

import numpy as np
import pandas as pd
import streamlit as st

import softmax_core as sc
from softmax_app import (
    arrayview,
    checksettings,
    classroom,
    compute,
    links,
    masking,
    notebook,
    panel,
    rounding,
    urlstate,
    views,
)
from softmax_app.checksettings import ATOL_OPTIONS, AUTO, EPS_OPTIONS, RTOL_OPTIONS
from softmax_app.inputs import PRESETS, format_axis
from softmax_app.panel import Inputs, current_inputs
from softmax_app.render import alttext, explain, figures
from softmax_app.render.snippets import Check
from softmax_core.gradcheck import MODES
from softmax_core.parsing import format_array
from softmax_core.slices import normalize_axes
from softmax_core.steps import FINE_REL_ERROR, WRONG_REL_ERROR, worst_slices

DEFAULT_IMPL = "vectorized"
#: The chosen implementation survives visits to other pages here (a widget's
#: own state is dropped while its page is not shown).
_KEEP = "_gradcheck_impl"
#: Heatmaps show at most this many rows and columns of the view.
MAX_VIEW = 100
#: The per-slice table lists this many of the worst slices.
WORST_ROWS = 20
#: Why the link's ``impl`` could not be used, until the picker shows it.
_IMPL_PROBLEM = "_gradcheck_impl_problem"
#: After a refused setting from the link: the check waits for the learner.
_PICK = "Pick a value above to run the check."
#: The core's backward pass of each function, shown in "How it works".
REFERENCE = {
    "softmax": "softmax_vjp",
    "log_softmax": "log_softmax_vjp",
    "cross_entropy": "cross_entropy_grad",
}
#: The loss whose central differences the check takes, per function.
LOSS = {
    "softmax": "L = Σ g ⊙ softmax(x / T)",
    "log_softmax": "L = Σ g ⊙ log_softmax(x / T)",
    "cross_entropy": "the mean cross-entropy L = −Σ t ⊙ log softmax(x / T) / N",
}

MODE_HELP = {
    "sliced": "perturbs position k of every slice at once: 2n forward passes",
    "elementwise": "one element at a time, no assumptions: 2 · size forward passes",
    "directional": "a few random directions u: compares uᵀ∇L, for large arrays",
}


def _load_example(
    x_text: str,
    axis_text: str,
    g_text: str,
    impl: str,
    function: str = "softmax",
    target_text: str = "argmax",
) -> None:
    """Button callback: load an example (x, axis, T = 1, g, f, target), pick `impl`."""
    panel.load(x_text, axis_text, 1.0, g_text, f=function, target=target_text)
    st.session_state["impl"] = impl
    st.session_state[_KEEP] = impl


def _set_upstream(g_text: str) -> None:
    st.session_state["g"] = g_text


def example_args(name: str, variant: sc.Variant) -> tuple[str, ...]:
    """The callback arguments that load a variant's documented example.

    Softmax and log-softmax examples set g; cross-entropy's set the target
    (and leave g at its default: the loss has no upstream gradient to type).
    """
    x = np.asarray(variant.x, dtype=np.float64)
    axis_text = format_axis(normalize_axes(variant.axis, x.shape, "gallery"), x.ndim)
    g_text, target_text = "onehot", "argmax"
    if variant.function == "cross_entropy":
        target_text = json.dumps(variant.target)
    else:
        g = np.asarray(variant.upstream, dtype=np.float64)
        g_text = format_array(g).replace("\n", "")
    # One line each, so a shared link carries no newlines.
    x_text = format_array(x).replace("\n", "")
    return (x_text, axis_text, g_text, name, variant.function, target_text)


def _expected(symptom: str) -> str:
    """'PASS: ...' -> 'passes — ...', so only the live verdict says PASS or FAIL."""
    word, _, rest = symptom.partition(":")
    verb = {"PASS": "passes", "FAIL": "fails"}.get(word.strip())
    if verb is None and symptom.startswith("PASS, "):
        verb, rest = "passes", symptom[len("PASS, ") :]
    return f"the check {verb} — {rest.strip()}" if verb else symptom


def read_impl_link() -> str | None:
    """Take a new ``impl`` from the link into the picker's state.

    Runs before the panel's inputs are checked, so a bad ``impl`` is reported
    even when a bad input stops the page. Returns why the link's value cannot
    be used (the picker then shows the default), or None. Whether the entry
    has a version for the panel's function is checked by the picker.
    """
    wanted = urlstate.incoming("impl")
    if wanted is None:
        return None
    if wanted in sc.IMPLEMENTATIONS:
        st.session_state["impl"] = st.session_state[_KEEP] = wanted
        return None
    st.session_state["impl"] = st.session_state[_KEEP] = DEFAULT_IMPL
    names = ", ".join(f"`{name}`" for name in sc.IMPLEMENTATIONS)
    return (
        f"**impl** = {wanted!r} is not an implementation; valid names are "
        f"{names}. Pick one above to run the check."
    )


def _not_for(name: str, function: str) -> str:
    """Why entry `name` cannot be checked as `function`, and what is instead."""
    applies = ", ".join(sc.IMPLEMENTATIONS[name].functions)
    names = ", ".join(f"`{n}`" for n in sc.implementations_for(function))
    return (
        f"**impl** = {name!r} has no {function} version (it applies to "
        f"{applies}); the {function} entries are {names}. Pick one above to "
        "run the check."
    )


def choose_implementation(function: str) -> tuple[str, bool]:
    """The picker of `function`'s gallery entries, mirrored to the URL's ``impl``.

    Says beside it, once, why the link's (or the kept) ``impl`` cannot be
    checked; returns the picked name and whether it was refused this run (the
    picker then shows the default, which the learner has not asked for: the
    check waits for their pick).
    """
    entries = sc.implementations_for(function)
    wanted = st.session_state.get("impl") or st.session_state.get(_KEEP)
    problem = st.session_state.pop(_IMPL_PROBLEM, None)
    if wanted not in entries:
        if wanted in sc.IMPLEMENTATIONS and problem is None:
            problem = _not_for(str(wanted), function)
        st.session_state["impl"] = DEFAULT_IMPL
    if problem:
        st.error(problem)
    impl = st.selectbox(
        f"Implementation under test ({function})",
        list(entries),
        key="impl",
        format_func=lambda name: f"{name}: {entries[name].title}",
    )
    st.session_state[_KEEP] = impl
    urlstate.publish("impl", impl, DEFAULT_IMPL)
    return str(impl), bool(problem)


def _example_caption(variant: sc.Variant) -> str:
    x = f"x = {np.asarray(variant.x).tolist()}, axis = {variant.axis}"
    if variant.function == "cross_entropy":
        return f"{x}, target = {variant.target} (mean over the slices)"
    return f"{x}, g = {np.asarray(variant.upstream).tolist()}"


def gallery(function: str) -> None:
    """`function`'s gallery entries, each with its example and a button to load it."""
    entries = sc.implementations_for(function)
    with st.expander(f"The bug gallery for f = {function}: load an entry's example"):
        st.caption(
            "Each button loads the entry's own example into the panel (x, axis, "
            + ("target" if function == "cross_entropy" else "g")
            + f", T = 1, f = {function}) and picks the entry."
        )
        for name, entry in entries.items():
            variant = entry.variant(function)
            st.markdown(f"**{entry.title}** (`{name}`): {_expected(variant.symptom)}")
            st.caption(_example_caption(variant))
            st.button(
                f"Load the {name} example",
                key=f"gallery-{function}-{name}",
                on_click=_load_example,
                args=example_args(name, variant),
            )


def refusal(inputs: Inputs, mode: str, impl: str) -> str | None:
    """Why `mode` is not offered for this input (too slow here), or None."""
    return compute.gradcheck_refusal(inputs.x.shape, inputs.axes, mode, impl)


def _setting_slider(column, label, name, options, help_text):  # type: ignore[no-untyped-def]
    """A step or tolerance slider, seeded from and mirrored to the link's `name`.

    Returns its value and whether the link's value was refused this run.
    """
    key = f"gc_{name}"
    problem = urlstate.seed_widget(name, key, checksettings.reader(name, options))
    st.session_state.setdefault(key, AUTO)
    value = column.select_slider(
        label,
        checksettings.options_with(options, st.session_state[key]),
        key=key,
        format_func=lambda v: (
            ("auto: ∛ε" if name == "eps" else "auto") if v == AUTO else f"{v:.0e}"
        ),
        help=help_text,
    )
    if problem:
        column.error(f"{problem}. {_PICK}")
    urlstate.publish(name, checksettings.format_setting(value), AUTO)
    return value, bool(problem)


def choose_settings(
    inputs: Inputs, impl: str
) -> tuple[str, object, object, object, bool]:
    """Mode, step and tolerances, mirrored to the link; too slow modes left out.

    The last value says whether a setting from the link was refused this run:
    the widget then shows its default, and the check waits for the learner.
    """
    modes = [m for m in MODES if refusal(inputs, m, "") is None]
    problem = urlstate.seed_widget("mode", "gc_mode", checksettings.read_mode)
    if problem is None and st.session_state.get("gc_mode") not in (None, *modes):
        wanted = st.session_state["gc_mode"]
        problem = (
            f"**mode** = {wanted!r} is not offered for this input: "
            f"{refusal(inputs, wanted, '')}"
        )
    if st.session_state.get("gc_mode") not in modes:
        st.session_state["gc_mode"] = modes[0]
    left, mid, right, far = st.columns([1.3, 1, 1, 1])
    mode = left.radio(
        "Mode",
        modes,
        key="gc_mode",
        format_func=lambda m: m,
        captions=[MODE_HELP[m] for m in modes],
    )
    if problem:
        left.error(f"{problem}. {_PICK}")
    urlstate.publish("mode", str(mode), checksettings.DEFAULT_MODE)
    for missing in (m for m in MODES if m not in modes):
        left.caption(f"*{missing}* is not offered: {refusal(inputs, missing, '')}")
    eps, eps_refused = _setting_slider(
        mid,
        "Step eps",
        "eps",
        EPS_OPTIONS,
        "The step for element i is eps · max(1, |x_i − m|), m the max of its "
        "slice (softmax only sees differences within a slice). auto is the cube "
        "root of float64's machine epsilon, which balances truncation and rounding.",
    )
    rtol, rtol_refused = _setting_slider(
        right,
        "rtol",
        "rtol",
        RTOL_OPTIONS,
        "Relative tolerance of the pass rule |a − n| ≤ atol + rtol · |n|; "
        "auto follows torch.autograd.gradcheck for float64.",
    )
    atol, atol_refused = _setting_slider(
        far,
        "atol",
        "atol",
        ATOL_OPTIONS,
        "Absolute tolerance of the pass rule; auto follows "
        "torch.autograd.gradcheck for float64.",
    )
    refused = bool(problem) or eps_refused or rtol_refused or atol_refused
    return str(mode), eps, rtol, atol, refused


def upstream_scale(inputs: Inputs) -> np.ndarray:
    """What weighs the outputs in L, for the rounding rules: g, or for the mean
    cross-entropy −t/N, whose entries are at most 1 (ones bound it)."""
    if inputs.function == "cross_entropy":
        return np.ones_like(inputs.x)
    return inputs.upstream


def verdict(report: sc.GradcheckReport, upstream: np.ndarray) -> None:
    """PASS or FAIL, big and coloured, and the errors with how to read them."""
    word, _, rest = report.verdict.partition(":")
    colour, icon = ("green", "✓") if report.passed else ("red", "✗")
    with st.container(border=True):
        st.markdown(f"# :{colour}-background[:{colour}[{icon} {word}]]")
        st.markdown(rest.strip())
    fine, wrong = FINE_REL_ERROR, WRONG_REL_ERROR
    cols = st.columns(4)
    for column, reading in zip(
        cols[:2], rounding.read_errors(report, upstream), strict=True
    ):
        column.metric(reading.label, reading.value)
        column.caption(f"reads as: **{reading.reading}**")
    cols[2].metric("max absolute error", f"{report.max_abs_error:.2e}")
    cols[3].metric("forward evaluations", f"{report.n_evaluations:,}")
    st.caption(
        f"Rules of thumb: a relative error of about {fine:.0e} or less is fine for a "
        f"smooth function like softmax (a correct backward pass scores 1e-10 to "
        f"1e-8); above {wrong:.0e} the gradient is wrong; in between, look closer "
        "(float32, a step too large or too small, a kink). The max relative error is "
        "|a − n| / max(|a|, |n|) per element (CS231n), the norm relative error "
        "‖a − n‖ / (‖a‖ + ‖n‖) (Andrew Ng). The pass rule is "
        f"|a − n| ≤ atol + rtol · |n| everywhere, with atol = {report.atol:.0e} and "
        f"rtol = {report.rtol:.0e}."
    )


def gradient_maps(inputs: Inputs, report: sc.GradcheckReport) -> None:
    """Heatmaps of the analytic and numeric gradients and of their difference."""
    x = inputs.x
    if report.numeric is None:  # directional mode
        st.subheader("Directional derivatives")
        tols = rounding.gradcheck_zero_tols(report, upstream_scale(inputs))
        analytic, numeric = report.directional_analytic, report.directional_numeric
        views.chart(
            figures.direction_bars(analytic, numeric, zero_tol=tols),
            alttext.direction_alt(analytic, numeric, zero_tol=tols),
            key="gradcheck-directions",
        )
        st.dataframe(
            pd.DataFrame(
                {
                    "analytic wᵀa": report.directional_analytic,
                    "numeric": report.directional_numeric,
                    "|a − n|": report.abs_error,
                    "relative error": report.rel_error,
                }
            ).style.format("{:.6g}")
        )
        return
    st.subheader("Analytic, numeric and their difference")
    if x.ndim > 2:
        st.caption(
            f"x is {x.ndim}-D: pick the two dims to show and an index for the rest."
        )
    rows, cols, index = arrayview.pick_view(x.shape, key="gradcheck-view", param="view")
    tol_a, tol_n = rounding.gradcheck_zero_tols(report, upstream_scale(inputs))
    panels = [
        ("analytic (backward pass)", report.analytic, "signed", tol_a),
        ("numeric (finite differences)", report.numeric, "signed", tol_n),
        ("|analytic − numeric|", report.abs_error, "error", 0.0),
    ]
    for column, (title, array, kind, tol) in zip(st.columns(3), panels, strict=True):
        view = arrayview.view_2d(array, rows, cols, index)[:MAX_VIEW, :MAX_VIEW]
        with column:
            if kind == "signed":
                fig = figures.heatmap(
                    view,
                    diverging=True,
                    title=title,
                    value_format=".3~g",
                    zero_tol=tol,
                )
                takeaway = alttext.array_alt(view, name=title, zero_tol=tol)
            else:
                fig = figures.log_error_heatmap(view, title=title + " (log scale)")
                takeaway = alttext.error_alt(view, name=title)
            views.chart(fig, takeaway, key=f"gradcheck-{kind}-{title.split()[0]}")


def slice_table(inputs: Inputs, report: sc.GradcheckReport) -> None:
    """The slices with the largest error, worst first."""
    if report.slice_max_error is None:
        return
    worst = worst_slices(report.slice_max_error, WORST_ROWS)
    total = report.slice_max_error.size
    st.subheader("Worst error per slice")
    shown = "" if total <= WORST_ROWS else f" (the {WORST_ROWS} worst of {total:,})"
    st.caption(
        f"Each row is one slice{shown}: its largest |analytic − numeric|. A "
        "stale-counter bug shows here as the first slice right and the others wrong."
    )
    frame = pd.DataFrame(
        {
            "slice": [
                explain.slice_expression(inputs.x.ndim, inputs.axes, index)
                for index, _ in worst
            ],
            "worst |a − n|": [value for _, value in worst],
        }
    )
    st.dataframe(frame.style.format({"worst |a − n|": "{:.3e}"}), hide_index=True)


def all_ones_lesson(inputs: Inputs) -> None:
    """Why the stale counter hid: with g = ones the right answer is zero anyway."""
    constant = sc.constant_along_slices(inputs.upstream, inputs.axes)
    now = (
        " Your upstream gradient is constant along each slice right now, so the "
        "true gradient is zero, and any backward pass that also returns zero, the "
        "stale counter included, passes here."
        if constant
        else ""
    )
    st.info(
        "**The all-ones lesson.** With g = ones, the correct gradient is exactly "
        "zero (each slice's Jacobian rows sum to 0). The stale counter also gives "
        "exactly zero there, because every slice's upstream gradient is the same "
        "row of ones: its check passes on that input, which is why the bug hid. "
        "Only an upstream gradient that differs between slices exposes it." + now,
        icon="💡",
    )
    # The button sits in the check's fragment, but g is the panel's: the
    # callback sets it, then the whole page reruns to read it.
    if st.button("Try it: set g = ones", on_click=_set_upstream, args=("ones",)):
        st.rerun()


st.title("Gradcheck: numeric vs analytic gradients")
st.markdown(
    "A gradient check compares a backward pass (the analytic gradient a) with "
    "central finite differences of the loss (the numeric gradient n): "
    "L = Σ g ⊙ softmax(x / T), L = Σ g ⊙ log_softmax(x / T), or the mean "
    "cross-entropy, "
    "as f in the panel says. Pick an implementation, correct or with a planted "
    "bug, and see whether the check catches it."
)

impl_problem = read_impl_link()
if impl_problem and panel.problems():
    st.error(impl_problem)  # the page stops below, before the picker is drawn
elif impl_problem:
    st.session_state[_IMPL_PROBLEM] = impl_problem
inputs = current_inputs()
if inputs.g_note and inputs.function != "cross_entropy":
    st.info(inputs.g_note, icon="↪️")
if classroom.quiz_mode():
    classroom.quiz_section(inputs)  # no picker, no gallery: they name the bugs
    links.share_box()
    st.stop()
predicting = classroom.predict_mode()
classic = (PRESETS["classic"][0], "1", "[[1, 0], [0, 1]]", "stale_counter")
st.button(
    "Reproduce the classic stale-counter failure",
    on_click=_load_example,
    args=classic,
    type="primary",
    help="x = [[1, 2], [3, 4]], axis = 1, g = [[1, 0], [0, 1]], f = softmax, "
    "impl = stale_counter",
)
# The gallery's buttons change the shared panel, so they stay outside the
# fragment (a button inside one reruns only the fragment, not the panel).
gallery(inputs.function)


def what_is_checked(inputs: Inputs, impl: str) -> None:
    """Say which loss is differentiated, with which target or mask."""
    if inputs.function == "cross_entropy":
        st.caption(
            f"f = cross_entropy: L is {LOSS['cross_entropy']} against target "
            f"`{inputs.target_text}`, over the N slices that take part; the "
            "check's upstream gradient is 1 and the panel's g is not used."
        )
    else:
        st.caption(f"f = {inputs.function}: L is {LOSS[inputs.function]}.")
    if inputs.mask is not None:
        st.caption(
            f"mask `{inputs.mask_text}`: the core's gradcheck takes no mask, so "
            f"`{impl}` is wrapped the way attention code applies one: masked "
            "logits are set to −inf before its code sees them, masked outputs "
            "and their upstream gradient are left out of L, and its gradient "
            "there is taken as 0. The finite differences check the unmasked "
            "entries. " + masking.fully_masked_note(inputs.mask, inputs.axes)
        )


def run_check(
    inputs: Inputs, impl: str, mode: str, settings: tuple[float | None, ...]
) -> sc.GradcheckReport | None:
    """The check, or None with the reason on the page (too slow, or refused)."""
    why_not = refusal(inputs, mode, impl)
    if why_not:
        st.warning(why_not)
        return None
    try:
        with st.spinner(f"Running the {mode} check of {impl}…"):
            return compute.run_gradcheck(
                inputs.x,
                inputs.upstream,
                inputs.axes,
                impl,
                mode,
                inputs.temperature,
                *settings,
                inputs.mask,
                inputs.function,
                inputs.target,
            )
    except (ValueError, TypeError) as exc:
        st.error(f"The gradient check could not run on this input: {exc}")
        return None


def check_call(inputs: Inputs, impl: str, mode: str, settings: str) -> str:
    """The ``sc.gradcheck`` call this page makes, as a learner would type it."""
    cross_entropy = inputs.function == "cross_entropy"
    call = (
        f"sc.gradcheck(x, {'1.0' if cross_entropy else 'g'}, "
        f"axis={inputs.axis_arg!r}, function={inputs.function!r}, "
        + ("target=t, " if cross_entropy else "")
        + f"implementation={impl!r}, mode={mode!r}, "
        f"temperature={inputs.temperature:g}"
        + (f", {settings}" if settings else "")
        + (", where=mask" if inputs.mask is not None else "")
        + ")"
    )
    return (
        f"This page's check: `{call}`. The NumPy code below checks the "
        "correct backward pass of the same loss the same way, with central "
        "differences one element at a time."
    )


@st.fragment
def check_section(inputs: Inputs, predicting: bool = False) -> None:
    """Implementation, settings and the check: reruns alone when they change.

    `predicting` (``predict=1``): the verdict and the numbers wait for a
    PASS/FAIL prediction.
    """
    impl, refused = choose_implementation(inputs.function)
    if refused:
        choose_settings(inputs, impl)  # a bad setting in the link is said too
        return  # nothing computed from the default the learner did not pick
    entry = sc.IMPLEMENTATIONS[impl]
    variant = entry.variant(inputs.function)
    st.markdown(f"**{entry.title}.** {entry.explanation}")
    what_is_checked(inputs, impl)
    mode, eps, rtol, atol, refused = choose_settings(inputs, impl)
    if refused:
        return  # nothing computed with a setting the learner did not pick
    eps_v, rtol_v, atol_v = (
        None if v == AUTO else float(v)  # type: ignore[arg-type]
        for v in (eps, rtol, atol)
    )
    report = run_check(inputs, impl, mode, (eps_v, rtol_v, atol_v))
    if report is not None and predicting:
        shown = classroom.predict_verdict(
            inputs, impl, report, correct_code=variant.correct, symptom=variant.symptom
        )
        report = report if shown else None
    if report is not None:
        verdict(report, upstream_scale(inputs))
        if inputs.function == "softmax":
            all_ones_lesson(inputs)  # next to the verdict it explains
        gradient_maps(inputs, report)
        slice_table(inputs, report)

    reference = REFERENCE[inputs.function]
    views.how_it_works(
        "gradcheck",
        variant.backward,
        reference,
        intro=(
            f"`gradcheck(function={inputs.function!r})` runs `{impl}`'s "
            f"{'gradient' if inputs.function == 'cross_entropy' else 'backward pass'}"
            " and central differences of its "
            f"{'loss' if inputs.function == 'cross_entropy' else 'forward pass'}: "
            "`steps` picks each entry's step and `sliced` moves entry k of every "
            f"slice at once (2n evaluations). The core's own is `{reference}`."
        ),
    )
    results = {}
    if report is not None:
        results["analytic"] = report.analytic
        if report.numeric is not None:
            results["numeric"] = report.numeric
    settings = ", ".join(
        f"{name}={value!r}"
        for name, value in (("eps", eps_v), ("rtol", rtol_v), ("atol", atol_v))
        if value is not None
    )
    views.reproduce_in_code(
        inputs,
        results,
        note=check_call(inputs, impl, mode, settings),
        check=Check(impl, variant.correct, eps_v, rtol_v, atol_v),
    )
    if report is not None:
        notebook.notebook_download(inputs, implementation=impl)
    # impl, mode, eps, rtol and atol are in the link: the box shows the new one
    # after each rerun of this fragment.
    links.share_box()


check_section(inputs, predicting)
