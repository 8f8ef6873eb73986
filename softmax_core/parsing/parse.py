"""Read an array from text: :func:`parse_array`, the arguments checked.

The reading itself is in ``_reading`` and the readers it picks.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from softmax_core.parsing._limits import (
    DEFAULT_MAX_CHARS,
    DEFAULT_MAX_ELEMENTS,
    check_limit,
)
from softmax_core.parsing._reading import read_text

__all__ = ["parse_array"]


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
    check_limit(max_elements, "max_elements", "parse_array")
    check_limit(max_chars, "max_chars", "parse_array")
    return read_text(text, max_elements, max_chars)
