r"""Cross-entropy of logits against a target, and its gradient.

The class axis plays the part of the softmax axis: for each slice along it,
with logits :math:`x`, target probabilities :math:`t` and temperature :math:`T`,

.. math:: \ell = -\sum_i t_i \log \operatorname{softmax}(x / T)_i, \qquad
          \frac{\partial \ell}{\partial x} = \frac{\operatorname{softmax}(x/T) - t}{T}

and the reductions follow ``torch.nn.functional.cross_entropy``: ``"mean"``
averages over the batch entries (the slices), ``"sum"`` adds them, ``"none"``
returns one loss per slice. A target is either class indices (one per slice,
of the batch shape) or probabilities (the logits' shape);
:func:`softmax_core.target_distribution` turns either into probabilities and
says exactly which slice is wrong when one is.

Masks: ``where=False`` marks a class that does not exist for that slice (its
logit counts as ``-inf``). A slice with no class left, every class masked or
every logit ``-inf`` as :func:`softmax_core.softmax` treats it, takes no part:
loss 0, gradient 0, and it is not counted in the mean, as PyTorch leaves out
the entries whose target is ``ignore_index``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from softmax_core._floating import cast_result, divide_by_temperature, ignores_underflow
from softmax_core._validation import (
    Axis,
    FloatArray,
    as_float_array,
    check_temperature,
    check_where,
    normalize_axes,
    result_dtype,
)
from softmax_core.functions import _log_softmax
from softmax_core.slices import from_slices, to_slices
from softmax_core.targets import _class_axes, _distribution

__all__ = ["REDUCTIONS", "cross_entropy", "cross_entropy_grad"]

#: The reductions of :func:`cross_entropy`, as in ``torch.nn.functional``.
REDUCTIONS: tuple[str, ...] = ("mean", "sum", "none")

BoolArray = NDArray[np.bool_]


@ignores_underflow
def cross_entropy(
    logits: ArrayLike,
    target: ArrayLike,
    axis: Axis = -1,
    *,
    temperature: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> FloatArray:
    r"""Cross-entropy of `logits` against `target` along the class axis.

    Parameters
    ----------
    logits : array_like of shape (...)
        Unnormalised scores; float16 is computed in float32.
    target : array_like of shape batch_shape or (...)
        Class indices, one per slice, of the batch shape (the logits' shape
        without the class axes; integers, or floats with integer values as
        parsed from text), or probabilities of the logits' shape, each slice
        summing to 1. See :func:`softmax_core.target_distribution`.
    axis : int, tuple of int or None, default -1
        The class axis. With several axes a slice's classes are numbered in C
        order over them, as in :func:`softmax_core.slices.to_slices`.
    temperature : float, default 1.0
        Divides the logits; must be finite and > 0.
    reduction : {"mean", "sum", "none"}, default "mean"
        ``"mean"``: the average over the slices that take part; ``"sum"``:
        their total; ``"none"``: one loss per slice.
    where : array_like of bool, optional
        Classes that exist, broadcast to the logits' shape; a target may put
        no probability on a masked class.

    Returns
    -------
    ndarray of shape () or batch_shape
        0-d for ``"mean"`` and ``"sum"``, the batch shape for ``"none"``; the
        dtype of the logits (and of probability targets), float16 kept.

    Raises
    ------
    ValueError
        If the target is invalid (the message names the slice), the axis,
        temperature or reduction is invalid, or `where` does not broadcast.
    TypeError
        If `logits` or `target` is not real and numeric, or `target` is
        boolean.

    Notes
    -----
    .. math:: \ell_s = -\sum_i t_{s,i} \log \operatorname{softmax}(x_s / T)_i

    with :math:`0 \cdot \log 0 = 0`: a class the target gives no probability
    adds nothing, even where its probability underflows. A slice without any
    class left (all masked or all ``-inf``) has loss 0 and is not counted in
    the mean; with no slice left the mean is 0 (PyTorch gives NaN). A target
    class whose logit is ``-inf`` (unmasked) gives an infinite loss.

    Examples
    --------
    >>> x = [[1.0, 2.0], [3.0, 4.0]]
    >>> float(cross_entropy(x, [1, 0], axis=1))
    0.81326169
    >>> cross_entropy(x, [[0.0, 1.0], [1.0, 0.0]], axis=1, reduction="none").round(8)
    array([0.31326169, 1.31326169])
    """
    p = _setup("cross_entropy", logits, target, axis, temperature, reduction, where)
    losses = _slice_losses(p.log_y, p.target)
    return cast_result(_reduce(losses, p.counted, p.reduction), p.out_dtype)


@ignores_underflow
def cross_entropy_grad(
    logits: ArrayLike,
    target: ArrayLike,
    axis: Axis = -1,
    *,
    temperature: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    upstream: ArrayLike = 1.0,
) -> FloatArray:
    r"""Gradient of :func:`cross_entropy` with respect to the logits.

    Parameters
    ----------
    logits, target, axis, temperature, reduction, where
        As for :func:`cross_entropy`.
    upstream : float or array_like of shape batch_shape, default 1.0
        The gradient of a downstream loss with respect to the value
        :func:`cross_entropy` returns: a scalar for ``"mean"`` and ``"sum"``,
        one number per slice (the batch shape) for ``"none"``.

    Returns
    -------
    ndarray of shape (...)
        ``dL/d logits``, the logits' shape; 0 at masked classes and in slices
        that take no part.

    Raises
    ------
    ValueError
        As :func:`cross_entropy`, and if `upstream` has the wrong shape.
    TypeError
        As :func:`cross_entropy`.

    Notes
    -----
    Per slice, with :math:`y = \operatorname{softmax}(x/T)` and :math:`u` the
    upstream gradient,

    .. math:: \frac{\partial L}{\partial x_s} = \frac{w_s\,(y_s - t_s)}{T},
              \qquad w_s = \begin{cases} u / N & \text{mean} \\ u & \text{sum}
              \\ u_s & \text{none} \end{cases}

    where :math:`N` counts the slices that take part (:math:`w_s = 0` for the
    others). It needs :math:`\sum_i t_{s,i} = 1`, which
    :func:`softmax_core.target_distribution` checks; each slice of the gradient
    then sums to 0.

    Examples
    --------
    >>> x = [[1.0, 2.0], [3.0, 4.0]]
    >>> cross_entropy_grad(x, [1, 0], axis=1).round(8)
    array([[ 0.13447071, -0.13447071],
           [-0.36552929,  0.36552929]])
    """
    func = "cross_entropy_grad"
    p = _setup(func, logits, target, axis, temperature, reduction, where)
    weights = _weights(p, upstream, func)
    grad = _cross_entropy_grad(p.log_y, p.target, weights, p.t)
    return cast_result(from_slices(grad, p.shape, p.axes), p.out_dtype)


# --- the reference formulas ---------------------------------------------------


def _slice_losses(log_y: FloatArray, target: FloatArray) -> FloatArray:
    """``-sum(t * log y)`` along the last axis, with ``0 * log 0 = 0``."""
    # Only classes with target probability take part: 0 * -inf would be NaN.
    terms = np.multiply(target, log_y, out=np.zeros_like(log_y), where=target > 0)
    losses: FloatArray = -np.sum(terms, axis=-1)
    return losses


def _reduce(losses: FloatArray, counted: BoolArray, reduction: str) -> FloatArray:
    """Apply the reduction over the slices that take part (the others add 0)."""
    losses = np.where(counted, losses, 0.0).astype(losses.dtype)
    if reduction == "none":
        return losses
    total = np.sum(losses)
    if reduction == "mean":
        total = total / max(1, int(np.count_nonzero(counted)))
    return np.asarray(total, dtype=losses.dtype)


def _cross_entropy_grad(
    log_y: FloatArray, target: FloatArray, weights: FloatArray, t: float
) -> FloatArray:
    """``(softmax - target) * weight / T`` per slice (classes last)."""
    grad: FloatArray = np.exp(log_y) - target
    # A slice's weight: upstream / N (mean), upstream (sum), its upstream (none).
    grad *= weights[..., None]
    return divide_by_temperature(grad, t)


# --- validation ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Problem:
    """Validated arguments of the cross-entropy functions, in slices."""

    log_y: FloatArray  # batch_shape + (n,): log_softmax(x / T) per slice
    target: FloatArray  # batch_shape + (n,): probabilities, 0 where not counted
    counted: BoolArray  # batch_shape: the slices that take part
    shape: tuple[int, ...]
    axes: tuple[int, ...]
    t: float
    reduction: str
    out_dtype: np.dtype[Any]


def _setup(
    func: str,
    logits: ArrayLike,
    target: ArrayLike,
    axis: Axis,
    temperature: float,
    reduction: str,
    where: ArrayLike | None,
) -> _Problem:
    """Validate everything, compute the log-probabilities and the target."""
    x = as_float_array(logits, "logits", func)
    axes = normalize_axes(axis, x.shape, func)
    t = check_temperature(temperature, func)
    if reduction not in REDUCTIONS:
        names = ", ".join(map(repr, REDUCTIONS))
        raise ValueError(f"{func}: reduction must be one of {names}; got {reduction!r}")
    mask = check_where(where, x.shape, func)
    probs = _distribution(target, x.shape, axes, mask, func)
    dtypes = [np.asarray(logits).dtype]
    if np.shape(target) == x.shape:  # probabilities: their dtype counts too
        dtypes.append(np.asarray(target).dtype)
    out_dtype = result_dtype(*dtypes)
    compute = np.result_type(x.dtype, probs.dtype if len(dtypes) > 1 else x.dtype)
    log_y = to_slices(_log_softmax(x.astype(compute), axes, t, mask), axes)
    # A slice with no finite log-probability had no class left (all masked
    # or all -inf logits); NaN slices stay counted and give NaN.
    counted = ~np.all(log_y == -np.inf, axis=-1)
    probs_s = to_slices(probs, axes).astype(compute)
    probs_s[~counted] = 0.0
    return _Problem(log_y, probs_s, counted, x.shape, axes, t, reduction, out_dtype)


def _weights(p: _Problem, upstream: ArrayLike, func: str) -> FloatArray:
    """Each slice's weight in the reduction times the upstream gradient."""
    u = as_float_array(upstream, "upstream", func)
    batch = p.counted.shape
    if p.reduction == "none" and u.shape != batch:
        raise ValueError(
            f"{func}: with reduction 'none' upstream holds one number per slice, "
            f"of the batch shape {batch} (the logits' shape {p.shape} without "
            f"{_class_axes(p.axes)}); got shape {u.shape}"
        )
    if p.reduction != "none" and u.shape != ():
        raise ValueError(
            f"{func}: with reduction {p.reduction!r} the loss is one number, so "
            f"upstream must be a scalar; got shape {u.shape}"
        )
    w = np.where(p.counted, u, 0.0).astype(p.log_y.dtype)
    if p.reduction == "mean":
        w /= max(1, int(np.count_nonzero(p.counted)))
    return w
