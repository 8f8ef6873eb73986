r"""Numbers: which literals are read, their values, the element count, overflow.

Explicit ASCII classes throughout: Python's ``\d`` and ``float()`` accept other
scripts' digits, which we do not want to read silently.
"""

from __future__ import annotations

import itertools
import math
import re

from softmax_core.parsing._messages import show, where

__all__ = [
    "COMPLEX_RE",
    "SCALAR",
    "SCALAR_RE",
    "OverflowValueError",
    "Values",
]

_DIGITS = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER = rf"[+-]?{_DIGITS}"
_INF_NAN = r"(?i:nan|inf(?:inity)?)"
_SPECIAL = rf"[+-]?(?:(?:np|numpy|math)\.)?{_INF_NAN}"
_BOOL = r"(?:np|numpy)\.(?:True|False)_|True|False|true|false"
_NP_TYPE = r"(?:float|int|uint)(?:8|16|32|64)|longdouble|double|single|half|bool"
# NumPy 2 prints scalars as np.float64(1.5); lists of them are a common paste.
_WRAPPED = rf"(?:np|numpy)\.(?:{_NP_TYPE})\((?:{_NUMBER}|[+-]?{_INF_NAN}|True|False)\)"
# A scalar must not run straight into a letter, digit, dot or call: "1x", "1.2.3",
# "nano" and "1j" are not numbers.
_END = r"(?![A-Za-z0-9_.(])"
# Atomic groups (?>...) everywhere a match is complete: once a scalar, separator
# or list has matched, the engine never retries it another way, which keeps the
# nested patterns built on SCALAR linear instead of exponential on near-misses.
SCALAR = rf"(?>(?:{_WRAPPED}|{_SPECIAL}|{_BOOL}|{_NUMBER}){_END})"

SCALAR_RE = re.compile(SCALAR)
COMPLEX_RE = re.compile(rf"[+-]?(?:{_DIGITS}|{_INF_NAN})[jJ]{_END}")
# The items of a run, as Values.take splits them.
_ITEM_RE = re.compile(r"[^\s,;\[\]]+")
# Separators and brackets become spaces, leaving only the scalar tokens to split.
_TO_SPACES = str.maketrans({",": " ", ";": " ", "[": " ", "]": " "})

# Rewrites of validated scalars into what float() reads (see _to_floats).
_CALL_HEAD_RE = re.compile(r"(?:np|numpy)\.[a-z0-9]+\(")
_WORD_VALUES = tuple(
    (f"{prefix}{word}", value)
    for word, value in [("True_", "1"), ("False_", "0")]
    for prefix in ("numpy.", "np.")
) + (
    ("True", "1"),
    ("true", "1"),
    ("False", "0"),
    ("false", "0"),
    ("numpy.", ""),
    ("np.", ""),
    ("math.", ""),
)


class OverflowValueError(ValueError):
    """A number too large for float64 (a ValueError like every other refusal)."""


class Values:
    """The numbers read so far from `text`, in C order, at most `max_elements`."""

    def __init__(self, text: str, max_elements: int) -> None:
        self.text = text  # for the line and column of an overflowing number
        self.max_elements = max_elements
        self.floats: list[float] = []

    def take(self, run: str, start: int) -> int:
        """Add the values of the scalars in `run` (at `start`); return their count.

        The count is checked before any value is converted, and a number too
        large for float64 is refused, not turned into inf.
        """
        items = run.translate(_TO_SPACES).split()
        if len(self.floats) + len(items) > self.max_elements:
            raise ValueError(f"too many elements: more than {self.max_elements:,}")
        values = _to_floats(items, run)
        if math.inf in values or -math.inf in values:
            self._check_overflow(items, values, run, start)
        self.floats.extend(values)
        return len(items)

    def _check_overflow(
        self, items: list[str], values: list[float], run: str, start: int
    ) -> None:
        for k, (item, value) in enumerate(zip(items, values, strict=True)):
            if math.isinf(value) and "inf" not in item.lower():
                # The k-th item of the run, found the way take() split it.
                found = next(itertools.islice(_ITEM_RE.finditer(run), k, None))
                raise OverflowValueError(
                    f"number {show(item)} at {where(self.text, start + found.start())} "
                    "overflows float64 (the largest finite value is about "
                    "1.8e308); write inf for an infinite value"
                )


def _to_floats(items: list[str], run: str) -> list[float]:
    """Values of the scalar tokens `items`, split from `run`.

    `run` is text that has matched the scalar patterns, so every token is valid.
    ``float`` reads the plain tokens exactly as we mean them (it also reads
    ``nan``, ``-inf``, ``Infinity`` in any case) and refuses the rest, which are
    rewritten as plain numbers in bulk: ``np.float64(1.5)`` -> ``1.5``,
    ``-np.inf`` -> ``-inf``, ``True`` -> ``1``.
    """
    try:
        return list(map(float, items))
    except ValueError:
        pass
    if "(" in run:
        run = _CALL_HEAD_RE.sub("", run).replace(")", "")
    # Plain str.replace runs at memory speed; the order matters (np.True_ first).
    for word, value in _WORD_VALUES:
        run = run.replace(word, value)
    return list(map(float, run.translate(_TO_SPACES).split()))
