"""Predict, then reveal: read a learner's prediction, check it, explain it.

Backward and Gradcheck's ``predict=1`` mode asks before it shows: one entry
of dL/dx (a number), or whether an implementation passes the gradient check
(PASS or FAIL). Reading the answer, checking it with a stated tolerance and
wording what was right or wrong lives here; the page only lays it out.
Learner text is parsed by hand, never evaluated. No Streamlit here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

import softmax_core as sc
from softmax_core.slices import normalize_axes, to_slices

__all__ = [
    "DEFAULT_TOLERANCE",
    "Reveal",
    "Tolerance",
    "UpstreamFacts",
    "check_number",
    "check_verdict",
    "entry_label",
    "parse_index",
    "parse_number",
    "parse_verdict",
    "upstream_facts",
]

# A number, optionally one fraction of two numbers: "0.2", "-1e-3", "1/4".
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_FRACTION = re.compile(rf"\s*({_NUMBER})\s*(?:/\s*({_NUMBER}))?\s*")
_WORDS = {"pass": True, "passes": True, "fail": False, "fails": False}


@dataclass(frozen=True)
class Tolerance:
    """A prediction p of a value a is right when ``|p − a| <= atol + rtol · |a|``."""

    atol: float = 0.005
    rtol: float = 0.05

    def allows(self, prediction: float, actual: float) -> bool:
        """Return whether `prediction` is close enough to `actual`."""
        return abs(prediction - actual) <= self.atol + self.rtol * abs(actual)

    def describe(self) -> str:
        """Return the rule in words, for the page to state before an answer."""
        return (
            f"within {self.atol:g} plus {self.rtol:.0%} of the true value "
            f"(|prediction − true| ≤ {self.atol:g} + {self.rtol:g} · |true|)"
        )


#: Tight enough that 0.2 counts for 0.1966 and 0.25 does not.
DEFAULT_TOLERANCE = Tolerance()


@dataclass(frozen=True)
class Reveal:
    """The verdict on a prediction and what to say about it.

    Attributes
    ----------
    correct : bool
        Whether the prediction was right (within the tolerance, or the same
        verdict).
    message : str
        What to show with the numbers: right or wrong, and why.
    """

    correct: bool
    message: str


def parse_number(text: str) -> float:
    """Read a predicted number: ``0.2``, ``-1e-3``, ``−0.5`` or ``1/4``.

    Raises
    ------
    ValueError
        If the text is empty, not a number or a fraction of two, divides by
        zero, or is not finite; the message quotes it.

    Examples
    --------
    >>> parse_number(" −1/4 "), parse_number("2e-1")
    (-0.25, 0.2)
    """
    cleaned = text.replace("−", "-").replace("\u2009", "").replace("_", "")
    match = _FRACTION.fullmatch(cleaned)
    if not cleaned.strip():
        raise ValueError("type a number first, such as 0.2, -1e-3 or 1/4")
    if match is None:
        raise ValueError(
            f"{text.strip()!r} is not a number: type one such as 0.2, -1e-3 or 1/4"
        )
    top, bottom = match.group(1), match.group(2)
    value = float(top)
    if bottom is not None:
        if float(bottom) == 0:
            raise ValueError(f"{text.strip()!r} divides by zero")
        value /= float(bottom)
    if not math.isfinite(value):
        raise ValueError(f"{text.strip()!r} is too large to be a gradient entry")
    return value


def parse_verdict(text: str) -> bool:
    """Read a predicted verdict: PASS (True) or FAIL (False), any case.

    Raises
    ------
    ValueError
        If the text is neither; the message quotes it.

    Examples
    --------
    >>> parse_verdict("pass"), parse_verdict(" FAIL ")
    (True, False)
    """
    word = text.strip().lower()
    if word not in _WORDS:
        raise ValueError(f"answer PASS or FAIL; got {text.strip()!r}")
    return _WORDS[word]


def parse_index(text: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Read an entry's index, ``1, 0`` or ``(1, 0)``; negative counts from the end.

    Raises
    ------
    ValueError
        If it has the wrong number of parts, a part is not an integer, or a
        part is out of range; the message names the dimension.

    Examples
    --------
    >>> parse_index("(1, -1)", (2, 3))
    (1, 2)
    """
    parts = [p.strip() for p in text.strip().strip("()[]").split(",") if p.strip()]
    if len(parts) != len(shape):
        raise ValueError(
            f"the index needs {len(shape)} integers for an array of shape "
            f"{shape}, separated by commas; got {text.strip()!r}"
        )
    index = []
    for dim, (part, size) in enumerate(zip(parts, shape, strict=True)):
        if not re.fullmatch(r"[+-]?\d+", part):
            raise ValueError(f"index part {dim} is {part!r}, not an integer")
        i = int(part)
        if not -size <= i < size:
            raise ValueError(
                f"index part {dim} is {i}, out of range for dimension {dim} of size "
                f"{size} (valid: {-size}..{size - 1})"
            )
        index.append(i % size)
    return tuple(index)


def entry_label(index: tuple[int, ...]) -> str:
    """``dL/dx[1, 0]``: how the page names the entry to predict."""
    return f"dL/dx[{', '.join(map(str, index))}]"


def check_number(
    prediction: float,
    actual: float,
    index: tuple[int, ...],
    *,
    tolerance: Tolerance = DEFAULT_TOLERANCE,
    function: str = "softmax",
    temperature: float = 1.0,
    constant_slice: bool = False,
) -> Reveal:
    """Compare a predicted entry of dL/dx with the real one, and explain.

    `constant_slice` says the upstream gradient is constant along the
    entry's slice (then the softmax gradient, and only softmax's, is exactly
    zero there).

    Examples
    --------
    >>> check_number(0.2, 0.19661193, (0, 0)).correct
    True
    >>> check_number(-0.2, 0.19661193, (0, 0)).message[:40]
    'Not quite: dL/dx[0, 0] is 0.1966, and yo'
    """
    name, shown = entry_label(index), _fmt(actual)
    rule = tolerance.describe()
    if tolerance.allows(prediction, actual):
        return Reveal(
            True, f"Right: {name} is {shown}; you said {prediction:g} ({rule})."
        )
    lead = f"Not quite: {name} is {shown}, and you said {prediction:g}."
    softmax = function == "softmax"
    why = _why(prediction, actual, temperature, softmax and constant_slice, tolerance)
    if prediction == 0 and softmax and abs(actual) > tolerance.atol:
        why = (
            "It is not zero: only an upstream gradient that is constant along the "
            "slice makes the softmax gradient vanish."
        )
    return Reveal(False, f"{lead} {why}")


def _why(
    prediction: float,
    actual: float,
    temperature: float,
    constant_slice: bool,
    tolerance: Tolerance,
) -> str:
    """Return one or two sentences on how the prediction went wrong."""
    if abs(actual) <= tolerance.atol:
        because = (
            " The upstream gradient is constant along this slice, and every row of "
            "the softmax Jacobian sums to 0 (the outputs always sum to 1), so the "
            "gradient is 0 there."
            if constant_slice
            else ""
        )
        return f"The true value is (nearly) zero.{because}"
    if prediction == 0:
        return "It is not zero."
    if math.copysign(1, prediction) != math.copysign(1, actual):
        return "The sign is wrong: check which entries of g pull this logit up."
    if temperature != 1 and tolerance.allows(prediction / temperature, actual):
        return (
            f"You left out the 1/T: at T = {temperature:g} every entry is divided by T."
        )
    ratio = prediction / actual
    size = "large" if ratio > 1 else "small"
    factor = max(ratio, 1 / ratio)
    return f"The sign is right; the size is too {size} (by a factor of {factor:.2g})."


def _fmt(value: float) -> str:
    return f"{value:.4g}" if value != 0 else "0"


@dataclass(frozen=True)
class UpstreamFacts:
    """What about g lets a wrong backward pass pass the check.

    Attributes
    ----------
    constant_within : bool
        g is constant along every slice: the softmax gradient is exactly zero.
    shared_across : bool
        Every slice has the same g: reading the wrong slice's g changes nothing.
    """

    constant_within: bool
    shared_across: bool


def upstream_facts(
    upstream: ArrayLike, axis: int | tuple[int, ...] | None
) -> UpstreamFacts:
    """Find out whether g is constant along, or shared between, the slices.

    Examples
    --------
    >>> upstream_facts([[1.0, 0.0], [1.0, 0.0]], 1)
    UpstreamFacts(constant_within=False, shared_across=True)
    """
    g = np.asarray(upstream, dtype=np.float64)
    rows = to_slices(g, normalize_axes(axis, g.shape))
    flat = rows.reshape(-1, rows.shape[-1]) if rows.size else rows.reshape(0, 0)
    shared = bool(flat.size == 0 or np.all(flat == flat[:1]))
    return UpstreamFacts(sc.constant_along_slices(g, axis), shared)


def check_verdict(
    predicted_pass: bool,
    passed: bool,
    *,
    correct_code: bool,
    symptom: str,
    facts: UpstreamFacts,
) -> Reveal:
    """Compare a predicted PASS/FAIL with the check's verdict, and explain.

    `correct_code` says whether the implementation's backward pass is right
    for the function; `symptom` is its gallery line (what the check reports
    on its example); `facts` describe the current upstream gradient.
    """
    word = "passes" if passed else "fails"
    head = "Right" if predicted_pass == passed else "Not this time"
    if passed and correct_code:
        why = "a correct backward pass agrees with finite differences."
    elif passed:
        why = "the code is wrong, but this input does not show it: " + _hidden(facts)
    elif correct_code:
        why = (
            "the code is right, so the step or the tolerances do not suit this "
            "input: look at the errors below."
        )
    else:
        why = symptom.split(":", 1)[-1].strip()
    return Reveal(predicted_pass == passed, f"{head}: the check {word}; {why}")


def _hidden(facts: UpstreamFacts) -> str:
    if facts.constant_within:
        return (
            "g is constant along every slice, so the true gradient is zero, and a "
            "backward pass that also gives zero agrees with it."
        )
    if facts.shared_across:
        return (
            "every slice has the same upstream gradient, so using the wrong slice's "
            "g gives the same numbers."
        )
    return "its mistake cancels out on these numbers; try another x or g."
