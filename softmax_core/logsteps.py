r"""Log-softmax's VJP and the cross-entropy's gradient, one slice step by step.

As :func:`softmax_core.vjp_steps` does for softmax, each function here reaches
one slice's gradient two ways that must agree, and keeps every intermediate
number so a page can show them:

* log-softmax: through the Jacobian, :math:`J^\top g` with
  :math:`J = (I - \mathbf{1} y^\top)/T`, and by the formula
  :math:`(g - y \sum_j g_j)/T`. The Jacobian is not symmetric, so
  :math:`J g` (the transposed mistake) is kept too, to show it differs.
* cross-entropy: by the chain rule, the upstream gradient of log-softmax is
  :math:`-w\,t` (:math:`w` the slice's weight, ``1/N`` for the mean) and its
  VJP gives the gradient; the formula says :math:`w\,(y - t)/T` at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from softmax_core._floating import ignores_underflow
from softmax_core._validation import (
    FloatArray,
    as_float_array,
    check_same_shape,
    check_temperature,
    check_where,
)
from softmax_core.backward import log_softmax_vjp
from softmax_core.crossentropy import cross_entropy, cross_entropy_grad
from softmax_core.functions import log_softmax
from softmax_core.jacobian import slice_jacobians
from softmax_core.targets import _distribution

__all__ = [
    "CrossEntropySteps",
    "LogSoftmaxVjpSteps",
    "cross_entropy_steps",
    "log_softmax_vjp_steps",
]


@dataclass(frozen=True, eq=False)
class LogSoftmaxVjpSteps:
    r"""Every intermediate value of one slice's log-softmax backward pass.

    Attributes
    ----------
    log_y, y : ndarray of shape (n,)
        The slice's log-softmax output and :math:`y = e^{\log y}`.
    g : ndarray of shape (n,)
        The slice's upstream gradient.
    temperature : float
        The forward temperature :math:`T`.
    jacobian : ndarray of shape (n, n)
        :math:`J = (I - \mathbf{1} y^\top)/T`, entry ``[i, j]`` =
        :math:`\partial \log y_i / \partial x_j`.
    jacobian_product : ndarray of shape (n,)
        :math:`J^\top g`, the VJP through the Jacobian.
    transposed_product : ndarray of shape (n,)
        :math:`J g`: what a backward pass that forgets the transpose
        computes; it differs from the VJP because :math:`J` is not symmetric.
    total : float
        :math:`\sum_j g_j`.
    scaled : ndarray of shape (n,)
        :math:`y \sum_j g_j`.
    vjp : ndarray of shape (n,)
        :math:`(g - y \sum_j g_j)/T`, from :func:`softmax_core.log_softmax_vjp`.
    max_difference : float
        :math:`\max_i |(J^\top g)_i - \text{vjp}_i|`: rounding only.
    """

    log_y: FloatArray
    y: FloatArray
    g: FloatArray
    temperature: float
    jacobian: FloatArray
    jacobian_product: FloatArray
    transposed_product: FloatArray
    total: float
    scaled: FloatArray
    vjp: FloatArray
    max_difference: float


@ignores_underflow
def log_softmax_vjp_steps(
    log_y_slice: ArrayLike,
    g_slice: ArrayLike,
    temperature: float = 1.0,
    *,
    where: ArrayLike | None = None,
) -> LogSoftmaxVjpSteps:
    r"""Compute one slice's log-softmax gradient through its Jacobian and by formula.

    Parameters
    ----------
    log_y_slice : array_like of shape (n,)
        One log-softmax slice (the forward output, flattened).
    g_slice : array_like of shape (n,)
        The upstream gradient of that slice.
    temperature : float, default 1.0
        The forward temperature.
    where : array_like of bool of shape (n,), optional
        The forward's mask: masked entries get 0 everywhere (rows and columns
        of :math:`J`, the products, the VJP) and no share of the sum.

    Returns
    -------
    LogSoftmaxVjpSteps

    Raises
    ------
    ValueError
        If the slices are not 1-D, differ in shape, the temperature is not
        finite and positive, or `where` does not broadcast.

    Notes
    -----
    .. math:: J^\top g = \frac{1}{T}\left(I - y \mathbf{1}^\top\right) g
              = \frac{1}{T}\left(g - y \sum_j g_j\right)

    Examples
    --------
    The first slice of the classic example with ``g = [2, 0]``:

    >>> steps = log_softmax_vjp_steps(log_softmax([1.0, 2.0]), [2.0, 0.0])
    >>> steps.total, steps.vjp.round(8)
    (2.0, array([ 1.46211716, -1.46211716]))
    >>> steps.transposed_product.round(8)
    array([ 1.46211716, -0.53788284])
    """
    func = "log_softmax_vjp_steps"
    log_y, g, t = _one_slice(func, log_y_slice, g_slice, ("log_y_slice", "g_slice"),
                             temperature)
    mask = check_where(where, log_y.shape, func)
    if mask is not None:
        log_y, g = np.where(mask, log_y, -np.inf), np.where(mask, g, 0.0)
    jacobian = slice_jacobians(log_y, 0, temperature=t, function="log_softmax",
                               where=mask)
    y = np.exp(log_y)
    with np.errstate(invalid="ignore"):  # NaN slices stay NaN, quietly
        product, transposed = jacobian.T @ g, jacobian @ g
        total = float(np.sum(g))
        vjp = log_softmax_vjp(log_y, g, 0, temperature=t, where=mask)
        difference = float(np.max(np.abs(product - vjp), initial=0.0))
    return LogSoftmaxVjpSteps(
        log_y=log_y,
        y=y,
        g=g,
        temperature=t,
        jacobian=jacobian,
        jacobian_product=product,
        transposed_product=transposed,
        total=total,
        scaled=y * total,
        vjp=vjp,
        max_difference=difference,
    )


@dataclass(frozen=True, eq=False)
class CrossEntropySteps:
    r"""Every intermediate value of one slice's cross-entropy and its gradient.

    Attributes
    ----------
    x : ndarray of shape (n,)
        The slice's logits.
    target : ndarray of shape (n,)
        The target probabilities (one-hot for a class index).
    temperature : float
        The temperature :math:`T`.
    weight : float
        :math:`w`, the slice's weight in the reduction times the upstream
        gradient (``1/N`` for the mean of ``N`` slices).
    log_y, y : ndarray of shape (n,)
        :math:`\log \operatorname{softmax}(x/T)` and :math:`y`.
    loss : float
        The slice's own loss :math:`-\sum_i t_i \log y_i` (not weighted).
    log_y_upstream : ndarray of shape (n,)
        :math:`-w\,t`, the gradient of the weighted loss with respect to
        :math:`\log y`.
    chain : ndarray of shape (n,)
        :func:`softmax_core.log_softmax_vjp` of that upstream gradient.
    difference : ndarray of shape (n,)
        :math:`y - t`.
    gradient : ndarray of shape (n,)
        :math:`w\,(y - t)/T`, from :func:`softmax_core.cross_entropy_grad`.
    max_difference : float
        :math:`\max_i |\text{chain}_i - \text{gradient}_i|`: rounding only.
    """

    x: FloatArray
    target: FloatArray
    temperature: float
    weight: float
    log_y: FloatArray
    y: FloatArray
    loss: float
    log_y_upstream: FloatArray
    chain: FloatArray
    difference: FloatArray
    gradient: FloatArray
    max_difference: float


@ignores_underflow
def cross_entropy_steps(
    logits_slice: ArrayLike,
    target: ArrayLike,
    temperature: float = 1.0,
    *,
    weight: float = 1.0,
    where: ArrayLike | None = None,
) -> CrossEntropySteps:
    r"""Compute one slice's cross-entropy gradient by the chain rule and by formula.

    Parameters
    ----------
    logits_slice : array_like of shape (n,)
        One slice of logits.
    target : int or array_like of shape (n,)
        A class index or the slice's target probabilities (summing to 1).
    temperature : float, default 1.0
        Divides the logits.
    weight : float, default 1.0
        The slice's weight in the reduction times the upstream gradient:
        ``upstream / N`` for the mean over ``N`` slices, ``upstream`` for the
        sum or for ``"none"``.
    where : array_like of bool of shape (n,), optional
        The classes that exist; the target may put nothing on the others.

    Returns
    -------
    CrossEntropySteps

    Raises
    ------
    ValueError
        If `logits_slice` is not 1-D, the target is invalid (see
        :func:`softmax_core.target_distribution`) or the temperature is not
        finite and positive.

    Notes
    -----
    .. math:: \frac{\partial}{\partial x}\Bigl(-w \sum_i t_i \log y_i\Bigr)
              = \frac{1}{T}\Bigl(-w\,t + y \sum_i w\,t_i\Bigr)
              = \frac{w}{T}\,(y - t) \quad\text{as } \textstyle\sum_i t_i = 1

    Examples
    --------
    Slice 0 of the issue's example: ``x = [1, 2]``, target class 1, mean over
    two slices:

    >>> steps = cross_entropy_steps([1.0, 2.0], 1, weight=0.5)
    >>> round(steps.loss, 8), steps.gradient.round(8)
    (0.31326169, array([ 0.13447071, -0.13447071]))
    >>> steps.max_difference < 1e-15
    True
    """
    func = "cross_entropy_steps"
    x = as_float_array(logits_slice, "logits_slice", func).astype(np.float64)
    if x.ndim != 1:
        raise ValueError(f"{func}: logits_slice must be 1-D; got shape {x.shape}")
    t = check_temperature(temperature, func)
    w = float(weight)
    mask = check_where(where, x.shape, func)
    probs = _distribution(target, x.shape, (0,), mask, func).astype(np.float64)
    log_y = log_softmax(x, temperature=t, where=mask)
    upstream = -w * probs
    chain = log_softmax_vjp(log_y, upstream, temperature=t, where=mask)
    gradient = cross_entropy_grad(x, probs, temperature=t, reduction="sum",
                                  where=mask, upstream=w)
    loss = float(cross_entropy(x, probs, temperature=t, reduction="sum", where=mask))
    y = np.exp(log_y)
    with np.errstate(invalid="ignore"):
        difference = float(np.max(np.abs(chain - gradient), initial=0.0))
    return CrossEntropySteps(
        x=x,
        target=probs,
        temperature=t,
        weight=w,
        log_y=log_y,
        y=y,
        loss=loss,
        log_y_upstream=upstream,
        chain=chain,
        difference=y - probs,
        gradient=gradient,
        max_difference=difference,
    )


def _one_slice(
    func: str,
    first: ArrayLike,
    second: ArrayLike,
    names: tuple[str, str],
    temperature: float,
) -> tuple[FloatArray, FloatArray, float]:
    """Validate two 1-D slices of one shape and a temperature, in float64."""
    a = as_float_array(first, names[0], func).astype(np.float64)
    b = as_float_array(second, names[1], func).astype(np.float64)
    if a.ndim != 1:
        raise ValueError(
            f"{func}: {names[0]} must be 1-D (one slice); got shape {a.shape}"
        )
    check_same_shape(a, b, names, func)
    return a, b, check_temperature(temperature, func)
