r"""Text <-> array: read the arrays people paste, write text that reads back exactly.

:func:`parse_array` reads the forms an array is usually copied in:

* JSON or Python nested lists, trailing commas allowed: ``[[1, 2], [3, 4],]``.
* NumPy's printed output: ``str(a)`` (``[[1. 2.]\n [3. 4.]]``), ``repr(a)``
  (``array([[1., 2.], [3., 4.]])``, with ``dtype=float32)`` or
  ``shape=(0, 3)`` tolerated) and ``repr`` of NumPy scalars
  (``np.float64(1.5)``, ``np.True_``).
* A flat list of numbers separated by commas or spaces (a 1-D array).
* Rows on separate lines, entries separated by commas, tabs, semicolons or
  spaces (a 2-D array, as pasted from a spreadsheet or written by
  ``np.savetxt``). ``#`` starts a comment outside brackets; blank lines are
  skipped.
* MATLAB and ``np.matrix`` rows: ``1 2 3; 4 5 6`` or ``[1, 2; 3, 4]``.
* One bare number, which gives a 0-d array.

Edge-case policy: text that could mean two different arrays is refused with
its line and column, never read as one of them silently (nor as a third).

* ``;`` on one line, or in a flat list in brackets, separates rows (MATLAB):
  ``1 2; 3 4`` is 2 x 2 and ``[1; 2; 3]`` a column. With rows on separate
  lines (and always in ``.csv``/``.tsv`` files) it separates columns, as in
  CSV written where the comma is the decimal mark; a ``;`` ending a line
  just ends the row.
* One kind of separator per row: a row whose numbers are separated partly
  by commas and partly by white space is refused, and so is a list in
  brackets mixing ``0,1`` with white space: ``0,1 0,2`` is two decimals
  with decimal commas or four numbers.
* Decimal commas are read where nothing else can separate columns: between
  tabs (a spreadsheet paste, ``0,1<tab>0,2`` is ``[0.1, 0.2]``) or ``;``
  on several lines (``0,5;1,5``). Text that reads both ways (``1,2;3,4``:
  ``[1.2, 3.4]`` or ``[[1, 2], [3, 4]]``) is refused, and so are decimal
  commas that could all be thousands separators (``1,234``), and ``.`` and
  ``,`` both as marks. Lines with commas only are CSV: ``1,5`` is ``[1, 5]``.
* A leading byte-order mark (U+FEFF) is skipped; columns count as if it were
  absent.
* A number too large for float64 (``1e400``) is refused with its line and
  column, not turned into ``inf``; write ``inf`` for infinity. Underflow to
  a subnormal or to 0 is allowed.

The text is never evaluated: a small hand-written scanner reads it (regular
expressions for the tokens, an explicit stack for the nesting, so no recursion),
and ``eval``, ``exec``, ``ast.literal_eval`` and ``json`` are never used on it.
Limits are checked *before* anything large is built: the length of the text,
the number of elements (counted while reading, stopping just past the limit)
and the nesting depth (:data:`MAX_NDIM`, checked before descending).

:func:`format_array` writes the text back: nested lists with the shortest
digits that round-trip each float64 exactly. :func:`load_array_file` reads an
uploaded ``.npy``, ``.csv``, ``.tsv`` or ``.txt`` file.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import re
from pathlib import PurePath
from typing import Any, Final, NoReturn

import numpy as np
from numpy.typing import ArrayLike, NDArray

from softmax_core._validation import FloatArray, as_float_array

__all__ = [
    "DEFAULT_MAX_CHARS",
    "DEFAULT_MAX_ELEMENTS",
    "MAX_NDIM",
    "format_array",
    "load_array_file",
    "parse_array",
]

#: Default cap on the number of elements :func:`parse_array` returns.
DEFAULT_MAX_ELEMENTS: Final = 1_000_000
#: Default cap on the length of the text (20 million characters). Reading runs at
#: tens of MB/s on the worst inputs, so this keeps every refusal under a second.
DEFAULT_MAX_CHARS: Final = 20_000_000
#: Deepest nesting (number of dimensions) :func:`parse_array` reads.
MAX_NDIM: Final = 8

# Numbers are read this many at a time by one regular-expression match, so the
# Python-level work per element stays tiny and the element count is checked
# before more than this many extra values exist.
_CHUNK = 4096

# ---------------------------------------------------------------------------
# Tokens. Explicit ASCII classes throughout: Python's \d and float() accept
# other scripts' digits, which we do not want to read silently.
_BLANK = r"[ \t\f\v\xa0]"  # white space within a line
_SPACE = r"[ \t\f\v\xa0\n]"  # any white space (\r is normalised to \n first)
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
# nested patterns below linear instead of exponential on near-misses.
_SCALAR = rf"(?>(?:{_WRAPPED}|{_SPECIAL}|{_BOOL}|{_NUMBER}){_END})"
_LIST_SEP = rf"(?:{_SPACE}*+,{_SPACE}*+|{_SPACE}++)"
# Column separators of the line layout, one kind per row: a row that mixes
# kinds could mean two different arrays ("0,1 0,2": decimal commas, or four
# columns). "space" is any white space; "tab" (a run holding a tab) is a kind
# of its own only when commas are read as decimal marks (a spreadsheet paste).
_SEPARATORS: Final = {
    "comma": rf"{_BLANK}*+,{_BLANK}*+",
    "semicolon": rf"{_BLANK}*+;{_BLANK}*+",
    "space": rf"{_BLANK}++",
    "tab": rf"[ \f\v\xa0]*+\t{_BLANK}*+",
}
# What may follow the last number of a row: white space and one ',' or ';'.
_TRAIL = rf"{_BLANK}*+(?:[,;]{_BLANK}*+)?"

_SCALAR_RE = re.compile(_SCALAR)
_COMPLEX_RE = re.compile(rf"[+-]?(?:{_DIGITS}|{_INF_NAN})[jJ]{_END}")
_LIST_RUN_RE = re.compile(rf"{_SCALAR}(?>{_LIST_SEP}{_SCALAR}){{0,{_CHUNK - 1}}}")
_ROW_RUN_RES: Final = {
    kind: re.compile(rf"{_SCALAR}(?>{sep}{_SCALAR}){{0,{_CHUNK - 1}}}")
    for kind, sep in _SEPARATORS.items()
}
_ANY_SEP_RE = re.compile(rf"{_BLANK}*+([,;]){_BLANK}*+|{_BLANK}++")
# A comma with a digit on each side: a column separator ("1,2") or a decimal
# comma ("0,5", as spreadsheets write numbers in many locales).
_TIGHT_COMMA_RE = re.compile(r"(?<=[0-9]),(?=[0-9])")
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
# The items of a run, as _Parser._take splits them.
_ITEM_RE = re.compile(r"[^\s,;\[\]]+")
_SKIP_SPACE_RE = re.compile(rf"{_SPACE}*+")
_SKIP_LINES_RE = re.compile(rf"(?:{_SPACE}++|#[^\n]*+)*+")
_COMMENT_RE = re.compile(r"#[^\n]*+")
_ARRAY_OPEN_RE = re.compile(r"(?:(?:np|numpy)\.)?array\(")
_KEYWORD_RE = re.compile(rf"(dtype|shape){_SPACE}*+={_SPACE}*+")
_DTYPE_VALUE_RE = re.compile(
    r"""(?:(?:np|numpy)\.)?[A-Za-z_][A-Za-z0-9_]{0,39}|'[^'\n]{0,40}'|"[^"\n]{0,40}\""""
)
_SHAPE_VALUE_RE = re.compile(
    rf"\({_SPACE}*+(?:[0-9]{{1,18}}{_SPACE}*+(?:,{_SPACE}*+[0-9]{{1,18}}{_SPACE}*+)*+"
    rf",?{_SPACE}*+)?\)"
)
_REAL_DTYPE_RE = re.compile(
    r"(?:float|int|uint)(?:8|16|32|64|128)?|bool_?|double|single|half|longdouble"
    r"|(?:u?(?:byte|short|intc|intp|long|longlong))|[<>=|]?[biuf][0-9]{0,2}|\?"
)
_COMPLEX_DTYPE_RE = re.compile(
    r"complex[0-9]*|[<>=|]?c[0-9]+|c(?:double|single|longdouble)"
)
_TOKEN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,39}|[^ \t\f\v\xa0\n\[\](),;]{1,40}")
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
_MISSING = frozenset({"null", "None", "NA", "N/A", "NaT", "nil", "NULL"})


def parse_array(
    text: str,
    *,
    max_elements: int = DEFAULT_MAX_ELEMENTS,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> NDArray[np.float64]:
    r"""Read an array from text without evaluating it.

    Parameters
    ----------
    text : str
        Nested lists (JSON or Python, trailing commas allowed), NumPy's printed
        output (``str`` or ``repr``), numbers separated by commas or spaces, or
        rows on separate lines (entries separated by commas, tabs, semicolons
        or spaces). See Notes for the details.
    max_elements : int, default 1,000,000
        Refuse arrays with more elements. Elements are counted while reading,
        so the refusal comes before the array is built.
    max_chars : int, default 20,000,000
        Refuse longer text before reading it. :func:`format_array` writes
        about 20 characters per float64, so pass a larger value to read its
        output for arrays of more than about 800,000 elements.

    Returns
    -------
    ndarray of float64
        The array, with the shape the text spells out. Booleans become 1.0 and
        0.0 and integers become floats.

    Raises
    ------
    ValueError
        If the text is empty, too long, has too many elements, is nested
        deeper than :data:`MAX_NDIM`, has unbalanced brackets, ragged rows, an
        empty entry (``[1,,2]``), NumPy's ``...`` (an array printed with parts
        left out) or anything that is not a number. The message names the
        problem and where it is (line and column, or the row).
    TypeError
        If `text` is not a ``str``, or it holds complex numbers.

    Notes
    -----
    Numbers are decimal integers, decimals and scientific notation (``1``,
    ``-2.5``, ``.5``, ``1.``, ``6.02e23``); ``nan``, ``inf`` and
    ``infinity`` in any case, with an optional sign and ``np.``, ``numpy.``
    or ``math.`` prefix; ``True``/``False`` (also ``true``/``false``, as in
    JSON, and ``np.True_``); and NumPy scalar reprs such as
    ``np.float64(1.5)``. The Unicode minus sign (U+2212) is read as ``-``.
    Digits from other scripts, underscores in numbers, hexadecimal and
    quoted numbers are not read. Numbers too large for float64 (``1e400``)
    are refused with their line and column; underflow to 0 is allowed.

    The layout decides the shape:

    * Text starting with ``[`` is a nested list; entries are separated by
      commas, white space or both (NumPy prints ``[[1 2]\n [3 4]]``). Every
      list at one depth must have the same length, and numbers must all sit
      at the same depth.
    * ``array(...)``, ``np.array(...)``: the list (or scalar) inside, then
      optional ``dtype=`` (ignored unless complex or not numeric) and
      ``shape=`` (used by NumPy for empty arrays such as ``shape=(0, 3)``).
    * A flat list holding ``;`` is a MATLAB matrix: ``[1 2; 3 4]``.
    * Anything else is read line by line: one line gives a 1-D array (one
      number alone gives a 0-d array, ``5,`` a 1-D one), several lines give
      a 2-D array with one row per line, even when each line holds a single
      number. ``#`` starts a comment outside brackets. On a single line,
      ``;`` separates rows (``1 2; 3 4``); on several lines it separates
      columns.

    Text that could mean two different arrays is refused (see the module
    docstring): a row mixing commas and white space as separators, or
    ``1,2;3,4`` (decimal commas or MATLAB rows). Decimal commas are read
    between tabs or ``;``: ``0,5<tab>1,5`` is ``[0.5, 1.5]``. A leading
    byte-order mark is skipped.

    An empty list ``[]`` has shape ``(0,)`` and ``[[], []]`` shape ``(2, 0)``;
    other empty shapes such as ``(0, 3)`` need NumPy's
    ``array([], shape=(0, 3))``, which is what :func:`format_array` writes.

    Examples
    --------
    >>> parse_array("[[1, 2], [3, 4]]")
    array([[1., 2.],
           [3., 4.]])
    >>> parse_array("array([0.5, -inf, nan], dtype=float32)")
    array([ 0.5, -inf,  nan])
    >>> parse_array("1\t2\t3\n4\t5\t6").shape
    (2, 3)
    >>> parse_array("2.5")
    array(2.5)
    >>> parse_array("1 2 3; 4 5 6")
    array([[1., 2., 3.],
           [4., 5., 6.]])
    >>> parse_array("0,5\t1,5")
    array([0.5, 1.5])
    >>> parse_array("[[1, 2], [3]]")
    Traceback (most recent call last):
    ...
    ValueError: ragged array: row 2 (line 1, column 10) has 1 entry but row 1 has 2
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_array: text must be a str; got {type(text).__name__}")
    _check_limit(max_elements, "max_elements", "parse_array")
    _check_limit(max_chars, "max_chars", "parse_array")
    return _parse_text(text, max_elements, max_chars)


def _parse_text(
    text: str, max_elements: int, max_chars: int, *, rows_on_lines: bool = False
) -> NDArray[np.float64]:
    """:func:`parse_array` after its arguments are checked; see :func:`_read`."""
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


def format_array(x: ArrayLike, *, compact: bool = False) -> str:
    """Write an array as text that :func:`parse_array` reads back exactly.

    Parameters
    ----------
    x : array_like of shape (...)
        Real numbers with at most :data:`MAX_NDIM` dimensions. float16 and
        float32 values are written as the float64 numbers they equal; bool
        and integers as floats.
    compact : bool, default False
        One line with no spaces and whole numbers without ``.0``
        (``[[1,-0.5],[inf,0.1]]``): the form for a shared link. It reads back
        exactly like the default layout.

    Returns
    -------
    str
        Nested lists, one row per line for 2-D and more (NumPy's layout, with
        a blank line between blocks), each number as the shortest decimal
        that reads back as the same float64 (``repr(float(v))``): ``-0.0``,
        ``5e-324``, ``1e+308``, ``nan``, ``inf`` and ``-inf`` included. A 0-d
        array is a bare number. Empty arrays whose shape nested lists cannot
        spell (a 0 before the last axis, such as ``(0, 3)``) are written as
        ``array([], shape=(0, 3))``.

    Raises
    ------
    TypeError
        If `x` is complex or not numeric.
    ValueError
        If `x` has more than :data:`MAX_NDIM` dimensions.

    Notes
    -----
    ``parse_array(format_array(x))`` has the shape of `x` and bit-identical
    float64 values, except that every NaN is written as ``nan``: the sign and
    payload of a NaN are not kept. The output is not shortened with ``...``
    for large arrays, and numbers are padded to one width so columns line up.

    Examples
    --------
    >>> print(format_array([[1.0, -0.5], [np.inf, 0.1]]))
    [[ 1.0, -0.5],
     [ inf,  0.1]]
    >>> format_array([[1.0, -0.5], [np.inf, 0.1]], compact=True)
    '[[1,-0.5],[inf,0.1]]'
    >>> format_array(np.float32(0.1))
    '0.10000000149011612'
    >>> format_array(np.zeros((0, 3)))
    'array([], shape=(0, 3))'
    """
    a = as_float_array(x, "x", "format_array").astype(np.float64, copy=False)
    if a.ndim > MAX_NDIM:
        raise ValueError(
            f"format_array: x has {a.ndim} dimensions; parse_array reads at most "
            f"{MAX_NDIM}"
        )
    shape = a.shape
    if a.ndim == 0:
        return repr(float(a))
    if a.size == 0 and 0 in shape[:-1]:
        return f"array([], shape={shape})".replace(" ", "" if compact else " ")
    words: list[str] = [repr(v) for v in a.ravel().tolist()]
    if compact:
        # "2.0" -> "2" and "-0.0" -> "-0" read back as the same float64
        items = [w[:-2] if w.endswith(".0") else w for w in words]
    else:
        width = max((len(w) for w in words), default=0)
        items = [w.rjust(width) for w in words]
    # Build from the innermost lists outwards: group the items of each level
    # into lists of that level's length.
    for level in range(a.ndim - 1, -1, -1):
        n_groups = math.prod(shape[:level])
        length = shape[level]
        if compact:
            sep = ","
        elif level == a.ndim - 1:
            sep = ", "
        else:
            sep = "," + "\n" * (a.ndim - 1 - level) + " " * (level + 1)
        if length == 0:
            items = ["[]"] * n_groups
        else:
            items = [
                "[" + sep.join(items[i : i + length]) + "]"
                for i in range(0, len(items), length)
            ]
    return items[0]


def load_array_file(
    data: bytes, filename: str, *, max_elements: int = DEFAULT_MAX_ELEMENTS
) -> FloatArray:
    r"""Read an uploaded array file: ``.npy``, or ``.csv``/``.tsv``/``.txt`` text.

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str
        Its name; the extension (any case) picks the reader.
    max_elements : int, default 1,000,000
        Refuse arrays with more elements, before reading their data.

    Returns
    -------
    ndarray
        float16, float32 and float64 ``.npy`` data keep their dtype (native
        byte order, C order); bool and integer data, and all text files, give
        float64. Text is decoded as UTF-8 (a byte-order mark is skipped) and
        read by :func:`parse_array`, except that a ``.csv`` or ``.tsv`` file
        always gives one row per line: ``;`` there separates columns.

    Raises
    ------
    ValueError
        If the extension is not one of the above, the text is refused by
        :func:`parse_array` (ambiguous separators, a number too large for
        float64, ...), the file is not valid for its type, has too many
        elements or more than :data:`MAX_NDIM` dimensions, or holds objects,
        strings, dates or structured records (object arrays are refused from
        the header alone and never unpickled).
    TypeError
        If the data is complex.

    Examples
    --------
    >>> load_array_file(b"1,2\n3,4\n", "logits.csv")
    array([[1., 2.],
           [3., 4.]])
    >>> buffer = io.BytesIO()
    >>> np.save(buffer, np.arange(3, dtype=np.float32))
    >>> load_array_file(buffer.getvalue(), "x.npy")
    array([0., 1., 2.], dtype=float32)
    """
    _check_limit(max_elements, "max_elements", "load_array_file")
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".npy":
        return _load_npy(bytes(data), filename, max_elements)
    if suffix in (".csv", ".tsv", ".txt"):
        # A character takes at least one byte: refuse before decoding.
        if len(data) > DEFAULT_MAX_CHARS:
            raise ValueError(
                f"{filename} is too large for a text array ({len(data):,} bytes, "
                f"more than {DEFAULT_MAX_CHARS:,}); save large arrays as .npy"
            )
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"{filename} is not UTF-8 text (byte {exc.start} is invalid); "
                "save it as UTF-8 CSV"
            ) from None
        # In a .csv or .tsv file every line is a row, so ';' separates columns.
        return _parse_text(
            text, max_elements, DEFAULT_MAX_CHARS, rows_on_lines=suffix != ".txt"
        )
    shown = f"extension {suffix!r}" if suffix else "no extension"
    raise ValueError(
        f"{filename}: cannot read a file with {shown}; accepted extensions are "
        ".npy, .csv, .tsv and .txt"
    )


# ---------------------------------------------------------------------------
# Helpers


def _read(
    text: str, max_elements: int, *, rows_on_lines: bool = False
) -> NDArray[np.float64]:
    """Read `text`, refusing it when it could mean two different arrays.

    Text laid out in lines has a second possible reading when it holds a comma
    between digits and a tab or ';': the comma may be a decimal comma (as
    spreadsheets write numbers in many locales: ``0,5<tab>1,5``, or
    ``0,5;1,5`` in a CSV file) rather than a separator. Both readings are
    tried; the text is read only if exactly one of them gives an array.
    """
    parser = _Parser(text, max_elements, rows_on_lines=rows_on_lines)
    error: ValueError | None = None
    try:
        array = parser.parse()
    except ValueError as exc:
        if parser.layout != "lines":
            raise
        error = exc
    if parser.layout == "lines" and _may_have_decimal_commas(text):
        other = _read_decimal_commas(text, max_elements)
        if other is not None:
            if error is None:
                raise _ambiguous(text, array.shape, other.shape)
            _check_not_thousands(text)
            return other
    if error is not None:
        raise error
    return array


def _may_have_decimal_commas(text: str) -> bool:
    return ("\t" in text or ";" in text) and _TIGHT_COMMA_RE.search(text) is not None


def _read_decimal_commas(text: str, max_elements: int) -> NDArray[np.float64] | None:
    """Read `text` with decimal commas; None if that reading has no columns.

    Columns are then separated by tabs or ';' only, and '.' must not be a
    decimal mark anywhere (``1.234,5`` is a thousands separator, a third
    reading). Replacing each decimal comma by a dot keeps every position, so
    errors and overflow are located as in the text itself.
    """
    if _DOT_MARK_RE.search(text) is not None:
        return None
    try:
        array = _Parser(
            _TIGHT_COMMA_RE.sub(".", text), max_elements, decimal_comma=True
        ).parse()
    except _OverflowValueError:
        raise  # "1,5e400": the number overflows in either reading; name it whole
    except (ValueError, TypeError):
        return None
    # Without a tab or ';' between two numbers there is no column separator
    # to tell the commas apart from: "0,5\n1,5" is two columns of CSV.
    if array.ndim == 0 or array.shape[-1] < 2:
        return None
    return array


def _ambiguous(
    text: str, shape: tuple[int, ...], decimal_shape: tuple[int, ...]
) -> ValueError:
    m = _DECIMAL_COMMA_RE.search(text)
    assert m is not None  # the text has a comma between digits
    comma = text.index(",", m.start())
    return ValueError(
        f"ambiguous text: ',' in {_show(m.group())} at {_where(text, comma)} could "
        f"be a decimal comma (then the array has shape {decimal_shape}) or "
        f"separate columns (shape {shape}); use a dot as decimal separator, or "
        "put a space after each comma that separates columns"
    )


def _check_not_thousands(text: str) -> None:
    """Refuse decimal commas that could all be thousands separators (``1,234``)."""
    if _NOT_THOUSANDS_RE.search(text) is not None:
        return
    m = _DECIMAL_COMMA_RE.search(text)
    assert m is not None
    number = m.group()
    raise ValueError(
        f"ambiguous number {_show(number)} at {_where(text, m.start())}: ',' could "
        f"be a decimal comma ({number.replace(',', '.')}) or a thousands separator "
        f"({number.replace(',', '')}); use a dot as decimal separator and no "
        "thousands separators"
    )


def _where(text: str, pos: int) -> str:
    """Line and column (both from 1) of `pos` in `text`."""
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    return f"line {line}, column {column}"


def _check_limit(value: int, name: str, func: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{func}: {name} must be an int; got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{func}: {name} must be >= 0; got {value}")


def _show(token: str) -> str:
    """Quote a token for a message, shortened and with invisible characters escaped."""
    return repr(token if len(token) <= 20 else token[:20] + "...")


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Position after `pattern` (one that may match nothing) at `pos`."""
    m = pattern.match(text, pos)
    return pos if m is None else m.end()


def _index(path: list[int]) -> str:
    """Write an index path as Python indexing: ``x[1][0]``."""
    return "x" + "".join(f"[{i}]" for i in path)


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


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


@functools.lru_cache(maxsize=64)
def _lists_regex(sub_shape: tuple[int, ...], repeat: int) -> re.Pattern[str]:
    """Match up to `repeat` consecutive lists of exactly `sub_shape`.

    The fast path for the siblings of a list already read: the regular
    expression itself checks every length, so no Python runs per list. It
    accepts exactly what the slow path accepts for that shape.
    """
    entry = _SCALAR
    for length in reversed(sub_shape):
        if length == 0:
            entry = rf"\[{_SPACE}*+\]"
        else:
            # Each entry is followed by a separator, or by the closing bracket.
            entry = (
                rf"(?>\[{_SPACE}*+(?>{entry}(?:{_LIST_SEP}|(?={_SPACE}*+\]))){{{length}}}"
                rf"{_SPACE}*+\])"
            )
    return re.compile(rf"{entry}(?>{_LIST_SEP}{entry}){{0,{repeat - 1}}}")


@functools.lru_cache(maxsize=64)
def _rows_regex(width: int, repeat: int, kind: str) -> re.Pattern[str]:
    """Match up to `repeat` lines of exactly `width` numbers separated by `kind`."""
    row = (
        rf"(?>{_SCALAR}(?>{_SEPARATORS[kind]}{_SCALAR}){{{width - 1}}}{_TRAIL}"
        rf"(?:#[^\n]*+)?(?=\n|\Z))"
    )
    gap = rf"(?:\n{_BLANK}*+(?:#[^\n]*+)?)++"
    return re.compile(rf"{row}(?>{gap}{row}){{0,{repeat - 1}}}")


class _OverflowValueError(ValueError):
    """A number too large for float64 (a ValueError like every other refusal)."""


class _Parser:
    """One reading of one text; collects the numbers in C order in `values`.

    `decimal_comma`: the text is the decimal-comma reading (its decimal commas
    already replaced by dots), so in the line layout only tabs and ';' separate
    columns. `rows_on_lines`: ';' never separates rows (a CSV file).
    """

    def __init__(
        self,
        text: str,
        max_elements: int,
        *,
        decimal_comma: bool = False,
        rows_on_lines: bool = False,
    ) -> None:
        self.text = text
        self.n = len(text)
        self.max_elements = max_elements
        self.decimal_comma = decimal_comma
        self.rows_on_lines = rows_on_lines
        self.values: list[float] = []
        self.layout = ""  # "lines" once the text is known to be laid out in lines

    # -- entry point -----------------------------------------------------
    def parse(self) -> NDArray[np.float64]:
        text = self.text
        pos = _skip(_SKIP_LINES_RE, text, 0)
        if pos >= self.n:
            raise ValueError("empty input")
        opened = _ARRAY_OPEN_RE.match(text, pos)
        if opened is not None:
            self._check_list_separators()
            shape, pos = self._wrapped(pos, opened.end())
        elif text[pos] == "[":
            self._check_list_separators()
            shape, pos = self._brackets(pos)
        else:
            self.layout = "lines"
            # One line of text is one row unless ';' splits it (MATLAB's
            # "1 2; 3 4"); with rows on several lines, ';' separates columns.
            eol = text.find("\n", pos)
            one_line = eol < 0 or _skip(_SKIP_LINES_RE, text, eol) >= self.n
            matlab = one_line and not (self.decimal_comma or self.rows_on_lines)
            shape, pos = self._bare(pos, matlab=matlab)
        pos = _skip(_SKIP_LINES_RE, text, pos)
        if pos < self.n:
            self._unexpected(pos, "after")
        return np.array(self.values, dtype=np.float64).reshape(shape)

    # -- helpers ---------------------------------------------------------
    def _where(self, pos: int) -> str:
        return _where(self.text, pos)

    def _take(self, run: str, start: int) -> int:
        """Add the values of the scalars in `run` (at `start`); return their count.

        The count is checked before any value is converted, and a number too
        large for float64 is refused, not turned into inf.
        """
        items = run.translate(_TO_SPACES).split()
        if len(self.values) + len(items) > self.max_elements:
            raise ValueError(f"too many elements: more than {self.max_elements:,}")
        values = _to_floats(items, run)
        if math.inf in values or -math.inf in values:
            self._check_overflow(items, values, run, start)
        self.values.extend(values)
        return len(items)

    def _check_overflow(
        self, items: list[str], values: list[float], run: str, start: int
    ) -> None:
        for k, (item, value) in enumerate(zip(items, values, strict=True)):
            if math.isinf(value) and "inf" not in item.lower():
                # The k-th item of the run, found the way _take split it.
                found = next(itertools.islice(_ITEM_RE.finditer(run), k, None))
                raise _OverflowValueError(
                    f"number {_show(item)} at {self._where(start + found.start())} "
                    "overflows float64 (the largest finite value is about "
                    "1.8e308); write inf for an infinite value"
                )

    def _token(self, pos: int) -> str:
        m = _TOKEN_RE.match(self.text, pos)
        return m.group() if m is not None else self.text[pos]

    def _unexpected(
        self, pos: int, context: str, *, open_pos: int = -1, header: bool = False
    ) -> NoReturn:
        """Raise the most helpful error for text that cannot come at `pos`.

        `context` is where the reader is: "list" (inside brackets), "bare"
        (the line layout), "after" (past the end of the array), "wrapper"
        (after the data inside ``array(``) or "keyword" (after a comma there).
        """
        text = self.text
        at = self._where(pos)
        if pos >= self.n:
            raise ValueError(f"unexpected end of input at {at}")
        ch = text[pos]
        if text.startswith("...", pos) or ch == "\u2026":
            raise ValueError(
                f"'...' at {at}: NumPy left out part of this array when printing "
                "it, so numbers are missing; print it in full with "
                "np.set_printoptions(threshold=sys.maxsize), or use format_array"
            )
        if ch == "]":
            raise ValueError(f"unbalanced bracket: ']' at {at} has no matching '['")
        complex_match = _COMPLEX_RE.match(text, pos)
        if complex_match is not None:
            start = self._complex_start(pos)
            literal = text[start : complex_match.end()]
            raise TypeError(
                f"complex numbers are not supported: {_show(literal)} at "
                f"{self._where(start)}"
            )
        token = self._token(pos)
        if token.lower().startswith(("complex", "np.complex", "numpy.complex")):
            raise TypeError(
                f"complex numbers are not supported: {_show(token)} at {at}"
            )
        if context == "after":
            raise ValueError(
                f"unexpected text after the end of the array: {_show(token)} at {at}"
            )
        if context == "wrapper":
            raise ValueError(f"expected ',' or ')' at {at}, found {_show(token)}")
        if context == "keyword":
            raise ValueError(
                f"expected dtype=... or shape=... at {at}, found {_show(token)}"
            )
        scalar = _SCALAR_RE.match(text, pos)
        if scalar is not None:
            raise ValueError(
                f"missing separator before {_show(scalar.group())} at {at}; "
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
                f"{self._where(open_pos)}"
            )
        if ch in "()":
            raise ValueError(f"unexpected {ch!r} at {at}; write lists with [ ]")
        if ch == "#":
            raise ValueError(
                f"unexpected '#' at {at}; comments are only allowed outside brackets"
            )
        hint = ""
        if token in _MISSING:
            hint = "; write nan for a missing value"
        elif "'" in token or '"' in token:
            hint = "; numbers must not be quoted"
        elif text.startswith("(", pos + len(token)) and token[0].isalpha():
            hint = "; the text is never run as code: write out the numbers"
        elif header and text.find("\n", pos) >= 0:
            line = at.split(",")[0]
            hint = f" (if {line} is a header row, delete it)"
        raise ValueError(f"unknown token {_show(token)} at {at}{hint}")

    def _complex_start(self, pos: int) -> int:
        """Start of a complex literal whose imaginary part starts at `pos`.

        For ``1+2j`` the real part ``1`` has already been read as a number;
        point at it, not at ``+2j``.
        """
        text = self.text
        if text[pos] not in "+-":
            return pos
        start = pos
        while start > 0 and pos - start < 40 and text[start - 1] in "0123456789.eE+-":
            start -= 1
        while start < pos and text[start] in "eE":
            start += 1
        return start

    # -- nested lists ----------------------------------------------------
    def _nested(self, start: int) -> tuple[tuple[int, ...], int]:
        """Read the nested list whose '[' is at `start`; return its shape and end.

        An explicit stack (`opens`, `counts`) instead of recursion: the depth
        is checked before every descent, so hostile nesting cannot exhaust the
        Python or C stack.
        """
        text, n = self.text, self.n
        opens: list[int] = [start]  # position of each open '['
        counts: list[int] = [0]  # entries so far in each open list
        # lengths[d]: the length every list at depth d must have (-1: not known).
        lengths = [-1] * (MAX_NDIM + 2)
        ndim = 0  # 0 until the first number or empty list fixes it
        leaf: list[int] = []  # index path of that first number or empty list
        leaf_is_number = True
        pos = start + 1
        ready = True  # an entry may start without a separator (after '[' or ',')
        while True:
            new = _skip(_SKIP_SPACE_RE, text, pos)
            blank = new > pos
            pos = new
            if pos >= n:
                raise ValueError(
                    f"unbalanced bracket: '[' at {self._where(opens[-1])} is never "
                    "closed"
                )
            ch = text[pos]
            if ch == "]":
                depth = len(counts)
                count = counts.pop()
                opened = opens.pop()
                if lengths[depth] < 0:
                    lengths[depth] = count
                elif lengths[depth] != count:
                    path = [c - 1 for c in counts]
                    raise ValueError(
                        f"ragged array: {self._name(path, ndim)} "
                        f"({self._where(opened)}) has {_entries(count)} but "
                        f"{self._name([0] * len(path), ndim)} has "
                        f"{lengths[depth]}"
                    )
                if count == 0 and ndim == 0:
                    ndim, leaf, leaf_is_number = depth, [c - 1 for c in counts], False
                pos += 1
                if not counts:
                    break
                ready = False
            elif ch == ",":
                if ready:
                    raise ValueError(
                        f"empty entry: unexpected ',' at {self._where(pos)}"
                    )
                ready = True
                pos += 1
            elif ch == "[":
                if not ready and not blank:
                    raise ValueError(
                        f"missing separator before '[' at {self._where(pos)}; "
                        "separate entries with commas or spaces"
                    )
                depth = len(counts) + 1
                if depth > MAX_NDIM:
                    raise ValueError(
                        f"nesting deeper than {MAX_NDIM} levels at {self._where(pos)}"
                    )
                path = [c - 1 for c in counts[:-1]] + [counts[-1]]
                if ndim and depth > ndim:
                    other = "a number" if leaf_is_number else "an empty list"
                    raise ValueError(
                        f"ragged array: {_index(path)} is a list but "
                        f"{_index(leaf)} is {other} (at "
                        f"{self._where(pos)})"
                    )
                sub_shape = tuple(lengths[depth : ndim + 1]) if ndim else ()
                fast = None
                if sub_shape and min(sub_shape) >= 0:
                    fast = self._siblings(pos, sub_shape)
                if fast is not None:
                    siblings, pos = fast
                    counts[-1] += siblings
                else:
                    counts[-1] += 1
                    opens.append(pos)
                    counts.append(0)
                    pos += 1
                ready = fast is None
            else:
                run = _LIST_RUN_RE.match(text, pos)
                if run is None or (not ready and not blank):
                    self._unexpected(pos, "list", open_pos=opens[-1])
                depth = len(counts)
                if ndim != depth:
                    path = [c - 1 for c in counts[:-1]] + [counts[-1]]
                    if ndim == 0:
                        ndim, leaf, leaf_is_number = depth, path, True
                    else:
                        raise ValueError(
                            f"ragged array: {_index(path)} is a number but "
                            f"{_index(leaf[:depth])} is a list (at "
                            f"{self._where(pos)})"
                        )
                counts[-1] += self._take(run.group(), pos)
                pos = run.end()
                ready = False
        return tuple(lengths[1 : ndim + 1]), pos

    def _siblings(self, pos: int, sub_shape: tuple[int, ...]) -> tuple[int, int] | None:
        """Read a block of lists of shape `sub_shape` at C speed, if there is one.

        Returns how many lists were read and where they end, or None when the
        text at `pos` is not such a list (the slow path then reads it and
        reports any error precisely).
        """
        elements = math.prod(sub_shape)
        lists = 1 + sum(math.prod(sub_shape[:k]) for k in range(1, len(sub_shape)))
        if elements > _CHUNK or lists > _CHUNK:
            return None
        m = _lists_regex(sub_shape, _CHUNK // max(1, elements, lists)).match(
            self.text, pos
        )
        if m is None:
            return None
        block = m.group()
        self._take(block, pos)
        return block.count("[") // lists, m.end()

    @staticmethod
    def _name(path: list[int], ndim: int) -> str:
        """Name a list by its index path: ``row 3`` (the rows of 2-D) or ``x[2][0]``."""
        if ndim == 2 and len(path) == 1:
            return f"row {path[0] + 1}"
        return _index(path)

    # -- array(...) ------------------------------------------------------
    def _wrapped(self, start: int, pos: int) -> tuple[tuple[int, ...], int]:
        """Read NumPy's ``array(data, dtype=..., shape=...)``; `pos` is past '('."""
        text, n = self.text, self.n
        pos = _skip(_SKIP_SPACE_RE, text, pos)
        shape: tuple[int, ...]
        if pos < n and text[pos] == "[":
            shape, pos = self._nested(pos)
        else:
            scalar = _SCALAR_RE.match(text, pos)
            if scalar is None:
                self._unexpected(pos, "bare")
            self._take(scalar.group(), pos)
            shape, pos = (), scalar.end()
        seen: set[str] = set()
        while True:
            pos = _skip(_SKIP_SPACE_RE, text, pos)
            if pos >= n:
                raise ValueError(
                    f"unbalanced bracket: '(' at {self._where(start)} is never closed"
                )
            if text[pos] == ")":
                return shape, pos + 1
            if text[pos] != ",":
                self._unexpected(pos, "wrapper")
            pos = _skip(_SKIP_SPACE_RE, text, pos + 1)
            if pos < n and text[pos] == ")":
                return shape, pos + 1
            keyword = _KEYWORD_RE.match(text, pos)
            if keyword is None or keyword.group(1) in seen:
                self._unexpected(pos, "keyword")
            seen.add(keyword.group(1))
            value_pos = keyword.end()
            if keyword.group(1) == "dtype":
                pos = self._dtype(value_pos)
            else:
                shape, pos = self._shape(value_pos, shape)

    def _dtype(self, pos: int) -> int:
        value = _DTYPE_VALUE_RE.match(self.text, pos)
        if value is None:
            self._unexpected(pos, "keyword")
        name = value.group().strip("'\"")
        for prefix in ("np.", "numpy."):
            if name.startswith(prefix):
                name = name[len(prefix) :]
        if _COMPLEX_DTYPE_RE.fullmatch(name) is not None:
            raise TypeError(
                f"complex numbers are not supported: dtype={name} at {self._where(pos)}"
            )
        if _REAL_DTYPE_RE.fullmatch(name) is None:
            raise ValueError(
                f"dtype={name} at {self._where(pos)} is not a real numeric dtype; "
                "parse_array reads numbers only"
            )
        return value.end()

    def _shape(
        self, pos: int, data_shape: tuple[int, ...]
    ) -> tuple[tuple[int, ...], int]:
        value = _SHAPE_VALUE_RE.match(self.text, pos)
        if value is None:
            self._unexpected(pos, "keyword")
        shape = tuple(int(d) for d in re.findall(r"[0-9]+", value.group()))
        if len(shape) > MAX_NDIM:
            raise ValueError(
                f"shape={shape} at {self._where(pos)} has more than {MAX_NDIM} "
                "dimensions"
            )
        if shape != data_shape and not (not self.values and math.prod(shape) == 0):
            raise ValueError(
                f"shape={shape} at {self._where(pos)} does not match the data, "
                f"which has shape {data_shape}"
            )
        return shape, value.end()

    def _check_list_separators(self) -> None:
        """Refuse a list separated by both white space and commas between digits.

        ``[0,1 0,2]`` could be two decimals or four numbers. No writer mixes
        them (Python and JSON write commas, NumPy's ``str`` white space), so
        the lists are only looked at when the text holds both.
        """
        text = self.text
        if _TIGHT_COMMA_RE.search(text) is None or _SPACE_SEP_RE.search(text) is None:
            return
        for inner in _INNER_LIST_RE.finditer(text):
            start, end = inner.start() + 1, inner.end() - 1
            if text.find(";", start, end) >= 0:
                continue  # MATLAB rows, checked row by row (see _bare)
            decimal = _DECIMAL_COMMA_RE.search(text, start, end)
            space = _SPACE_SEP_RE.search(text, start, end)
            if decimal is not None and space is not None:
                number = decimal.group()
                comma = text.index(",", decimal.start())
                raise ValueError(
                    f"ambiguous separators at {self._where(comma)}: ',' in "
                    f"{_show(number)} could be a decimal comma "
                    f"({number.replace(',', '.')}) or separate entries, and white "
                    f"space also separates entries of the same list (at "
                    f"{self._where(space.start())}); use a dot as decimal "
                    "separator, or separate the entries with commas only"
                )

    # -- MATLAB rows in brackets -----------------------------------------
    def _brackets(self, start: int) -> tuple[tuple[int, ...], int]:
        """Read the list whose '[' is at `start`: nested lists, or MATLAB rows.

        A flat list holding ';' is a MATLAB (or ``np.matrix``) matrix,
        ``[1 2; 3 4]``: ';' and line breaks separate rows. It is read as the
        line layout with the two brackets blanked out, which keeps every
        position.
        """
        text = self.text
        close = text.find("]", start)
        if close < 0 or text.find(";", start, close) < 0:
            return self._nested(start)
        if text.find("[", start + 1, close) >= 0:
            return self._nested(start)  # refuses the ';' with a hint
        comment = text.find("#", start, close)
        if comment >= 0:
            self._unexpected(comment, "list", open_pos=start)
        self.text = text[:start] + " " + text[start + 1 : close] + " "
        self.n = close + 1
        try:
            pos = _skip(_SKIP_SPACE_RE, self.text, start + 1)
            shape, _ = self._bare(pos, matlab=True, header_hint=False)
        finally:
            self.text, self.n = text, len(text)
        return shape, close + 1

    # -- lines of numbers ------------------------------------------------
    def _bare(
        self, pos: int, *, matlab: bool, header_hint: bool = True
    ) -> tuple[tuple[int, ...], int]:
        """Read numbers laid out in lines: one row is 1-D, several are 2-D.

        Rows end at line breaks and, if `matlab`, at ';'. Within a row the
        numbers are separated by one kind of separator (see _SEPARATORS).
        """
        text, n = self.text, self.n
        rows = 0
        width = -1
        first_row = pos
        punctuated = False  # a ',' or ';' makes a lone number a 1-D array
        kind = "space"  # separator of the last row, for the block reader
        while pos < n:
            if 0 < width <= _CHUNK and not matlab:
                block = _rows_regex(width, _CHUNK // width, kind).match(text, pos)
                if block is not None:
                    body = block.group()
                    if "#" in body:
                        body = _COMMENT_RE.sub(lambda m: " " * len(m.group()), body)
                    rows += self._take(body, pos) // width
                    pos = _skip(_SKIP_LINES_RE, text, block.end())
                    continue
            row_start = pos
            row_kind = ""  # the separator of this row, once seen
            first_sep = -1  # where it first appears
            count = 0
            while True:
                pattern = _ROW_RUN_RES[row_kind] if row_kind else _SCALAR_RE
                run = pattern.match(text, pos)
                if run is None:
                    self._unexpected(pos, "bare", header=header_hint and rows == 0)
                count += self._take(run.group(), pos)
                pos = run.end()
                sep_kind, mark, end = self._separator(pos)
                punctuated = punctuated or sep_kind in ("comma", "semicolon")
                if end >= n or text[end] in "\n#":
                    pos = end  # a trailing separator is allowed
                    break
                if not sep_kind:
                    self._unexpected(pos, "bare")
                if sep_kind == "semicolon" and matlab:
                    pos = end  # ';' ends the row; the next starts on this line
                    break
                if not row_kind:
                    row_kind, first_sep = sep_kind, mark
                elif sep_kind != row_kind:
                    self._mixed(row_kind, first_sep, sep_kind, mark)
                pos = end
            rows += 1
            if width < 0:
                width = count
            elif count != width:
                raise ValueError(
                    f"ragged rows: row {rows} ({self._where(row_start)}) has "
                    f"{_entries(count)} but row 1 ({self._where(first_row)}) has "
                    f"{width}"
                )
            kind = row_kind or kind
            pos = _skip(_SKIP_LINES_RE, text, pos)
        if rows > 1:
            return (rows, width), pos
        if width == 1 and not punctuated:
            return (), pos
        return (width,), pos

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
        names = {"comma": "','", "semicolon": "';'", "space": "white space"}
        described = " and ".join(
            f"{names[k]} (column {p - text.rfind(chr(10), 0, p)})"
            for k, p in sorted(seps.items(), key=lambda kp: kp[1])
        )
        if "comma" in seps:
            start = text.rfind("\n", 0, pos) + 1
            end = text.find("\n", pos)
            decimal = _DECIMAL_COMMA_RE.search(text, start, end if end >= 0 else self.n)
            if decimal is not None and "space" in seps:
                number = decimal.group()
                comma = text.index(",", decimal.start())
                raise ValueError(
                    f"ambiguous separators at {self._where(comma)}: ',' in "
                    f"{_show(number)} could be a decimal comma "
                    f"({number.replace(',', '.')}) or separate columns, and white "
                    f"space also separates columns on line {line}; use a dot as "
                    "decimal separator, or separate columns with tabs or commas only"
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


def _load_npy(data: bytes, filename: str, max_elements: int) -> FloatArray:
    """Read a ``.npy`` file, checking its header before touching the data."""
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unsupported .npy format version {version}")
    except ValueError as exc:
        raise ValueError(f"{filename} is not a valid .npy file: {exc}") from None
    if dtype.hasobject:
        raise ValueError(
            f"{filename} holds Python objects (dtype {dtype}); they could only be "
            "read by unpickling, which is never done here; save a numeric array"
        )
    if dtype.names is not None or dtype.subdtype is not None:
        raise ValueError(
            f"{filename} holds structured records (dtype {dtype}); save a plain "
            "numeric array"
        )
    if dtype.kind == "c":
        raise TypeError(f"{filename}: complex numbers are not supported ({dtype})")
    if dtype.kind not in "biuf":
        raise ValueError(f"{filename}: dtype {dtype} is not numeric; save real numbers")
    if len(shape) > MAX_NDIM:
        raise ValueError(
            f"{filename} has {len(shape)} dimensions; at most {MAX_NDIM} are supported"
        )
    size = math.prod(shape)
    if size > max_elements:
        raise ValueError(
            f"too many elements: {filename} has shape {shape} ({size:,} elements), "
            f"more than {max_elements:,}"
        )
    try:
        array: NDArray[Any] = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(f"{filename} is not a valid .npy file: {exc}") from None
    if dtype.kind == "f" and dtype.itemsize <= 8:
        target = np.dtype(f"f{dtype.itemsize}")
    else:
        target = np.dtype(np.float64)
    return np.asarray(array, dtype=target, order="C")
