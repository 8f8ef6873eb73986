"""The log-softmax backward passes of the gallery, right and wrong.

The same ideas as for softmax, with log-softmax's Jacobian ``I - 1 yᵀ`` (entry
``[i, j]`` is ``δ_ij - y_j``), which is not symmetric: the transposition that
softmax forgives fails here. Each backward claims to return the gradient of
``sum(upstream * forward(x, axis))``. Teaching code: it trusts its inputs.
"""

from __future__ import annotations

import math

import numpy as np

from softmax_core._validation import Axis, FloatArray
from softmax_core.backward import log_softmax_vjp
from softmax_core.functions import log_softmax, softmax
from softmax_core.gallery._common import CLASSIC_G, CLASSIC_X
from softmax_core.gallery._common import axes as _axes
from softmax_core.gallery.entry import ForwardBackward, Variant
from softmax_core.jacobian import slice_jacobians
from softmax_core.slices import batch_shape, from_slices, to_slices

__all__ = ["VARIANTS"]


def _forward(x: FloatArray, axis: Axis) -> FloatArray:
    """Return the core's log-softmax: ``(x - max) - log sum exp(x - max)``."""
    return log_softmax(x, axis)


def _jacobian(y_slice: FloatArray) -> FloatArray:
    """``I - 1 yᵀ`` for one 1-D slice: entry [i, j] is d log y_i / dx_j."""
    return np.eye(y_slice.size) - y_slice[None, :]


# --- vectorized and per_slice_loop: correct ------------------------------------


def _vectorized_backward(x: FloatArray, upstream: FloatArray, axis: Axis) -> FloatArray:
    # g - y · Σg over each slice, never forming a Jacobian.
    return log_softmax_vjp(log_softmax(x, axis), upstream, axis)


def _per_slice_loop_backward(
    x: FloatArray, upstream: FloatArray, axis: Axis
) -> FloatArray:
    axes = _axes(x, axis)
    y = to_slices(softmax(x, axes), axes)  # batch_shape + (n,)
    g = to_slices(np.asarray(upstream), axes)
    grad = np.empty_like(y)
    for index in np.ndindex(y.shape[:-1]):
        # The VJP by its definition: gᵀ J, one n x n matrix per slice.
        grad[index] = g[index] @ _jacobian(y[index])
    return from_slices(grad, np.shape(x), axes)


# --- stale_counter --------------------------------------------------------------


def _stale_counter_backward(
    x: FloatArray, upstream: FloatArray, axis: Axis
) -> FloatArray:
    axes = _axes(x, axis)
    y = to_slices(softmax(x, axes), axes)  # batch_shape + (n,)
    if y.size == 0:  # apply_along_axis refuses empty arrays
        return np.zeros(np.shape(x), dtype=y.dtype)
    n_slices = math.prod(batch_shape(np.shape(x), axes))
    g_rows = to_slices(np.asarray(upstream), axes).reshape(n_slices, y.shape[-1])

    def slice_gradient(
        y_slice: FloatArray, g_rows: FloatArray, counter: int
    ) -> FloatArray:
        grad: FloatArray = g_rows[counter] @ _jacobian(y_slice)  # "matching" slice?
        # BUG: as for softmax, `counter += 1` rebinds this call's own local
        # name: every call sees 0 and uses the first slice's upstream gradient.
        counter += 1
        return grad

    counter = 0
    grad = np.apply_along_axis(slice_gradient, -1, y, g_rows, counter)
    return from_slices(grad, np.shape(x), axes)


# --- wrong_axis -------------------------------------------------------------------


def _wrong_axis_backward(x: FloatArray, upstream: FloatArray, axis: Axis) -> FloatArray:
    axes = _axes(x, axis)
    y = softmax(x, axes)
    g = np.asarray(upstream)
    # BUG: Σg belongs to one slice, a sum over the softmax axes; this sums over
    # every *other* axis (for a 1-D input over nothing: Σg becomes g itself).
    others = tuple(i for i in range(y.ndim) if i not in axes)
    total = np.sum(g, axis=others, keepdims=True)
    result: FloatArray = g - y * total
    return result


# --- unshifted_exp ------------------------------------------------------------------


def _unshifted_forward(x: FloatArray, axis: Axis) -> FloatArray:
    axes = _axes(x, axis)
    # BUG: no max shift. exp(x) overflows to inf past x ≈ 709 (float64), so the
    # log-sum-exp is inf and every output is x - inf = -inf.
    result: FloatArray = x - np.log(np.sum(np.exp(x), axis=axes, keepdims=True))
    return result


def _unshifted_backward(x: FloatArray, upstream: FloatArray, axis: Axis) -> FloatArray:
    axes = _axes(x, axis)
    g = np.asarray(upstream)
    # The right formula, applied to whatever the forward pass produced.
    y = np.exp(_unshifted_forward(x, axes))
    result: FloatArray = g - y * np.sum(g, axis=axes, keepdims=True)
    return result


# --- transposed_jacobian ------------------------------------------------------------


def _transposed_backward(x: FloatArray, upstream: FloatArray, axis: Axis) -> FloatArray:
    axes = _axes(x, axis)
    log_y = log_softmax(x, axes)
    # batch_shape + (n, n), [..., i, j] = d log y_i / dx_j = δ_ij - y_j
    jac = slice_jacobians(log_y, axes, function="log_softmax")
    g = to_slices(np.asarray(upstream), axes)
    # BUG: the VJP is Jᵀg; this computes Jg = g - 1 <y, g>. J is not symmetric
    # here, so the two differ (softmax's symmetric Jacobian hid the mistake).
    grad = np.einsum("...ij,...j->...i", jac, g)
    return from_slices(grad, np.shape(x), axes)


# --- log_of_softmax -------------------------------------------------------------------


def _log_of_softmax_forward(x: FloatArray, axis: Axis) -> FloatArray:
    # BUG (numerical): log(softmax(x)). softmax underflows to 0 once a logit is
    # ~745 below its slice's max (float64), and log(0) = -inf.
    result: FloatArray = np.log(softmax(x, axis))
    return result


def _log_of_softmax_backward(
    x: FloatArray, upstream: FloatArray, axis: Axis
) -> FloatArray:
    axes = _axes(x, axis)
    y = softmax(x, axes)
    # The chain rule through log, then softmax's VJP: right where y > 0, but
    # g / y is inf (or NaN) where y underflowed, and y * inf is NaN.
    g_y = np.asarray(upstream) / y
    result: FloatArray = y * (g_y - np.sum(g_y * y, axis=axes, keepdims=True))
    return result


# --- the variants ---------------------------------------------------------------------

_WRONG_AXIS_G = [[1.0, 0.0], [1.0, 0.0]]


def _variant(
    correct: bool,
    symptom: str,
    code: ForwardBackward,
    x: list[list[float]] | None = None,
    upstream: list[list[float]] | None = None,
) -> Variant:
    return Variant(
        function="log_softmax",
        correct=correct,
        symptom=symptom,
        x=CLASSIC_X if x is None else x,
        axis=1,
        upstream=CLASSIC_G if upstream is None else upstream,
        implementation=code,
    )


#: Entry name -> its log-softmax variant.
VARIANTS: dict[str, Variant] = {
    "vectorized": _variant(
        True,
        "PASS: analytic and numeric gradients agree to about 1e-10.",
        ForwardBackward(_forward, _vectorized_backward),
    ),
    "per_slice_loop": _variant(
        True,
        "PASS, but the cost grows with n² per slice.",
        ForwardBackward(_forward, _per_slice_loop_backward),
    ),
    "stale_counter": _variant(
        False,
        "FAIL: slice 0 is right, every later slice is wrong.",
        ForwardBackward(_forward, _stale_counter_backward),
    ),
    "wrong_axis": _variant(
        False,
        "FAIL: each slice subtracts y times a sum across the other slices.",
        ForwardBackward(_forward, _wrong_axis_backward),
        upstream=_WRONG_AXIS_G,
    ),
    "unshifted_exp": _variant(
        False,
        "FAIL: non-finite values (-inf outputs, NaN differences) past ~709.",
        ForwardBackward(_unshifted_forward, _unshifted_backward),
        x=[[1000.0, 1001.0, 1002.0]],
        upstream=[[1.0, 0.0, 0.0]],
    ),
    "transposed_jacobian": _variant(
        False,
        "FAIL: Jg is not Jᵀg, because I − 1yᵀ is not symmetric.",
        ForwardBackward(_forward, _transposed_backward),
    ),
    "log_of_softmax": _variant(
        False,
        "FAIL: non-finite values once a probability underflows to 0.",
        ForwardBackward(_log_of_softmax_forward, _log_of_softmax_backward),
        x=[[1.0, 2.0], [0.0, 800.0]],
        upstream=[[1.0, 0.0], [1.0, 0.0]],
    ),
}
