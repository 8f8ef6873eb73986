"""What a result means, in sentences: the verdicts pages show beside their numbers.

Streamlit-free, so the wording and, above all, when a success banner may be
shown, are tested directly (``tests/test_app_explore.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from softmax_core.stability import SliceSums

__all__ = ["Reading", "slice_sums_readings"]


@dataclass(frozen=True)
class Reading:
    """One message: its kind (the Streamlit alert it becomes) and its text."""

    kind: Literal["success", "info", "warning"]
    text: str


def slice_sums_readings(check: SliceSums) -> list[Reading]:
    """Say whether every slice of a softmax output is a probability distribution.

    A success only when every slice is one: a fully masked slice (all zeros)
    or a NaN slice is not, and each gets its own sentence.
    """
    live = check.n_slices - check.n_zero - check.n_nan
    rounding = " (floating-point rounding)" if check.max_error else ", exactly"
    spread = f"the largest |sum − 1| is {check.max_error:.2g}{rounding}"
    if live == check.n_slices:
        return [
            Reading(
                "success",
                f"**Every slice sums to 1**: over the {live} slice(s), {spread}.",
            )
        ]
    kind: Literal["info", "warning"] = "warning" if check.n_nan else "info"
    if live:
        head = (
            f"**{live} of {check.n_slices} slices sum to 1** ({spread}); the "
            "others are not probability distributions:"
        )
    else:
        head = (
            f"**No slice sums to 1**: none of the {check.n_slices} slice(s) is a "
            "probability distribution."
        )
    readings = [Reading(kind, head)]
    if check.n_zero:
        readings.append(
            Reading(
                "info",
                f"{check.n_zero} slice(s) have no finite entry (all -inf, i.e. "
                "fully masked) and sum to **0** by design: softmax gives zeros "
                "there, not NaN.",
            )
        )
    if check.n_nan:
        readings.append(
            Reading(
                "warning",
                f"{check.n_nan} slice(s) contain NaN or +inf, so their softmax is "
                "NaN throughout (other slices are unaffected).",
            )
        )
    return readings
