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
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from softmax_core._floating import ignores_underflow
from softmax_core._slices import from_slices, slice_length, to_slices
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
from softmax_core.jacobian import DEFAULT_MAX_JACOBIAN_BYTES

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
    func = "gradcheck"
    raw = np.asarray(x)
    a = as_float_array(x, "x", func)
    g = as_float_array(upstream, "upstream", func)
    check_same_shape(a, g, ("x", "upstream"), func)
    if not np.isfinite(a).all():
        raise ValueError(
            f"{func}: x holds NaN or inf; a gradient cannot be checked there "
            "(finite differences need finite neighbours)"
        )
    if not np.isfinite(g).all():
        raise ValueError(f"{func}: upstream holds NaN or inf; it must be finite")
    axes = normalize_axes(axis, a.shape, func)
    t = check_temperature(temperature, func)
    if mode not in MODES:
        raise ValueError(
            f"{func}: mode must be one of {', '.join(map(repr, MODES))}; got {mode!r}"
        )
    impl, impl_name = _resolve(implementation)
    # The analytic side runs in the input's own dtype (float16 stays float16).
    work = result_dtype(raw.dtype)
    tol_atol, tol_rtol = _TOLERANCES[work.itemsize]
    atol = tol_atol if atol is None else _non_negative(atol, "atol")
    rtol = tol_rtol if rtol is None else _non_negative(rtol, "rtol")
    base = _BASE_STEP if eps is None else _step(eps)
    if isinstance(n_directions, bool) or not isinstance(n_directions, int):
        raise TypeError(f"{func}: n_directions must be an int; got {n_directions!r}")
    if n_directions < 1:
        raise ValueError(f"{func}: n_directions must be >= 1; got {n_directions}")

    forward, backward = _with_temperature(impl, axis, t)
    x64 = a.astype(np.float64)
    g64 = g.astype(np.float64)
    step = _steps(x64, axes, base)

    calls = 0

    def loss_terms(point: FloatArray) -> FloatArray:
        """``f(point)`` in float64, counting calls (a counter that survives)."""
        nonlocal calls
        calls += 1
        out = np.asarray(forward(point.copy()))
        if out.shape != point.shape:
            raise ValueError(
                f"{func}: {impl_name}.forward returned shape {out.shape} for an "
                f"input of shape {point.shape}; they must match"
            )
        return out.astype(np.float64)

    # The gallery's forwards take a stack of points along a new first axis
    # (the softmax axes shifted by one): one call instead of 2n. A user's
    # implementation is called point by point, as it may assume its shape.
    batch_forward = (
        _batched_forward(impl, axes, t)
        if any(impl is entry for entry in IMPLEMENTATIONS.values()) and axes
        else None
    )

    def batch_terms(points: FloatArray) -> FloatArray:
        """``f`` of each ``points[j]`` in float64, counting each point."""
        nonlocal calls
        assert batch_forward is not None
        calls += points.shape[0]
        # No defensive copy: the gallery's forwards do not write to their input.
        out = np.asarray(batch_forward(points))
        if out.shape != points.shape:  # pragma: no cover - the gallery's own code
            raise ValueError(f"{func}: {impl_name}.forward broke a batch of points")
        return out.astype(np.float64, copy=False)

    loss_terms_batch = batch_terms if batch_forward is not None else None

    # A user's forward or backward may overflow or divide by zero: report the
    # non-finite values in the verdict rather than as warnings.
    with np.errstate(all="ignore"):
        analytic = np.asarray(
            backward(a.astype(work, copy=True), g.astype(work, copy=True))
        )
        if analytic.shape != a.shape:
            raise ValueError(
                f"{func}: {impl_name}.backward returned shape {analytic.shape} for "
                f"x of shape {a.shape}; they must match"
            )
        a64: FloatArray = analytic.astype(np.float64)
        ref_a: FloatArray
        ref_n: FloatArray
        jacobians: FloatArray | None = None
        dir_a: FloatArray | None = None
        dir_n: FloatArray | None = None
        numeric: FloatArray | None
        if mode == "sliced":
            numeric, jacobians = _sliced(
                loss_terms, x64, g64, step, axes, batch=loss_terms_batch
            )
            ref_a, ref_n = a64, numeric
        elif mode == "elementwise":
            numeric = _elementwise(loss_terms, x64, g64, step)
            ref_a, ref_n = a64, numeric
        else:
            numeric = None
            dir_a, dir_n = _directional(
                loss_terms, x64, g64, a64, step, base, seed, n_directions
            )
            ref_a, ref_n = dir_a, dir_n
        abs_error = np.abs(ref_a - ref_n)
        scale = np.maximum(np.maximum(np.abs(ref_a), np.abs(ref_n)), REL_ERROR_FLOOR)
        rel_error = abs_error / scale
        finite = bool(np.isfinite(ref_a).all() and np.isfinite(ref_n).all())
        passed = finite and bool(np.all(abs_error <= atol + rtol * np.abs(ref_n)))
        max_abs = float(np.max(abs_error, initial=0.0))
        max_rel = float(np.max(rel_error, initial=0.0))
        norm_rel = _norm_rel(ref_a, ref_n)
        slice_max = (
            None
            if mode == "directional"
            else np.max(to_slices(abs_error, axes), axis=-1, initial=0.0)
        )

    # Past ~1e14 the ulp floor, not eps, sets the step: say so if the check fails.
    coarse = float(np.max(4.0 * np.spacing(np.abs(x64)), initial=0.0)) > 1e-3
    verdict = _verdict(
        passed=passed,
        finite=finite,
        analytic=ref_a,
        numeric=ref_n,
        abs_error=abs_error,
        max_abs=max_abs,
        max_rel=max_rel,
        norm_rel=norm_rel,
        atol=atol,
        rtol=rtol,
        mode=mode,
    )
    if coarse and not passed:
        verdict += (
            f" (or the logits are too large: near {float(np.max(np.abs(x64))):.0e} "
            "the float64 grid is too coarse for finite differences)"
        )
    return GradcheckReport(
        analytic=analytic,
        numeric=numeric,
        abs_error=abs_error,
        rel_error=rel_error,
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        norm_rel_error=norm_rel,
        slice_max_error=slice_max,
        passed=passed,
        n_evaluations=calls,
        step=step,
        mode=mode,
        implementation=impl_name,
        verdict=verdict,
        atol=atol,
        rtol=rtol,
        axes=axes,
        temperature=t,
        numeric_jacobians=jacobians,
        directional_analytic=dir_a,
        directional_numeric=dir_n,
    )


# --- the three numeric gradients ----------------------------------------------

_Forward = Callable[[FloatArray], FloatArray]


#: Largest stack of perturbed copies of x handled at once (one batched call).
_BATCH_BYTES = 32 * 1024 * 1024


def _sliced(
    f: _Forward,
    x: FloatArray,
    g: FloatArray,
    step: FloatArray,
    axes: tuple[int, ...],
    *,
    batch: _Forward | None = None,
) -> tuple[FloatArray, FloatArray | None]:
    """Numeric gradient with 2n evaluations, plus the numeric slice Jacobians.

    Evaluation ``k`` moves entry ``k`` of every slice at once, by ``±h``:
    slices do not interact, so ``(f(x + h e_k) - f(x - h e_k)) / 2h`` gives
    column ``k`` of every slice's Jacobian. The points go to `batch` (a
    forward that takes a stack of points along a new first axis) many at a
    time; without one, to `f` one by one.
    """
    if batch is None:
        batch = lambda points: np.stack([f(point) for point in points])  # noqa: E731
    shape = x.shape
    xs = to_slices(x, axes)  # batch_shape + (n,)
    n = slice_length(shape, axes)
    slices = math.prod(xs.shape[:-1])  # not reshape(-1, n): n may be 0
    flat_x, flat_g, flat_h = (
        to_slices(a, axes).reshape(slices, n) for a in (x, g, step)
    )
    realised = (flat_x + flat_h) - (flat_x - flat_h)  # not 2h exactly
    numeric = np.zeros((slices, n))
    keep = xs.size * n * 8 <= DEFAULT_MAX_JACOBIAN_BYTES
    stacked_axes = tuple(a + 1 for a in axes)
    per_call = max(1, _BATCH_BYTES // (2 * 8 * max(1, flat_x.size)))
    parts: list[FloatArray] = []
    for k0 in range(0, n, per_call):
        ks = np.arange(k0, min(n, k0 + per_call))
        m = ks.size
        # points[j] moves entry ks[j] of every slice up; points[m + j], down.
        points = np.empty((2 * m, slices, n))
        points[:] = flat_x
        points[np.arange(m), :, ks] += flat_h[:, ks].T
        points[m + np.arange(m), :, ks] -= flat_h[:, ks].T
        stacked = from_slices(
            points.reshape((2 * m,) + xs.shape), (2 * m,) + shape, stacked_axes
        )
        out = to_slices(batch(stacked), stacked_axes).reshape(2 * m, slices, n)
        # columns[j, s]: column ks[j] of slice s's Jacobian, d f_i / d x_k.
        columns = out[:m] - out[m:]
        columns /= realised[:, ks].T[:, :, None]
        # Each slice's own loss only: the other slices' outputs did not move.
        numeric[:, ks] = np.einsum("jsi,si->sj", columns, flat_g)
        if keep:
            parts.append(columns)
    jac: FloatArray | None = None
    if keep:
        # (k, slice, i) -> (slice, i, k): entry [..., i, k] is d f_i / d x_k
        columns = np.concatenate(parts) if parts else np.zeros((0, slices, n))
        jac = np.moveaxis(columns, 0, -1).reshape(xs.shape + (n,))
    return from_slices(numeric.reshape(xs.shape), shape, axes), jac


def _elementwise(
    f: _Forward, x: FloatArray, g: FloatArray, step: FloatArray
) -> FloatArray:
    """Numeric gradient one element at a time: 2 · size evaluations."""
    numeric = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[i] += step[i]
        minus[i] -= step[i]
        realised = plus[i] - minus[i]
        numeric[i] = np.sum(g * (f(plus) - f(minus))) / realised
    return numeric


def _directional(
    f: _Forward,
    x: FloatArray,
    g: FloatArray,
    analytic: FloatArray,
    step: FloatArray,
    base: float,
    seed: int,
    n_directions: int,
) -> tuple[FloatArray, FloatArray]:
    """``wᵀa`` and the central difference along ``w``, one per random direction."""
    rng = np.random.default_rng(seed)
    dir_a = np.zeros(n_directions)
    dir_n = np.zeros(n_directions)
    for d in range(n_directions):
        u = rng.standard_normal(x.shape)
        plus, minus = x + step * u, x - step * u
        # The direction the forward pass really saw, scaled back by 1 / (2 eps).
        w = (plus - minus) / (2.0 * base)
        dir_a[d] = np.sum(analytic * w)
        dir_n[d] = np.sum(g * (f(plus) - f(minus))) / (2.0 * base)
    return dir_a, dir_n


# --- helpers ------------------------------------------------------------------


def _steps(x: FloatArray, axes: tuple[int, ...], base: float) -> FloatArray:
    """Return ``h = base · max(1, |x - max(slice)|)``, at least 4 ulps of ``x``.

    Softmax sees only differences within a slice, so the scale of its
    curvature is the distance from the slice max, not ``|x|``: for logits near
    ``1e8`` a step of ``base · |x| ≈ 600`` would jump across the whole function.
    The ulp floor keeps ``x ± h`` distinct from ``x`` when ``|x|`` is huge.
    """
    top = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
    h = base * np.maximum(1.0, np.abs(x - top))
    result: FloatArray = np.maximum(h, 4.0 * np.spacing(np.abs(x)))
    return result


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


def _with_temperature(
    impl: Implementation, axis: Axis, t: float
) -> tuple[_Forward, Callable[[FloatArray, FloatArray], FloatArray]]:
    """Bind `axis` and apply the temperature by the chain rule.

    ``softmax(x / T)`` has gradient ``(1 / T) · backward(x / T, g)``.
    """
    if t == 1.0:
        return (
            lambda p: impl.forward(p, axis),
            lambda p, up: impl.backward(p, up, axis),
        )
    return (
        lambda p: impl.forward(p / t, axis),
        lambda p, up: np.asarray(impl.backward(p / t, up, axis)) / t,
    )


def _batched_forward(impl: Implementation, axes: tuple[int, ...], t: float) -> _Forward:
    """``impl.forward`` of a stack of points along a new first axis."""
    stacked_axes = tuple(a + 1 for a in axes)
    if t == 1.0:
        return lambda points: impl.forward(points, stacked_axes)
    return lambda points: impl.forward(points / t, stacked_axes)


def _norm_rel(a: FloatArray, n: FloatArray) -> float:
    """Return ``‖a - n‖ / (‖a‖ + ‖n‖)``, or 0 when both norms are 0."""
    denominator = float(np.linalg.norm(a) + np.linalg.norm(n))
    numerator = float(np.linalg.norm(a - n))
    if denominator == 0.0 and numerator == 0.0:
        return 0.0
    return numerator / denominator


def _verdict(
    *,
    passed: bool,
    finite: bool,
    analytic: FloatArray,
    numeric: FloatArray,
    abs_error: FloatArray,
    max_abs: float,
    max_rel: float,
    norm_rel: float,
    atol: float,
    rtol: float,
    mode: str,
) -> str:
    """One human line summarising the check."""
    what = "directional derivatives" if mode == "directional" else "gradients"
    if not finite:
        parts = [
            f"the {name} {what[:-1]} ({_count_bad(arr)})"
            for name, arr in (("analytic", analytic), ("numeric", numeric))
            if not np.isfinite(arr).all()
        ]
        return (
            f"FAIL: non-finite values (NaN or inf) in {' and '.join(parts)}: the "
            "forward or backward pass overflowed or produced NaN, so no error can "
            "be measured"
        )
    if abs_error.size == 0:
        return "PASS: nothing to compare (the array is empty)"
    if passed:
        scale = max(float(np.max(np.abs(numeric))), float(np.max(np.abs(analytic))))
        if scale <= atol:
            return (
                f"PASS: analytic and numeric {what} agree (max abs error "
                f"{max_abs:.1e}); the gradient is zero, so relative errors only "
                "compare rounding noise"
            )
        return (
            f"PASS: analytic and numeric {what} agree (max rel error {max_rel:.1e}, "
            f"norm rel error {norm_rel:.1e})"
        )
    bad = abs_error > atol + rtol * np.abs(numeric)
    where = tuple(
        int(i) for i in np.unravel_index(int(np.argmax(abs_error)), abs_error.shape)
    )
    location = f"direction {where[0]}" if mode == "directional" else f"index {where}"
    unit = "directions" if mode == "directional" else "entries"
    return (
        f"FAIL: analytic and numeric {what} disagree: norm rel error "
        f"{norm_rel:.2g}, max rel error {max_rel:.2g}, {int(bad.sum())} of "
        f"{bad.size} {unit} out of tolerance, worst at {location}: the backward "
        "pass is wrong"
    )


def _count_bad(a: FloatArray) -> str:
    bad = int(np.count_nonzero(~np.isfinite(a)))
    return f"{bad} of {a.size} entries"


def _non_negative(value: float, name: str) -> float:
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"gradcheck: {name} must be finite and >= 0; got {value!r}")
    return v


def _step(value: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"gradcheck: eps must be finite and > 0; got {value!r}")
    return v
