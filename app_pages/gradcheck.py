"""Gradcheck: numeric against analytic gradients, and the gallery of planted bugs."""

import numpy as np
import pandas as pd
import streamlit as st

import softmax_core as sc
from softmax_app import (
    arrayview,
    checksettings,
    compute,
    links,
    masking,
    panel,
    rounding,
    urlstate,
    views,
)
from softmax_app.checksettings import ATOL_OPTIONS, AUTO, EPS_OPTIONS, RTOL_OPTIONS
from softmax_app.inputs import PRESETS, format_axis
from softmax_app.panel import Inputs, current_inputs
from softmax_app.render import explain, figures
from softmax_app.render.snippets import Check
from softmax_core.gradcheck import MODES
from softmax_core.parsing import format_array
from softmax_core.slices import normalize_axes
from softmax_core.steps import FINE_REL_ERROR, WRONG_REL_ERROR, worst_slices

DEFAULT_IMPL = "vectorized"
# The gallery entries this page checks with f = softmax (an entry lists the
# functions it applies to; double_softmax and missing_mean are cross-entropy's).
SOFTMAX_ENTRIES = sc.implementations_for("softmax")
#: The chosen implementation survives visits to other pages here (a widget's
#: own state is dropped while its page is not shown).
_KEEP = "_gradcheck_impl"
#: Heatmaps show at most this many rows and columns of the view.
MAX_VIEW = 100
#: The per-slice table lists this many of the worst slices.
WORST_ROWS = 20
#: Why the link's ``impl`` could not be used, until the picker shows it.
_IMPL_PROBLEM = "_gradcheck_impl_problem"

MODE_HELP = {
    "sliced": "perturbs position k of every slice at once: 2n forward passes",
    "elementwise": "one element at a time, no assumptions: 2 · size forward passes",
    "directional": "a few random directions u: compares uᵀ∇L, for large arrays",
}


def _load_example(x_text: str, axis_text: str, g_text: str, impl: str) -> None:
    """Button callback: load an example (x, axis, T = 1, g) and pick `impl`."""
    panel.load(x_text, axis_text, 1.0, g_text)
    st.session_state["impl"] = impl
    st.session_state[_KEEP] = impl


def _set_upstream(g_text: str) -> None:
    st.session_state["g"] = g_text


def _entry_args(entry: sc.GalleryEntry) -> tuple[str, str, str, str]:
    """The callback arguments that load a gallery entry's own example."""
    x = np.asarray(entry.x, dtype=np.float64)
    axis_text = format_axis(normalize_axes(entry.axis, x.shape, "gallery"), x.ndim)
    # One line each, so a shared link carries no newlines.
    return (
        format_array(x).replace("\n", ""),
        axis_text,
        format_array(np.asarray(entry.upstream, dtype=np.float64)).replace("\n", ""),
        entry.name,
    )


def _expected(symptom: str) -> str:
    """'PASS: ...' -> 'passes — ...', so only the live verdict says PASS or FAIL."""
    word, _, rest = symptom.partition(":")
    verb = {"PASS": "passes", "FAIL": "fails"}.get(word.strip())
    return f"the check {verb} — {rest.strip()}" if verb else symptom


def read_impl_link() -> str | None:
    """Take a new ``impl`` from the link into the picker's state.

    Runs before the panel's inputs are checked, so a bad ``impl`` is reported
    even when a bad input stops the page. Returns why the link's value cannot
    be used (the picker then shows the default), or None.
    """
    wanted = urlstate.incoming("impl")
    if wanted is None:
        return None
    if wanted in SOFTMAX_ENTRIES:
        st.session_state["impl"] = st.session_state[_KEEP] = wanted
        return None
    st.session_state["impl"] = st.session_state[_KEEP] = DEFAULT_IMPL
    names = ", ".join(f"`{name}`" for name in SOFTMAX_ENTRIES)
    return (
        f"**impl** = {wanted!r} is not an implementation; valid names are "
        f"{names}. Showing `{DEFAULT_IMPL}` instead."
    )


def choose_implementation() -> str:
    """The implementation picker, mirrored to the URL's ``impl``.

    Says beside it, once, why the link's ``impl`` was not used.
    """
    if st.session_state.get("impl") not in SOFTMAX_ENTRIES:
        st.session_state["impl"] = st.session_state.get(_KEEP, DEFAULT_IMPL)
    problem = st.session_state.pop(_IMPL_PROBLEM, None)
    if problem:
        st.error(problem)
    impl = st.selectbox(
        "Implementation under test",
        list(SOFTMAX_ENTRIES),
        key="impl",
        format_func=lambda name: f"{name}: {SOFTMAX_ENTRIES[name].title}",
    )
    st.session_state[_KEEP] = impl
    urlstate.publish("impl", impl, DEFAULT_IMPL)
    return str(impl)


def gallery() -> None:
    """Each planted bug's documented example, with a button that loads it."""
    with st.expander("The bug gallery: load a planted bug's own example"):
        for entry in SOFTMAX_ENTRIES.values():
            if entry.correct:
                continue
            expected = _expected(entry.symptom)
            st.markdown(f"**{entry.title}** (`{entry.name}`): {expected}")
            st.caption(
                f"x = {np.asarray(entry.x).tolist()}, axis = {entry.axis}, "
                f"g = {np.asarray(entry.upstream).tolist()}"
            )
            st.button(
                f"Load the {entry.name} example",
                key=f"gallery-{entry.name}",
                on_click=_load_example,
                args=_entry_args(entry),
            )


def _setting_slider(column, label, name, options, help_text):  # type: ignore[no-untyped-def]
    """A step or tolerance slider, seeded from and mirrored to the link's `name`."""
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
        column.error(f"{problem}. Using {checksettings.format_setting(value)}.")
    urlstate.publish(name, checksettings.format_setting(value), AUTO)
    return value


def choose_settings(inputs: Inputs, impl: str) -> tuple[str, object, object, object]:
    """Mode, step and tolerances, mirrored to the link; too slow modes left out."""
    shape, axes = inputs.x.shape, inputs.axes
    modes = [m for m in MODES if compute.gradcheck_refusal(shape, axes, m, "") is None]
    problem = urlstate.seed_widget("mode", "gc_mode", checksettings.read_mode)
    if problem is None and st.session_state.get("gc_mode") not in (None, *modes):
        wanted = st.session_state["gc_mode"]
        problem = (
            f"**mode** = {wanted!r} is not offered for this input: "
            f"{compute.gradcheck_refusal(shape, axes, wanted, '')}"
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
        left.error(f"{problem}. Using {mode}.")
    urlstate.publish("mode", str(mode), checksettings.DEFAULT_MODE)
    for missing in (m for m in MODES if m not in modes):
        left.caption(
            f"*{missing}* is not offered: "
            f"{compute.gradcheck_refusal(shape, axes, missing, '')}"
        )
    eps = _setting_slider(
        mid,
        "Step eps",
        "eps",
        EPS_OPTIONS,
        "The step for element i is eps · max(1, |x_i − m|), m the max of its "
        "slice (softmax only sees differences within a slice). auto is the cube "
        "root of float64's machine epsilon, which balances truncation and rounding.",
    )
    rtol = _setting_slider(
        right,
        "rtol",
        "rtol",
        RTOL_OPTIONS,
        "Relative tolerance of the pass rule |a − n| ≤ atol + rtol · |n|; "
        "auto follows torch.autograd.gradcheck for float64.",
    )
    atol = _setting_slider(
        far,
        "atol",
        "atol",
        ATOL_OPTIONS,
        "Absolute tolerance of the pass rule; auto follows "
        "torch.autograd.gradcheck for float64.",
    )
    return str(mode), eps, rtol, atol


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
        st.plotly_chart(
            figures.direction_bars(
                report.directional_analytic,
                report.directional_numeric,
                zero_tol=rounding.gradcheck_zero_tols(report, inputs.upstream),
            ),
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
    tol_a, tol_n = rounding.gradcheck_zero_tols(report, inputs.upstream)
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
            else:
                fig = figures.log_error_heatmap(view, title=title + " (log scale)")
            st.plotly_chart(fig, key=f"gradcheck-{kind}-{title.split()[0]}")


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
    st.button("Try it: set g = ones", on_click=_set_upstream, args=("ones",))


st.title("Gradcheck: numeric vs analytic gradients")
st.markdown(
    "A gradient check compares a backward pass (the analytic gradient a) with "
    "central finite differences of the loss L = Σ g ⊙ softmax(x) (the numeric "
    "gradient n). Pick an implementation, correct or with a planted bug, and see "
    "whether the check catches it."
)

impl_problem = read_impl_link()
if impl_problem and panel.problems():
    st.error(impl_problem)  # the page stops below, before the picker is drawn
elif impl_problem:
    st.session_state[_IMPL_PROBLEM] = impl_problem
inputs = current_inputs()
if inputs.g_note:
    st.info(inputs.g_note, icon="↪️")
classic = (PRESETS["classic"][0], "1", "[[1, 0], [0, 1]]", "stale_counter")
st.button(
    "Reproduce the classic stale-counter failure",
    on_click=_load_example,
    args=classic,
    type="primary",
    help="x = [[1, 2], [3, 4]], axis = 1, g = [[1, 0], [0, 1]], impl = stale_counter",
)
# The gallery's buttons change the shared panel, so they stay outside the
# fragment (a button inside one reruns only the fragment, not the panel).
gallery()


@st.fragment
def check_section(inputs: Inputs) -> None:
    """Implementation, settings and the check: reruns alone when they change."""
    if inputs.function == "softmax":
        impl = choose_implementation()
    else:
        impl = st.session_state.get(_KEEP, DEFAULT_IMPL)
        st.info(
            f"**f = {inputs.function}**: this checks the core's own "
            f"{inputs.function} backward pass (log_softmax_vjp"
            + (
                ", with upstream gradient −t/N"
                if inputs.function == "cross_entropy"
                else ""
            )
            + ") against central differences of "
            + (
                "the mean loss L."
                if inputs.function == "cross_entropy"
                else "L = Σ g ⊙ log_softmax(x)."
            )
            + " The gallery's planted bugs are softmax backward passes: pick "
            "f = softmax in the panel to check them.",
            icon="🧪",
        )
    entry = SOFTMAX_ENTRIES[impl]
    if inputs.function == "softmax":
        st.markdown(f"**{entry.title}.** {entry.explanation}")
    if inputs.mask is not None:
        st.caption(
            f"mask `{inputs.mask_text}`: masked logits are set to −inf before the "
            "implementation sees them and its gradient there is taken as 0; the "
            "finite differences check the unmasked entries. "
            + masking.fully_masked_note(inputs.mask, inputs.axes)
        )
    mode, eps, rtol, atol = choose_settings(inputs, impl)
    eps_v, rtol_v, atol_v = (
        None if v == AUTO else float(v)  # type: ignore[arg-type]
        for v in (eps, rtol, atol)
    )

    report = None
    refusal = compute.gradcheck_refusal(inputs.x.shape, inputs.axes, mode, impl)
    if refusal:
        st.warning(refusal)
    else:
        try:
            with st.spinner(f"Running the {mode} check of {impl}…"):
                report = compute.run_gradcheck(
                    inputs.x,
                    inputs.upstream,
                    inputs.axes,
                    impl,
                    mode,
                    inputs.temperature,
                    eps_v,
                    rtol_v,
                    atol_v,
                    inputs.mask,
                    inputs.function,
                    inputs.target,
                )
        except (ValueError, TypeError) as exc:
            st.error(f"The gradient check could not run on this input: {exc}")

    if report is not None:
        verdict(report, inputs.upstream)
        gradient_maps(inputs, report)
        slice_table(inputs, report)

    views.how_it_works(
        "gradcheck",
        entry.backward,
        "softmax_vjp",
        "slice_jacobians",
        intro=(
            f"`gradcheck` runs `{impl}`'s backward pass and central differences of "
            "its forward pass: `steps` picks each entry's step and `sliced` moves "
            "entry k of every slice at once (2n forward passes). The reference VJP "
            "is `softmax_vjp`; the Jacobians come from `slice_jacobians`."
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
        note=(
            f"This page's check: `sc.gradcheck(x, g, axis={inputs.axis_arg!r}, "
            f"implementation={impl!r}, mode={mode!r}, "
            f"temperature={inputs.temperature:g}"
            + (f", {settings}" if settings else "")
            + ")`. The code below checks the correct backward pass the same way."
        ),
        check=Check(impl, entry.correct, eps_v, rtol_v, atol_v),
    )
    # impl, mode, eps, rtol and atol are in the link: the box shows the new one
    # after each rerun of this fragment.
    links.share_box()


check_section(inputs)
all_ones_lesson(inputs)
