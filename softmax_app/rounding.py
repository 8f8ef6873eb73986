"""When is a computed value zero up to rounding? Streamlit-free.

A gradient that is exactly zero in exact arithmetic (g constant along every
slice, say) comes out of floating point as noise around 1e-17. Drawn on an
auto-scaled colour bar, or divided into a relative error, that noise looks like
signal. The rule used everywhere in the app:

    |v| <= ROUNDING_FACTOR · ε · (scale of the terms that produced v)

with ε the float64 machine epsilon and the scale bounded from the inputs:

* softmax VJP ``y ⊙ (g − ⟨g, y⟩) / T``: every term is at most ``max|g| / T``
  (``y ≤ 1`` and ``|⟨g, y⟩| ≤ max|g|``);
* Jacobian ``(diag(y) − y yᵀ) / T``: at most ``max(y) / T``;
* a central difference ``(L(x + h) − L(x − h)) / (2h)`` of
  ``L = Σ g ⊙ softmax(x)``: the rounding of L (at most ``Σ|g ⊙ y|``, bounded
  by the sum over the slices in L of their ``max|g|``) divided by the realised
  step ``2h``.

The factor 64 leaves room for a few roundings per term and for summing long
slices; measured noise sits 20 to 100 times below the bound (see
``tests/test_rounding.py``), while a real gradient of a slice is of the order
of ``y (1 − y) |g|``, many orders above it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import softmax_core as sc
from softmax_app.inputs import FloatArray
from softmax_app.render import explain

__all__ = [
    "EPS",
    "NOT_MEANINGFUL",
    "ROUNDING_FACTOR",
    "ErrorReading",
    "gradcheck_zero_tols",
    "gradients_are_zero",
    "jacobian_zero_tol",
    "read_errors",
    "snap_to_zero",
    "snap_note",
    "vjp_zero_tol",
    "zero_tolerance",
]

EPS = float(np.finfo(np.float64).eps)
ROUNDING_FACTOR = 64
#: What a relative error of two zero gradients reads as.
NOT_MEANINGFUL = "not meaningful (both gradients are zero up to rounding)"


def zero_tolerance(scale: float) -> float:
    """Largest |v| that is zero up to rounding for terms of size `scale`.

    Examples
    --------
    >>> zero_tolerance(1.0)
    1.4210854715202004e-14
    """
    return ROUNDING_FACTOR * EPS * float(scale)


def _max_abs(a: FloatArray) -> float:
    a = np.asarray(a, dtype=np.float64)
    finite = a[np.isfinite(a)]
    return float(np.max(np.abs(finite))) if finite.size else 0.0


def vjp_zero_tol(upstream: FloatArray, temperature: float) -> float:
    """Zero tolerance of ``dL/dx = y ⊙ (g − ⟨g, y⟩) / T`` for this g and T."""
    return zero_tolerance(_max_abs(upstream) / float(temperature))


def snap_to_zero(a: FloatArray, zero_tol: float) -> tuple[FloatArray, int]:
    """Write values that are zero up to rounding as 0, as the heatmaps draw them.

    Returns the array with every finite nonzero ``|v| <= zero_tol`` set to 0,
    and how many were. NaN, inf and real values are untouched.

    Examples
    --------
    >>> snap_to_zero(np.array([5e-17, 0.25, -1e-16]), 1.4e-14)
    (array([0.  , 0.25, 0.  ]), 2)
    """
    a = np.asarray(a, dtype=np.float64)
    if not zero_tol:
        return a, 0
    with np.errstate(invalid="ignore"):
        noise = np.isfinite(a) & (np.abs(a) <= zero_tol) & (a != 0)
    return np.where(noise, 0.0, a), int(np.count_nonzero(noise))


def snap_note(count: int, zero_tol: float) -> str:
    """Say in a table's caption how many values were shown as 0, and why.

    Examples
    --------
    >>> snap_note(2, 1.4e-14)
    '2 values are zero up to rounding (|v| ≤ 1.4e-14): shown as 0, as in the heatmap'
    """
    noun = "value is" if count == 1 else "values are"
    return (
        f"{count} {noun} zero up to rounding (|v| ≤ {zero_tol:.2g}): shown as 0, "
        "as in the heatmap"
    )


def jacobian_zero_tol(y: FloatArray, temperature: float) -> float:
    """Zero tolerance of the Jacobians ``(diag(y) − y yᵀ) / T``."""
    return zero_tolerance(_max_abs(y) / float(temperature))


def gradcheck_zero_tols(
    report: sc.GradcheckReport, upstream: FloatArray
) -> tuple[float, float]:
    """Zero tolerances ``(analytic, numeric)`` of what `report` compares.

    Elementwise arrays in sliced and elementwise mode, the directional
    derivatives in directional mode.
    """
    g = np.abs(np.asarray(upstream, dtype=np.float64))
    step = np.asarray(report.step, dtype=np.float64)
    h = float(np.min(step)) if step.size else 1.0
    analytic = vjp_zero_tol(g, report.temperature)
    if report.mode == "sliced":
        # each slice's loss is read on its own: Σ|g ⊙ y| <= max|g| of the slice
        loss_scale = _max_abs(g)
    else:
        # the whole L is evaluated: sum over slices of their max|g|
        loss_scale = float(np.sum(np.max(g, axis=report.axes))) if g.size else 0.0
    if report.mode == "directional":
        # w = (x + h u) − (x − h u) / (2 base): Σ|w| <= size · max(h) / min(h) · 4
        analytic *= 4.0 * g.size * float(np.max(step)) / h if step.size else 1.0
    numeric = zero_tolerance(loss_scale / (2.0 * h))
    return analytic, numeric


def gradients_are_zero(report: sc.GradcheckReport, upstream: FloatArray) -> bool:
    """Whether the analytic and the numeric side are both zero up to rounding."""
    if report.numeric is None:
        a, n = report.directional_analytic, report.directional_numeric
    else:
        a, n = report.analytic, report.numeric
    if a is None or n is None:
        return False
    a64 = np.asarray(a, dtype=np.float64)
    n64 = np.asarray(n, dtype=np.float64)
    if not (np.isfinite(a64).all() and np.isfinite(n64).all()):
        return False
    tol_a, tol_n = gradcheck_zero_tols(report, upstream)
    return _max_abs(a64) <= tol_a and _max_abs(n64) <= tol_n


@dataclass(frozen=True)
class ErrorReading:
    """One error metric of a gradient check, its value and how to read it."""

    label: str
    value: str
    reading: str


def read_errors(
    report: sc.GradcheckReport, upstream: FloatArray
) -> tuple[ErrorReading, ...]:
    """Read the max and norm relative errors by the rules of thumb.

    When both gradients are zero up to rounding, a relative error divides one
    rounding noise by another: it is reported as not meaningful, never as
    "wrong" beside a PASS.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> report = sc.gradcheck(x, np.ones_like(x), 1)
    >>> [r.reading for r in read_errors(report, np.ones_like(x))] == [
    ...     NOT_MEANINGFUL, NOT_MEANINGFUL]
    True
    """
    metrics = (
        ("max relative error", report.max_rel_error),
        ("norm relative error", report.norm_rel_error),
    )
    if gradients_are_zero(report, upstream):
        return tuple(
            ErrorReading(label, f"{v:.2e}", NOT_MEANINGFUL) for label, v in metrics
        )
    return tuple(
        ErrorReading(label, f"{v:.2e}", explain.read_rel_error(v))
        for label, v in metrics
    )
