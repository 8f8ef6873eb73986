r"""One slice's backward pass step by step, and other questions about an input.

For one softmax slice :math:`y` (length ``n``), an upstream gradient :math:`g`
and a temperature :math:`T`, the gradient can be reached two ways that must
agree: through the Jacobian, :math:`J g` with
:math:`J = (\operatorname{diag}(y) - y y^\top)/T`, and through the formula
:math:`y \odot (g - \langle g, y \rangle)/T` that never builds :math:`J`.
:func:`vjp_steps` computes every intermediate value of both routes.

The module also answers the questions a teacher asks about an input: whether
an upstream gradient is constant along every slice (then the gradient is
zero), a summary of a Jacobian too large to draw, and the worst slices of a
gradient check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from softmax_core._floating import ignores_underflow
from softmax_core._validation import (
    Axis,
    FloatArray,
    as_float_array,
    check_same_shape,
    check_temperature,
    normalize_axes,
)
from softmax_core.backward import softmax_vjp
from softmax_core.jacobian import slice_jacobians
from softmax_core.slices import to_slices

__all__ = [
    "FINE_REL_ERROR",
    "WRONG_REL_ERROR",
    "JacobianSummary",
    "VjpSteps",
    "constant_along_slices",
    "jacobian_summary",
    "vjp_steps",
    "worst_slices",
]

#: Relative errors up to about this are what a correct gradient scores (CS231n).
FINE_REL_ERROR = 1e-7
#: Relative errors above this mean the gradient is wrong (CS231n).
WRONG_REL_ERROR = 1e-2


# --- one slice, step by step --------------------------------------------------


@dataclass(frozen=True, eq=False)
class VjpSteps:
    r"""Every intermediate value of one slice's backward pass.

    Attributes
    ----------
    y : ndarray of shape (n,)
        The slice's softmax output.
    g : ndarray of shape (n,)
        The slice's upstream gradient.
    temperature : float
        The forward temperature :math:`T`.
    jacobian : ndarray of shape (n, n)
        :math:`J = (\operatorname{diag}(y) - y y^\top)/T`, entry ``[i, j]`` =
        :math:`\partial y_i / \partial x_j`.
    jacobian_product : ndarray of shape (n,)
        :math:`J g` (equal to :math:`J^\top g`, the VJP, because :math:`J` is
        symmetric).
    dot : float
        :math:`\langle g, y \rangle = \sum_i g_i y_i`.
    centered : ndarray of shape (n,)
        :math:`g - \langle g, y \rangle`.
    vjp : ndarray of shape (n,)
        :math:`y \odot (g - \langle g, y \rangle) / T`, from
        :func:`softmax_core.softmax_vjp`.
    max_difference : float
        :math:`\max_i |(J g)_i - \text{vjp}_i|`: rounding only (about 1e-17),
        NaN if the slice holds NaN.
    """

    y: FloatArray
    g: FloatArray
    temperature: float
    jacobian: FloatArray
    jacobian_product: FloatArray
    dot: float
    centered: FloatArray
    vjp: FloatArray
    max_difference: float

    @property
    def n(self) -> int:
        """The slice length."""
        return int(self.y.shape[0])


@ignores_underflow
def vjp_steps(
    y_slice: ArrayLike, g_slice: ArrayLike, temperature: float = 1.0
) -> VjpSteps:
    r"""Compute one slice's gradient both through its Jacobian and by the formula.

    Parameters
    ----------
    y_slice : array_like of shape (n,)
        One softmax slice (the forward output, flattened).
    g_slice : array_like of shape (n,)
        The upstream gradient of that slice.
    temperature : float, default 1.0
        The forward temperature.

    Returns
    -------
    VjpSteps
        The Jacobian, :math:`J g`, :math:`\langle g, y\rangle`,
        :math:`g - \langle g, y\rangle`, the VJP and how far the two routes
        differ.

    Raises
    ------
    ValueError
        If the slices are not 1-D, differ in shape, or the temperature is not
        finite and positive.

    Notes
    -----
    .. math:: J g = \frac{1}{T}\left(\operatorname{diag}(y) - y y^\top\right) g
              = \frac{1}{T}\left(y \odot g - y \langle y, g \rangle\right)
              = \frac{1}{T}\, y \odot (g - \langle g, y \rangle)

    The Jacobian costs :math:`n^2` numbers, the formula :math:`n`.

    Examples
    --------
    The first slice of the classic example, ``softmax([1, 2])`` with
    ``g = [1, 0]``:

    >>> steps = vjp_steps(softmax([1.0, 2.0]), [1.0, 0.0])
    >>> round(steps.dot, 8)
    0.26894142
    >>> steps.jacobian_product.round(8)
    array([ 0.19661193, -0.19661193])
    >>> steps.vjp.round(8)
    array([ 0.19661193, -0.19661193])
    >>> steps.max_difference < 1e-15
    True
    """
    func = "vjp_steps"
    y = as_float_array(y_slice, "y_slice", func).astype(np.float64)
    g = as_float_array(g_slice, "g_slice", func).astype(np.float64)
    if y.ndim != 1:
        raise ValueError(
            f"{func}: y_slice must be 1-D (one softmax slice); got shape {y.shape}"
        )
    check_same_shape(y, g, ("y_slice", "g_slice"), func)
    t = check_temperature(temperature, func)
    jacobian = slice_jacobians(y, 0, temperature=t)
    with np.errstate(invalid="ignore"):  # NaN slices stay NaN, quietly
        product = jacobian @ g
        dot = float(np.sum(g * y))
        vjp = softmax_vjp(y, g, 0, temperature=t)
        difference = float(np.max(np.abs(product - vjp), initial=0.0))
    return VjpSteps(
        y=y,
        g=g,
        temperature=t,
        jacobian=jacobian,
        jacobian_product=product,
        dot=dot,
        centered=g - dot,
        vjp=vjp,
        max_difference=difference,
    )


# --- questions about an input -------------------------------------------------


@ignores_underflow
def constant_along_slices(upstream: ArrayLike, axis: Axis = -1) -> bool:
    r"""Whether `upstream` is constant within every slice along `axis`.

    Then the softmax gradient is zero: :math:`\langle c\mathbf{1}, y\rangle =
    c` because each slice of :math:`y` sums to 1, so :math:`g - \langle g,
    y\rangle = 0`. In floating point it is zero up to rounding (about 1e-17).
    Empty arrays count as constant.

    Examples
    --------
    >>> constant_along_slices(np.ones((2, 2)), 1)
    True
    >>> constant_along_slices([[1.0, 1.0], [5.0, 5.0]], 1)
    True
    >>> constant_along_slices([[1.0, 1.0], [5.0, 5.0]], 0)
    False
    """
    g = as_float_array(upstream, "upstream", "constant_along_slices")
    axes = normalize_axes(axis, g.shape, "constant_along_slices")
    s = to_slices(g, axes)
    if s.size == 0:
        return True
    return bool(np.all(s == s[..., :1]))


@dataclass(frozen=True)
class JacobianSummary:
    r"""What a slice Jacobian looks like, without building its :math:`n^2` entries.

    Attributes
    ----------
    n : int
        Slice length (the Jacobian is ``n x n``).
    diagonal_min, diagonal_max : float
        Range of the diagonal :math:`y_i (1 - y_i) / T` (each at most
        :math:`1/(4T)`).
    max_abs_off_diagonal : float
        Largest :math:`|J_{ij}| = y_i y_j / T` with :math:`i \ne j`: the
        product of the two largest probabilities over :math:`T`.
    trace : float
        :math:`\sum_i y_i (1 - y_i) / T = (1 - \sum_i y_i^2)/T`.
    """

    n: int
    diagonal_min: float
    diagonal_max: float
    max_abs_off_diagonal: float
    trace: float


@ignores_underflow
def jacobian_summary(y_slice: ArrayLike, temperature: float = 1.0) -> JacobianSummary:
    r"""Summarise the Jacobian of one slice from its output, in :math:`O(n)`.

    Parameters
    ----------
    y_slice : array_like of shape (n,)
        One softmax slice.
    temperature : float, default 1.0
        The forward temperature.

    Returns
    -------
    JacobianSummary

    Notes
    -----
    :math:`J_{ii} = y_i(1 - y_i)/T` and :math:`J_{ij} = -y_i y_j / T`; every row
    sums to 0.

    Examples
    --------
    >>> s = jacobian_summary(softmax([1.0, 2.0]))
    >>> round(s.diagonal_max, 8), round(s.max_abs_off_diagonal, 8)
    (0.19661193, 0.19661193)
    >>> jacobian_summary(np.full(1000, 1e-3)).diagonal_min
    0.000999
    """
    func = "jacobian_summary"
    y = as_float_array(y_slice, "y_slice", func).astype(np.float64)
    if y.ndim != 1:
        raise ValueError(
            f"{func}: y_slice must be 1-D (one softmax slice); got shape {y.shape}"
        )
    t = check_temperature(temperature, func)
    n = y.shape[0]
    if n == 0:
        return JacobianSummary(0, 0.0, 0.0, 0.0, 0.0)
    diagonal = y * (1.0 - y) / t
    if n >= 2:
        top_two = np.partition(y, n - 2)[-2:]
        off = float(abs(top_two[0] * top_two[1])) / t
    else:
        off = 0.0
    return JacobianSummary(
        n=n,
        diagonal_min=float(np.min(diagonal)),
        diagonal_max=float(np.max(diagonal)),
        max_abs_off_diagonal=off,
        trace=float(np.sum(diagonal)),
    )


# --- reading a gradient check -------------------------------------------------


@ignores_underflow
def worst_slices(
    slice_errors: ArrayLike, count: int = 10
) -> list[tuple[tuple[int, ...], float]]:
    """Return the `count` slices with the largest error, worst first.

    Parameters
    ----------
    slice_errors : array_like of shape batch_shape
        One error per slice, e.g. ``GradcheckReport.slice_max_error``.
    count : int, default 10
        How many to return (fewer if there are fewer slices).

    Returns
    -------
    list of (index, error)
        `index` is the slice's position over the batch dimensions. NaN counts
        as the worst; ties keep C order.

    Examples
    --------
    >>> worst_slices([[0.0, 0.3], [0.1, np.nan]], count=3)
    [((1, 1), nan), ((0, 1), 0.3), ((1, 0), 0.1)]
    """
    e = np.asarray(slice_errors, dtype=np.float64)
    flat = e.ravel()
    # NaN first, then descending; a stable sort keeps C order among ties.
    key = np.where(np.isnan(flat), -np.inf, -flat)
    order = np.argsort(key, kind="stable")[: max(0, int(count))]
    return [
        (tuple(int(i) for i in np.unravel_index(int(k), e.shape)), float(flat[k]))
        for k in order
    ]
