"""Rows on lines: spreadsheet and CSV pastes, ``np.savetxt`` output, MATLAB rows.

One row gives a 1-D array (one number alone a 0-d array), several rows a 2-D
array. Within a row the numbers are separated by one kind of separator:
commas, semicolons, white space, or (when commas are decimal marks) tabs. A
row that mixes kinds could mean two different arrays (``0,1 0,2``: decimal
commas, or four columns), so it is refused. Rows end at line breaks and, in
MATLAB's ``1 2; 3 4``, at ';'.
"""

from __future__ import annotations

import functools
import re
from typing import Final, NoReturn

from softmax_core.parsing._decimal_commas import check_row_separators
from softmax_core.parsing._limits import CHUNK
from softmax_core.parsing._messages import entries, where
from softmax_core.parsing._numbers import SCALAR, SCALAR_RE, Values
from softmax_core.parsing._scanning import (
    BLANK,
    COMMENT_RE,
    SKIP_LINES_RE,
    SKIP_SPACE_RE,
    skip,
)
from softmax_core.parsing._unexpected import unexpected

__all__ = ["matlab_list_end", "read_lines", "read_matlab_list"]

# Column separators, one kind per row. "space" is any white space; "tab" (a
# run holding a tab) is a kind of its own only when commas are read as
# decimal marks (a spreadsheet paste).
_SEPARATORS: Final = {
    "comma": rf"{BLANK}*+,{BLANK}*+",
    "semicolon": rf"{BLANK}*+;{BLANK}*+",
    "space": rf"{BLANK}++",
    "tab": rf"[ \f\v\xa0]*+\t{BLANK}*+",
}
# What may follow the last number of a row: white space and one ',' or ';'.
_TRAIL = rf"{BLANK}*+(?:[,;]{BLANK}*+)?"
_ROW_RUN_RES: Final = {
    kind: re.compile(rf"{SCALAR}(?>{sep}{SCALAR}){{0,{CHUNK - 1}}}")
    for kind, sep in _SEPARATORS.items()
}
_ANY_SEP_RE = re.compile(rf"{BLANK}*+([,;]){BLANK}*+|{BLANK}++")
_SEPARATOR_NAMES: Final = {"comma": "','", "semicolon": "';'", "space": "white space"}


def read_lines(
    text: str,
    pos: int,
    values: Values,
    *,
    decimal_comma: bool = False,
    rows_on_lines: bool = False,
) -> tuple[tuple[int, ...], int]:
    """Read the rows from `pos` to the end of `text`; return the shape and end.

    `decimal_comma`: the text is the decimal-comma reading (its decimal commas
    already replaced by dots), so only tabs and ';' separate columns.
    `rows_on_lines`: ';' never separates rows (a CSV file).
    """
    # One line of text is one row unless ';' splits it (MATLAB's "1 2; 3 4");
    # with rows on several lines, ';' separates columns.
    eol = text.find("\n", pos)
    one_line = eol < 0 or skip(SKIP_LINES_RE, text, eol) >= len(text)
    matlab = one_line and not (decimal_comma or rows_on_lines)
    rows = _Rows(text, values, decimal_comma=decimal_comma, matlab=matlab)
    return rows.read(pos)


def matlab_list_end(text: str, start: int) -> int:
    """Find the ']' closing a MATLAB matrix ``[1 2; 3 4]`` at `start`, or -1.

    A flat list holding ';' is a MATLAB (or ``np.matrix``) matrix; any other
    list is a nested list (which refuses a ';' with a hint).
    """
    close = text.find("]", start)
    if close < 0 or text.find(";", start, close) < 0:
        return -1
    if text.find("[", start + 1, close) >= 0:
        return -1
    return close


def read_matlab_list(
    text: str, start: int, close: int, values: Values
) -> tuple[tuple[int, ...], int]:
    """Read the MATLAB matrix from the '[' at `start` to the ']' at `close`.

    ';' and line breaks separate rows. It is read as rows on lines with the two
    brackets blanked out, which keeps every position.
    """
    comment = text.find("#", start, close)
    if comment >= 0:
        unexpected(text, comment, "list", open_pos=start)
    inside = text[:start] + " " + text[start + 1 : close] + " "
    pos = skip(SKIP_SPACE_RE, inside, start + 1)
    rows = _Rows(inside, values, matlab=True, header_hint=False)
    shape, _ = rows.read(pos)
    return shape, close + 1


class _Rows:
    """Rows of numbers from one position to the end of `text`.

    `matlab`: ';' ends a row as a line break does. `header_hint`: suggest
    deleting a first row that is not numbers (a spreadsheet header).
    """

    def __init__(
        self,
        text: str,
        values: Values,
        *,
        decimal_comma: bool = False,
        matlab: bool,
        header_hint: bool = True,
    ) -> None:
        self.text = text
        self.values = values
        self.decimal_comma = decimal_comma
        self.matlab = matlab
        self.header_hint = header_hint
        self.rows = 0
        self.width = -1  # the number of columns, once the first row is read
        self.punctuated = False  # a ',' or ';' makes a lone number a 1-D array
        self.kind = "space"  # separator of the last row, for the block reader

    def read(self, pos: int) -> tuple[tuple[int, ...], int]:
        """Read every row from `pos`; return the shape and the end of the text."""
        text = self.text
        first_row = pos
        while pos < len(text):
            block_end = self._block(pos)
            if block_end is not None:
                pos = block_end
                continue
            row_start = pos
            count, pos = self._row(pos)
            self.rows += 1
            if self.width < 0:
                self.width = count
            elif count != self.width:
                raise ValueError(
                    f"ragged rows: row {self.rows} ({where(text, row_start)}) has "
                    f"{entries(count)} but row 1 ({where(text, first_row)}) has "
                    f"{self.width}"
                )
            pos = skip(SKIP_LINES_RE, text, pos)
        if self.rows > 1:
            return (self.rows, self.width), pos
        if self.width == 1 and not self.punctuated:
            return (), pos
        return (self.width,), pos

    def _block(self, pos: int) -> int | None:
        """Read many rows like the last one at C speed; None if none follow.

        Once the width and separator are known, one regular expression checks
        a whole block of rows, so no Python runs per row. Where it stops, the
        row-by-row reader takes over and reports any error precisely.
        """
        if not 0 < self.width <= CHUNK or self.matlab:
            return None
        pattern = _rows_regex(self.width, CHUNK // self.width, self.kind)
        block = pattern.match(self.text, pos)
        if block is None:
            return None
        body = block.group()
        if "#" in body:
            # Blank out comments in place, keeping every position.
            body = COMMENT_RE.sub(lambda m: " " * len(m.group()), body)
        self.rows += self.values.take(body, pos) // self.width
        return skip(SKIP_LINES_RE, self.text, block.end())

    def _row(self, pos: int) -> tuple[int, int]:
        """Read one row at `pos`; return its number count and where it ends."""
        text, n = self.text, len(self.text)
        row_kind = ""  # the separator of this row, once seen
        first_sep = -1  # where it first appears
        count = 0
        while True:
            pattern = _ROW_RUN_RES[row_kind] if row_kind else SCALAR_RE
            run = pattern.match(text, pos)
            if run is None:
                header = self.header_hint and self.rows == 0
                unexpected(text, pos, "bare", header=header)
            count += self.values.take(run.group(), pos)
            pos = run.end()
            sep_kind, mark, end = self._separator(pos)
            self.punctuated = self.punctuated or sep_kind in ("comma", "semicolon")
            if end >= n or text[end] in "\n#":
                pos = end  # a trailing separator is allowed
                break
            if not sep_kind:
                unexpected(text, pos, "bare")
            if sep_kind == "semicolon" and self.matlab:
                pos = end  # ';' ends the row; the next starts on this line
                break
            if not row_kind:
                row_kind, first_sep = sep_kind, mark
            elif sep_kind != row_kind:
                self._mixed(row_kind, first_sep, sep_kind, mark)
            pos = end
        self.kind = row_kind or self.kind
        return count, pos

    def _separator(self, pos: int) -> tuple[str, int, int]:
        """Classify the separator at `pos`: kind ("" if none), mark and end.

        The mark is the position of the ',' or ';', or of the white space.
        """
        m = _ANY_SEP_RE.match(self.text, pos)
        if m is None:
            return "", pos, pos
        if m.group(1) == ",":
            return "comma", m.start(1), m.end()
        if m.group(1) == ";":
            return "semicolon", m.start(1), m.end()
        if self.decimal_comma and "\t" in m.group():
            return "tab", pos, m.end()
        return "space", pos, m.end()

    def _mixed(self, kind: str, pos: int, other: str, other_pos: int) -> NoReturn:
        """Refuse a row that separates its numbers with two kinds of separator."""
        if self.decimal_comma:
            # The message is never shown: the other reading's error is.
            raise ValueError("not a decimal-comma table")
        text = self.text
        line = text.count("\n", 0, pos) + 1
        seps = {kind: pos, other: other_pos}
        if seps.keys() == {"comma", "space"}:
            check_row_separators(text, pos, line)
        described = " and ".join(
            f"{_SEPARATOR_NAMES[k]} (column {p - text.rfind(chr(10), 0, p)})"
            for k, p in sorted(seps.items(), key=lambda kp: kp[1])
        )
        if "semicolon" in seps:
            raise ValueError(
                f"mixed separators on line {line}: {described} both separate "
                "columns (with rows on separate lines, ';' separates columns); "
                "for MATLAB-style rows put the matrix in brackets, [1 2; 3 4], or "
                "end each row with ';' and a line break"
            )
        raise ValueError(
            f"mixed separators on line {line}: {described} both separate columns; "
            "separate the numbers of a line with commas or with white space, not "
            "both"
        )


@functools.lru_cache(maxsize=64)
def _rows_regex(width: int, repeat: int, kind: str) -> re.Pattern[str]:
    """Match up to `repeat` lines of exactly `width` numbers separated by `kind`."""
    row = (
        rf"(?>{SCALAR}(?>{_SEPARATORS[kind]}{SCALAR}){{{width - 1}}}{_TRAIL}"
        rf"(?:#[^\n]*+)?(?=\n|\Z))"
    )
    gap = rf"(?:\n{BLANK}*+(?:#[^\n]*+)?)++"
    return re.compile(rf"{row}(?>{gap}{row}){{0,{repeat - 1}}}")
