"""Backward (VJP) and forward-mode (JVP) derivatives of softmax and log-softmax.

None of these forms a Jacobian: each costs two passes over the data, like
PyTorch's ``_softmax_backward_data``, which also saves only the output ``y``.
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
    check_same_shape,
    check_temperature,
    check_where,
    normalize_axes,
    result_dtype,
)

__all__ = ["log_softmax_jvp", "log_softmax_vjp", "softmax_jvp", "softmax_vjp"]


@ignores_underflow
def softmax_vjp(
    y: ArrayLike,
    upstream: ArrayLike,
    axis: Axis = -1,
    *,
    temperature: float = 1.0,
    where: ArrayLike | None = None,
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
    where : array_like of bool, optional
        The forward's mask, broadcast to ``y.shape``. Masked entries get
        exactly 0 and their `y` and `upstream` values are ignored.

    Returns
    -------
    ndarray of shape (...)
        ``dL/dx``, same shape as `y`.

    Raises
    ------
    ValueError
        If the shapes differ, an axis is invalid, the temperature is not
        finite and positive, or `where` does not broadcast.

    Notes
    -----
    Per slice the Jacobian is :math:`J = (\operatorname{diag}(y) - y y^\top)/T`,
    symmetric, so the VJP :math:`J^\top g` is

    .. math:: \frac{1}{T}\, y \odot \left(g - \langle g, y \rangle\right)

    A constant upstream gradient gives exactly 0: :math:`\langle c\mathbf{1},
    y\rangle = c` because :math:`y` sums to 1. Entries with :math:`y = 0`
    (``-inf`` logits, underflow) get the limit, 0; a slice of all zeros (all
    ``-inf`` or fully masked) gets zeros.

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
    yy, g, axes, t, mask, out_dtype = _prepare(
        "softmax_vjp", y, upstream, axis, temperature, where
    )
    return cast_result(_vjp(yy, g, axes, t, mask, log=False), out_dtype)


def _softmax_vjp(
    y: FloatArray, g: FloatArray, axes: tuple[int, ...], t: float
) -> FloatArray:
    """NumPy reference softmax VJP ``y * (g - <g, y>) / T`` on validated arrays."""
    # <g, y> per slice, then y * (g - <g, y>) / T, reusing one buffer.
    # (out= keeps 0-d inputs arrays: ufuncs return scalars for 0-d.)
    grad: FloatArray = np.multiply(g, y, out=np.empty_like(g))
    dot = np.sum(grad, axis=axes, keepdims=True)
    np.subtract(g, dot, out=grad)
    grad *= y
    return divide_by_temperature(grad, t)


@ignores_underflow
def log_softmax_vjp(
    log_y: ArrayLike,
    upstream: ArrayLike,
    axis: Axis = -1,
    *,
    temperature: float = 1.0,
    where: ArrayLike | None = None,
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
    where : array_like of bool, optional
        The forward's mask, broadcast to ``log_y.shape``. Masked entries get
        exactly 0 and their upstream values are left out of the slice sum.

    Returns
    -------
    ndarray of shape (...)
        ``dL/dx``.

    Raises
    ------
    ValueError
        If the shapes differ, an axis is invalid, the temperature is not
        finite and positive, or `where` does not broadcast.

    Notes
    -----
    .. math:: \frac{1}{T}\left(g - e^{\log y} \sum_j g_j\right)

    Without `where`, no entry is taken for masked: a log-probability of
    ``-inf`` can come from a finite logit (``log_softmax([1e308, -1e308])``),
    and it gets the limit :math:`g_i - 0 \cdot \sum_j g_j = g_i`, as
    PyTorch's autograd gives. Only a slice that is ``-inf`` everywhere (all
    ``-inf`` or fully masked logits; a finite logit always has a finite
    log-probability at the slice's maximum) gets zeros, matching
    :func:`softmax_vjp`.

    Examples
    --------
    >>> log_y = log_softmax([[1.0, 2.0], [3.0, 4.0]], axis=1)
    >>> log_softmax_vjp(log_y, [[1.0, 0.0], [0.0, 1.0]], axis=1).round(8)
    array([[ 0.73105858, -0.73105858],
           [-0.26894142,  0.26894142]])
    >>> log_softmax_vjp(log_softmax([1e308, -1e308]), [0.0, 1.0])
    array([-1.,  1.])
    """
    ly, g, axes, t, mask, out_dtype = _prepare(
        "log_softmax_vjp", log_y, upstream, axis, temperature, where
    )
    return cast_result(_vjp(ly, g, axes, t, mask, log=True), out_dtype)


def _log_softmax_vjp(
    log_y: FloatArray, g: FloatArray, axes: tuple[int, ...], t: float
) -> FloatArray:
    """NumPy reference log-softmax VJP ``(g - y * sum(g)) / T`` on validated arrays."""
    total = np.sum(g, axis=axes, keepdims=True)
    grad: FloatArray = np.exp(log_y, out=np.empty_like(log_y))
    grad *= total
    np.subtract(g, grad, out=grad)
    # A slice that is -inf everywhere took no part in the forward pass (all
    # -inf or fully masked logits): its outputs are constants.
    empty = np.all(log_y == -np.inf, axis=axes, keepdims=True)
    if empty.any():
        grad[np.broadcast_to(empty, grad.shape)] = 0.0
    return divide_by_temperature(grad, t)


@ignores_underflow
def softmax_jvp(
    y: ArrayLike,
    tangent: ArrayLike,
    axis: Axis = -1,
    *,
    temperature: float = 1.0,
    where: ArrayLike | None = None,
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
    where : array_like of bool, optional
        The forward's mask, broadcast to ``y.shape``. Masked inputs are not
        moved by the tangent and masked outputs are constants: both are 0.

    Returns
    -------
    ndarray of shape (...)
        ``d softmax(x + h t) / dh`` at ``h = 0``.

    Raises
    ------
    ValueError
        If the shapes differ, an axis is invalid, the temperature is not
        finite and positive, or `where` does not broadcast.

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
    yy, tt, axes, t, mask, out_dtype = _prepare(
        "softmax_jvp", y, tangent, axis, temperature, where
    )
    # J is symmetric, so J t = Jᵀ t: the JVP is the VJP applied to the tangent.
    jvp = softmax_vjp(yy, tt, axes, temperature=t, where=mask)
    return cast_result(jvp, out_dtype)


@ignores_underflow
def log_softmax_jvp(
    log_y: ArrayLike,
    tangent: ArrayLike,
    axis: Axis = -1,
    *,
    temperature: float = 1.0,
    where: ArrayLike | None = None,
) -> FloatArray:
    r"""Directional derivative of log-softmax: ``J t`` per slice, from ``log y``.

    Parameters
    ----------
    log_y : array_like of shape (...)
        The forward output ``log_softmax(x, axis, temperature=temperature)``.
    tangent : array_like of shape (...)
        The input direction ``t``; same shape as `log_y`.
    axis : int, tuple of int or None, default -1
        The axes the forward pass normalised over.
    temperature : float, default 1.0
        The forward temperature.
    where : array_like of bool, optional
        The forward's mask, broadcast to ``log_y.shape``. Masked inputs are
        not moved by the tangent and masked outputs are constants: both are 0.

    Returns
    -------
    ndarray of shape (...)
        ``d log_softmax(x + h t) / dh`` at ``h = 0``.

    Raises
    ------
    ValueError
        If the shapes differ, an axis is invalid, the temperature is not
        finite and positive, or `where` does not broadcast.

    Notes
    -----
    The slice Jacobian :math:`J = (I - \mathbf{1} y^\top)/T` (entry
    :math:`[i, j] = (\delta_{ij} - y_j)/T`) is not symmetric, so unlike
    softmax the JVP and the VJP differ:

    .. math:: J t = \frac{1}{T}\left(t - \langle y, t \rangle\right),
              \qquad y = e^{\log y}

    As in :func:`log_softmax_vjp`, a ``-inf`` log-probability is not taken
    for masked without `where` (it gets the limit); only a slice that is
    ``-inf`` everywhere gets zeros.

    Examples
    --------
    >>> log_y = log_softmax([0.0, 0.0])
    >>> log_softmax_jvp(log_y, [1.0, 0.0])
    array([ 0.5, -0.5])
    >>> log_softmax_jvp(log_y, [1.0, 1.0])  # moving every logit changes nothing
    array([0., 0.])
    """
    ly, tt, axes, t, mask, out_dtype = _prepare(
        "log_softmax_jvp", log_y, tangent, axis, temperature, where
    )
    if mask is not None:
        # Masked outputs are constants and masked inputs do not move:
        # log y = -inf and t = 0 take them out of <y, t>.
        ly = np.where(mask, ly, -np.inf)
        tt = np.where(mask, tt, 0.0)
    jvp = _log_softmax_jvp(ly, tt, axes, t)
    if mask is not None:
        jvp[~mask] = 0.0
    return cast_result(jvp, out_dtype)


def _log_softmax_jvp(
    log_y: FloatArray, tangent: FloatArray, axes: tuple[int, ...], t: float
) -> FloatArray:
    """NumPy reference log-softmax JVP ``(t - <y, t>) / T`` on validated arrays."""
    y = np.exp(log_y, out=np.empty_like(log_y))
    dot = np.sum(y * tangent, axis=axes, keepdims=True)
    jvp: FloatArray = np.subtract(tangent, dot, out=y)
    # A slice that is -inf everywhere took no part in the forward pass.
    empty = np.all(log_y == -np.inf, axis=axes, keepdims=True)
    if empty.any():
        jvp[np.broadcast_to(empty, jvp.shape)] = 0.0
    return divide_by_temperature(jvp, t)


def _vjp(
    y: FloatArray,
    g: FloatArray,
    axes: tuple[int, ...],
    t: float,
    mask: NDArray[np.bool_] | None,
    *,
    log: bool,
) -> FloatArray:
    """Either VJP on validated arrays: fast path if it runs, else the reference."""
    if mask is not None:
        # Masked outputs are constants: they get no gradient and no share of
        # the slice sum, whatever values the caller passes there (y = 0,
        # log y = -inf and g = 0 take them out of both formulas).
        y = np.where(mask, y, -np.inf if log else 0.0)
        g = np.where(mask, g, 0.0)
    grad = paths.backward(y, g, axes, t, log=log)
    if grad is None:
        grad = (_log_softmax_vjp if log else _softmax_vjp)(y, g, axes, t)
    if mask is not None:
        grad[~mask] = 0.0
    return grad


def _prepare(
    func: str,
    y: ArrayLike,
    other: ArrayLike,
    axis: Axis,
    temperature: float,
    where: ArrayLike | None,
) -> tuple[
    FloatArray,
    FloatArray,
    tuple[int, ...],
    float,
    NDArray[np.bool_] | None,
    np.dtype[np.floating],
]:
    """Validate the shared arguments of the derivative functions."""
    name = "tangent" if func.endswith("_jvp") else "upstream"
    first = "log_y" if func.startswith("log") else "y"
    yy = as_float_array(y, first, func)
    g = as_float_array(other, name, func)
    check_same_shape(yy, g, (first, name), func)
    axes = normalize_axes(axis, yy.shape, func)
    t = check_temperature(temperature, func)
    mask = check_where(where, yy.shape, func)
    out_dtype = result_dtype(np.asarray(y).dtype, np.asarray(other).dtype)
    compute = np.result_type(yy.dtype, g.dtype)
    yy = yy.astype(compute, copy=False)
    return yy, g.astype(compute, copy=False), axes, t, mask, out_dtype
