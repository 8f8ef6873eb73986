"""Error statistics and the verdict line of :mod:`softmax_core.gradcheck`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from softmax_core._validation import FloatArray

__all__ = ["Errors", "compare", "norm_rel", "verdict"]

@dataclass(frozen=True, eq=False)
class Errors:
    """How far the analytic side is from the numeric one, and the pass rule."""

    abs_error: FloatArray
    rel_error: FloatArray
    max_abs: float
    max_rel: float
    norm_rel: float
    finite: bool
    passed: bool
    atol: float
    rtol: float


def compare(
    analytic: FloatArray, numeric: FloatArray, atol: float, rtol: float, floor: float
) -> Errors:
    """Errors of `analytic` against `numeric`; passed as ``torch.autograd.gradcheck``.

    ``|a - n| <= atol + rtol * |n|`` everywhere and every value finite; the
    relative error's denominator is floored at `floor`.
    """
    abs_error = np.abs(analytic - numeric)
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    finite = bool(np.isfinite(analytic).all() and np.isfinite(numeric).all())
    return Errors(
        abs_error=abs_error,
        rel_error=abs_error / scale,
        max_abs=float(np.max(abs_error, initial=0.0)),
        max_rel=float(np.max(abs_error / scale, initial=0.0)),
        norm_rel=norm_rel(analytic, numeric),
        finite=finite,
        passed=finite and bool(np.all(abs_error <= atol + rtol * np.abs(numeric))),
        atol=atol,
        rtol=rtol,
    )


def norm_rel(a: FloatArray, n: FloatArray) -> float:
    """Return ``‖a - n‖ / (‖a‖ + ‖n‖)``, or 0 when both norms are 0."""
    denominator = float(np.linalg.norm(a) + np.linalg.norm(n))
    numerator = float(np.linalg.norm(a - n))
    if denominator == 0.0 and numerator == 0.0:
        return 0.0
    return numerator / denominator


def verdict(
    errors: Errors, *, analytic: FloatArray, numeric: FloatArray, mode: str
) -> str:
    """One human line summarising the check."""
    passed, finite, abs_error = errors.passed, errors.finite, errors.abs_error
    max_abs, max_rel, norm_rel_ = errors.max_abs, errors.max_rel, errors.norm_rel
    atol, rtol = errors.atol, errors.rtol
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
            f"norm rel error {norm_rel_:.1e})"
        )
    bad = abs_error > atol + rtol * np.abs(numeric)
    where = tuple(
        int(i) for i in np.unravel_index(int(np.argmax(abs_error)), abs_error.shape)
    )
    location = f"direction {where[0]}" if mode == "directional" else f"index {where}"
    unit = "directions" if mode == "directional" else "entries"
    return (
        f"FAIL: analytic and numeric {what} disagree: norm rel error "
        f"{norm_rel_:.2g}, max rel error {max_rel:.2g}, {int(bad.sum())} of "
        f"{bad.size} {unit} out of tolerance, worst at {location}: the backward "
        "pass is wrong"
    )


def _count_bad(a: FloatArray) -> str:
    bad = int(np.count_nonzero(~np.isfinite(a)))
    return f"{bad} of {a.size} entries"
