r"""Gradient checking: compare a backward pass with finite differences.

The loss is :math:`L(x) = \sum_i g_i\, f(x)_i` for an upstream gradient
:math:`g` and a forward pass :math:`f`; the analytic gradient is the
implementation's ``backward(x, g, axis)``, the numeric one comes from central
differences of :math:`L` in float64. Three modes trade cost for assumptions:

* ``"sliced"`` (default): softmax mixes entries only within a slice, so position
  ``k`` of *every* slice can be perturbed at once and each slice's own loss read
  off: ``2 n`` forward evaluations (``n`` the slice length) give the full numeric
  gradient and the numeric per-slice Jacobians.
* ``"elementwise"``: one element at a time, ``2 · size`` evaluations, no
  assumption about the forward pass (PyTorch's slow mode).
* ``"directional"``: a few seeded random directions ``u``, comparing
  :math:`u^\top \nabla L` with a central difference along ``u``; for arrays too
  large for the others (like JAX's ``check_grads``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from softmax_core import _comparison, _numeric
from softmax_core._floating import ignores_underflow
from softmax_core._validation import (
    Axis,
    FloatArray,
    as_float_array,
    check_same_shape,
    check_temperature,
    normalize_axes,
    result_dtype,
)
from softmax_core.gallery import IMPLEMENTATIONS, Implementation
from softmax_core.slices import to_slices

__all__ = ["MODES", "REL_ERROR_FLOOR", "GradcheckReport", "gradcheck"]

#: The gradient-check modes, cheapest assumption-laden first.
MODES: tuple[str, ...] = ("sliced", "elementwise", "directional")

#: Floor of the denominator of the element-wise relative error, so entries where
#: both gradients are (nearly) zero do not turn rounding noise into huge ratios.
REL_ERROR_FLOOR = 1e-8

# Default (atol, rtol) by the dtype the analytic gradient is computed in:
# float64 as torch.autograd.gradcheck, float32 as jax's check_grads, float16 looser.
_TOLERANCES = {8: (1e-5, 1e-3), 4: (2e-3, 2e-3), 2: (1e-2, 1e-2)}

# cbrt(machine epsilon) balances truncation error (~h²) against rounding (~ε/h).
_BASE_STEP = float(np.cbrt(np.finfo(np.float64).eps))


@dataclass(frozen=True, eq=False)
class GradcheckReport:
    r"""What :func:`gradcheck` found: both gradients, their errors and a verdict.

    Attributes
    ----------
    analytic : ndarray of shape (...)
        The implementation's backward pass, in the dtype it returned.
    numeric : ndarray of shape (...) or None
        Central-difference gradient (float64); None in directional mode.
    abs_error : ndarray
        ``|a - n|`` per element, or per direction in directional mode
        (shape ``(n_directions,)``).
    rel_error : ndarray
        ``|a - n| / max(|a|, |n|, REL_ERROR_FLOOR)``, same shape as `abs_error`.
    max_abs_error, max_rel_error : float
        Largest entries of `abs_error` and `rel_error` (NaN when a value is not
        finite).
    norm_rel_error : float
        ``‖a - n‖ / (‖a‖ + ‖n‖)``, 0 when both are 0. Meaningless when the true
        gradient is zero: then it compares two kinds of rounding noise.
    slice_max_error : ndarray of shape batch_shape or None
        Worst ``|a - n|`` within each slice; None in directional mode, where a
        random direction mixes every slice and no slice can be blamed.
    passed : bool
        ``|a - n| <= atol + rtol · |n|`` everywhere and every value finite.
    n_evaluations : int
        Forward evaluations used by the numeric side.
    step : ndarray of shape (...)
        The nominal step ``h`` per element, float64 (the realised
        ``(x + h) - (x - h)`` is what the differences are divided by).
    mode : str
        ``"sliced"``, ``"elementwise"`` or ``"directional"``.
    implementation : str
        Registry name, or the class name of a user object.
    verdict : str
        One human-readable line starting with ``PASS`` or ``FAIL``.
    atol, rtol : float
        The tolerances used.
    axes : tuple of int
        The softmax axes, normalised.
    temperature : float
        The temperature the check ran at.
    numeric_jacobians : ndarray of shape batch_shape + (n, n) or None
        Sliced mode only: the numeric per-slice Jacobians, ``[..., i, k]`` =
        :math:`\partial f_i / \partial x_k` within a slice (None in the other
        modes, or when the stack would exceed ``DEFAULT_MAX_JACOBIAN_BYTES``).
    directional_analytic, directional_numeric : ndarray of shape (n_directions,)
        Directional mode only: :math:`w^\top a` and the central difference
        along the realised direction :math:`w` (see :func:`gradcheck`).
    """

    analytic: FloatArray
    numeric: FloatArray | None
    abs_error: FloatArray
    rel_error: FloatArray
    max_abs_error: float
    max_rel_error: float
    norm_rel_error: float
    slice_max_error: FloatArray | None
    passed: bool
    n_evaluations: int
    step: FloatArray
    mode: str
    implementation: str
    verdict: str
    atol: float
    rtol: float
    axes: tuple[int, ...]
    temperature: float
    numeric_jacobians: FloatArray | None = None
    directional_analytic: FloatArray | None = None
    directional_numeric: FloatArray | None = None

    def __str__(self) -> str:
        return self.verdict


@ignores_underflow
def gradcheck(
    x: ArrayLike,
    upstream: ArrayLike,
    axis: Axis = -1,
    *,
    implementation: str | Implementation = "vectorized",
    mode: str = "sliced",
    temperature: float = 1.0,
    eps: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    seed: int = 0,
    n_directions: int = 3,
) -> GradcheckReport:
    r"""Check a softmax backward pass against central finite differences.

    Parameters
    ----------
    x : array_like of shape (...)
        The point to check at; every value must be finite.
    upstream : array_like of shape (...)
        The upstream gradient ``g``; same shape as `x`.
    axis : int, tuple of int or None, default -1
        The softmax axes; passed to the implementation exactly as given.
    implementation : str or object, default "vectorized"
        A name from :data:`IMPLEMENTATIONS` or any object with methods
        ``forward(x, axis)`` and ``backward(x, upstream, axis)``.
    mode : {"sliced", "elementwise", "directional"}, default "sliced"
        How the numeric gradient is computed (see Notes).
    temperature : float, default 1.0
        Checks softmax at this temperature by wrapping the implementation:
        ``forward(x / T, axis)`` and ``backward(x / T, g, axis) / T``.
    eps : float, optional
        Base step; the step for element ``i`` is ``eps · max(1, |x_i - m|)``
        with ``m`` the max of its slice (see Notes). Default
        ``cbrt(float64 eps) ≈ 6.06e-6``.
    rtol, atol : float, optional
        Tolerances of the pass rule. Defaults by the dtype the analytic gradient
        is computed in: float64 ``1e-3, 1e-5`` (``torch.autograd.gradcheck``),
        float32 ``2e-3, 2e-3`` (``jax`` ``check_grads``), float16 ``1e-2, 1e-2``.
    seed : int, default 0
        Seed of the random directions (directional mode).
    n_directions : int, default 3
        Number of random directions (directional mode).

    Returns
    -------
    GradcheckReport
        Both gradients, per-element and summary errors, ``passed`` and a
        one-line ``verdict``.

    Raises
    ------
    ValueError
        If the shapes differ, `x` or `upstream` holds NaN or inf, the mode,
        name, axis, temperature, step, tolerances or `n_directions` are invalid,
        or the implementation returns an array of the wrong shape.
    TypeError
        If `implementation` is neither a name nor an object with ``forward``
        and ``backward`` methods, or an array is not real and numeric.

    Notes
    -----
    With loss :math:`L(x) = \sum_i g_i f(x)_i`, the analytic gradient is
    :math:`a = \text{backward}(x, g)` and the numeric one

    .. math:: n_i = \frac{L(x + h_i e_i) - L(x - h_i e_i)}
                         {(x_i + h_i) - (x_i - h_i)},
              \qquad h_i = \epsilon \max(1, |x_i - m_i|)

    in float64, dividing by the *realised* step (what the forward pass really
    saw) rather than :math:`2h_i`. float32 and float16 inputs get their analytic
    gradient in their own dtype and the numeric one in float64.

    The step scales with :math:`|x_i - m_i|`, the distance from the max of
    :math:`x_i`'s slice, rather than with :math:`|x_i|` as
    ``torch.autograd.gradcheck`` and NumPy-style checkers do. Softmax sees only
    differences within a slice, so its curvature does not grow with the logits:
    at logits near ``1e8`` the usual :math:`\epsilon |x_i| \approx 600` steps
    over the whole function, and a correct backward pass would fail. Near 0
    the two rules agree. :math:`h_i` is kept at least 4 ulps of :math:`x_i` so
    :math:`x_i \pm h_i` still differ from :math:`x_i`; past about ``1e14``
    the float64 grid is coarser than softmax's curvature and no finite
    difference can check it.

    *sliced* perturbs position :math:`k` of every slice at once. This assumes the
    forward pass is per-slice (true for softmax: an output depends only on its
    own slice); a forward pass that mixes slices would fool it, and
    *elementwise*, which assumes nothing, is the mode to use then. Column
    :math:`k` of each numeric slice Jacobian is
    :math:`(f(x + h e_k) - f(x - h e_k)) / \text{realised step}`, and
    :math:`n_k = \sum_i g_i J_{ik}` per slice.
    It takes 2n evaluations of the forward pass (``n`` the slice length); a
    gallery implementation gets them in one call (a stack of the 2n points
    along a new first axis, the softmax axes shifted by one, in batches of at
    most 32 MiB), any other object one point at a time, as its forward may
    assume the shape of `x`.

    *directional* draws :math:`u \sim \mathcal{N}(0, I)` with
    ``np.random.default_rng(seed)`` and compares, along the realised direction
    :math:`w = ((x + h \odot u) - (x - h \odot u)) / 2\epsilon`, the number
    :math:`w^\top a` with :math:`(L(x + h \odot u) - L(x - h \odot u)) /
    2\epsilon`. Errors are then per direction.

    Errors: :math:`|a - n|`; the relative error
    :math:`|a - n| / \max(|a|, |n|, 10^{-8})` (CS231n's metric, floored so
    entries where both are zero do not blow rounding noise up); and the norm
    relative error :math:`\|a - n\| / (\|a\| + \|n\|)` (Andrew Ng's). A correct
    softmax backward pass scores about 1e-11 to 1e-9 on the latter; the
    planted bugs 0.3 to 0.8. ``passed`` follows ``torch.autograd.gradcheck``:
    :math:`|a - n| \le \text{atol} + \text{rtol}\,|n|` everywhere, and any NaN
    or inf fails. Floating-point warnings of the implementation are silenced
    during the check; non-finite results are reported in the verdict instead.

    Examples
    --------
    The classic example: two slices along ``axis=1``, each with its own
    upstream gradient.

    >>> x = [[1.0, 2.0], [3.0, 4.0]]
    >>> g = [[1.0, 0.0], [0.0, 1.0]]
    >>> report = gradcheck(x, g, axis=1)
    >>> report.passed, report.n_evaluations
    (True, 4)
    >>> report.numeric.round(6)
    array([[ 0.196612, -0.196612],
           [-0.196612,  0.196612]])
    >>> bug = gradcheck(x, g, axis=1, implementation="stale_counter")
    >>> bug.passed, round(bug.norm_rel_error, 4), bug.slice_max_error.round(4)
    (False, 0.7071, array([0.    , 0.3932]))
    >>> bug.verdict[:5]
    'FAIL:'
    """
    a, g, axes, t = _check_point(x, upstream, axis, temperature)
    if mode not in MODES:
        raise ValueError(
            f"gradcheck: mode must be one of {', '.join(map(repr, MODES))}; "
            f"got {mode!r}"
        )
    impl, name = _resolve(implementation)
    # The analytic side runs in the input's own dtype (float16 stays float16).
    work = result_dtype(np.asarray(x).dtype)
    default_atol, default_rtol = _TOLERANCES[work.itemsize]
    atol = default_atol if atol is None else _non_negative(atol, "atol")
    rtol = default_rtol if rtol is None else _non_negative(rtol, "rtol")
    base = _BASE_STEP if eps is None else _positive_step(eps)
    _check_directions(n_directions)

    forward, backward = _numeric.with_temperature(impl, axis, t)
    f = _CountingForward(forward, name)
    # The gallery's forwards take a stack of points along a new first axis
    # (the softmax axes shifted by one): one call instead of 2n. A user's
    # implementation is called point by point, as it may assume its shape.
    if axes and any(impl is entry for entry in IMPLEMENTATIONS.values()):
        f.batch = _numeric.batched_forward(impl, axes, t)
    x64, g64 = a.astype(np.float64), g.astype(np.float64)
    step = _numeric.steps(x64, axes, base)

    # A user's forward or backward may overflow or divide by zero: report the
    # non-finite values in the verdict rather than as warnings.
    with np.errstate(all="ignore"):
        analytic = np.asarray(backward(a.astype(work), g.astype(work)))
        if analytic.shape != a.shape:
            raise ValueError(
                f"gradcheck: {name}.backward returned shape {analytic.shape} for "
                f"x of shape {a.shape}; they must match"
            )
        a64 = analytic.astype(np.float64)
        numeric: FloatArray | None = None
        jacobians = dir_a = dir_n = None
        if mode == "sliced":
            numeric, jacobians = _numeric.sliced(f, x64, g64, step, axes, f.batch)
        elif mode == "elementwise":
            numeric = _numeric.elementwise(f, x64, g64, step)
        else:
            dir_a, dir_n = _numeric.directional(
                f, x64, g64, a64, step, base, seed, n_directions
            )
        ref_a, ref_n = (a64, numeric) if numeric is not None else (dir_a, dir_n)
        assert ref_a is not None and ref_n is not None
        errors = _comparison.compare(ref_a, ref_n, atol, rtol, REL_ERROR_FLOOR)
    slice_max = None
    if mode != "directional":
        slice_max = np.max(to_slices(errors.abs_error, axes), axis=-1, initial=0.0)
    verdict = _comparison.verdict(errors, analytic=ref_a, numeric=ref_n, mode=mode)
    # Past ~1e14 the ulp floor, not eps, sets the step: say so if the check fails.
    coarse = float(np.max(4 * np.spacing(np.abs(x64)), initial=0)) > 1e-3
    if coarse and not errors.passed:
        verdict += (
            f" (or the logits are too large: near {float(np.max(np.abs(x64))):.0e} "
            "the float64 grid is too coarse for finite differences)"
        )
    return GradcheckReport(
        analytic=analytic,
        numeric=numeric,
        abs_error=errors.abs_error,
        rel_error=errors.rel_error,
        max_abs_error=errors.max_abs,
        max_rel_error=errors.max_rel,
        norm_rel_error=errors.norm_rel,
        slice_max_error=slice_max,
        passed=errors.passed,
        n_evaluations=f.calls,
        step=step,
        mode=mode,
        implementation=name,
        verdict=verdict,
        atol=atol,
        rtol=rtol,
        axes=axes,
        temperature=t,
        numeric_jacobians=jacobians,
        directional_analytic=dir_a,
        directional_numeric=dir_n,
    )


class _CountingForward:
    """The forward pass in float64, counting evaluations (a counter that survives).

    Calling it evaluates one point; :attr:`batch`, when set, a stack of points
    along a new first axis in one call of the implementation.
    """

    def __init__(self, forward: _numeric.Forward, name: str) -> None:
        self._forward = forward
        self._name = name
        self.calls = 0
        self._batch: _numeric.Forward | None = None

    def __call__(self, point: FloatArray) -> FloatArray:
        self.calls += 1
        out = np.asarray(self._forward(point.copy()))
        if out.shape != point.shape:
            raise ValueError(
                f"gradcheck: {self._name}.forward returned shape {out.shape} for "
                f"an input of shape {point.shape}; they must match"
            )
        return out.astype(np.float64)

    @property
    def batch(self) -> _numeric.Forward | None:
        """One call for a stack of points, or None: then point by point."""
        return None if self._batch is None else self._stacked

    @batch.setter
    def batch(self, forward: _numeric.Forward) -> None:
        self._batch = forward

    def _stacked(self, points: FloatArray) -> FloatArray:
        assert self._batch is not None
        self.calls += points.shape[0]
        # No defensive copy: the gallery's forwards do not write to their input.
        out = np.asarray(self._batch(points))
        if out.shape != points.shape:  # pragma: no cover - the gallery's own code
            raise ValueError(f"gradcheck: {self._name}.forward broke a batch")
        return out.astype(np.float64, copy=False)


# --- helpers ------------------------------------------------------------------


def _check_point(
    x: ArrayLike, upstream: ArrayLike, axis: Axis, temperature: float
) -> tuple[FloatArray, FloatArray, tuple[int, ...], float]:
    """Validate the point, the upstream gradient, the axes and the temperature."""
    a = as_float_array(x, "x", "gradcheck")
    g = as_float_array(upstream, "upstream", "gradcheck")
    check_same_shape(a, g, ("x", "upstream"), "gradcheck")
    if not np.isfinite(a).all():
        raise ValueError(
            "gradcheck: x holds NaN or inf; a gradient cannot be checked there "
            "(finite differences need finite neighbours)"
        )
    if not np.isfinite(g).all():
        raise ValueError("gradcheck: upstream holds NaN or inf; it must be finite")
    axes = normalize_axes(axis, a.shape, "gradcheck")
    return a, g, axes, check_temperature(temperature, "gradcheck")


def _check_directions(n_directions: int) -> None:
    if isinstance(n_directions, bool) or not isinstance(n_directions, int):
        raise TypeError(f"gradcheck: n_directions must be an int; got {n_directions!r}")
    if n_directions < 1:
        raise ValueError(f"gradcheck: n_directions must be >= 1; got {n_directions}")


def _resolve(implementation: str | Implementation) -> tuple[Implementation, str]:
    """Return the implementation object and its display name."""
    if isinstance(implementation, str):
        try:
            return IMPLEMENTATIONS[implementation], implementation
        except KeyError:
            names = ", ".join(repr(name) for name in IMPLEMENTATIONS)
            raise ValueError(
                f"gradcheck: unknown implementation {implementation!r}; valid names "
                f"are {names}, or pass an object with forward(x, axis) and "
                "backward(x, upstream, axis)"
            ) from None
    missing = [
        name
        for name in ("forward", "backward")
        if not callable(getattr(implementation, name, None))
    ]
    if missing:
        raise TypeError(
            "gradcheck: implementation must be a name from IMPLEMENTATIONS or an "
            "object with methods forward(x, axis) and backward(x, upstream, axis); "
            f"{type(implementation).__name__} has no {' or '.join(missing)}"
        )
    name = getattr(implementation, "name", None)
    if not isinstance(name, str):
        name = type(implementation).__name__
    return implementation, name


def _non_negative(value: float, name: str) -> float:
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"gradcheck: {name} must be finite and >= 0; got {value!r}")
    return v


def _positive_step(value: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"gradcheck: eps must be finite and > 0; got {value!r}")
    return v
