"""Backward (VJP) and forward-mode (JVP) derivatives of softmax and log-softmax.

None of these forms a Jacobian: each costs two passes over the data, like
PyTorch's ``_softmax_backward_data``, which also saves only the output ``y``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from softmax_core import _dispatch
from softmax_core._validation import (
    Axis,
    FloatArray,
    as_float_array,
    check_same_shape,
    check_temperature,
    normalize_axes,
    result_dtype,
)

__all__ = ["log_softmax_vjp", "softmax_jvp", "softmax_vjp"]


def softmax_vjp(
    y: ArrayLike, upstream: ArrayLike, axis: Axis = -1, *, temperature: float = 1.0
) -> FloatArray:
    r"""Gradient of ``sum(upstream * softmax(x))`` with respect to `x`, from ``y``.

    Parameters
    ----------
    y : array_like of shape (...)
        The forward output ``softmax(x, axis, temperature=temperature)``.
    upstream : array_like of shape (...)
        The upstream gradient ``g = dL/dy``; same shape as `y`.
    axis : int, tuple of int or None, default -1
        The axes the forward softmax normalised over.
    temperature : float, default 1.0
        The forward temperature.

    Returns
    -------
    ndarray of shape (...)
        ``dL/dx``, same shape as `y`.

    Raises
    ------
    ValueError
        If the shapes differ, an axis is invalid or the temperature is not
        finite and positive.

    Notes
    -----
    Per slice the Jacobian is :math:`J = (\operatorname{diag}(y) - y y^\top)/T`,
    symmetric, so the VJP :math:`J^\top g` is

    .. math:: \frac{1}{T}\, y \odot \left(g - \langle g, y \rangle\right)

    A constant upstream gradient gives exactly 0: :math:`\langle c\mathbf{1},
    y\rangle = c` because :math:`y` sums to 1. Masked and all ``-inf`` entries
    have :math:`y = 0`, so their gradient is 0 too.

    Examples
    --------
    >>> y = softmax([[1.0, 2.0], [3.0, 4.0]], axis=1)
    >>> softmax_vjp(y, [[1.0, 0.0], [0.0, 1.0]], axis=1).round(8)
    array([[ 0.19661193, -0.19661193],
           [-0.19661193,  0.19661193]])
    >>> softmax_vjp(y, np.ones((2, 2)), axis=1)
    array([[0., 0.],
           [0., 0.]])
    """
    yy, g, axes, t, out_dtype = _prepare("softmax_vjp", y, upstream, axis, temperature)
    fast = _dispatch.backward(yy, g, axes, t, log=False)
    if fast is not None:
        return fast.astype(out_dtype, copy=False)
    # <g, y> per slice, then y * (g - <g, y>) / T, reusing one buffer.
    # (out= keeps 0-d inputs arrays: ufuncs return scalars for 0-d.)
    grad: FloatArray = np.multiply(g, yy, out=np.empty_like(g))
    dot = np.sum(grad, axis=axes, keepdims=True)
    np.subtract(g, dot, out=grad)
    grad *= yy
    if t != 1.0:
        grad /= t
    return grad.astype(out_dtype, copy=False)


def log_softmax_vjp(
    log_y: ArrayLike,
    upstream: ArrayLike,
    axis: Axis = -1,
    *,
    temperature: float = 1.0,
) -> FloatArray:
    r"""Gradient of ``sum(upstream * log_softmax(x))`` with respect to `x`.

    Parameters
    ----------
    log_y : array_like of shape (...)
        The forward output ``log_softmax(x, axis, temperature=temperature)``.
    upstream : array_like of shape (...)
        The upstream gradient; same shape as `log_y`.
    axis : int, tuple of int or None, default -1
        The axes the forward pass normalised over.
    temperature : float, default 1.0
        The forward temperature.

    Returns
    -------
    ndarray of shape (...)
        ``dL/dx``.

    Notes
    -----
    .. math:: \frac{1}{T}\left(g - e^{\log y} \sum_j g_j\right)

    Entries with ``log_y = -inf`` (masked, or ``-inf`` logits) did not take
    part in the forward pass: their gradient is 0 and their upstream values
    are left out of :math:`\sum_j g_j`, so a fully masked slice gets a zero
    gradient, matching :func:`softmax_vjp`.

    Examples
    --------
    >>> log_y = log_softmax([[1.0, 2.0], [3.0, 4.0]], axis=1)
    >>> log_softmax_vjp(log_y, [[1.0, 0.0], [0.0, 1.0]], axis=1).round(8)
    array([[ 0.73105858, -0.73105858],
           [-0.26894142,  0.26894142]])
    """
    ly, g, axes, t, out_dtype = _prepare(
        "log_softmax_vjp", log_y, upstream, axis, temperature
    )
    fast = _dispatch.backward(ly, g, axes, t, log=True)
    if fast is not None:
        return fast.astype(out_dtype, copy=False)
    # Excluded entries (log y = -inf) neither receive gradient nor feed the
    # slice sum: the masked outputs are constants, whatever x is.
    excluded = ly == -np.inf
    total = np.sum(g, axis=axes, keepdims=True, where=~excluded)
    grad: FloatArray = np.exp(ly, out=np.empty_like(ly))
    grad *= total
    np.subtract(g, grad, out=grad)
    grad[excluded] = 0.0
    if t != 1.0:
        grad /= t
    return grad.astype(out_dtype, copy=False)


def softmax_jvp(
    y: ArrayLike, tangent: ArrayLike, axis: Axis = -1, *, temperature: float = 1.0
) -> FloatArray:
    r"""Directional derivative of softmax: ``J t`` per slice, from ``y``.

    Parameters
    ----------
    y : array_like of shape (...)
        The forward output ``softmax(x, axis, temperature=temperature)``.
    tangent : array_like of shape (...)
        The input direction ``t``; same shape as `y`.
    axis : int, tuple of int or None, default -1
        The axes the forward pass normalised over.
    temperature : float, default 1.0
        The forward temperature.

    Returns
    -------
    ndarray of shape (...)
        ``d softmax(x + h t) / dh`` at ``h = 0``.

    Notes
    -----
    .. math:: \frac{1}{T}\, y \odot \left(t - \langle y, t \rangle\right)

    It equals the VJP formula because the slice Jacobian is symmetric.

    Examples
    --------
    >>> y = softmax([0.0, 0.0])
    >>> softmax_jvp(y, [1.0, 0.0])
    array([ 0.25, -0.25])
    """
    yy, tt, axes, t, out_dtype = _prepare("softmax_jvp", y, tangent, axis, temperature)
    # J is symmetric, so J t = Jᵀ t: the JVP is the VJP applied to the tangent.
    return softmax_vjp(yy, tt, axes, temperature=t).astype(out_dtype, copy=False)


def _prepare(
    func: str, y: ArrayLike, other: ArrayLike, axis: Axis, temperature: float
) -> tuple[FloatArray, FloatArray, tuple[int, ...], float, np.dtype[np.floating]]:
    """Validate the shared arguments of the derivative functions."""
    name = "tangent" if func == "softmax_jvp" else "upstream"
    first = "log_y" if func.startswith("log") else "y"
    yy = as_float_array(y, first, func)
    g = as_float_array(other, name, func)
    check_same_shape(yy, g, (first, name), func)
    axes = normalize_axes(axis, yy.shape, func)
    t = check_temperature(temperature, func)
    out_dtype = result_dtype(np.asarray(y).dtype, np.asarray(other).dtype)
    compute = np.result_type(yy.dtype, g.dtype)
    yy = yy.astype(compute, copy=False)
    return yy, g.astype(compute, copy=False), axes, t, out_dtype
