"""The softmax backward passes of the gallery, right and wrong.

Each pair ``forward(x, axis)`` / ``backward(x, upstream, axis)``: ``backward``
claims to return the gradient of ``sum(upstream * forward(x, axis))`` with
respect to ``x``. Teaching code: it trusts its inputs and does not validate them.
"""

from __future__ import annotations

import math

import numpy as np

from softmax_core._validation import Axis, FloatArray
from softmax_core.backward import softmax_vjp
from softmax_core.functions import softmax
from softmax_core.gallery._common import CLASSIC_G, CLASSIC_X
from softmax_core.gallery._common import axes as _axes
from softmax_core.gallery.entry import ForwardBackward, Variant
from softmax_core.jacobian import slice_jacobians
from softmax_core.slices import batch_shape, from_slices, to_slices

__all__ = ["VARIANTS"]


def _forward(x: FloatArray, axis: Axis) -> FloatArray:
    """Return the max-shifted softmax of the core (every entry but one uses it)."""
    return softmax(x, axis)


def _jacobian(y_slice: FloatArray) -> FloatArray:
    """``diag(y) - y yᵀ`` for one 1-D slice: entry [i, j] is dy_i/dx_j."""
    return np.diag(y_slice) - np.outer(y_slice, y_slice)


# --- vectorized: the reference ------------------------------------------------


def _vectorized_backward(x: FloatArray, upstream: FloatArray, axis: Axis) -> FloatArray:
    # y ⊙ (g - <g, y>), never forming a Jacobian.
    return softmax_vjp(softmax(x, axis), upstream, axis)


# --- per_slice_loop: correct, slow on purpose ---------------------------------


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


# --- stale_counter: THE classic -----------------------------------------------


def _stale_counter_backward(
    x: FloatArray, upstream: FloatArray, axis: Axis
) -> FloatArray:
    axes = _axes(x, axis)
    y = to_slices(softmax(x, axes), axes)  # batch_shape + (n,)
    if y.size == 0:  # apply_along_axis refuses empty arrays
        return np.zeros(np.shape(x), dtype=y.dtype)
    # One row of upstream gradient per slice, in the order apply_along_axis visits
    # the slices (C order over the batch axes).
    n_slices = math.prod(batch_shape(np.shape(x), axes))
    g_rows = to_slices(np.asarray(upstream), axes).reshape(n_slices, y.shape[-1])

    def slice_gradient(
        y_slice: FloatArray, g_rows: FloatArray, counter: int
    ) -> FloatArray:
        grad: FloatArray = g_rows[counter] @ _jacobian(y_slice)  # "matching" slice?
        # BUG: `counter` is this call's own local name for an int. `+= 1` makes
        # the local name point at a new int and changes nothing outside: the
        # caller's `counter` is still 0, and apply_along_axis hands that same 0
        # to every call. So every slice reads g_rows[0], the first slice's
        # upstream gradient.
        counter += 1
        return grad

    counter = 0
    grad = np.apply_along_axis(slice_gradient, -1, y, g_rows, counter)
    return from_slices(grad, np.shape(x), axes)


# --- missing_diagonal ---------------------------------------------------------


def _missing_diagonal_backward(
    x: FloatArray, upstream: FloatArray, axis: Axis
) -> FloatArray:
    axes = _axes(x, axis)
    y = softmax(x, axes)
    g = np.asarray(upstream)
    # BUG: Jᵀg with J = -y yᵀ only; the diag(y) term would add y ⊙ g.
    result: FloatArray = -y * np.sum(g * y, axis=axes, keepdims=True)
    return result


# --- wrong_axis ---------------------------------------------------------------


def _wrong_axis_backward(x: FloatArray, upstream: FloatArray, axis: Axis) -> FloatArray:
    axes = _axes(x, axis)
    y = softmax(x, axes)
    g = np.asarray(upstream)
    # BUG: <g, y> belongs to one slice, a sum over the softmax axes. This sums
    # over every *other* axis instead (for a 1-D input that is no axis at all,
    # so <g, y> silently becomes the element-wise product g ⊙ y).
    others = tuple(i for i in range(y.ndim) if i not in axes)
    dot = np.sum(g * y, axis=others, keepdims=True)
    result: FloatArray = y * (g - dot)
    return result


# --- unshifted_exp ------------------------------------------------------------


def _unshifted_forward(x: FloatArray, axis: Axis) -> FloatArray:
    axes = _axes(x, axis)
    # BUG: no max shift. exp(x) overflows to inf for x > ~709 in float64 (~88 in
    # float32), and inf / inf is NaN. NumPy warns "overflow encountered in exp".
    e = np.exp(x)
    result: FloatArray = e / np.sum(e, axis=axes, keepdims=True)
    return result


def _unshifted_backward(x: FloatArray, upstream: FloatArray, axis: Axis) -> FloatArray:
    axes = _axes(x, axis)
    y = _unshifted_forward(x, axes)
    g = np.asarray(upstream)
    # The right formula, applied to whatever the forward pass produced.
    result: FloatArray = y * (g - np.sum(g * y, axis=axes, keepdims=True))
    return result


# --- transposed_jacobian ------------------------------------------------------


def _transposed_backward(x: FloatArray, upstream: FloatArray, axis: Axis) -> FloatArray:
    axes = _axes(x, axis)
    y = softmax(x, axes)
    jac = slice_jacobians(y, axes)  # batch_shape + (n, n), [..., i, j] = dy_i/dx_j
    g = to_slices(np.asarray(upstream), axes)
    # "Mistake": the VJP is Jᵀg (sum over i of g_i dy_i/dx_j); this computes Jg,
    # i.e. it uses Jᵀ where the formula has J. Harmless only because J = Jᵀ.
    grad = np.einsum("...ij,...j->...i", jac, g)
    return from_slices(grad, np.shape(x), axes)


# --- the variants ------------------------------------------------------------


def _variant(
    correct: bool,
    symptom: str,
    code: ForwardBackward,
    x: list[list[float]] | None = None,
    upstream: list[list[float]] | None = None,
) -> Variant:
    return Variant(
        function="softmax",
        correct=correct,
        symptom=symptom,
        x=CLASSIC_X if x is None else x,
        axis=1,
        upstream=CLASSIC_G if upstream is None else upstream,
        implementation=code,
    )


#: Entry name -> its softmax variant.
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
        "FAIL: slice 0 is right, every later slice is wrong (norm rel ≈ 0.71).",
        ForwardBackward(_forward, _stale_counter_backward),
    ),
    "missing_diagonal": _variant(
        False,
        "FAIL: every entry is off by y ⊙ g.",
        ForwardBackward(_forward, _missing_diagonal_backward),
    ),
    "wrong_axis": _variant(
        False,
        "FAIL: each slice subtracts a sum taken across the other slices.",
        ForwardBackward(_forward, _wrong_axis_backward),
    ),
    "unshifted_exp": _variant(
        False,
        "FAIL: non-finite values (NaN) once a logit passes ~709.",
        ForwardBackward(_unshifted_forward, _unshifted_backward),
        x=[[1000.0, 1001.0, 1002.0]],
        upstream=[[1.0, 0.0, 0.0]],
    ),
    "transposed_jacobian": _variant(
        True,
        "PASS, only because the softmax Jacobian is symmetric.",
        ForwardBackward(_forward, _transposed_backward),
    ),
}
