"""Explore: softmax's forward pass on the shared input, side by side."""

import math

import numpy as np
import streamlit as st

import softmax_core as sc
from softmax_app import (
    arrayview,
    compute,
    links,
    losses,
    masking,
    notebook,
    readings,
    views,
)
from softmax_app.panel import Inputs, current_inputs
from softmax_app.render import alttext, figures, masked
from softmax_core.slices import batch_shape, slice_length

#: Heatmaps and tables show at most this many rows and columns of the view.
MAX_VIEW = 100


def side_by_side(inputs: Inputs, y: np.ndarray) -> None:
    """Tables and heatmaps of x and softmax(x), with the softmax direction marked."""
    x, axes = inputs.x, inputs.axes
    if x.ndim > 2:
        st.caption(
            f"x is {x.ndim}-D: pick the two dims to show and an index for the rest."
        )
    rows, cols, index = arrayview.pick_view(x.shape, key="explore-view", param="view")
    xv = arrayview.view_2d(x, rows, cols, index)
    yv = arrayview.view_2d(y, rows, cols, index)
    kv = None
    if inputs.mask is not None:
        kv = arrayview.view_2d(inputs.mask, rows, cols, index)[:MAX_VIEW, :MAX_VIEW]
    direction = figures.softmax_direction(axes, rows, cols, x.ndim)
    st.info(direction.note, icon="➡️")
    if xv.shape[0] > MAX_VIEW or xv.shape[1] > MAX_VIEW:
        st.caption(
            f"The view is {xv.shape[0]} x {xv.shape[1]}; showing its first "
            f"{MAX_VIEW} rows and columns."
        )
        xv, yv = xv[:MAX_VIEW, :MAX_VIEW], yv[:MAX_VIEW, :MAX_VIEW]
    for column, name, view, title in zip(
        st.columns(2),
        ("x", "y"),
        (xv, yv),
        ("x (logits)", "y = softmax(x / T)"),
        strict=True,
    ):
        if x.ndim > 2:
            title += ": " + figures.view_label(name, x.ndim, rows, cols, index)
        with column:
            views.array_table(view, caption=title, kept=kv)
            fig = figures.heatmap(
                view,
                title=title,
                x_title=direction.x_title,
                y_title=direction.y_title,
                value_format=".4~g",
            )
            fig = figures.mark_nonfinite(fig, view)
            views.chart(
                masked.mark_masked(fig, kv),
                alttext.array_alt(view, name=title, kept=kv),
                key=f"explore-{name}",
            )
    if kv is not None and not kv.all():
        st.caption(
            "Grey cells are masked: left out of their slice, so their probability "
            "is 0 because nothing was computed there, not because exp gave 0."
        )


@st.fragment
def one_slice(inputs: Inputs, y: np.ndarray) -> None:
    """A bar chart of one softmax slice's probabilities.

    A fragment: picking another slice reruns this section alone (and the link
    box, which holds the slice), not the whole page.
    """
    x, axes = inputs.x, inputs.axes
    st.subheader("One slice")
    st.markdown(
        "Each slice is a probability distribution over its entries. Pick which "
        "slice to plot; change T in the panel and watch it sharpen or flatten."
    )
    index = arrayview.pick_slice(x.shape, axes, key="explore", param="slice")
    label = figures.slice_label("y", x.ndim, axes, index)
    values = arrayview.slice_at(y, axes, index)
    labels = figures.slice_labels(x.shape, axes)
    fig = figures.slice_bar(
        values, title=f"{label} at T = {inputs.temperature:g}", labels=labels
    )
    kept = None
    if inputs.mask is not None:
        kept = arrayview.slice_at(inputs.mask, axes, index)
        fig = masked.mark_masked_bars(fig, kept)
        if not kept.all():
            st.caption(
                "Grey bars are masked entries: their probability is 0 because "
                "they were left out of the slice, not because exp gave 0."
            )
    takeaway = alttext.slice_bar_alt(
        values, label=label, temperature=inputs.temperature, labels=labels, kept=kept
    )
    views.chart(fig, takeaway, key="explore-slice")
    links.share_box()


def function_output(inputs: Inputs, y: np.ndarray) -> None:
    """What the chosen function makes of the probabilities: log y, or the loss."""
    x, axes, t, mask = inputs.x, inputs.axes, inputs.temperature, inputs.mask
    if inputs.function == "log_softmax":
        st.subheader("f = log_softmax: log y")
        log_y = compute.log_forward(x, axes, t, mask)
        rows, cols, index = arrayview.default_view(x.ndim)
        view = arrayview.view_2d(log_y, rows, cols, index)[:MAX_VIEW, :MAX_VIEW]
        kv = None
        if mask is not None:
            kv = arrayview.view_2d(mask, rows, cols, index)[:MAX_VIEW, :MAX_VIEW]
        views.array_table(view, caption="log_softmax(x / T)", kept=kv)
    elif inputs.function == "cross_entropy" and inputs.target is not None:
        loss = losses.loss(x, inputs.target, axes, t, mask)
        n = losses.n_mean(x, axes, t, mask)
        st.subheader("f = cross_entropy: the loss")
        st.metric("mean cross-entropy −Σ t ⊙ log y / N", f"{loss:.8f}")
        st.caption(
            f"target `{inputs.target_text}`, averaged over N = {n} slice(s) with a "
            "target (as torch.nn.functional.cross_entropy)."
        )


def sums_check(y: np.ndarray, axes: tuple[int, ...]) -> None:
    """Whether every slice is a probability distribution (a success only if so)."""
    check = sc.slice_sums(y, axes)
    alerts = {"success": st.success, "info": st.info, "warning": st.warning}
    for reading in readings.slice_sums_readings(check):
        alerts[reading.kind](reading.text)
    if check.n_slices <= 12:
        st.caption("Slice sums: " + ", ".join(f"{s:.17g}" for s in check.sums.ravel()))


st.title("Explore: the forward pass")
st.markdown(
    "Softmax exponentiates each entry and divides by the sum over its slice, so "
    "every slice along the chosen axis becomes a probability distribution. The "
    "temperature T divides the logits first: below 1 it sharpens towards the "
    "largest entry, above 1 it flattens towards uniform."
)

inputs = current_inputs()
x, axes, t = inputs.x, inputs.axes, inputs.temperature
try:
    y = compute.forward(x, axes, t, inputs.mask)
except (ValueError, TypeError) as exc:
    st.error(f"softmax could not run on this input: {exc}")
    y = None

if y is not None:
    st.markdown(
        f"x has shape `{x.shape}`; softmax along axis `{inputs.axis_text}` "
        f"(dim {', '.join(map(str, axes))}): "
        f"{math.prod(batch_shape(x.shape, axes))} slice(s) of "
        f"{slice_length(x.shape, axes)} entries each, T = {t:g}."
    )
    if inputs.mask is not None:
        st.markdown(f"mask `{inputs.mask_text}`: masked entries take no part.")
        note = masking.fully_masked_note(inputs.mask, axes)
        if note:
            st.info(note, icon="🕳️")
    side_by_side(inputs, y)
    function_output(inputs, y)
    one_slice(inputs, y)
    sums_check(y, axes)
    views.how_it_works(
        "softmax",
        intro=(
            "`softmax` checks its arguments, then runs the code below: "
            "`_shifted` divides by T and subtracts each slice's maximum (in the "
            "order that cannot overflow), so `exp` never overflows; `_softmax` "
            "exponentiates and divides by the slice sums."
        ),
    )
    views.reproduce_in_code(inputs, {"y": y})
    notebook.notebook_download(inputs)
