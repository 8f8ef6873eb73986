"""The bug gallery: softmax backward passes, right and wrong, side by side.

Every entry is a pair ``forward(x, axis)`` / ``backward(x, upstream, axis)``
where ``backward`` claims to return the gradient of
``sum(upstream * forward(x))`` with respect to ``x``. Three entries are correct
(one of them only by luck of symmetry); the others each plant one classic
mistake. :func:`softmax_core.gradcheck` tells them apart, and every entry carries
the small example that exposes it.

All entries accept ``axis`` as an int, a tuple of ints or None, like the core.
They are teaching code: they trust their inputs and do not validate them.

Examples
--------
>>> entry = IMPLEMENTATIONS["stale_counter"]
>>> entry.correct
False
>>> x, g = np.array(entry.x), np.array(entry.upstream)
>>> entry.backward(x, g, entry.axis).round(4)
array([[ 0.1966, -0.1966],
       [ 0.1966, -0.1966]])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np

from softmax_core._validation import Axis, FloatArray, normalize_axes
from softmax_core.backward import softmax_vjp
from softmax_core.functions import softmax
from softmax_core.jacobian import slice_jacobians
from softmax_core.slices import batch_shape, from_slices, to_slices

__all__ = ["IMPLEMENTATIONS", "GalleryEntry", "Implementation"]


class Implementation(Protocol):
    """Anything :func:`softmax_core.gradcheck` can check.

    ``backward(x, upstream, axis)`` must return the gradient of
    ``sum(upstream * forward(x, axis))`` with respect to `x`, same shape as `x`.
    """

    def forward(self, x: FloatArray, axis: Axis) -> FloatArray:
        """Return softmax of `x` along `axis` (or the entry's idea of it)."""
        ...

    def backward(self, x: FloatArray, upstream: FloatArray, axis: Axis) -> FloatArray:
        """Return the gradient of ``sum(upstream * forward(x, axis))``."""
        ...


@dataclass(frozen=True)
class GalleryEntry:
    """One implementation in the gallery, with its story and its example.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"stale_counter"``.
    title : str
        Short human title.
    explanation : str
        One paragraph: the mistake, and how it shows up in a gradient check.
    symptom : str
        One line: what the gradient check reports.
    correct : bool
        Whether the backward pass is right (it may still be a lesson).
    x, axis, upstream
        The example that exposes the mistake (nested lists, an axis argument,
        nested lists); for correct entries, an example where they pass.
    forward : callable ``(x, axis) -> ndarray``
        The forward pass.
    backward : callable ``(x, upstream, axis) -> ndarray``
        The backward pass under test.
    """

    name: str
    title: str
    explanation: str
    symptom: str
    correct: bool
    x: list[Any]
    axis: int | tuple[int, ...] | None
    upstream: list[Any]
    forward: Callable[[FloatArray, Axis], FloatArray]
    backward: Callable[[FloatArray, FloatArray, Axis], FloatArray]


# --- shared helpers -----------------------------------------------------------


def _axes(x: FloatArray, axis: Axis) -> tuple[int, ...]:
    return normalize_axes(axis, np.shape(x), "gallery")


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


# --- the registry -------------------------------------------------------------

_CLASSIC_X = [[1.0, 2.0], [3.0, 4.0]]
_CLASSIC_G = [[1.0, 0.0], [0.0, 1.0]]

_ENTRIES = (
    GalleryEntry(
        name="vectorized",
        title="Vectorized VJP (the reference)",
        explanation=(
            "The backward pass written as one formula over the whole array: "
            "y ⊙ (g − ⟨g, y⟩), where ⟨g, y⟩ is summed over each slice's softmax "
            "axes. It never builds a Jacobian, so it costs two passes over the "
            "data whatever the slice length. This is softmax_vjp, and the "
            "gradient check agrees with it to about 1e-10."
        ),
        symptom="PASS: analytic and numeric gradients agree to about 1e-10.",
        correct=True,
        x=_CLASSIC_X,
        axis=1,
        upstream=_CLASSIC_G,
        forward=_forward,
        backward=_vectorized_backward,
    ),
    GalleryEntry(
        name="per_slice_loop",
        title="Explicit Jacobian per slice (correct, slow)",
        explanation=(
            "For each slice in turn, build the n × n Jacobian diag(y) − y yᵀ and "
            "multiply the slice's upstream gradient by it (gᵀJ). The answer is "
            "right and the gradient check passes, but each slice costs n² work "
            "and memory instead of n, and the Python loop visits every slice: "
            "fine for learning, hopeless for a (1000, 1000) array."
        ),
        symptom="PASS, but the cost grows with n² per slice.",
        correct=True,
        x=_CLASSIC_X,
        axis=1,
        upstream=_CLASSIC_G,
        forward=_forward,
        backward=_per_slice_loop_backward,
    ),
    GalleryEntry(
        name="stale_counter",
        title="The stale counter (apply_along_axis)",
        explanation=(
            "The backward pass runs np.apply_along_axis over the 1-D slices with "
            "a callback that builds each slice's Jacobian and multiplies it with "
            "'the matching slice' of the upstream gradient, found through a "
            "counter. The counter is an int passed into the callback, which "
            "increments its own local copy: the increment is lost, every call "
            "sees 0, and every slice uses the first slice's upstream gradient. "
            "The first slice is therefore right and the others are wrong, which "
            "the per-slice worst error shows at once; on x = [[1, 2], [3, 4]], "
            "axis=1, upstream = [[1, 0], [0, 1]] the norm relative error is "
            "1/√2 ≈ 0.71. A second lesson hides in the author's first example, "
            "upstream = all ones: the correct gradient is then exactly zero "
            "(each Jacobian row sums to 0, because the outputs always sum to 1), "
            "and the stale counter is also exactly zero, because every slice "
            "shares the same upstream gradient anyway. The bug looks right, and "
            "the zero looks like a bug."
        ),
        symptom="FAIL: slice 0 is right, every later slice is wrong (norm rel ≈ 0.71).",
        correct=False,
        x=_CLASSIC_X,
        axis=1,
        upstream=_CLASSIC_G,
        forward=_forward,
        backward=_stale_counter_backward,
    ),
    GalleryEntry(
        name="missing_diagonal",
        title="Missing diagonal (−y yᵀ only)",
        explanation=(
            "The Jacobian is diag(y) − y yᵀ; this version keeps only the outer "
            "product −y yᵀ, so its gradient −y ⟨g, y⟩ lacks the term y ⊙ g. Every "
            "entry with a non-zero upstream gradient is off by y ⊙ g, so the "
            "gradient check fails everywhere with an error as large as the "
            "gradient itself. With an all-ones upstream gradient it returns −y "
            "where the right answer is 0."
        ),
        symptom="FAIL: every entry is off by y ⊙ g.",
        correct=False,
        x=_CLASSIC_X,
        axis=1,
        upstream=_CLASSIC_G,
        forward=_forward,
        backward=_missing_diagonal_backward,
    ),
    GalleryEntry(
        name="wrong_axis",
        title="Reduced over the wrong axes",
        explanation=(
            "The formula y ⊙ (g − ⟨g, y⟩) is right, but ⟨g, y⟩ is summed over "
            "the wrong axes: over every axis except the softmax axes (for a 2-D "
            "array with axis=1, down the columns instead of along the rows). "
            "Each slice then subtracts a number that mixes other slices, so the "
            "gradient check fails even though the shapes all broadcast. For a "
            "1-D input there are no other axes, the sum runs over nothing and "
            "⟨g, y⟩ becomes g ⊙ y: still wrong. It only coincides with the right "
            "answer by accident, e.g. for an array with a single element."
        ),
        symptom="FAIL: each slice subtracts a sum taken across the other slices.",
        correct=False,
        x=_CLASSIC_X,
        axis=1,
        upstream=_CLASSIC_G,
        forward=_forward,
        backward=_wrong_axis_backward,
    ),
    GalleryEntry(
        name="unshifted_exp",
        title="Forward pass without the max shift",
        explanation=(
            "The forward pass computes exp(x) / Σ exp(x) without subtracting the "
            "maximum first. Mathematically nothing changes, and on small logits "
            "the gradient check passes; but exp overflows to inf past x ≈ 709 in "
            "float64 (≈ 88 in float32), inf / inf is NaN, and NaN flows into "
            "both gradients. On logits [[1000, 1001, 1002]] every output is NaN "
            "and the gradient check fails with non-finite values. The fix is "
            "the shift: exp(x − max x) is never larger than 1."
        ),
        symptom="FAIL: non-finite values (NaN) once a logit passes ~709.",
        correct=False,
        x=[[1000.0, 1001.0, 1002.0]],
        axis=1,
        upstream=[[1.0, 0.0, 0.0]],
        forward=_unshifted_forward,
        backward=_unshifted_backward,
    ),
    GalleryEntry(
        name="transposed_jacobian",
        title="Transposed Jacobian (passes, by symmetry)",
        explanation=(
            "A backward pass needs Jᵀg (row vector times Jacobian); this one "
            "computes Jg, using Jᵀ where the formula has J, which is the "
            "forward-mode product. For softmax the gradient check passes anyway, "
            "because J = diag(y) − y yᵀ is symmetric. That is a lesson, not a "
            "licence: log-softmax's Jacobian I − 1yᵀ is not symmetric, and the "
            "same shortcut there would be wrong."
        ),
        symptom="PASS, only because the softmax Jacobian is symmetric.",
        correct=True,
        x=_CLASSIC_X,
        axis=1,
        upstream=_CLASSIC_G,
        forward=_forward,
        backward=_transposed_backward,
    ),
)

#: Every gallery entry by name, in teaching order (read-only).
IMPLEMENTATIONS: Mapping[str, GalleryEntry] = MappingProxyType(
    {entry.name: entry for entry in _ENTRIES}
)
