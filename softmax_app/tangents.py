"""Forward mode on the Backward page: the JVP J t beside the VJP Jᵀ g.

The tangent t is the direction x moves in, typed in its own box and kept in
the link as ``tangent`` (default ``g``: the upstream gradient, so that for
softmax, whose J is symmetric, the JVP equals the VJP above it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st
from numpy.typing import NDArray

from softmax_app import arrayview, compute, urlstate, views
from softmax_app.inputs import UPSTREAM_KEYWORDS, FloatArray, make_upstream
from softmax_app.panel import Inputs
from softmax_app.render import alttext, figures, masked
from softmax_core import parse_array

__all__ = ["DEFAULT_TANGENT", "make_tangent", "tangent_note", "tangent_section"]

DEFAULT_TANGENT = "g"
_KEY = "backward-tangent"
#: Heatmaps show at most this many rows and columns.
_MAX_VIEW = 100

_WHY = {
    "softmax": (
        "**softmax's J is symmetric** ((diag(y) − y yᵀ)/T), so J t = Jᵀ t for "
        "every t: forward and reverse mode give the same vector. With t = g "
        "(the default) the JVP is exactly the VJP above."
    ),
    "log_softmax": (
        "**log-softmax's J is not symmetric** ((I − 1yᵀ)/T): the JVP "
        "J t = (t − 1⟨y, t⟩)/T subtracts the same number from every entry, "
        "while the VJP Jᵀ t = (t − y Σt)/T subtracts a share proportional to "
        "y. They differ, which is why a backward pass must use Jᵀ."
    ),
}


def tangent_note(text: str, inputs: Inputs) -> str:
    """Say which tangent the JVP below uses, naming g's value when t is ``g``.

    Under cross-entropy the g box takes no part in the loss, so the note says
    that the tangent only borrows its value as a direction.
    """
    if text.strip().lower() != DEFAULT_TANGENT:
        return f"t = `{text}`."
    note = f"t = g, the upstream gradient box: `{inputs.g_text}`."
    if inputs.function == "cross_entropy":
        note += (
            " Cross-entropy's loss does not use g; here g's value is only the "
            "direction x moves in."
        )
    return note


def make_tangent(text: str, inputs: Inputs) -> FloatArray:
    """Read the tangent box: ``g``, a keyword of g's box, or an array of x's shape.

    Raises
    ------
    ValueError
        If the text is none of these, or the array has another shape.
    """
    if text.strip().lower() == DEFAULT_TANGENT:
        return inputs.upstream
    try:
        return make_upstream(text, inputs.x, inputs.axes, parse=parse_array)
    except ValueError as exc:
        raise ValueError(
            str(exc).replace("g has", "the tangent has")
            + f" (or {DEFAULT_TANGENT}: the upstream gradient)"
        ) from None


def _view(a: NDArray[Any], ndim: int) -> NDArray[Any]:
    rows, cols, index = arrayview.default_view(ndim)
    return arrayview.view_2d(a, rows, cols, index)[:_MAX_VIEW, :_MAX_VIEW]


def _heatmaps(inputs: Inputs, jt: FloatArray, dx: FloatArray) -> None:
    kv = None if inputs.mask is None else _view(inputs.mask, inputs.x.ndim)
    for column, name, a in zip(
        st.columns(2),
        ("JVP J t (forward mode)", "VJP Jᵀg (the gradient above)"),
        (jt, dx),
        strict=True,
    ):
        view = _view(a, inputs.x.ndim)
        fig = figures.heatmap(view, diverging=True, title=name, value_format=".4~g")
        with column:
            views.chart(
                masked.mark_masked(fig, kv),
                alttext.array_alt(view, name=name, kept=kv),
                key=f"tangent-{name[:3]}",
            )
    if inputs.x.ndim > 2:
        st.caption("Both show the last two dims at index 0 of the others.")


def tangent_section(inputs: Inputs, dx: FloatArray) -> None:
    """Draw the tangent box, the JVP beside the VJP, and why they agree or not."""
    x, axes, t = inputs.x, inputs.axes, inputs.temperature
    st.subheader("Forward mode: the JVP J t beside the VJP Jᵀg")
    problem = urlstate.seed_widget("tangent", _KEY, str)
    st.session_state.setdefault(_KEY, DEFAULT_TANGENT)
    st.text_input(
        "tangent t: the direction x moves in",
        key=_KEY,
        help=f"{DEFAULT_TANGENT} (the upstream gradient), "
        f"{', '.join(UPSTREAM_KEYWORDS)} or an array of x's shape.",
    )
    text = str(st.session_state[_KEY])
    urlstate.publish("tangent", text, DEFAULT_TANGENT)
    try:
        tangent = make_tangent(text, inputs)
    except ValueError as exc:
        st.error(f"**tangent**: {exc}. The JVP is not computed until it is fixed.")
        return
    if problem:
        st.warning(problem)
    st.caption(tangent_note(text, inputs))
    args = (x, tangent, axes, t, inputs.mask, inputs.function, inputs.target)
    jt = compute.jvp(*args)
    if inputs.function == "cross_entropy":
        st.metric("JVP: the change of L along t, ⟨∇L, t⟩", f"{float(jt):.8g}")
        st.markdown(
            "The loss is one number, so its Jacobian is one row, ∇Lᵀ: the JVP "
            "J t is the number ⟨∇L, t⟩ (how fast L changes as x moves along t), "
            "and the VJP of the upstream gradient 1 is ∇L itself, the array above."
        )
        return
    _heatmaps(inputs, jt, dx)
    transposed = compute.backward(x, tangent, axes, t, inputs.mask, inputs.function)
    gap = float(np.max(np.abs(jt - transposed), initial=0.0))
    st.markdown(_WHY[inputs.function])
    st.caption(f"max |J t − Jᵀ t| over the whole array = {gap:.3g}.")
