"""Error statistics and the verdict line of :mod:`softmax_core.gradcheck`."""

from __future__ import annotations

import numpy as np

from softmax_core._validation import FloatArray

__all__ = ["norm_rel", "verdict"]

def norm_rel(a: FloatArray, n: FloatArray) -> float:
    """Return ``‖a - n‖ / (‖a‖ + ‖n‖)``, or 0 when both norms are 0."""
    denominator = float(np.linalg.norm(a) + np.linalg.norm(n))
    numerator = float(np.linalg.norm(a - n))
    if denominator == 0.0 and numerator == 0.0:
        return 0.0
    return numerator / denominator


def verdict(
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
