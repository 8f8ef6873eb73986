"""The cross-entropy gradients of the gallery, right and wrong.

Each pair ``loss(x, target, axis, reduction)`` / ``grad(x, target, axis,
reduction, upstream)``: ``grad`` claims to return the gradient of
``sum(upstream * loss(...))`` with respect to the logits ``x``. `target` is
probabilities of ``x``'s shape (the check turns class indices into one-hot
rows). Teaching code: it trusts its inputs.
"""

from __future__ import annotations

import numpy as np

from softmax_core._validation import Axis, FloatArray
from softmax_core.backward import softmax_vjp
from softmax_core.crossentropy import cross_entropy, cross_entropy_grad
from softmax_core.functions import softmax
from softmax_core.gallery._common import CLASSIC_TARGET, CLASSIC_X
from softmax_core.gallery._common import axes as _axes
from softmax_core.gallery.entry import LossGrad, Variant

__all__ = ["VARIANTS"]


def _loss(x: FloatArray, target: FloatArray, axis: Axis, reduction: str) -> FloatArray:
    """Return the core's cross-entropy of the logits (all entries but one use it)."""
    return cross_entropy(x, target, axis, reduction=reduction)


def _per_slice_weight(
    x: FloatArray, upstream: FloatArray, axes: tuple[int, ...], reduction: str
) -> FloatArray:
    """Each slice's share of the reduction times the upstream, broadcastable to x."""
    u = np.asarray(upstream, dtype=np.float64)
    if reduction == "none":
        return np.expand_dims(u, axes)  # one upstream number per slice
    if reduction == "mean":
        n_slices = np.size(x) // max(1, np.prod([np.shape(x)[a] for a in axes]))
        return u / max(1, int(n_slices))
    return u


# --- vectorized: the reference -------------------------------------------------


def _vectorized_grad(
    x: FloatArray, target: FloatArray, axis: Axis, reduction: str, upstream: FloatArray
) -> FloatArray:
    # (softmax(x) - t) times each slice's weight: 1/N of the upstream for the mean.
    return cross_entropy_grad(x, target, axis, reduction=reduction, upstream=upstream)


# --- double_softmax ---------------------------------------------------------------


def _double_softmax_grad(
    x: FloatArray, target: FloatArray, axis: Axis, reduction: str, upstream: FloatArray
) -> FloatArray:
    # BUG: the model ends in softmax, and its output p goes into a cross-entropy
    # that applies log-softmax *again* (torch.nn.CrossEntropyLoss expects
    # logits). This is what backpropagation through that pipeline gives: the
    # cross-entropy's gradient at p, then softmax's VJP. It is not the gradient
    # of the cross-entropy of the logits, and it is much smaller.
    p = softmax(x, axis)
    g_p = cross_entropy_grad(p, target, axis, reduction=reduction, upstream=upstream)
    return softmax_vjp(p, g_p, axis)


# --- missing_mean -------------------------------------------------------------------


def _missing_mean_grad(
    x: FloatArray, target: FloatArray, axis: Axis, reduction: str, upstream: FloatArray
) -> FloatArray:
    axes = _axes(x, axis)
    y = softmax(x, axes)
    u = np.asarray(upstream, dtype=np.float64)
    # BUG: (y - t) times the upstream is the gradient of the *sum*. The mean
    # divides the loss by N, so its gradient must be divided by N too.
    weight = np.expand_dims(u, axes) if reduction == "none" else u
    result: FloatArray = (y - target) * weight
    return result


# --- log_of_softmax ------------------------------------------------------------


def _log_of_softmax_loss(
    x: FloatArray, target: FloatArray, axis: Axis, reduction: str
) -> FloatArray:
    axes = _axes(x, axis)
    # BUG (numerical): log(softmax(x)). A probability that underflows to 0 (a
    # logit ~745 below its slice's max) has log -inf, and the loss is inf.
    losses: FloatArray = -np.sum(target * np.log(softmax(x, axes)), axis=axes)
    if reduction == "none":
        return losses
    total = np.sum(losses)
    return np.asarray(total / losses.size if reduction == "mean" else total)


def _log_of_softmax_grad(
    x: FloatArray, target: FloatArray, axis: Axis, reduction: str, upstream: FloatArray
) -> FloatArray:
    axes = _axes(x, axis)
    y = softmax(x, axes)
    # The chain rule term by term: d loss / d y = -t / y, then softmax's VJP.
    # Where y underflowed to 0, -t / y is -inf (or NaN) and y * inf is NaN.
    g_y = -target / y * _per_slice_weight(x, upstream, axes, reduction)
    result: FloatArray = y * (g_y - np.sum(g_y * y, axis=axes, keepdims=True))
    return result


# --- the variants -------------------------------------------------------------------


def _variant(
    correct: bool,
    symptom: str,
    code: LossGrad,
    x: list[list[float]] | None = None,
    target: list[int] | None = None,
) -> Variant:
    return Variant(
        function="cross_entropy",
        correct=correct,
        symptom=symptom,
        x=CLASSIC_X if x is None else x,
        axis=1,
        upstream=1.0,
        implementation=code,
        target=CLASSIC_TARGET if target is None else target,
        reduction="mean",
    )


#: Entry name -> its cross-entropy variant.
VARIANTS: dict[str, Variant] = {
    "vectorized": _variant(
        True,
        "PASS: analytic and numeric gradients agree to about 1e-10.",
        LossGrad(_loss, _vectorized_grad),
    ),
    "double_softmax": _variant(
        False,
        "FAIL: the gradient is about 2.7 times too small (norm rel ≈ 0.47).",
        LossGrad(_loss, _double_softmax_grad),
    ),
    "missing_mean": _variant(
        False,
        "FAIL: the gradient is N times too large (norm rel = (N−1)/(N+1) = 1/3).",
        LossGrad(_loss, _missing_mean_grad),
    ),
    "log_of_softmax": _variant(
        False,
        "FAIL: the loss is inf and the gradient NaN once the target's probability "
        "underflows.",
        LossGrad(_log_of_softmax_loss, _log_of_softmax_grad),
        x=[[1.0, 2.0], [0.0, 800.0]],
        target=[1, 0],
    ),
}
