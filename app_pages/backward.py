"""Backward: each slice's Jacobian, and the vector-Jacobian product step by step."""

import math

import numpy as np
import streamlit as st

import softmax_core as sc
from softmax_app import (
    arrayview,
    classroom,
    compute,
    links,
    losses,
    masking,
    notebook,
    rounding,
    views,
)
from softmax_app.panel import Inputs, current_inputs
from softmax_app.render import alttext, explain, figures, losslatex, masked
from softmax_app.tangents import tangent_section
from softmax_core.slices import batch_shape, slice_length, to_slices

#: Jacobian heatmaps are drawn up to this slice length; above, a summary.
MAX_HEATMAP_N = 64
#: The step-by-step panel builds the chosen slice's Jacobian up to this length.
MAX_STEPS_N = 1024
#: Small multiples: how many of the first slices to draw.
SMALL_MULTIPLES = 6
#: Heatmaps of g and dL/dx show at most this many rows and columns.
MAX_VIEW = 100


READING = {
    "softmax": (
        "**Reading J.** Row i shows how output y_i responds to each input x_j. "
        "The diagonal y_i (1 − y_i) / T is positive: raising a logit raises "
        "its own probability. Off the diagonal, −y_i y_j / T is negative: it "
        "takes probability from the others. J is symmetric, and every row sums "
        "to 0, because the outputs always sum to 1, so moving every input of "
        "the slice together changes nothing."
    ),
    "log_softmax": (
        "**Reading J of log-softmax.** Row i is (e_i − y)/T: raising x_i raises "
        "log y_i by (1 − y_i)/T, and raising any x_j lowers it by y_j/T. Every "
        "row sums to 0 (log-probabilities ignore a shift too), but J is **not "
        "symmetric**: entry [i, j] is −y_j/T, which depends on j only. So Jᵀg "
        "and J g differ, and a backward pass that forgets the transpose is wrong."
    ),
}
READING["cross_entropy"] = (
    "**Cross-entropy goes through log-softmax**: L = −Σ t ⊙ log y / N, so its "
    "gradient is the log-softmax VJP of the upstream gradient −t/N. This is "
    "log-softmax's Jacobian (I − 1yᵀ)/T, the matrix that VJP multiplies by, "
    "not symmetric. " + READING["log_softmax"].split("**", 2)[2].split(". ", 1)[1]
)


def jacobian_title(function: str, expr: str) -> str:
    """The heatmap title: whose Jacobian, and what an entry means."""
    if function == "softmax":
        return f"J of {expr}: entry [i, j] = ∂y_i / ∂x_j"
    return f"J of log_softmax({expr}): entry [i, j] = ∂log y_i / ∂x_j"


def jacobian_name(function: str, expr: str) -> str:
    """Whose Jacobian the heatmap shows, for its takeaway sentence."""
    return f"J for {expr}" if function == "softmax" else f"J of log_softmax({expr})"


def jacobian_of_slice(
    inputs: Inputs,
    jacobian: np.ndarray | None,
    y_slice: np.ndarray,
    expr: str,
    kept: np.ndarray | None,
) -> None:
    """The chosen slice's Jacobian: a heatmap up to n = 64, else a summary."""
    n = y_slice.size
    if jacobian is not None and n <= MAX_HEATMAP_N:
        zero_tol = rounding.jacobian_zero_tol(y_slice, inputs.temperature)
        labels = explain.slice_labels(inputs.x.shape, inputs.axes)
        fig = figures.heatmap(
            jacobian,
            diverging=True,
            title=jacobian_title(inputs.function, expr),
            x_labels=labels,
            y_labels=labels,
            x_title="input position j",
            y_title="output position i",
            value_format=".4~g" if n <= 6 else ".2~g",
            height=min(640, 140 + 48 * n) if n <= 12 else 600,
            zero_tol=zero_tol,
        )
        # A small matrix drawn full width has cells like banners: give it a
        # column and put the reading guide beside it.
        if kept is not None:
            fig = masked.mark_masked(fig, np.outer(kept, kept))
        left, right = st.columns([3, 2]) if n <= 8 else (st.container(), st.container())
        with left:
            views.chart(
                fig,
                alttext.jacobian_alt(
                    jacobian,
                    name=jacobian_name(inputs.function, expr),
                    kept=kept,
                    zero_tol=zero_tol,
                ),
                key="backward-jacobian",
            )
        right.markdown(READING[inputs.function])
        if kept is not None and not kept.all():
            right.caption(
                "Grey rows and columns are masked entries: their outputs are "
                "constants and their inputs take no part, so they are left out."
            )
        return
    if inputs.function != "softmax":
        st.info(
            f"This slice has n = {n:,} entries; heatmaps are drawn for n ≤ "
            f"{MAX_HEATMAP_N}. Its Jacobian is (I − 1yᵀ)/T: row i is (e_i − y)/T."
        )
        return
    summary = sc.jacobian_summary(y_slice, inputs.temperature)
    st.info(
        f"This slice has n = {n:,} entries, so its Jacobian has n² = {n * n:,}; "
        f"heatmaps are drawn for n ≤ {MAX_HEATMAP_N}. What it looks like, "
        "computed from y alone:"
    )
    cols = st.columns(4)
    cols[0].metric("diagonal y_i(1 − y_i)/T: min", f"{summary.diagonal_min:.4g}")
    cols[1].metric("diagonal: max", f"{summary.diagonal_max:.4g}")
    cols[2].metric(
        "max |off-diagonal| y_i y_j / T", f"{summary.max_abs_off_diagonal:.4g}"
    )
    cols[3].metric("trace", f"{summary.trace:.4g}")
    st.caption("Every row sums to 0, and the matrix is symmetric.")


def small_multiples(inputs: Inputs, y: np.ndarray, jacobians: np.ndarray) -> None:
    """The Jacobians of the first few slices, on one shared colour scale."""
    x, axes, t = inputs.x, inputs.axes, inputs.temperature
    batch = batch_shape(x.shape, axes)
    count = min(SMALL_MULTIPLES, math.prod(batch))
    if count < 2 or slice_length(x.shape, axes) > MAX_HEATMAP_N:
        return
    st.subheader(f"The first {count} slices' Jacobians")
    n = slice_length(x.shape, axes)
    first = to_slices(y, axes).reshape(-1, n)[:count]
    stack = jacobians.reshape(-1, n, n)[:count]
    titles = [
        explain.slice_expression(
            x.ndim, axes, tuple(int(i) for i in np.unravel_index(k, batch))
        )
        for k in range(count)
    ]
    zero_tol = rounding.jacobian_zero_tol(first, t)
    fig = figures.jacobian_grid(
        list(stack),
        titles,
        labels=explain.slice_labels(x.shape, axes),
        zero_tol=zero_tol,
    )
    kept = None
    if inputs.mask is not None:
        kept = to_slices(inputs.mask, axes).reshape(-1, n)[:count]
        fig = masked.mark_masked_grid(fig, kept[:, :, None] & kept[:, None, :])
    takeaway = alttext.grid_alt(list(stack), titles, kept=kept, zero_tol=zero_tol)
    views.chart(fig, takeaway, key="backward-grid")
    st.caption(
        "One colour scale for all panels. Each slice has its own Jacobian: a "
        "slice's gradient must use that slice's upstream gradient, never another's."
        + (
            " Grey cells are masked rows and columns: left out, not computed."
            if inputs.mask is not None
            else ""
        )
    )


def gradient_views(inputs: Inputs, dx: np.ndarray) -> None:
    """Tables and heatmaps of the upstream gradient g and the result dL/dx."""
    x, g = inputs.x, inputs.upstream
    if inputs.function == "cross_entropy" and inputs.target is not None:
        g = inputs.target
        st.subheader("Target t and the gradient dL/dx")
        st.markdown(
            "With L = −Σ t ⊙ log softmax(x / T) / N, the gradient is (y − t)/(N T), "
            "slice by slice: the probabilities minus the target."
        )
    else:
        st.subheader("Upstream gradient g and the gradient dL/dx")
        st.markdown(
            f"With L = Σ g ⊙ {'log ' if inputs.function == 'log_softmax' else ''}"
            "softmax(x / T), backpropagation hands the function the upstream gradient "
            "g = ∂L/∂(output) and gets back dL/dx = Jᵀg, slice by slice."
        )
    if x.ndim > 2:
        st.caption(
            f"x is {x.ndim}-D: pick the two dims to show and an index for the rest."
        )
    rows, cols, index = arrayview.pick_view(x.shape, key="backward-view", param="view")
    gv = arrayview.view_2d(g, rows, cols, index)
    dv = arrayview.view_2d(dx, rows, cols, index)
    kv = None
    if inputs.mask is not None:
        kv = arrayview.view_2d(inputs.mask, rows, cols, index)[:MAX_VIEW, :MAX_VIEW]
    if gv.shape[0] > MAX_VIEW or gv.shape[1] > MAX_VIEW:
        st.caption(
            f"The view is {gv.shape[0]} x {gv.shape[1]}; showing its first "
            f"{MAX_VIEW} rows and columns."
        )
        gv, dv = gv[:MAX_VIEW, :MAX_VIEW], dv[:MAX_VIEW, :MAX_VIEW]
    where = "" if x.ndim <= 2 else f" (dims {rows} x {cols}, others at {index})"
    # g is the learner's own numbers; dL/dx can be exactly zero (g constant
    # along the slices) and then comes out as rounding noise, drawn as zero.
    left, right = st.columns(2)
    g_name = "t (target)" if inputs.function == "cross_entropy" else "g (upstream)"
    for column, name, view, tol in (
        (left, g_name, gv, 0.0),
        (right, "dL/dx = Jᵀg", dv, rounding.vjp_zero_tol(g, inputs.temperature)),
    ):
        with column:
            # The table rounds as the heatmap draws: noise reads 0 in both.
            views.array_table(view, caption=name + where, kept=kv, zero_tol=tol)
            fig = figures.heatmap(
                view,
                diverging=True,
                title=name + where,
                value_format=".4~g",
                zero_tol=tol,
            )
            views.chart(
                masked.mark_masked(fig, kv),
                alttext.array_alt(view, name=name + where, kept=kv, zero_tol=tol),
                key=f"backward-{name.split()[0]}",
            )


def loss_steps(
    steps: sc.LogSoftmaxVjpSteps | sc.CrossEntropySteps, n_mean: int
) -> None:
    """Log-softmax's or cross-entropy's steps for one slice, with the numbers."""
    digits = 6 if steps.y.size <= 4 else 4
    for sentence, tex in losslatex.steps_latex(steps, digits, n_mean):
        if sentence:
            st.markdown(sentence)
        st.latex(tex)
    if not math.isfinite(steps.max_difference):
        st.warning("This slice holds NaN or inf, so its gradient is NaN.")


def step_by_step(inputs: Inputs, steps: sc.VjpSteps | None, expr: str) -> None:
    """Both routes to one slice's gradient, with its numbers, and that they agree."""
    st.subheader(f"Step by step for {expr}")
    if steps is None:
        st.info(
            f"This slice has more than {MAX_STEPS_N:,} entries, so its Jacobian is "
            "not built. The formula route y ⊙ (g − ⟨g, y⟩) / T needs only "
            "two passes over the slice; that is what the gradient above used."
        )
        return
    # Six digits for a short slice; four keep a long one's vectors narrow.
    tex = explain.vjp_latex(steps, digits=6 if steps.n <= 4 else 4)
    t_note = "" if inputs.temperature == 1 else ", divided by T"
    st.markdown("**1. The slice's output y and its upstream gradient g**")
    st.latex(tex.inputs)
    st.markdown(
        "**2. Through the Jacobian** (n² numbers). The VJP is Jᵀg; J is symmetric, "
        "so it equals J g."
    )
    st.latex(tex.jacobian)
    st.latex(tex.jacobian_product)
    st.markdown(
        f"**3. Without the Jacobian** (n numbers): subtract ⟨g, y⟩ from g, scale "
        f"by y{t_note}."
    )
    st.latex(tex.dot)
    st.latex(tex.centered)
    st.latex(tex.formula)
    st.markdown("**4. The two routes agree**")
    st.latex(tex.agreement)
    if math.isfinite(steps.max_difference):
        st.caption(
            "A difference around 1e-17 is floating-point rounding: both routes "
            "compute the same numbers in a different order."
        )
    else:
        st.warning("This slice holds NaN or inf, so its gradient is NaN.")


def constant_upstream(inputs: Inputs, dx: np.ndarray) -> None:
    """Detect a constant upstream gradient and explain the zero it produces."""
    largest = float(np.max(np.abs(dx), initial=0.0))
    if sc.constant_along_slices(inputs.upstream, inputs.axes):
        st.success(
            "**Your upstream gradient is constant along each slice, so the gradient "
            "is exactly zero — correct, not a bug.** "
            f"(Largest |dL/dx| here: {largest:.2g}; anything near 1e-17 is "
            "rounding.) Adding the same amount to every logit of a slice leaves "
            "its softmax unchanged, so a loss that weighs all outputs of a slice "
            "equally cannot be changed by x.",
            icon="✅",
        )
    with st.expander("Why does a constant upstream gradient give exactly zero?"):
        st.markdown(
            r"""
If $g = c\,\mathbf{1}$ on a slice, then $\langle g, y\rangle = c \sum_i y_i = c$,
because the probabilities sum to 1, so $g - \langle g, y \rangle = 0$ and the
gradient $y \odot (g - \langle g, y\rangle)/T$ is $0$. Seen through the Jacobian:
every row of $J = (\operatorname{diag}(y) - y y^\top)/T$ sums to
$y_i - y_i \sum_j y_j = 0$, so $J (c\mathbf{1}) = 0$.

This is why `g = ones` is a poor first test of a backward pass: the right answer
is zero, and a backward pass that mixes up the slices' upstream gradients (like
the stale-counter bug on the Gradcheck page) gives zero too.
"""
        )


@st.fragment
def slice_section(inputs: Inputs, y: np.ndarray, n_mean: int) -> None:
    """The picked slice: its Jacobian, then its gradient step by step.

    A fragment: picking another slice reruns this section alone (and the link
    box, which holds the slice), not the whole page.
    """
    x, axes, t, g = inputs.x, inputs.axes, inputs.temperature, inputs.upstream
    function, mask, target = inputs.function, inputs.mask, inputs.target
    n = slice_length(x.shape, axes)
    # (x is never empty here: the panel refuses empty arrays.)
    st.subheader("One slice's Jacobian")
    index = arrayview.pick_slice(x.shape, axes, key="backward", param="slice")
    expr = explain.slice_expression(x.ndim, axes, index)
    y_slice = arrayview.slice_at(y, axes, index)
    g_slice = arrayview.slice_at(g, axes, index)
    kept = None if mask is None else arrayview.slice_at(mask, axes, index)
    steps = other = None
    if n <= MAX_STEPS_N and function == "softmax":
        steps = compute.vjp_steps(y_slice, g_slice, t)
    elif n <= MAX_STEPS_N:
        # log-softmax's steps start from log y, cross-entropy's from the logits.
        source = (
            x if function == "cross_entropy" else compute.log_forward(x, axes, t, mask)
        )
        other = compute.slice_steps(
            function,
            arrayview.slice_at(source, axes, index),
            g_slice,
            t,
            kept,
            None if target is None else arrayview.slice_at(target, axes, index),
            n_mean,
        )
    jacobian = None if steps is None else steps.jacobian
    if isinstance(other, sc.LogSoftmaxVjpSteps):
        jacobian = other.jacobian
    elif other is not None:  # cross-entropy goes through log-softmax's Jacobian
        jacobian = sc.slice_jacobians(
            other.log_y, 0, temperature=t, function="log_softmax", where=kept
        )
    jacobian_of_slice(inputs, jacobian, y_slice, expr, kept)
    if other is not None:
        st.subheader(f"Step by step for {expr}")
        loss_steps(other, n_mean)
    else:
        step_by_step(inputs, steps, expr)
    links.share_box()


@st.fragment
def tangent_fragment(inputs: Inputs, dx: np.ndarray) -> None:
    """The JVP section; a new tangent reruns it alone (and the link box)."""
    tangent_section(inputs, dx)
    links.share_box()


st.title("Backward: Jacobians and the vector-Jacobian product")
st.markdown(
    "Each softmax slice y has an n × n Jacobian J = (diag(y) − y yᵀ)/T: entry "
    "[i, j] says how output i moves when input j does. Backpropagation never needs "
    "J itself, only its product with the upstream gradient, Jᵀg = "
    "y ⊙ (g − ⟨g, y⟩)/T. This page shows both, with the numbers."
)

inputs = current_inputs()
predicting = classroom.predict_mode()
x, axes, t, g = inputs.x, inputs.axes, inputs.temperature, inputs.upstream
mask, function, target = inputs.mask, inputs.function, inputs.target
try:
    y = compute.forward(x, axes, t, mask)
    dx = compute.backward(x, g, axes, t, mask, function, target)
except (ValueError, TypeError) as exc:
    st.error(f"The backward pass could not run on this input: {exc}")
    y = dx = None

if y is not None and dx is not None:
    n = slice_length(x.shape, axes)
    n_slices = math.prod(batch_shape(x.shape, axes))
    g_shown = inputs.g_text if len(inputs.g_text) <= 60 else "array"
    what = (
        f"target `{inputs.target_text}`"
        if function == "cross_entropy"
        else f"upstream gradient `{g_shown}`"
    )
    st.markdown(
        f"**f = {function}**. x has shape `{x.shape}`; softmax along axis "
        f"`{inputs.axis_text}` ({'dim' if len(axes) == 1 else 'dims'} "
        f"{', '.join(map(str, axes))}): {n_slices:,} slice(s) of n = {n:,}, "
        f"T = {t:g}, {what}"
        + ("" if mask is None else f", mask `{inputs.mask_text}`")
        + "."
    )
    if predicting and not classroom.predict_entry(inputs, dx):
        links.share_box()
        st.stop()
    if inputs.g_note and function != "cross_entropy":
        st.info(inputs.g_note, icon="↪️")
    note = masking.fully_masked_note(mask, axes)
    if note:
        st.info(note, icon="🕳️")
    n_mean = losses.n_mean(x, axes, t, mask) if function == "cross_entropy" else 1
    if function == "cross_entropy" and target is not None:
        loss = losses.loss(x, target, axes, t, mask)
        st.metric("loss L = −Σ t ⊙ log y / N (mean cross-entropy)", f"{loss:.8f}")
        st.caption(f"N = {n_mean}: the mean is over the slices with a target.")
    if function == "softmax":
        constant_upstream(inputs, dx)

    stack = None
    if n <= MAX_HEATMAP_N:
        try:
            stack = compute.jacobians(
                x, axes, t, compute.PAGE_MAX_JACOBIAN_BYTES, mask, function
            )
        except ValueError as exc:
            st.error(
                f"The Jacobians of all slices are not built: {exc}. The chosen "
                "slice's Jacobian is still shown below."
            )

    slice_section(inputs, y, n_mean)
    if stack is not None:
        small_multiples(inputs, y, stack)
    gradient_views(inputs, dx)
    tangent_fragment(inputs, dx)

    reference = {"softmax": "softmax_vjp", "log_softmax": "log_softmax_vjp"}
    views.how_it_works(
        reference.get(function, "log_softmax_vjp"),
        "slice_jacobians",
        sc.vjp_steps,
        intro=(
            f"The gradient comes from `{reference.get(function, 'log_softmax_vjp')}`"
            " (two passes, no Jacobian; cross-entropy hands it −t/N); the "
            "heatmaps from `slice_jacobians`; the softmax step-by-step panel "
            "from `vjp_steps`, which computes both routes for one slice."
        ),
    )
    results = {"dx": dx} if stack is None else {"dx": dx, "J": stack}
    views.reproduce_in_code(inputs, results)
    notebook.notebook_download(inputs)
