"""The most helpful error for text that cannot come where a reader found it.

Every reader ends up here when the next character fits none of its rules. The
checks run from the most specific diagnosis (NumPy's ``...``, a complex
number) to the most general (an unknown token), so the first that fits names
the real problem.
"""

from __future__ import annotations

import re
from typing import NoReturn

from softmax_core.parsing._messages import show, where
from softmax_core.parsing._numbers import COMPLEX_RE, SCALAR_RE

__all__ = ["unexpected"]

_TOKEN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,39}|[^ \t\f\v\xa0\n\[\](),;]{1,40}")
_MISSING = frozenset({"null", "None", "NA", "N/A", "NaT", "nil", "NULL"})
# Past the data, only some refusals can apply; each of these contexts has one.
_CONTEXT_MESSAGES = {
    "after": "unexpected text after the end of the array: {token} at {at}",
    "wrapper": "expected ',' or ')' at {at}, found {token}",
    "keyword": "expected dtype=... or shape=... at {at}, found {token}",
}


def unexpected(
    text: str, pos: int, context: str, *, open_pos: int = -1, header: bool = False
) -> NoReturn:
    """Raise the most helpful error for text that cannot come at `pos`.

    `context` is where the reader is: "list" (inside brackets), "bare"
    (the line layout), "after" (past the end of the array), "wrapper"
    (after the data inside ``array(``) or "keyword" (after a comma there).
    `open_pos` is the '[' of the list being read; `header` says that `pos`
    is on the first row of several lines, which may be a header row.
    """
    at = where(text, pos)
    if pos >= len(text):
        raise ValueError(f"unexpected end of input at {at}")
    _refuse_missing_or_complex(text, pos, at)
    token = _token(text, pos)
    if token.lower().startswith(("complex", "np.complex", "numpy.complex")):
        raise TypeError(f"complex numbers are not supported: {show(token)} at {at}")
    if context in _CONTEXT_MESSAGES:
        raise ValueError(_CONTEXT_MESSAGES[context].format(token=show(token), at=at))
    _refuse_misplaced(text, pos, at, context, open_pos)
    raise ValueError(
        f"unknown token {show(token)} at {at}{_hint(text, pos, token, at, header)}"
    )


def _refuse_missing_or_complex(text: str, pos: int, at: str) -> None:
    """Refuse NumPy's '...', a stray ']' and complex literals, in any context."""
    ch = text[pos]
    if text.startswith("...", pos) or ch == "\u2026":
        raise ValueError(
            f"'...' at {at}: NumPy left out part of this array when printing "
            "it, so numbers are missing; print it in full with "
            "np.set_printoptions(threshold=sys.maxsize), or use format_array"
        )
    if ch == "]":
        raise ValueError(f"unbalanced bracket: ']' at {at} has no matching '['")
    complex_match = COMPLEX_RE.match(text, pos)
    if complex_match is not None:
        start = _complex_start(text, pos)
        literal = text[start : complex_match.end()]
        raise TypeError(
            f"complex numbers are not supported: {show(literal)} at "
            f"{where(text, start)}"
        )


def _refuse_misplaced(
    text: str, pos: int, at: str, context: str, open_pos: int
) -> None:
    """Refuse a number or punctuation that is valid, but not at `pos`."""
    ch = text[pos]
    scalar = SCALAR_RE.match(text, pos)
    if scalar is not None:
        raise ValueError(
            f"missing separator before {show(scalar.group())} at {at}; "
            "separate entries with commas or spaces"
        )
    if ch == ";" and context == "list":
        raise ValueError(
            f"unexpected ';' at {at}; ';' separates rows only in a flat list "
            "such as [1 2; 3 4]: separate nested lists with commas"
        )
    if ch in ",;":
        raise ValueError(f"empty entry: unexpected {ch!r} at {at}")
    if ch == "[":
        raise ValueError(
            f"unexpected '[' at {at}; brackets must enclose the whole array"
        )
    if ch == ")" and open_pos >= 0:
        raise ValueError(
            f"unbalanced bracket: ')' at {at} does not match '[' at "
            f"{where(text, open_pos)}"
        )
    if ch in "()":
        raise ValueError(f"unexpected {ch!r} at {at}; write lists with [ ]")
    if ch == "#":
        raise ValueError(
            f"unexpected '#' at {at}; comments are only allowed outside brackets"
        )


def _hint(text: str, pos: int, token: str, at: str, header: bool) -> str:
    """Suggest what to do about an unknown token, when that can be guessed."""
    if token in _MISSING:
        return "; write nan for a missing value"
    if "'" in token or '"' in token:
        return "; numbers must not be quoted"
    if text.startswith("(", pos + len(token)) and token[0].isalpha():
        return "; the text is never run as code: write out the numbers"
    if header and text.find("\n", pos) >= 0:
        line = at.split(",")[0]
        return f" (if {line} is a header row, delete it)"
    return ""


def _token(text: str, pos: int) -> str:
    m = _TOKEN_RE.match(text, pos)
    return m.group() if m is not None else text[pos]


def _complex_start(text: str, pos: int) -> int:
    """Start of a complex literal whose imaginary part starts at `pos`.

    For ``1+2j`` the real part ``1`` has already been read as a number;
    point at it, not at ``+2j``.
    """
    if text[pos] not in "+-":
        return pos
    start = pos
    while start > 0 and pos - start < 40 and text[start - 1] in "0123456789.eE+-":
        start -= 1
    while start < pos and text[start] in "eE":
        start += 1
    return start
