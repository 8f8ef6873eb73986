r"""Gradient checking: compare a backward pass with finite differences.

For softmax and log-softmax the loss is :math:`L(x) = \sum_i g_i\, f(x)_i` for
an upstream gradient :math:`g` and a forward pass :math:`f`; the analytic
gradient is the implementation's ``backward(x, g, axis)``. For the
cross-entropy the loss is the cross-entropy itself times an upstream gradient
``u`` (a scalar, or one number per slice for ``reduction="none"``) and the
analytic gradient is the implementation's ``grad``. The numeric gradient
comes from central differences of :math:`L` in float64. Three modes trade
cost for assumptions:

* ``"sliced"`` (default): softmax mixes entries only within a slice, so position
  ``k`` of *every* slice can be perturbed at once and each slice's own loss read
  off: ``2 n`` forward evaluations (``n`` the slice length) give the full numeric
  gradient and the numeric per-slice Jacobians. A cross-entropy is evaluated
  per slice (``reduction="none"``) and reduced by the check itself.
* ``"elementwise"``: one element at a time, ``2 · size`` evaluations, no
  assumption about the forward pass (PyTorch's slow mode).
* ``"directional"``: a few seeded random directions ``u``, comparing
  :math:`u^\top \nabla L` with a central difference along ``u``; for arrays too
  large for the others (like JAX's ``check_grads``).

A mask (``where=``) is applied outside the implementation: masked logits are
set to ``-inf`` before it sees them, its gradient there is taken as 0, and
masked outputs (for cross-entropy, slices with no class left) are left out of
the loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from softmax_core import _checkargs, _checkmask, _checkrun, _comparison, _numeric
from softmax_core._floating import ignores_underflow
from softmax_core._validation import Axis, FloatArray, result_dtype
from softmax_core.functions import FUNCTIONS
from softmax_core.gallery import Implementation, LossImplementation
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
        The implementation's backward pass (cross-entropy: its ``grad``), in
        the dtype it returned.
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
        Forward (or loss) evaluations used by the numeric side.
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
        The softmax (class) axes, normalised.
    temperature : float
        The temperature the check ran at.
    numeric_jacobians : ndarray of shape batch_shape + (n, n) or None
        Sliced mode only: the numeric per-slice Jacobians, ``[..., i, k]`` =
        :math:`\partial f_i / \partial x_k` within a slice (None in the other
        modes, or when the stack would exceed ``DEFAULT_MAX_JACOBIAN_BYTES``).
    directional_analytic, directional_numeric : ndarray of shape (n_directions,)
        Directional mode only: :math:`w^\top a` and the central difference
        along the realised direction :math:`w` (see :func:`gradcheck`).
    function : str
        The function checked: one of :data:`softmax_core.FUNCTIONS`.
    reduction : str or None
        The cross-entropy's reduction; None for softmax and log-softmax.
    where : ndarray of bool of shape (...) or None
        The mask checked under, broadcast to x's shape; None without one.
    n_counted : int or None
        cross-entropy only: the slices that take part, the N its mean divides
        by (every slice but the fully masked ones); None otherwise.
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
    function: str = "softmax"
    reduction: str | None = None
    where: NDArray[np.bool_] | None = None
    n_counted: int | None = None

    def __str__(self) -> str:
        return self.verdict


@ignores_underflow
def gradcheck(
    x: ArrayLike,
    upstream: ArrayLike,
    axis: Axis = -1,
    *,
    function: str = "softmax",
    target: ArrayLike | None = None,
    reduction: str = "mean",
    implementation: str | Implementation | LossImplementation = "vectorized",
    mode: str = "sliced",
    temperature: float = 1.0,
    eps: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    seed: int = 0,
    n_directions: int = 3,
    where: ArrayLike | None = None,
) -> GradcheckReport:
    r"""Check a backward pass of softmax, log-softmax or cross-entropy.

    Parameters
    ----------
    x : array_like of shape (...)
        The point to check at (the logits); every value must be finite.
    upstream : array_like
        The upstream gradient. softmax and log-softmax: ``g`` of `x`'s shape.
        cross-entropy: the gradient of a downstream loss with respect to the
        cross-entropy, a scalar for ``reduction="mean"`` or ``"sum"``, one
        number per slice (the batch shape) for ``"none"``.
    axis : int, tuple of int or None, default -1
        The softmax (class) axes; passed to the implementation exactly as given.
    function : {"softmax", "log_softmax", "cross_entropy"}, default "softmax"
        The function whose backward pass is checked.
    target : array_like, optional
        cross-entropy only (and required there): class indices of the batch
        shape or probabilities of `x`'s shape, as in
        :func:`softmax_core.target_distribution`. Implementations receive
        probabilities of `x`'s shape.
    reduction : {"mean", "sum", "none"}, default "mean"
        cross-entropy only: the reduction checked.
    implementation : str or object, default "vectorized"
        A name from :data:`IMPLEMENTATIONS` whose entry applies to `function`,
        or an object: with methods ``forward(x, axis)`` and ``backward(x,
        upstream, axis)`` for softmax and log-softmax, ``loss(x, target, axis,
        reduction)`` and ``grad(x, target, axis, reduction, upstream)`` for
        cross-entropy (see :class:`softmax_core.gallery.LossImplementation`).
    mode : {"sliced", "elementwise", "directional"}, default "sliced"
        How the numeric gradient is computed (see Notes).
    temperature : float, default 1.0
        Checks the function at this temperature by wrapping the
        implementation: ``forward(x / T, axis)`` and ``backward(x / T, g,
        axis) / T`` (likewise ``loss`` and ``grad``).
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
    where : array_like of bool, optional
        The mask, broadcast to `x`'s shape as the forward's ``where=``: True
        where a logit takes part, False where it is masked (see Notes).
        Default: every logit takes part.

    Returns
    -------
    GradcheckReport
        Both gradients, per-element and summary errors, ``passed``, a
        one-line ``verdict`` and the ``function`` checked.

    Raises
    ------
    ValueError
        If `x` or `upstream` holds NaN or inf or has the wrong shape for the
        function, the target is missing, given for another function or
        invalid (or puts probability on a masked class), the function, mode,
        reduction, name, axis, temperature, step, tolerances or
        `n_directions` are invalid, `where` does not broadcast to `x`'s
        shape, the named entry does not apply to the function, or the
        implementation returns an array of the wrong shape.
    TypeError
        If `implementation` is neither a name nor an object with the methods
        the function needs, an array is not real and numeric, or `where` is
        not boolean.

    Notes
    -----
    With loss :math:`L(x) = \sum_i g_i f(x)_i` (cross-entropy:
    :math:`L(x) = \sum u \cdot \text{loss}(x)`), the analytic gradient is
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
    forward pass is per-slice (true for these functions: an output depends only
    on its own slice); a forward pass that mixes slices would fool it, and
    *elementwise*, which assumes nothing, is the mode to use then. Column
    :math:`k` of each numeric slice Jacobian is
    :math:`(f(x + h e_k) - f(x - h e_k)) / \text{realised step}`, and
    :math:`n_k = \sum_i g_i J_{ik}` per slice. A cross-entropy is evaluated
    per slice (``loss(..., "none")``) and the check applies the reduction
    itself (weights :math:`u/N` for the mean, :math:`u` for the sum), so a
    gradient that gets the reduction wrong is caught; *elementwise* and
    *directional* evaluate the loss with the requested reduction.
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

    *Masks* (`where`) are applied outside the implementation, as attention
    code applies them and as the core's ``where=`` defines them: a masked
    logit is set to ``-inf`` before the implementation sees it, so it takes
    no part and moving it changes nothing (its numeric gradient is 0; the
    elementwise mode does not move it). The implementation's analytic
    gradient there is taken as 0: whatever it returns at a masked entry is
    replaced by 0, as the core's ``where=`` VJPs return exactly 0 there (and
    as the backward of PyTorch's ``masked_fill`` drops it), so only the
    unmasked entries are checked. Masked outputs are constants left out of
    :math:`L`: softmax and log-softmax ignore `upstream` there, and the
    implementation's backward receives 0 in its place. For cross-entropy a
    slice with every class masked takes no part: its target is ignored (the
    implementation is given class 0 there, a stand-in), its loss is a
    constant, and it is not counted in the mean's :math:`N`, as
    :func:`softmax_core.cross_entropy` counts (``report.n_counted``). Sliced
    mode divides by that :math:`N`; elementwise and directional evaluate the
    implementation's own mean, which must leave such slices out too. The
    steps scale with the distance from the max of the *kept* logits.

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

    The mean cross-entropy against class indices, and a gradient that forgets
    the 1/N of the mean:

    >>> ce = gradcheck(x, 1.0, axis=1, function="cross_entropy", target=[1, 0])
    >>> ce.passed, ce.function, ce.numeric.round(6)
    (True, 'cross_entropy', array([[ 0.134471, -0.134471],
           [-0.365529,  0.365529]]))
    >>> gradcheck(x, 1.0, axis=1, function="cross_entropy", target=[1, 0],
    ...           implementation="missing_mean").passed
    False

    Under a mask, a fully masked slice takes no part in the mean (N = 2):

    >>> masked = gradcheck([[0.0, 0.0], *x], 1.0, axis=1, function="cross_entropy",
    ...                    target=[0, 1, 0], where=[[False, False], [True, True],
    ...                                             [True, True]])
    >>> masked.passed, masked.n_counted, masked.numeric[1:].round(6)
    (True, 2, array([[ 0.134471, -0.134471],
           [-0.365529,  0.365529]]))
    """
    setup = _setup(
        x, upstream, axis, function, target, reduction, implementation,
        mode, temperature, eps, seed, n_directions, where,
    )
    default_atol, default_rtol = _TOLERANCES[setup.work.itemsize]
    atol = default_atol if atol is None else _checkargs.non_negative(atol, "atol")
    rtol = default_rtol if rtol is None else _checkargs.non_negative(rtol, "rtol")
    # A user's forward or backward may overflow or divide by zero: report the
    # non-finite values in the verdict rather than as warnings.
    with np.errstate(all="ignore"):
        sides = _checkrun.run(setup)
        ref_a, ref_n = sides.compared()
        errors = _comparison.compare(ref_a, ref_n, atol, rtol, REL_ERROR_FLOOR)
    return _report(setup, sides, errors)


def _setup(
    x: ArrayLike,
    upstream: ArrayLike,
    axis: Axis,
    function: str,
    target: ArrayLike | None,
    reduction: str,
    implementation: str | Implementation | LossImplementation,
    mode: str,
    temperature: float,
    eps: float | None,
    seed: int,
    n_directions: int,
    where: ArrayLike | None,
) -> _checkrun.Setup:
    """Validate every argument of :func:`gradcheck` but the tolerances."""
    _checkargs.check_choice(function, FUNCTIONS, "function")
    a, axes, t = _checkargs.check_point(x, axis, temperature)
    g = _checkargs.check_upstream(upstream, a.shape, axes, function, reduction)
    mask = _checkargs.check_mask(where, a.shape)
    probs = _checkargs.check_target(target, a.shape, axes, function, mask)
    _checkargs.check_choice(mode, MODES, "mode")
    impl, name, batched = _checkargs.resolve(implementation, function)
    base = _BASE_STEP if eps is None else _checkargs.positive_step(eps)
    _checkargs.check_directions(n_directions)
    x64 = a.astype(np.float64)
    counted = None
    if mask is not None:
        impl, g, probs, counted = _masked(impl, g, probs, mask, axes, function)
    return _checkrun.Setup(
        impl=impl,
        name=name,
        batched=batched,
        function=function,
        x=a,
        # The analytic side runs in the input's own dtype (float16 stays float16).
        work=result_dtype(np.asarray(x).dtype),
        upstream=g.astype(np.float64),
        target=probs,
        axis=axis,
        axes=axes,
        t=t,
        mode=mode,
        reduction=reduction,
        step=_numeric.steps(x64, axes, base, mask),
        base=base,
        seed=seed,
        n_directions=n_directions,
        mask=mask,
        counted=counted,
    )


def _masked(
    impl: Implementation | LossImplementation,
    g: FloatArray,
    probs: FloatArray | None,
    mask: NDArray[np.bool_],
    axes: tuple[int, ...],
    function: str,
) -> tuple[Any, FloatArray, FloatArray | None, NDArray[np.bool_] | None]:
    """Wrap `impl` for `mask`: (impl, upstream, target, slices taking part)."""
    if function != "cross_entropy":
        # Masked outputs are left out of L: their upstream gradient is ignored.
        return _checkmask.MaskedPass(impl, mask), np.where(mask, g, 0.0), None, None
    assert probs is not None
    counted = _checkmask.counted_slices(mask, axes)
    probs = _checkmask.stand_in_target(probs, counted, axes)
    return _checkmask.MaskedLoss(impl, mask, counted), g, probs, counted


def _report(
    s: _checkrun.Setup, sides: _checkrun.Sides, errors: _comparison.Errors
) -> GradcheckReport:
    """Build the report of a finished check, with its verdict."""
    ref_a, ref_n = sides.compared()
    slice_max = None
    if s.mode != "directional":
        slice_max = np.max(to_slices(errors.abs_error, s.axes), axis=-1, initial=0.0)
    verdict = _comparison.verdict(errors, analytic=ref_a, numeric=ref_n, mode=s.mode)
    # Past ~1e14 the ulp floor, not eps, sets the step: say so if the check fails.
    x64 = s.x.astype(np.float64)
    coarse = float(np.max(4 * np.spacing(np.abs(x64)), initial=0)) > 1e-3
    if coarse and not errors.passed:
        verdict += (
            f" (or the logits are too large: near {float(np.max(np.abs(x64))):.0e} "
            "the float64 grid is too coarse for finite differences)"
        )
    return GradcheckReport(
        analytic=sides.analytic,
        numeric=sides.numeric,
        abs_error=errors.abs_error,
        rel_error=errors.rel_error,
        max_abs_error=errors.max_abs,
        max_rel_error=errors.max_rel,
        norm_rel_error=errors.norm_rel,
        slice_max_error=slice_max,
        passed=errors.passed,
        n_evaluations=sides.calls,
        step=s.step,
        mode=s.mode,
        implementation=s.name,
        verdict=verdict,
        atol=errors.atol,
        rtol=errors.rtol,
        axes=s.axes,
        temperature=s.t,
        numeric_jacobians=sides.jacobians,
        directional_analytic=sides.directional_analytic,
        directional_numeric=sides.directional_numeric,
        function=s.function,
        reduction=s.reduction if s.function == "cross_entropy" else None,
        where=s.mask,
        n_counted=s.n_counted if s.function == "cross_entropy" else None,
    )
