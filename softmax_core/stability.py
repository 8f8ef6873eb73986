r"""Why the max shift and log-softmax matter: the naive formulas, side by side.

The textbook formula :math:`e^{x_i} / \sum_j e^{x_j}` is exact mathematically but
breaks in floating point: ``exp`` overflows to ``inf`` once a logit passes
``log(max float)`` (709.78 in float64, 88.72 in float32, 11.09 in float16), and
``inf / inf`` is NaN. Taking ``log`` of a probability that underflowed to 0 gives
``-inf`` where :func:`~softmax_core.log_softmax` stays finite. This module holds
the broken versions (so the app can show them failing), the thresholds where they
fail, a comparison across float16/32/64, and a check that softmax slices sum to 1.

Nothing here is meant for real use: :func:`~softmax_core.softmax` and
:func:`~softmax_core.log_softmax` are the functions to call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from softmax_core._floating import ignores_underflow
from softmax_core._validation import (
    Axis,
    FloatArray,
    as_float_array,
    check_temperature,
    normalize_axes,
    result_dtype,
)
from softmax_core.functions import softmax
from softmax_core.slices import to_slices

__all__ = [
    "COMPARED_DTYPES",
    "DtypeResult",
    "NaiveSweep",
    "SliceSums",
    "dtype_comparison",
    "max_abs_error",
    "naive_log_softmax",
    "naive_softmax",
    "naive_sweep",
    "overflow_scale",
    "overflow_threshold",
    "slice_sums",
    "underflow_threshold",
]

#: The dtypes :func:`dtype_comparison` computes in, lowest precision first.
COMPARED_DTYPES: tuple[str, ...] = ("float16", "float32", "float64")


def _float_dtype(dtype: DTypeLike, func: str) -> np.dtype[Any]:
    """Return `dtype` as a NumPy floating dtype, or raise TypeError."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"{func}: dtype must be a floating dtype; got {dtype!r}"
        ) from None
    if dt.kind != "f" or dt.itemsize > 8:
        raise TypeError(
            f"{func}: dtype must be float16, float32 or float64; got {dt.name}"
        )
    return dt


def overflow_threshold(dtype: DTypeLike = np.float64) -> float:
    """Return the largest logit whose ``exp`` is finite: ``log(max float)``.

    Parameters
    ----------
    dtype : float16, float32 or float64, default float64
        The floating type ``exp`` is computed in.

    Returns
    -------
    float
        ``log(np.finfo(dtype).max)``; ``exp`` of anything larger is ``inf``.

    Raises
    ------
    TypeError
        If `dtype` is not float16, float32 or float64.

    Examples
    --------
    >>> from softmax_core.stability import overflow_threshold
    >>> [round(overflow_threshold(d), 2) for d in ("float64", "float32", "float16")]
    [709.78, 88.72, 11.09]
    """
    dt = _float_dtype(dtype, "overflow_threshold")
    return float(np.log(float(np.finfo(dt).max)))


def underflow_threshold(dtype: DTypeLike = np.float64) -> float:
    """Return the logit below which ``exp`` rounds to exactly 0.

    Parameters
    ----------
    dtype : float16, float32 or float64, default float64
        The floating type ``exp`` is computed in.

    Returns
    -------
    float
        ``log(smallest subnormal / 2)``: ``exp`` of anything smaller rounds to 0,
        so ``log(softmax(x))`` is ``-inf`` for an entry that far below its
        slice's maximum (in units of T).

    Raises
    ------
    TypeError
        If `dtype` is not float16, float32 or float64.

    Examples
    --------
    >>> from softmax_core.stability import underflow_threshold
    >>> [round(underflow_threshold(d), 2) for d in ("float64", "float32", "float16")]
    [-745.13, -103.97, -17.33]
    """
    dt = _float_dtype(dtype, "underflow_threshold")
    # Round-to-nearest sends anything below half the smallest subnormal to 0.
    return float(np.log(float(np.finfo(dt).smallest_subnormal)) - np.log(2.0))


@ignores_underflow
def naive_softmax(
    x: ArrayLike, axis: Axis = -1, *, temperature: float = 1.0
) -> FloatArray:
    r"""Softmax by the textbook formula, without the max shift (do not use).

    Parameters
    ----------
    x : array_like of shape (...)
        Logits. float16/32/64 are computed *in their own dtype* (unlike
        :func:`~softmax_core.softmax`, which computes float16 in float32), so
        float16 overflows at 11.09; bool and integers become float64.
    axis : int, tuple of int or None, default -1
        The axes each softmax normalises over. ``None`` means all axes.
    temperature : float, default 1.0
        Divides the logits; must be finite and > 0.

    Returns
    -------
    ndarray of shape (...)
        ``exp(x/T) / sum(exp(x/T))``. Where ``exp`` overflows the entry is NaN
        (``inf / inf``) and the rest of its slice 0; a slice whose every
        ``exp`` underflows (or that is all ``-inf``) is NaN (``0 / 0``). No
        NumPy warning is emitted: the point is to *see* these values.

    Raises
    ------
    ValueError
        If an axis is out of range or repeated, or the temperature is not
        finite and positive.
    TypeError
        If `x` is complex or not numeric.

    Notes
    -----
    .. math:: \operatorname{naive}(x)_i = \frac{e^{x_i/T}}{\sum_j e^{x_j/T}}

    Mathematically equal to :func:`~softmax_core.softmax`; numerically it
    fails once :math:`\max_j x_j / T` exceeds :func:`overflow_threshold`.

    Examples
    --------
    >>> from softmax_core.stability import naive_softmax
    >>> naive_softmax([1.0, 2.0, 3.0]).round(4)
    array([0.09  , 0.2447, 0.6652])
    >>> naive_softmax([1000.0, 1001.0, 1002.0])
    array([nan, nan, nan])
    >>> naive_softmax(np.array([10.0, 12.0], dtype=np.float16))
    array([ 0., nan], dtype=float16)
    """
    a = as_float_array(x, "x", "naive_softmax")
    a = a.astype(result_dtype(np.asarray(x).dtype), copy=False)
    axes = normalize_axes(axis, a.shape, "naive_softmax")
    t = check_temperature(temperature, "naive_softmax")
    # Overflow, 0/0 and inf/inf are what this function exists to show.
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(np.divide(a, a.dtype.type(t)))
        total = np.sum(e, axis=axes, keepdims=True)
        return np.asarray(e / total)


@ignores_underflow
def naive_log_softmax(
    x: ArrayLike, axis: Axis = -1, *, temperature: float = 1.0
) -> FloatArray:
    r"""``log(softmax(x))``: log of the (stable) probabilities (do not use).

    Parameters
    ----------
    x : array_like of shape (...)
        Logits; dtype rules as in :func:`~softmax_core.softmax`.
    axis : int, tuple of int or None, default -1
        The axes each softmax normalises over. ``None`` means all axes.
    temperature : float, default 1.0
        Divides the logits; must be finite and > 0.

    Returns
    -------
    ndarray of shape (...)
        ``-inf`` wherever a probability underflowed to 0, i.e. where an entry
        is more than about ``-underflow_threshold()`` (745 in float64) below
        its slice's maximum, in units of T. No NumPy warning is emitted.

    Raises
    ------
    ValueError
        If an axis is out of range or repeated, or the temperature is not
        finite and positive.
    TypeError
        If `x` is complex or not numeric.

    Notes
    -----
    The max shift already makes ``softmax`` itself safe; the loss is in the
    ``log``: :func:`~softmax_core.log_softmax` computes
    :math:`s_i - \log\sum_j e^{s_j}` with :math:`s = (x - m)/T`, which is
    finite for every finite input.

    Examples
    --------
    >>> from softmax_core.stability import naive_log_softmax
    >>> naive_log_softmax([0.0, -800.0])
    array([  0., -inf])
    >>> log_softmax([0.0, -800.0])
    array([   0., -800.])
    """
    y = softmax(x, axis, temperature=temperature)
    # log(0) = -inf is the point of this function, not an accident.
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.log(y))


@ignores_underflow
def max_abs_error(a: ArrayLike, reference: ArrayLike) -> float:
    """Largest ``|a - reference|``, compared in float64; ``inf`` for a broken entry.

    Entries where `reference` is NaN are skipped (a NaN input poisons every
    version alike); where `reference` is infinite, `a` must be the same
    infinity. An entry of `a` that is non-finite where the reference is
    finite counts as ``inf``.

    Parameters
    ----------
    a, reference : array_like of the same shape
        The result to judge and the float64 reference.

    Returns
    -------
    float
        The maximum absolute error, ``0.0`` for empty arrays.

    Raises
    ------
    ValueError
        If the shapes differ.

    Examples
    --------
    >>> from softmax_core.stability import max_abs_error
    >>> max_abs_error([0.25, 0.75], [0.25, 0.7])
    0.05000000000000004
    >>> max_abs_error([np.nan, 1.0], [0.5, 1.0])
    inf
    """
    got = np.asarray(a, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    if got.shape != ref.shape:
        raise ValueError(
            f"max_abs_error: a has shape {got.shape} but reference has shape "
            f"{ref.shape}; they must match"
        )
    keep = ~np.isnan(ref)
    got, ref = got[keep], ref[keep]
    if got.size == 0:
        return 0.0
    same = (got == ref) | (np.isnan(got) & np.isnan(ref))
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.where(same, 0.0, np.abs(got - ref))
    diff[np.isnan(diff)] = np.inf
    return float(diff.max())


@dataclass(frozen=True)
class DtypeResult:
    """Softmax of one input computed in one floating dtype.

    Attributes
    ----------
    dtype : str
        ``"float16"``, ``"float32"`` or ``"float64"``.
    stable : ndarray
        :func:`~softmax_core.softmax` of the input cast to `dtype`.
    naive : ndarray
        :func:`naive_softmax` of the input cast to `dtype`.
    stable_error, naive_error : float
        :func:`max_abs_error` of each against the float64 stable softmax;
        ``inf`` when the result has inf/NaN where the reference is finite.
    overflow_threshold : float
        :func:`overflow_threshold` of `dtype`: where naive ``exp`` overflows.
    """

    dtype: str
    stable: FloatArray
    naive: FloatArray
    stable_error: float
    naive_error: float
    overflow_threshold: float

    @property
    def naive_finite(self) -> bool:
        """Whether the naive result has no inf or NaN at all."""
        return bool(np.isfinite(self.naive).all())


@ignores_underflow
def dtype_comparison(
    x: ArrayLike, axis: Axis = -1, *, temperature: float = 1.0
) -> tuple[DtypeResult, ...]:
    """Softmax of `x` in float16, float32 and float64, stable and naive.

    Parameters
    ----------
    x : array_like of shape (...)
        Logits; cast to each dtype first (so values beyond 65504 are already
        ``inf`` in float16).
    axis : int, tuple of int or None, default -1
        The axes each softmax normalises over. ``None`` means all axes.
    temperature : float, default 1.0
        Divides the logits; must be finite and > 0.

    Returns
    -------
    tuple of DtypeResult
        One per name in :data:`COMPARED_DTYPES`, in that order. Errors are
        measured against the stable softmax of `x` in float64.

    Raises
    ------
    ValueError
        If an axis is out of range or repeated, or the temperature is not
        finite and positive.
    TypeError
        If `x` is complex or not numeric.

    Examples
    --------
    >>> from softmax_core.stability import dtype_comparison
    >>> for r in dtype_comparison([10.0, 11.0, 12.0]):
    ...     print(r.dtype, r.stable_error < 1e-3, r.naive_finite)
    float16 True False
    float32 True True
    float64 True True
    """
    a = as_float_array(x, "x", "dtype_comparison").astype(np.float64, copy=False)
    axes = normalize_axes(axis, a.shape, "dtype_comparison")
    t = check_temperature(temperature, "dtype_comparison")
    reference = softmax(a, axes, temperature=t)
    results = []
    for name in COMPARED_DTYPES:
        with np.errstate(over="ignore"):  # float16 holds at most 65504
            cast = a.astype(name)
        stable = softmax(cast, axes, temperature=t)
        naive = naive_softmax(cast, axes, temperature=t)
        results.append(
            DtypeResult(
                dtype=name,
                stable=stable,
                naive=naive,
                stable_error=max_abs_error(stable, reference),
                naive_error=max_abs_error(naive, reference),
                overflow_threshold=overflow_threshold(name),
            )
        )
    return tuple(results)


@dataclass(frozen=True)
class NaiveSweep:
    """Where :func:`naive_softmax` of ``scale * x`` breaks, over a range of scales.

    Attributes
    ----------
    scales : ndarray of shape (k,)
        The logit scales tried, increasing.
    broken_fraction : ndarray of shape (k,)
        Fraction of the slices of ``naive_softmax(scale * x)`` holding an inf
        or NaN. Such a slice is wrong throughout: beside an overflowed entry
        (NaN) the others come out 0.
    first_nonfinite : float or None
        The smallest scale tried whose result has an inf or NaN, or None.
    last_finite : float or None
        The largest scale tried below `first_nonfinite` whose result is all
        finite (the break lies between the two), or None.
    """

    scales: NDArray[np.float64]
    broken_fraction: NDArray[np.float64]
    first_nonfinite: float | None
    last_finite: float | None


@ignores_underflow
def naive_sweep(
    x: ArrayLike,
    axis: Axis = -1,
    *,
    temperature: float = 1.0,
    scales: ArrayLike = (1.0, 10.0, 100.0, 1000.0),
    dtype: DTypeLike = np.float64,
) -> NaiveSweep:
    """Multiply `x` by each scale and record which naive softmax slices break.

    Parameters
    ----------
    x : array_like of shape (...)
        Logits; cast to `dtype`, then multiplied by each scale in `dtype`.
    axis : int, tuple of int or None, default -1
        The axes each softmax normalises over. ``None`` means all axes.
    temperature : float, default 1.0
        Divides the logits; must be finite and > 0.
    scales : array_like of shape (k,)
        Finite scales >= 0, tried in increasing order.
    dtype : float16, float32 or float64, default float64
        The dtype the naive softmax is computed in.

    Returns
    -------
    NaiveSweep

    Raises
    ------
    ValueError
        If an axis is out of range, the temperature is not finite and positive,
        or `scales` is empty, not 1-D, negative or not finite.
    TypeError
        If `x` is complex or not numeric, or `dtype` is not a float dtype.

    Notes
    -----
    For finite `x` a slice can only break in one direction as the scale
    grows (a positive slice maximum overflows, a negative one underflows), so
    the fraction never decreases and `first_nonfinite` is the break point to
    within the grid's spacing.

    Examples
    --------
    >>> from softmax_core.stability import naive_sweep
    >>> s = naive_sweep([[1.0, 2.0], [3.0, 4.0]], scales=[1, 100, 200, 1000])
    >>> s.broken_fraction.tolist(), s.last_finite, s.first_nonfinite
    ([0.0, 0.0, 0.5, 1.0], 100.0, 200.0)
    """
    dt = _float_dtype(dtype, "naive_sweep")
    a = as_float_array(x, "x", "naive_sweep")
    axes = normalize_axes(axis, a.shape, "naive_sweep")
    t = check_temperature(temperature, "naive_sweep")
    grid = np.asarray(scales, dtype=np.float64)
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(
            f"naive_sweep: scales must be a non-empty 1-D list; got shape {grid.shape}"
        )
    if not np.isfinite(grid).all() or (grid < 0).any():
        raise ValueError("naive_sweep: scales must be finite and >= 0")
    grid = np.sort(grid)
    with np.errstate(over="ignore"):  # a large x is already inf in float16
        cast = a.astype(dt)
    fractions = np.empty(grid.size)
    for k, scale in enumerate(grid):
        with np.errstate(over="ignore", invalid="ignore"):  # inf * 0 and overflow
            scaled = cast * dt.type(scale)
        y = naive_softmax(scaled, axes, temperature=t)
        bad = ~np.isfinite(to_slices(y, axes)).all(axis=-1)
        fractions[k] = float(np.mean(bad)) if bad.size else 0.0
    broken = np.flatnonzero(fractions > 0)
    first = float(grid[broken[0]]) if broken.size else None
    last = float(grid[broken[0] - 1]) if broken.size and broken[0] > 0 else None
    if not broken.size:
        last = float(grid[-1])
    return NaiveSweep(grid, fractions, first, last)


@dataclass(frozen=True)
class SliceSums:
    """How close each softmax slice comes to summing to 1.

    Attributes
    ----------
    sums : ndarray of shape batch_shape
        The sum of each slice, in float64.
    max_error : float
        ``max |sum - 1|`` over the slices that hold probabilities (not empty,
        not NaN); 0.0 if there are none.
    n_slices : int
        How many slices there are.
    n_zero : int
        Slices summing to exactly 0: fully masked or all ``-inf`` inputs,
        which softmax maps to zeros by design.
    n_nan : int
        Slices whose sum is NaN (the input slice held NaN or ``+inf``).
    """

    sums: NDArray[np.float64]
    max_error: float
    n_slices: int
    n_zero: int
    n_nan: int


@ignores_underflow
def slice_sums(y: ArrayLike, axis: Axis = -1) -> SliceSums:
    """Sum each softmax slice of `y` and report the worst distance from 1.

    Parameters
    ----------
    y : array_like of shape (...)
        A softmax output.
    axis : int, tuple of int or None, default -1
        The axes `y` was normalised over.

    Returns
    -------
    SliceSums

    Raises
    ------
    ValueError
        If an axis is out of range or repeated.
    TypeError
        If `y` is complex or not numeric.

    Examples
    --------
    >>> from softmax_core.stability import slice_sums
    >>> y = softmax([[1.0, 2.0], [-np.inf, -np.inf]])
    >>> check = slice_sums(y)
    >>> check.sums.tolist(), check.max_error, check.n_zero
    ([1.0, 0.0], 0.0, 1)
    """
    a = as_float_array(y, "y", "slice_sums").astype(np.float64, copy=False)
    axes = normalize_axes(axis, a.shape, "slice_sums")
    sums = np.asarray(to_slices(a, axes).sum(axis=-1), dtype=np.float64)
    nan = np.isnan(sums)
    zero = sums == 0
    live = ~nan & ~zero
    error = float(np.max(np.abs(sums[live] - 1.0))) if live.any() else 0.0
    return SliceSums(sums, error, int(sums.size), int(zero.sum()), int(nan.sum()))


@ignores_underflow
def overflow_scale(
    x: ArrayLike, *, temperature: float = 1.0, dtype: DTypeLike = np.float64
) -> float | None:
    """Return the logit scale above which the naive softmax of ``scale * x`` overflows.

    ``exp(scale * m / T)`` overflows once ``scale * m / T`` passes
    :func:`overflow_threshold`, where ``m`` is the largest finite logit.

    Parameters
    ----------
    x : array_like
        Logits.
    temperature : float, default 1.0
        Divides the logits; must be finite and > 0.
    dtype : float16, float32 or float64, default float64
        The dtype ``exp`` is computed in.

    Returns
    -------
    float or None
        ``overflow_threshold(dtype) * T / m``, or None when no finite logit
        is > 0 (then ``exp`` cannot overflow at any scale).

    Raises
    ------
    ValueError
        If the temperature is not finite and positive.
    TypeError
        If `x` is complex or not numeric, or `dtype` is not a float dtype.

    Examples
    --------
    >>> from softmax_core.stability import overflow_scale
    >>> round(overflow_scale([[1.0, 2.0], [3.0, 4.0]]), 2)
    177.45
    >>> overflow_scale([-1.0, 0.0]) is None
    True
    """
    threshold = overflow_threshold(_float_dtype(dtype, "overflow_scale"))
    a = as_float_array(x, "x", "overflow_scale").astype(np.float64, copy=False)
    t = check_temperature(temperature, "overflow_scale")
    finite = a[np.isfinite(a)]
    m = float(finite.max()) if finite.size else 0.0
    return threshold * t / m if m > 0 else None
