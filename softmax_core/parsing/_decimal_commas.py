"""Decimal commas: where a comma may be a decimal mark, and text that reads both ways.

Spreadsheets in many locales write ``0,5`` for one half, so a comma between
two digits is either a decimal comma or a separator. These are the tests that
tell which, and the refusals when both readings give an array.
"""

from __future__ import annotations

import re

from softmax_core.parsing._messages import show, where

__all__ = [
    "TIGHT_COMMA_RE",
    "ambiguous",
    "check_list_separators",
    "check_not_thousands",
    "check_row_separators",
    "has_dot_marks",
    "may_have_decimal_commas",
]

# A comma with a digit on each side: a column separator ("1,2") or a decimal
# comma ("0,5", as spreadsheets write numbers in many locales).
TIGHT_COMMA_RE = re.compile(r"(?<=[0-9]),(?=[0-9])")
_DECIMAL_COMMA_RE = re.compile(r"(?<![0-9.])[+-]?[0-9]+,[0-9]+(?:[eE][+-]?[0-9]+)?")
# A '.' used as a decimal mark (or as a thousands separator, "1.234,5").
_DOT_MARK_RE = re.compile(r"[0-9]\.|\.[0-9]")
# A decimal comma that cannot be a thousands separator: integer part 0 or of
# four digits or more, not three digits after the comma, or an exponent.
_NOT_THOUSANDS_RE = re.compile(
    r"(?<=[0-9]),(?:[0-9]{1,2}(?![0-9])|[0-9]{4}|[0-9]+[eE])"
    r"|(?<![0-9])0,(?=[0-9])|[0-9]{4},(?=[0-9])"
)
# White space alone between two numbers of a list (NumPy's "[1 2]"), and a
# list with no list inside it.
_SPACE_SEP_RE = re.compile(r"(?<=[0-9A-Za-z_.)])[ \t\f\v\xa0\n]++(?=[-+.0-9A-Za-z(])")
_INNER_LIST_RE = re.compile(r"\[[^\[\]]*+\]")


def may_have_decimal_commas(text: str) -> bool:
    """Whether text laid out in lines has a second, decimal-comma reading.

    It needs a comma between digits, and a tab or ';' that could separate the
    columns instead.
    """
    return ("\t" in text or ";" in text) and TIGHT_COMMA_RE.search(text) is not None


def has_dot_marks(text: str) -> bool:
    """Whether '.' is a decimal mark somewhere, ruling out decimal commas.

    With both (``1.234,5``) the '.' could be a thousands separator, a third
    reading.
    """
    return _DOT_MARK_RE.search(text) is not None


def ambiguous(
    text: str, shape: tuple[int, ...], decimal_shape: tuple[int, ...]
) -> ValueError:
    """Build the refusal of text that reads as two arrays, naming both shapes."""
    m = _DECIMAL_COMMA_RE.search(text)
    assert m is not None  # the text has a comma between digits
    comma = text.index(",", m.start())
    return ValueError(
        f"ambiguous text: ',' in {show(m.group())} at {where(text, comma)} could "
        f"be a decimal comma (then the array has shape {decimal_shape}) or "
        f"separate columns (shape {shape}); use a dot as decimal separator, or "
        "put a space after each comma that separates columns"
    )


def check_not_thousands(text: str) -> None:
    """Refuse decimal commas that could all be thousands separators (``1,234``)."""
    if _NOT_THOUSANDS_RE.search(text) is not None:
        return
    m = _DECIMAL_COMMA_RE.search(text)
    assert m is not None
    number = m.group()
    raise ValueError(
        f"ambiguous number {show(number)} at {where(text, m.start())}: ',' could "
        f"be a decimal comma ({number.replace(',', '.')}) or a thousands separator "
        f"({number.replace(',', '')}); use a dot as decimal separator and no "
        "thousands separators"
    )


def check_list_separators(text: str) -> None:
    """Refuse a list separated by both white space and commas between digits.

    ``[0,1 0,2]`` could be two decimals or four numbers. No writer mixes
    them (Python and JSON write commas, NumPy's ``str`` white space), so
    the lists are only looked at when the text holds both.
    """
    if TIGHT_COMMA_RE.search(text) is None or _SPACE_SEP_RE.search(text) is None:
        return
    for inner in _INNER_LIST_RE.finditer(text):
        start, end = inner.start() + 1, inner.end() - 1
        if text.find(";", start, end) >= 0:
            continue  # MATLAB rows, checked row by row (check_row_separators)
        decimal = _DECIMAL_COMMA_RE.search(text, start, end)
        space = _SPACE_SEP_RE.search(text, start, end)
        if decimal is not None and space is not None:
            raise _ambiguous_separators(
                text,
                decimal,
                "entries",
                f"entries of the same list (at {where(text, space.start())})",
                "the entries with commas only",
            )


def check_row_separators(text: str, pos: int, line: int) -> None:
    """Refuse a row separated by commas and white space, if it has ``0,1``.

    `pos` is on the row, which is line `line` of `text`.
    """
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    decimal = _DECIMAL_COMMA_RE.search(text, start, end if end >= 0 else len(text))
    if decimal is not None:
        raise _ambiguous_separators(
            text,
            decimal,
            "columns",
            f"columns on line {line}",
            "columns with tabs or commas only",
        )


def _ambiguous_separators(
    text: str, decimal: re.Match[str], what: str, also: str, fix: str
) -> ValueError:
    """Build the refusal of ``0,1 0,2``: `what` the comma may separate, the fix."""
    number = decimal.group()
    comma = text.index(",", decimal.start())
    return ValueError(
        f"ambiguous separators at {where(text, comma)}: ',' in {show(number)} "
        f"could be a decimal comma ({number.replace(',', '.')}) or separate "
        f"{what}, and white space also separates {also}; use a dot as decimal "
        f"separator, or separate {fix}"
    )
