"""From text to array: pick the reader, and refuse text that reads two ways.

The first character decides the layout: ``array(`` is NumPy's repr, ``[`` a
nested list or a MATLAB matrix, anything else rows on lines. Rows on lines
holding a comma between digits and a tab or ';' have a second reading, with
decimal commas; both readings are tried, and the text is read only if
exactly one of them gives an array.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from softmax_core.parsing import _decimal_commas as decimal_commas
from softmax_core.parsing._lines import matlab_list_end, read_lines, read_matlab_list
from softmax_core.parsing._nested import read_nested
from softmax_core.parsing._numbers import OverflowValueError, Values
from softmax_core.parsing._numpy_repr import ARRAY_OPEN_RE, read_array_call
from softmax_core.parsing._scanning import SKIP_LINES_RE, skip
from softmax_core.parsing._unexpected import unexpected

__all__ = ["read_text"]


def read_text(
    text: str, max_elements: int, max_chars: int, *, rows_on_lines: bool = False
) -> NDArray[np.float64]:
    """:func:`parse_array` after its arguments are checked.

    `rows_on_lines`: every line is a row, so ';' separates columns (a ``.csv``
    or ``.tsv`` file).
    """
    if len(text) > max_chars:
        raise ValueError(
            f"text too long: {len(text):,} characters, more than the limit of "
            f"{max_chars:,}"
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u2212" in text:
        text = text.replace("\u2212", "-")
    # A byte-order mark, copied from the start of a file, is not text.
    if text.startswith("\ufeff"):
        text = text[1:]
    return _read(text, max_elements, rows_on_lines=rows_on_lines)


def _read(text: str, max_elements: int, *, rows_on_lines: bool) -> NDArray[np.float64]:
    """Read `text`, refusing it when it could mean two different arrays.

    Text laid out in lines has a second possible reading when it holds a comma
    between digits and a tab or ';': the comma may be a decimal comma (as
    spreadsheets write numbers in many locales: ``0,5<tab>1,5``, or
    ``0,5;1,5`` in a CSV file) rather than a separator.
    """
    if not _in_lines(text):
        return _read_one(text, max_elements)
    error: ValueError | None = None
    try:
        array = _read_one(text, max_elements, rows_on_lines=rows_on_lines)
    except ValueError as exc:
        error = exc
    if decimal_commas.may_have_decimal_commas(text):
        other = _read_decimal_commas(text, max_elements)
        if other is not None:
            if error is None:
                raise decimal_commas.ambiguous(text, array.shape, other.shape)
            decimal_commas.check_not_thousands(text)
            return other
    if error is not None:
        raise error
    return array


def _read_decimal_commas(text: str, max_elements: int) -> NDArray[np.float64] | None:
    """Read `text` with decimal commas; None if that reading has no columns.

    Columns are then separated by tabs or ';' only, and '.' must not be a
    decimal mark anywhere. Replacing each decimal comma by a dot keeps every
    position, so errors and overflow are located as in the text itself.
    """
    if decimal_commas.has_dot_marks(text):
        return None
    dotted = decimal_commas.TIGHT_COMMA_RE.sub(".", text)
    try:
        array = _read_one(dotted, max_elements, decimal_comma=True)
    except OverflowValueError:
        raise  # "1,5e400": the number overflows in either reading; name it whole
    except (ValueError, TypeError):
        return None
    # Without a tab or ';' between two numbers there is no column separator
    # to tell the commas apart from: "0,5\n1,5" is two columns of CSV.
    if array.ndim == 0 or array.shape[-1] < 2:
        return None
    return array


def _in_lines(text: str) -> bool:
    """Whether `text` is laid out in lines: not empty, not brackets, not array()."""
    pos = skip(SKIP_LINES_RE, text, 0)
    if pos >= len(text):
        return False
    return ARRAY_OPEN_RE.match(text, pos) is None and text[pos] != "["


def _read_one(
    text: str,
    max_elements: int,
    *,
    decimal_comma: bool = False,
    rows_on_lines: bool = False,
) -> NDArray[np.float64]:
    """One reading of `text`, by the reader its first character picks."""
    pos = skip(SKIP_LINES_RE, text, 0)
    if pos >= len(text):
        raise ValueError("empty input")
    values = Values(text, max_elements)
    opened = ARRAY_OPEN_RE.match(text, pos)
    if opened is not None:
        decimal_commas.check_list_separators(text)
        shape, pos = read_array_call(text, pos, opened.end(), values)
    elif text[pos] == "[":
        decimal_commas.check_list_separators(text)
        close = matlab_list_end(text, pos)
        if close < 0:
            shape, pos = read_nested(text, pos, values)
        else:
            shape, pos = read_matlab_list(text, pos, close, values)
    else:
        shape, pos = read_lines(
            text, pos, values, decimal_comma=decimal_comma, rows_on_lines=rows_on_lines
        )
    pos = skip(SKIP_LINES_RE, text, pos)
    if pos < len(text):
        unexpected(text, pos, "after")
    return np.array(values.floats, dtype=np.float64).reshape(shape)
