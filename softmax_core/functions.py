"""Forward functions: softmax and log-softmax along any axes of an N-D array.

Edge-case policy (shared with the backward functions):

* ``where=False`` entries output 0 (log-softmax: ``-inf``). Masks travel
  explicitly: pass the same ``where=`` to the VJPs and the JVP, which give
  masked entries exactly 0. A backward pass never guesses a mask from the
  values: without ``where=`` it follows the limit, as PyTorch's autograd
  does (a finite logit can have a log-probability that rounds to ``-inf``).
* A fully masked slice, or a slice of all ``-inf``, outputs zeros (log-softmax:
  ``-inf``) and gets a zero gradient, with no NaN and no warning. PyTorch gives
  NaN there; JAX (with ``where``) and Keras give 0, as we do.
* NaN or ``+inf`` anywhere in a slice makes that whole slice NaN; other slices
  are untouched.
* The temperature divides the logits in the order that cannot overflow, so
  the result is ``softmax(x / T)`` whenever ``x / T`` is representable. A
  ``T`` too small for the dtype (``1e-46`` is 0 in float32) gives the
  ``T -> 0`` limit, the argmax one-hot (ties share equally), never NaN; a
  ``T`` too large for it (``1e39`` in float32) is applied in float64.
* Every finite input, including ``±1e308``, gives finite results without NumPy
  floating-point warnings, and runs clean under a caller's
  ``np.errstate(all="raise")``: underflow to 0 is expected inside softmax.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from softmax_core import paths
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

__all__ = ["FUNCTIONS", "log_softmax", "softmax"]

#: The functions the lab differentiates, by name: softmax and log-softmax (this
#: module) and the cross-entropy of logits (:mod:`softmax_core.crossentropy`).
#: :func:`softmax_core.gradcheck` and the bug gallery take these names.
FUNCTIONS: tuple[str, ...] = ("softmax", "log_softmax", "cross_entropy")


@ignores_underflow
def softmax(
    x: ArrayLike,
    axis: Axis = -1,
    *,
    temperature: float = 1.0,
    where: ArrayLike | None = None,
) -> FloatArray:
    r"""Softmax of `x` along `axis`, divided by a temperature.

    Parameters
    ----------
    x : array_like of shape (...)
        Logits. float16/32/64 keep their dtype (float16 is computed in
        float32); bool and integers become float64.
    axis : int, tuple of int or None, default -1
        The axes each softmax normalises over. ``None`` means all axes.
    temperature : float, default 1.0
        Divides the logits; must be finite and > 0. Large values flatten the
        distribution, small ones sharpen it towards the argmax (a value too
        small for the dtype gives the argmax one-hot itself).
    where : array_like of bool, optional
        Entries that take part; broadcast to ``x.shape``. Masked entries
        output 0.

    Returns
    -------
    ndarray of shape (...)
        Same shape as `x`; every slice sums to 1 (or is all 0 when it has no
        unmasked finite entry).

    Raises
    ------
    ValueError
        If an axis is out of range or repeated, the temperature is not finite
        and positive, or `where` does not broadcast.
    TypeError
        If `x` is complex or not numeric.

    Notes
    -----
    With :math:`m = \max_j x_j` over the slice,

    .. math::

        \operatorname{softmax}(x)_i = \frac{e^{(x_i - m)/T}}{\sum_j e^{(x_j - m)/T}}

    Shifting by the maximum changes nothing mathematically but keeps every
    exponent :math:`\le 0`, so ``exp`` cannot overflow [1]_. For
    :math:`T > 1` the logits are divided first and then shifted: ``x - m``
    overflows for logits near ``±max`` while ``x / T - m / T`` need not.

    References
    ----------
    .. [1] Blanchard, Higham and Higham, "Accurately computing the log-sum-exp
       and softmax functions", IMA J. Numer. Anal. 41 (2021).

    Examples
    --------
    >>> softmax([[1.0, 2.0], [3.0, 4.0]], axis=1).round(8)
    array([[0.26894142, 0.73105858],
           [0.26894142, 0.73105858]])
    >>> softmax([1000.0, 1001.0, 1002.0]).round(4)
    array([0.09  , 0.2447, 0.6652])
    """
    a = as_float_array(x, "x", "softmax")
    axes = normalize_axes(axis, a.shape, "softmax")
    t = check_temperature(temperature, "softmax")
    mask = check_where(where, a.shape, "softmax")
    out_dtype = result_dtype(np.asarray(x).dtype)
    y = paths.forward(a, axes, t, mask, log=False)
    if y is None:
        y = _softmax(a, axes, t, mask)
    return cast_result(y, out_dtype)


@ignores_underflow
def log_softmax(
    x: ArrayLike,
    axis: Axis = -1,
    *,
    temperature: float = 1.0,
    where: ArrayLike | None = None,
) -> FloatArray:
    r"""Logarithm of :func:`softmax`, computed without taking ``log(softmax)``.

    Parameters
    ----------
    x : array_like of shape (...)
        Logits.
    axis : int, tuple of int or None, default -1
        The axes each softmax normalises over. ``None`` means all axes.
    temperature : float, default 1.0
        Divides the logits; must be finite and > 0.
    where : array_like of bool, optional
        Entries that take part; masked entries output ``-inf``.

    Returns
    -------
    ndarray of shape (...)
        Same shape and dtype rules as :func:`softmax`.

    Notes
    -----
    With :math:`s = (x - m)/T`,

    .. math:: \log\operatorname{softmax}(x)_i = s_i - \log \sum_j e^{s_j}

    The order matters: ``(x - m) - lse`` is exact for logits of ``1e8``,
    while ``x - (m + lse)`` loses the small term (PyTorch issue 11752), and
    ``log(softmax(x))`` turns underflowed probabilities into ``-inf``.

    Examples
    --------
    >>> log_softmax([1e8, 1e8]).round(6)
    array([-0.693147, -0.693147])
    >>> log_softmax([0.0, -800.0]).round(1)
    array([   0., -800.])
    """
    a = as_float_array(x, "x", "log_softmax")
    axes = normalize_axes(axis, a.shape, "log_softmax")
    t = check_temperature(temperature, "log_softmax")
    mask = check_where(where, a.shape, "log_softmax")
    out_dtype = result_dtype(np.asarray(x).dtype)
    y = paths.forward(a, axes, t, mask, log=True)
    if y is None:
        y = _log_softmax(a, axes, t, mask)
    return cast_result(y, out_dtype)


def _shifted(
    a: FloatArray, axes: tuple[int, ...], t: float, mask: NDArray[np.bool_] | None
) -> FloatArray:
    """Return ``s = (x - max) / T``, masked entries ``-inf``, poisoned slices NaN.

    A slice holding NaN or ``+inf`` is NaN whatever the arithmetic gives, so it
    is set to NaN here, before ``exp`` could overflow on its finite entries.
    """
    if mask is not None:
        a = np.where(mask, a, -np.inf)
    # Scale and shift in the order that cannot overflow when x / T is
    # representable: for T > 1 dividing first only shrinks the logits (x - max
    # of logits near +-1e308 would overflow, x / T - max / T need not); for
    # T < 1 shifting first keeps x / T itself from overflowing. Either way a
    # difference that still overflows is below -max, where exp gives 0.
    scale_first = t > 1.0
    if scale_first:
        a = divide_by_temperature(a.astype(a.dtype, copy=True), t)
    m = np.max(a, axis=axes, keepdims=True, initial=-np.inf)
    poisoned = np.isnan(m) | (m == np.inf)
    # A slice whose max is not finite (all -inf, fully masked, NaN, +inf) is
    # shifted by 0 instead: subtracting -inf from -inf would make NaN.
    m = np.where(np.isfinite(m), m, 0.0).astype(a.dtype, copy=False)
    # (out= keeps a 0-d input an array: ufuncs return scalars for 0-d.)
    with np.errstate(over="ignore"):
        s: FloatArray = np.subtract(a, m, out=np.empty_like(a))
    if not scale_first:
        # A T too small for the dtype (1e-46 is 0 in float32) is divided in
        # float64: the maximum stays 0 and the rest go to -inf, the argmax
        # limit, instead of 0 / 0 = NaN.
        divide_by_temperature(s, t)
    if poisoned.any():
        s[np.broadcast_to(poisoned, s.shape)] = np.nan
    return s


def _softmax(
    a: FloatArray, axes: tuple[int, ...], t: float, mask: NDArray[np.bool_] | None
) -> FloatArray:
    """NumPy reference softmax on a validated float array (the readable version)."""
    y = _shifted(a, axes, t, mask)
    np.exp(y, out=y)
    total = np.sum(y, axis=axes, keepdims=True)
    # An all -inf or fully masked slice sums to 0: leave its outputs at 0.
    # A NaN slice sums to NaN, fails the test too, and stays NaN.
    np.divide(y, total, out=y, where=total > 0)
    return y


def _log_softmax(
    a: FloatArray, axes: tuple[int, ...], t: float, mask: NDArray[np.bool_] | None
) -> FloatArray:
    """NumPy reference log-softmax on a validated float array."""
    s = _shifted(a, axes, t, mask)
    total = np.sum(np.exp(s), axis=axes, keepdims=True)
    # Empty slices (sum 0) subtract 0, so their entries stay -inf, not NaN.
    lse = np.log(total, out=np.zeros(np.shape(total), s.dtype), where=total > 0)
    s -= lse
    return s
