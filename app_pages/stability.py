"""Stability: why softmax subtracts the max, and why log_softmax exists."""

import dataclasses
import math

import numpy as np
import pandas as pd
import streamlit as st

import softmax_core as sc
from softmax_app import (
    arrayview,
    compute,
    links,
    masking,
    notebook,
    urlstate,
    views,
)
from softmax_app.panel import Inputs, current_inputs
from softmax_app.render import alttext, figures, masked

#: Logit scales on the slider: roughly even steps on a log scale, 1 to 1000.
SCALES = (
    1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0, 70.0, 100.0,
    150.0, 200.0, 300.0, 500.0, 700.0, 1000.0,
)  # fmt: skip
#: The finer grid the naive softmax is swept over for the chart.
SWEEP = tuple(float(s) for s in np.geomspace(1.0, 1000.0, 121))
#: Heatmaps show at most this many rows and columns of the view (four heatmaps
#: of 100 x 100 took 0.8 s to build; 50 x 50 keeps a rerun well under a second).
MAX_VIEW = 50
#: The dtype table shows at most this many entries of the chosen slice.
MAX_SLICE_COLUMNS = 24


def _scale_text(scale: float) -> str:
    """Return the scale as in the link: ``300``, or every digit when needed."""
    short = f"{scale:g}"
    return short if float(short) == scale else repr(scale)


def _slider_moved() -> None:
    st.session_state["scale_number"] = float(st.session_state["scale"])


def _number_typed() -> None:
    st.session_state["scale"] = float(st.session_state["scale_number"])


def scale_control() -> float:
    """The logit scale: a slider of round values and, beside it, any exact number.

    Both stay in step and are mirrored in the URL as ``scale``. The number box
    reaches values between the slider's stops, e.g. exactly where exp overflows.
    """
    raw = urlstate.incoming("scale")
    if raw is not None:
        try:
            value = float(raw)
            ok = math.isfinite(value) and SCALES[0] <= value <= SCALES[-1]
        except ValueError:
            ok = False
        if ok:
            st.session_state["scale"] = value
        else:
            st.error(
                f"**scale** = {raw!r} is not a valid logit scale: it must be a "
                f"number from {SCALES[0]:g} to {SCALES[-1]:g}. Using scale = 1."
            )
    st.session_state.setdefault("scale", 1.0)
    current = float(st.session_state["scale"])
    st.session_state["scale_number"] = current
    left, right = st.columns([3, 1])
    left.select_slider(
        "Logit scale: x is multiplied by",
        options=sorted(set(SCALES) | {current}),
        key="scale",
        format_func=lambda v: f"{v:g}",
        on_change=_slider_moved,
        help="Scale up the logits until the naive formula breaks.",
    )
    right.number_input(
        "or type the exact scale",
        min_value=SCALES[0],
        max_value=SCALES[-1],
        step=1.0,
        format="%.10g",
        key="scale_number",
        on_change=_number_typed,
        help="Any number from 1 to 1000, e.g. the breaking point the overflow "
        "section predicts, or just below it.",
    )
    scale = float(st.session_state["scale"])
    urlstate.publish("scale", _scale_text(scale), "1")
    return scale


def marked_heatmap(
    z: np.ndarray, title: str, key: str, kept: np.ndarray | None, **options: str
) -> None:
    """A heatmap with its inf/NaN cells painted and labelled, masked cells grey."""
    fig = figures.mark_nonfinite(figures.heatmap(z, title=title, **options), z)
    takeaway = alttext.array_alt(z, name=title, kept=kept)
    views.chart(masked.mark_masked(fig, kept), takeaway, key=key)


def mask_view(inputs: Inputs, view: tuple) -> np.ndarray | None:
    """The mask of the drawn view, or None without a mask."""
    if inputs.mask is None:
        return None
    rows, cols, index = view
    return arrayview.view_2d(inputs.mask, rows, cols, index)[:MAX_VIEW, :MAX_VIEW]


def overflow_section(
    inputs: Inputs, scale: float, naive: np.ndarray, stable: np.ndarray, view: tuple
) -> None:
    x, axes, t = inputs.x, inputs.axes, inputs.temperature
    rows, cols, index = view
    threshold = sc.overflow_threshold()
    st.subheader("1. Overflow: the naive formula against the max shift")
    st.latex(
        r"\text{naive}_i = \frac{e^{x_i/T}}{\sum_j e^{x_j/T}} \qquad "
        r"\text{softmax}_i = \frac{e^{(x_i - m)/T}}{\sum_j e^{(x_j - m)/T}},"
        r"\quad m = \max_j x_j"
    )
    direction = figures.softmax_direction(axes, rows, cols, x.ndim)
    height, width = arrayview.view_2d(naive, rows, cols, index).shape
    if height > MAX_VIEW or width > MAX_VIEW:
        st.caption(
            f"The view is {height} x {width}; the heatmaps show its first "
            f"{MAX_VIEW} rows and columns."
        )
    left, right = st.columns(2)
    for column, z, name, title in (
        (left, naive, "naive", "naive: exp(x/T) / Σ exp(x/T)"),
        (right, stable, "stable", "softmax: max-shifted"),
    ):
        zv = arrayview.view_2d(z, rows, cols, index)[:MAX_VIEW, :MAX_VIEW]
        with column:
            marked_heatmap(
                zv,
                f"{title}, scale {_scale_text(scale)}",
                f"stability-{name}",
                mask_view(inputs, view),
                x_title=direction.x_title,
                y_title=direction.y_title,
            )
    now = compute.naive_sweep(x, axes, t, (scale,))
    predicted = sc.overflow_scale(x, temperature=t)
    broken = float(now.broken_fraction[0])
    if broken > 0:
        overflowed = predicted is not None and scale > predicted
        why = (
            f"`exp` overflows float64 once its argument passes **{threshold:.2f}**: "
            f"exp(709.78) ≈ 1.8e308 is the largest float64, so exp of anything "
            f"larger is inf and inf / inf is NaN; the rest of such a slice comes "
            f"out 0, also wrong. The max-shifted softmax keeps every exponent ≤ 0, "
            f"so nothing overflows."
            if overflowed
            else f"No exponent passes the overflow threshold {threshold:.2f} yet: "
            f"these slices are all -inf (fully masked) or so negative that every "
            f"exponential underflows to 0, and 0 / 0 is NaN. The max-shifted "
            f"softmax shifts such slices by 0 and returns zeros for a fully "
            f"masked one."
        )
        st.warning(
            f"At scale {_scale_text(scale)}, **{broken:.0%} of the slices** of "
            f"the naive softmax contain inf or NaN (orange cells). {why}",
            icon="⚠️",
        )
    elif predicted is not None:
        st.success(
            f"At scale {_scale_text(scale)} the naive softmax still works: every "
            f"x·scale/T stays below {threshold:.2f} (exp(709.78) ≈ 1.8e308, the "
            f"largest float64). With these logits it breaks just above scale "
            f"**{predicted:.12g}** ({threshold:.2f} × T / max x): type it in the "
            f"scale box to see the edge.",
            icon="✅",
        )
    else:
        st.success(
            f"At scale {_scale_text(scale)} the naive softmax still works. No logit is "
            f"positive, so exp cannot overflow (above {threshold:.2f}); a slice "
            f"far below 0 can still underflow to 0 / 0 = NaN.",
            icon="✅",
        )
    sweep = compute.naive_sweep(x, axes, t, SWEEP)
    views.chart(
        figures.sweep_line(
            sweep.scales,
            sweep.broken_fraction,
            current=scale,
            predicted=predicted,
            title="Naive softmax: share of slices with inf/NaN, by logit scale",
        ),
        alttext.sweep_alt(
            sweep.scales,
            sweep.broken_fraction,
            current=scale,
            current_broken=broken,
            predicted=predicted,
        ),
        key="stability-sweep",
    )


def underflow_section(
    inputs: Inputs, naive_log: np.ndarray, stable_log: np.ndarray, view: tuple
) -> None:
    rows, cols, index = view
    gap = -sc.underflow_threshold()
    st.subheader("2. Underflow: log(softmax(x)) against log_softmax(x)")
    st.latex(
        r"\log\operatorname{softmax}(x)_i = s_i - \log\sum_j e^{s_j},"
        r"\quad s = (x - m)/T"
    )
    direction = figures.softmax_direction(inputs.axes, rows, cols, inputs.x.ndim)
    left, right = st.columns(2)
    for column, z, name, title in (
        (left, naive_log, "naive-log", "log(softmax(x))"),
        (right, stable_log, "log", "log_softmax(x)"),
    ):
        zv = arrayview.view_2d(z, rows, cols, index)[:MAX_VIEW, :MAX_VIEW]
        with column:
            marked_heatmap(
                zv,
                title,
                f"stability-{name}",
                mask_view(inputs, view),
                x_title=direction.x_title,
                y_title=direction.y_title,
            )
    lost = int(np.count_nonzero(np.isneginf(naive_log) & np.isfinite(stable_log)))
    if lost:
        st.warning(
            f"**{lost} entr{'y' if lost == 1 else 'ies'}** of log(softmax(x)) "
            f"are -inf: the probability underflowed to 0, which happens once an "
            f"entry is more than {gap:.2f}·T below its slice's maximum "
            f"(exp(-745.13) rounds to 0 in float64). log_softmax never "
            f"exponentiates and takes the log, so it keeps them finite. A loss "
            f"built on -inf gives an infinite loss and NaN gradients.",
            icon="⚠️",
        )
    else:
        st.success(
            f"No probability underflowed: both agree here. log(softmax(x)) turns "
            f"-inf once an entry sits more than {gap:.2f}·T below its slice's "
            f"maximum; raise the scale to see it.",
            icon="✅",
        )


def dtype_section(inputs: Inputs, results: tuple[sc.DtypeResult, ...]) -> None:
    x, axes = inputs.x, inputs.axes
    st.subheader("3. Precision: float16, float32, float64")
    st.markdown(
        "The same (scaled) logits cast to each dtype. The stable softmax of "
        "float16 is computed in float32 and rounded back (as PyTorch does on "
        "the CPU); the naive one is computed in float16 itself, where `exp` "
        "overflows above 11.09. Errors are against the float64 softmax."
    )

    def error(value: float) -> str:
        if math.isinf(value):
            return "inf/NaN"
        return "0" if value == 0 else f"{value:.2e}"

    summary = pd.DataFrame(
        {
            "exp overflows above": [f"{r.overflow_threshold:.2f}" for r in results],
            "softmax: max |error|": [error(r.stable_error) for r in results],
            "naive: max |error|": [error(r.naive_error) for r in results],
        },
        index=[r.dtype for r in results],
    )
    st.dataframe(summary)
    index = arrayview.pick_slice(x.shape, axes, key="stability", param="slice")
    label = figures.slice_label("y", x.ndim, axes, index)
    labels = figures.slice_labels(x.shape, axes)
    shown = min(len(labels), MAX_SLICE_COLUMNS)
    values = pd.DataFrame(
        [
            arrayview.slice_at(getattr(r, kind), axes, index)[:shown].astype(np.float64)
            for r in results
            for kind in ("stable", "naive")
        ],
        index=[f"{r.dtype} {kind}" for r in results for kind in ("softmax", "naive")],
        columns=labels[:shown],
    )
    more = f" (its first {shown} of {len(labels)} entries)"
    if shown == len(labels):
        more = ""
    st.caption(f"The slice {label} in each dtype{more}")
    views.number_table(values)


st.title("Stability: overflow, underflow and precision")
st.markdown(
    "Softmax and log-softmax are simple formulas that break in floating point "
    "when written naively: `exp` overflows for large logits, and the log of a "
    "probability that rounded to 0 is -inf. Scale the logits up and watch the "
    "naive versions fail while the max-shifted ones stay exact. Every number "
    "below is the shared input x multiplied by the logit scale."
)

inputs = current_inputs()


@st.fragment
def stability_sections(inputs: Inputs) -> None:
    """The scale and everything it changes: reruns alone when the scale moves."""
    scale = scale_control()
    with np.errstate(over="ignore", invalid="ignore"):  # 1e308 * 1000 is inf: shown
        xs = inputs.x * scale
    axes, t = inputs.axes, inputs.temperature
    scaled = dataclasses.replace(
        inputs, x=xs, x_text="" if scale != 1 else inputs.x_text
    )
    # The naive versions take a mask the way attention code usually applies
    # one: masked logits set to -inf. The stable ones take it as where=.
    xm = masking.masked_logits(xs, inputs.mask)
    try:
        naive = compute.naive_forward(xm, axes, t)
        stable = compute.forward(xs, axes, t, inputs.mask)
        naive_log = compute.naive_log_forward(xm, axes, t)
        stable_log = compute.log_forward(xs, axes, t, inputs.mask)
        results = compute.dtype_comparison(xm, axes, t)
    except (ValueError, TypeError) as exc:
        st.error(f"The stability comparison could not run on this input: {exc}")
    else:
        scaled_name = "x" if scale == 1 else f"{_scale_text(scale)}·x"
        st.markdown(
            f"{scaled_name} has shape `{xs.shape}`; softmax along axis "
            f"`{inputs.axis_text}`, T = {t:g}."
        )
        if inputs.mask is not None:
            st.info(
                f"mask `{inputs.mask_text}`: the naive versions and the dtype "
                "table get masked logits set to -inf (as attention code usually "
                "does), the stable ones the mask itself (where=). "
                + masking.fully_masked_note(inputs.mask, axes),
                icon="🕳️",
            )
        if inputs.function != "softmax":
            st.caption(
                f"f = {inputs.function}: this page compares softmax and log-softmax "
                "themselves, whatever the function picked in the panel."
            )
        if xs.ndim > 2:
            st.caption("x is N-D: pick the two dims the heatmaps show.")
        view = arrayview.pick_view(xs.shape, key="stability-view", param="view")
        overflow_section(inputs, scale, naive, stable, view)
        underflow_section(inputs, naive_log, stable_log, view)
        dtype_section(inputs, results)
        views.how_it_works(
            "naive_softmax",
            "softmax",
            "naive_log_softmax",
            "log_softmax",
            intro=(
                "The naive versions live in `softmax_core.stability` only to be shown "
                "failing. The real ones shift by each slice's maximum (`_shifted`) "
                "and compute log-softmax as `s - log(sum(exp(s)))`."
            ),
        )
        views.reproduce_in_code(
            scaled,
            {"naive": naive, "y": stable, "log_naive": naive_log, "log_y": stable_log},
            note=(
                f"x below is the input already multiplied by the logit scale "
                f"{_scale_text(scale)}. The naive softmax is "
                f"`np.exp(x / T) / np.exp(x / T).sum(axis=axis, keepdims=True)`."
            ),
        )
        notebook.notebook_download(scaled)
    # The scale, view and slice are in the link: the box shows the new one
    # after each rerun of this fragment.
    links.share_box()


stability_sections(inputs)
