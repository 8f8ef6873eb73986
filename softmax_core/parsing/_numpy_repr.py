"""NumPy's ``repr``: ``array(data, dtype=..., shape=...)``.

The data is a nested list or one scalar. ``dtype=`` is checked (complex and
non-numeric dtypes are refused) and otherwise ignored; ``shape=`` is how NumPy
spells empty arrays that nested lists cannot, such as ``shape=(0, 3)``.
"""

from __future__ import annotations

import math
import re

from softmax_core.parsing._limits import MAX_NDIM
from softmax_core.parsing._messages import where
from softmax_core.parsing._nested import read_nested
from softmax_core.parsing._numbers import SCALAR_RE, Values
from softmax_core.parsing._scanning import SKIP_SPACE_RE, SPACE, skip
from softmax_core.parsing._unexpected import unexpected

__all__ = ["ARRAY_OPEN_RE", "read_array_call"]

ARRAY_OPEN_RE = re.compile(r"(?:(?:np|numpy)\.)?array\(")
_KEYWORD_RE = re.compile(rf"(dtype|shape){SPACE}*+={SPACE}*+")
_DTYPE_VALUE_RE = re.compile(
    r"""(?:(?:np|numpy)\.)?[A-Za-z_][A-Za-z0-9_]{0,39}|'[^'\n]{0,40}'|"[^"\n]{0,40}\""""
)
_SHAPE_VALUE_RE = re.compile(
    rf"\({SPACE}*+(?:[0-9]{{1,18}}{SPACE}*+(?:,{SPACE}*+[0-9]{{1,18}}{SPACE}*+)*+"
    rf",?{SPACE}*+)?\)"
)
_REAL_DTYPE_RE = re.compile(
    r"(?:float|int|uint)(?:8|16|32|64|128)?|bool_?|double|single|half|longdouble"
    r"|(?:u?(?:byte|short|intc|intp|long|longlong))|[<>=|]?[biuf][0-9]{0,2}|\?"
)
_COMPLEX_DTYPE_RE = re.compile(
    r"complex[0-9]*|[<>=|]?c[0-9]+|c(?:double|single|longdouble)"
)


def read_array_call(
    text: str, start: int, pos: int, values: Values
) -> tuple[tuple[int, ...], int]:
    """Read ``array(data, ...)`` at `start`; `pos` is past '('.

    Returns the shape and where the closing ')' ends.
    """
    pos = skip(SKIP_SPACE_RE, text, pos)
    shape: tuple[int, ...]
    if pos < len(text) and text[pos] == "[":
        shape, pos = read_nested(text, pos, values)
    else:
        scalar = SCALAR_RE.match(text, pos)
        if scalar is None:
            unexpected(text, pos, "bare")
        values.take(scalar.group(), pos)
        shape, pos = (), scalar.end()
    seen: set[str] = set()  # each keyword at most once
    while True:
        pos = skip(SKIP_SPACE_RE, text, pos)
        if pos >= len(text):
            raise ValueError(
                f"unbalanced bracket: '(' at {where(text, start)} is never closed"
            )
        if text[pos] == ")":
            return shape, pos + 1
        if text[pos] != ",":
            unexpected(text, pos, "wrapper")
        pos = skip(SKIP_SPACE_RE, text, pos + 1)
        if pos < len(text) and text[pos] == ")":
            return shape, pos + 1  # a trailing comma
        keyword = _KEYWORD_RE.match(text, pos)
        if keyword is None or keyword.group(1) in seen:
            unexpected(text, pos, "keyword")
        seen.add(keyword.group(1))
        if keyword.group(1) == "dtype":
            pos = _dtype(text, keyword.end())
        else:
            shape, pos = _shape(text, keyword.end(), shape, empty=not values.floats)


def _dtype(text: str, pos: int) -> int:
    """Check the value of ``dtype=`` at `pos`; return where it ends."""
    value = _DTYPE_VALUE_RE.match(text, pos)
    if value is None:
        unexpected(text, pos, "keyword")
    name = value.group().strip("'\"")
    for prefix in ("np.", "numpy."):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    if _COMPLEX_DTYPE_RE.fullmatch(name) is not None:
        raise TypeError(
            f"complex numbers are not supported: dtype={name} at {where(text, pos)}"
        )
    if _REAL_DTYPE_RE.fullmatch(name) is None:
        raise ValueError(
            f"dtype={name} at {where(text, pos)} is not a real numeric dtype; "
            "parse_array reads numbers only"
        )
    return value.end()


def _shape(
    text: str, pos: int, data_shape: tuple[int, ...], *, empty: bool
) -> tuple[tuple[int, ...], int]:
    """Read ``shape=`` at `pos`; return the shape and where it ends.

    It must be the shape of the data, except that data with no numbers (`empty`)
    may take any shape with no elements: ``array([], shape=(0, 3))``.
    """
    value = _SHAPE_VALUE_RE.match(text, pos)
    if value is None:
        unexpected(text, pos, "keyword")
    shape = tuple(int(d) for d in re.findall(r"[0-9]+", value.group()))
    if len(shape) > MAX_NDIM:
        raise ValueError(
            f"shape={shape} at {where(text, pos)} has more than {MAX_NDIM} dimensions"
        )
    if shape != data_shape and not (empty and math.prod(shape) == 0):
        raise ValueError(
            f"shape={shape} at {where(text, pos)} does not match the data, "
            f"which has shape {data_shape}"
        )
    return shape, value.end()
