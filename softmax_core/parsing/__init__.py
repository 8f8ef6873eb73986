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

The modules: ``parse``, ``format`` and ``files`` hold the three public
functions. Behind :func:`parse_array`, ``_reading`` picks the reader by the
first character and refuses text that reads two ways; the readers are
``_nested`` (nested lists), ``_numpy_repr`` (``array(...)``) and ``_lines``
(rows on lines, MATLAB rows). They share ``_numbers`` (which literals are
read, the element count, overflow), ``_decimal_commas`` (what a comma between
digits means), ``_unexpected`` (the error for text that fits no rule),
``_limits``, ``_scanning`` and ``_messages``.
"""

from softmax_core.parsing._limits import (
    DEFAULT_MAX_CHARS,
    DEFAULT_MAX_ELEMENTS,
    MAX_NDIM,
)
from softmax_core.parsing.files import load_array_file
from softmax_core.parsing.format import format_array
from softmax_core.parsing.parse import parse_array

__all__ = [
    "DEFAULT_MAX_CHARS",
    "DEFAULT_MAX_ELEMENTS",
    "MAX_NDIM",
    "format_array",
    "load_array_file",
    "parse_array",
]
