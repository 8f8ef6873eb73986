"""parse_array, format_array and load_array_file: formats, errors, hostile input.

References are independent of the parser: expected arrays are written as
``np.array`` literals, NumPy's own printing (``str``, ``repr``,
``np.array2string``) produces the NumPy-format inputs, ``np.save`` the ``.npy``
files, and round trips are compared bit for bit.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import io
import json
import pickle
import re
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from softmax_core import format_array, load_array_file, parse_array
from softmax_core.parsing import DEFAULT_MAX_CHARS, MAX_NDIM, _numbers

FUZZ = settings(max_examples=200, deadline=None)
ROUND_TRIP = settings(max_examples=100, deadline=None)


def assert_identical(got: np.ndarray, expected: np.ndarray) -> None:
    """Same shape, float64, and bit-identical values (every NaN counts as equal)."""
    expected = np.asarray(expected, dtype=np.float64)
    assert got.dtype == np.float64
    assert got.shape == expected.shape
    assert np.array_equal(got, expected, equal_nan=True)
    numbers = ~np.isnan(expected)
    assert np.array_equal(np.signbit(got[numbers]), np.signbit(expected[numbers]))
    assert np.array_equal(
        got[numbers].view(np.uint64), expected[numbers].view(np.uint64)
    )


# ---------------------------------------------------------------------------
# Accepted formats

ACCEPTED = [
    # JSON and Python lists
    ("[[1, 2], [3, 4]]", [[1.0, 2.0], [3.0, 4.0]]),
    ("[[1, 2], [3, 4],]", [[1.0, 2.0], [3.0, 4.0]]),
    ("[[1, 2,], [3, 4,],]", [[1.0, 2.0], [3.0, 4.0]]),
    ("[1.5, -2.5e-3, .5, 1., 6.02E+23]", [1.5, -2.5e-3, 0.5, 1.0, 6.02e23]),
    ("[ 1 , 2 ]", [1.0, 2.0]),
    ("[\n  [1, 2],\n  [3, 4]\n]", [[1.0, 2.0], [3.0, 4.0]]),
    ("[[[1], [2]], [[3], [4]]]", [[[1.0], [2.0]], [[3.0], [4.0]]]),
    ("[true, false, True, False]", [1.0, 0.0, 1.0, 0.0]),
    ("[]", np.zeros((0,))),
    ("[[], []]", np.zeros((2, 0))),
    ("[[[]]]", np.zeros((1, 1, 0))),
    ("[7]", [7.0]),
    # NumPy's printed output
    ("[[1 2]\n [3 4]]", [[1.0, 2.0], [3.0, 4.0]]),
    ("[[1. 2.]\n [3. 4.]]", [[1.0, 2.0], [3.0, 4.0]]),
    ("[ True False]", [1.0, 0.0]),
    ("[ nan  inf -inf]", [np.nan, np.inf, -np.inf]),
    ("[1.e-10 1.e+10]", [1e-10, 1e10]),
    ("array([[1., 2.], [3., 4.]])", [[1.0, 2.0], [3.0, 4.0]]),
    ("array([[1., 2.],\n       [3., 4.]])", [[1.0, 2.0], [3.0, 4.0]]),
    ("array([1., 2.], dtype=float32)", [1.0, 2.0]),
    ("np.array([1, 2], dtype=np.int64)", [1.0, 2.0]),
    ("numpy.array([1, 2], dtype='float16',)", [1.0, 2.0]),
    ("array([], shape=(0, 3), dtype=float64)", np.zeros((0, 3))),
    ("array([], shape=(2, 0, 3))", np.zeros((2, 0, 3))),
    ("array([1, 2], shape=(2,))", [1.0, 2.0]),
    ("array(3.5)", 3.5),
    ("array(np.float64(-0.0))", -0.0),
    (
        "[np.float64(1.5), np.float32(nan), np.int64(-3), np.bool(True)]",
        [1.5, np.nan, -3.0, 1.0],
    ),
    ("np.float64(2.5)", 2.5),
    ("np.True_", 1.0),
    ("[np.False_, numpy.True_]", [0.0, 1.0]),
    # special values, in every accepted spelling
    ("[nan, NaN, NAN, np.nan, numpy.nan, -nan, +nan]", [np.nan] * 7),
    (
        "[inf, +inf, Inf, Infinity, -Infinity, np.inf, -np.inf, math.inf]",
        [np.inf, np.inf, np.inf, np.inf, -np.inf, np.inf, -np.inf, np.inf],
    ),
    # numbers too large for float64 used to overflow silently to inf (as float()
    # does); they are now refused, see test_overflowing_literal_is_flagged.
    # Underflow to a subnormal or zero stays allowed.
    ("[1e-400, -1e-400, 1e-310]", [0.0, -0.0, 1e-310]),
    # flat lists of numbers: 1-D
    ("1 2 3", [1.0, 2.0, 3.0]),
    ("1,2,3", [1.0, 2.0, 3.0]),
    ("1, 2, 3,", [1.0, 2.0, 3.0]),
    ("  1   2\t3  \n", [1.0, 2.0, 3.0]),
    ("5,", [5.0]),
    # rows on lines: 2-D (spreadsheet, np.savetxt)
    # commas alone are CSV: no tab or ';' tells them from decimal commas
    ("1,2\n3,4", [[1.0, 2.0], [3.0, 4.0]]),
    ("1\t2\n3\t4\n", [[1.0, 2.0], [3.0, 4.0]]),
    # with rows on separate lines ';' separates columns (CSV from locales whose
    # decimal mark is the comma); ';' ending a line ends the row (MATLAB)
    ("1;2\r\n3;4\r\n", [[1.0, 2.0], [3.0, 4.0]]),
    ("1 2;\n3 4;\n", [[1.0, 2.0], [3.0, 4.0]]),
    # one row is 1-D, whether a line or ';' ends it
    ("1 2 3;", [1.0, 2.0, 3.0]),
    ("5;", [5.0]),
    ("1 2\n\n3 4\n\n", [[1.0, 2.0], [3.0, 4.0]]),
    ("# x y\n1.0 2.0\n3.0 4.0  # last row\n", [[1.0, 2.0], [3.0, 4.0]]),
    ("1,2,\n3,4,\n", [[1.0, 2.0], [3.0, 4.0]]),
    ("1\n2\n3", [[1.0], [2.0], [3.0]]),
    ("1\r2\r3", [[1.0], [2.0], [3.0]]),
    # bare scalars: 0-d
    ("5", 5.0),
    ("  -0.0 \n", -0.0),
    ("nan", np.nan),
    ("-inf", -np.inf),
    ("True", 1.0),
    ("1e-320", 1e-320),
    # the Unicode minus sign, as copied from web pages
    ("\u22121.5", -1.5),
    ("[\u22121, 2]", [-1.0, 2.0]),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted_format(text: str, expected: object) -> None:
    assert_identical(parse_array(text), np.array(expected, dtype=np.float64))


def test_deepest_allowed_nesting_is_max_ndim() -> None:
    text = "[" * MAX_NDIM + "1" + "]" * MAX_NDIM
    assert parse_array(text).shape == (1,) * MAX_NDIM


def test_large_regular_arrays_take_every_path() -> None:
    # Tall and wide arrays exercise the block readers (many rows per match) and
    # the chunked number runs; the reference is NumPy's own float parsing.
    rng = np.random.default_rng(0)
    for shape in [(5000, 1), (3, 9000), (700, 3, 2), (2, 3000, 2), (4, 0)]:
        a = rng.standard_normal(shape)
        text = format_array(a)
        assert_identical(parse_array(text), a)
        if a.ndim == 2 and a.size:
            csv = "\n".join(",".join(repr(v) for v in row) for row in a.tolist())
            assert_identical(parse_array(csv), a)


@st.composite
def formatted_nested(draw: st.DrawFn) -> tuple[str, np.ndarray]:
    """A regular nested list written with random separators and white space."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=4))
    a = draw(hnp.arrays(np.float64, shape, elements=st.integers(-99, 99).map(float)))
    # One kind of separator per list: a list mixing "1,2" with white space
    # could hold decimal commas, and is refused (test_decimal_comma_ambiguity).
    families = [[",", ", ", ",\n ", " , "], [" ", "  ", "\n", "\t"]]
    pad = st.sampled_from(["", " ", "\n"])

    def write(x: np.ndarray) -> str:
        if x.ndim == 0:
            return draw(st.sampled_from([str(int(x)), f"{float(x)!r}"]))
        sep = st.sampled_from(draw(st.sampled_from(families)))
        parts = [write(sub) for sub in x]
        body = "".join(
            p + (draw(sep) if i < len(parts) - 1 else "") for i, p in enumerate(parts)
        )
        trailing = draw(st.sampled_from(["", ",", " ,"])) if parts else ""
        return "[" + draw(pad) + body + trailing + draw(pad) + "]"

    # NumPy's reading of the same nested list is the reference: a shape such
    # as (0, 3) is written "[]", which is shape (0,) for both.
    return write(a), np.array(a.tolist(), dtype=np.float64)


@ROUND_TRIP
@given(formatted_nested())
def test_any_regular_nested_list_parses_to_numpy_array(
    case: tuple[str, np.ndarray],
) -> None:
    text, expected = case
    assert_identical(parse_array(text), expected)


@st.composite
def formatted_rows(draw: st.DrawFn) -> tuple[str, np.ndarray]:
    """A 2-D array written as lines, with random separators, blank lines, comments."""
    rows = draw(st.integers(2, 6))
    cols = draw(st.integers(1, 5))
    a = draw(
        hnp.arrays(np.float64, (rows, cols), elements=st.integers(-99, 99).map(float))
    )
    # One kind of separator per row (a row mixing them is refused), and ';'
    # separates columns because the rows are on separate lines.
    families = [[",", ", ", " , "], [" ", "\t", "  "], [";", " ; "]]
    lines = []
    for row in a.tolist():
        sep = st.sampled_from(draw(st.sampled_from(families)))
        numbers = [draw(st.sampled_from([str(int(v)), repr(v)])) for v in row]
        line = "".join(
            n + (draw(sep) if i < cols - 1 else "") for i, n in enumerate(numbers)
        )
        line = draw(st.sampled_from(["", " ", "\t"])) + line
        line += draw(st.sampled_from(["", ",", " ", " # note"]))
        lines.append(line)
        lines.extend(
            draw(st.lists(st.sampled_from(["", "  ", "# comment"]), max_size=2))
        )
    return "\n".join(lines), a


@ROUND_TRIP
@given(formatted_rows())
def test_any_table_of_lines_parses_to_its_rows(case: tuple[str, np.ndarray]) -> None:
    text, expected = case
    assert_identical(parse_array(text), expected)


# ---------------------------------------------------------------------------
# Text that could mean two different arrays: ';' rows,
# decimal commas, mixed separators. It is read only when one reading exists.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # MATLAB / np.matrix rows, with or without brackets (was shape (6,))
        ("1 2 3; 4 5 6", [[1, 2, 3], [4, 5, 6]]),
        ("[1 2 3; 4 5 6]", [[1, 2, 3], [4, 5, 6]]),
        ("[1, 2; 3, 4]", [[1, 2], [3, 4]]),
        ("[1,2;3,4]", [[1, 2], [3, 4]]),  # in brackets a comma is a separator
        ("1, 2; 3, 4", [[1, 2], [3, 4]]),
        # a trailing ';' is tolerated; ';' then a line break is one row break
        ("1 2 3; 4 5 6;", [[1, 2, 3], [4, 5, 6]]),
        ("[1 2 3;\n 4 5 6;]", [[1, 2, 3], [4, 5, 6]]),
        ("[1 2; 3 4\n 5 6; 7 8]", [[1, 2], [3, 4], [5, 6], [7, 8]]),
        # one number per row is a column, as with one number per line
        ("[1; 2; 3]", [[1], [2], [3]]),
        ("1;2;3", [[1], [2], [3]]),
    ],
)
def test_semicolon_separates_rows(text: str, expected: object) -> None:
    assert_identical(parse_array(text), np.array(expected, dtype=np.float64))


def test_semicolon_in_csv_files_separates_columns() -> None:
    # A .csv or .tsv file has one row per line, even when it has one line.
    assert_identical(load_array_file(b"1;2;3\n", "x.csv"), np.array([1.0, 2, 3]))
    assert_identical(
        load_array_file(b"1 2; 3 4\n", "x.txt"), np.array([[1.0, 2], [3, 4]])
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "1 2 3; 4 5",
            "ragged rows: row 2 (line 1, column 8) has 2 entries but row 1 "
            "(line 1, column 1) has 3",
        ),
        ("[1 2; 3]", "ragged rows: row 2 (line 1, column 7) has 1 entry"),
        (
            "1 2; 3 4\n5 6; 7 8",
            "mixed separators on line 1: white space (column 2) and ';' (column 4)",
        ),
        ("[1; 2 # c\n]", "unexpected '#' at line 1, column 7"),
    ],
)
def test_semicolon_rows_errors_name_the_row(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_array(text)


@ROUND_TRIP
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(2, 5), st.integers(1, 5)),
        elements=st.integers(-99, 99).map(float),
    ),
    st.data(),
)
def test_any_matrix_with_semicolon_rows_round_trips(
    a: np.ndarray, data: st.DataObject
) -> None:
    bracketed = data.draw(st.booleans())
    # Bare text is one line; in brackets rows may also break lines. Commas
    # are written with a space, as "1,2;3,4" bare could hold decimal commas.
    col_seps = [" ", "  ", ", ", " , "] + ([","] if bracketed else [])
    row_seps = ["; ", ";", " ;"] + ([";\n ", ";\n"] if bracketed else [])
    rows = []
    for row in a.tolist():
        sep = data.draw(st.sampled_from(col_seps))
        rows.append(sep.join(str(int(v)) for v in row))
    body = "".join(
        r + (data.draw(st.sampled_from(row_seps)) if i < len(rows) - 1 else "")
        for i, r in enumerate(rows)
    ) + data.draw(st.sampled_from(["", ";", " "]))
    text = f"[{body}]" if bracketed else body
    assert_identical(parse_array(text), a)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # the instance: was read as shape (2, 4), [[0, 1, 0, 2], ...]
        (
            "0,1   0,2\n0,3   0,4",
            "ambiguous separators at line 1, column 2: ',' in '0,1' could be a "
            "decimal comma (0.1) or separate columns, and white space also "
            "separates columns on line 1; use a dot as decimal separator, or "
            "separate columns with tabs or commas only",
        ),
        ("1 2\n3,5 4", "ambiguous separators at line 2, column 2: ',' in '3,5'"),
        ("0,5 1", "ambiguous separators at line 1, column 2"),
        # in brackets: NumPy writes white space, Python and JSON commas
        (
            "[0,1 0,2]",
            "ambiguous separators at line 1, column 3: ',' in '0,1' could be a "
            "decimal comma (0.1) or separate entries, and white space",
        ),
        ("[[1, 2],\n [3 4,5]]", "ambiguous separators at line 2, column 6"),
        # ';' splits one line into rows (MATLAB) or columns (decimal-comma CSV)
        (
            "1,2;3,4",
            "ambiguous text: ',' in '1,2' at line 1, column 2 could be a decimal "
            "comma (then the array has shape (2,)) or separate columns (shape "
            "(2, 2))",
        ),
        ("0,5;1,5", "ambiguous text: ',' in '0,5' at line 1, column 2"),
        # a decimal comma or a thousands separator
        (
            "1,234\t5",
            "ambiguous number '1,234' at line 1, column 1: ',' could be a decimal "
            "comma (1.234) or a thousands separator (1234)",
        ),
        ("-12,500;3,000\n1;2", "ambiguous number '-12,500' at line 1, column 1"),
        # commas and white space both separating columns (no second reading,
        # but never written by any tool): one separator per line
        (
            "1, 2 3",
            "mixed separators on line 1: ',' (column 2) and white space (column 5)",
        ),
        # '.' and ',' both as decimal marks, or thousands and decimal marks
        ("1.5\t2,5", "ambiguous separators at line 1, column 6: ',' in '2,5'"),
        (
            "1.234,5\t2",
            "mixed separators on line 1: ',' (column 6) and white space (column 8)",
        ),
        ("1,234,567\t2", "line 1"),
    ],
)
def test_decimal_comma_ambiguity_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_array(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a spreadsheet paste (tabs between cells) from a decimal-comma locale;
        # was read as [0, 1, 0, 2]
        ("0,1\t0,2", [0.1, 0.2]),
        ("0,1\t0,2\n0,3\t0,4\n", [[0.1, 0.2], [0.3, 0.4]]),
        ("-1,5\t2\t3,25e2", [-1.5, 2.0, 325.0]),
        # 0,125 shows the commas are decimal, so 1,250 is 1.25, not 1250
        ("0,125\t1,250", [0.125, 1.25]),
        # CSV with ';' between columns, as Excel writes it in those locales
        ("0,1;0,2\n0,3;0,4", [[0.1, 0.2], [0.3, 0.4]]),
        ("0,5;1\n2;-3,75\n", [[0.5, 1.0], [2.0, -3.75]]),
        ("0,5\t1\n", [0.5, 1.0]),
    ],
)
def test_decimal_commas_between_tabs_or_semicolons_are_read(
    text: str, expected: object
) -> None:
    assert_identical(parse_array(text), np.array(expected, dtype=np.float64))


def test_decimal_comma_csv_file_is_read() -> None:
    data = b"0,25;1,5\r\n-2,75;3\r\n"
    assert_identical(
        load_array_file(data, "de.csv"), np.array([[0.25, 1.5], [-2.75, 3.0]])
    )
    assert_identical(load_array_file(b"0,5;1,5", "one_row.csv"), np.array([0.5, 1.5]))


_MIXING_SEPARATORS = [",", ", ", " ,", " , "]
# Tabs are left out: a tab-separated line with decimal commas has one reading
# (test_decimal_commas_between_tabs_or_semicolons_are_read).
_SPACE_SEPARATORS = [" ", "  "]


@FUZZ
@given(st.data())
def test_any_line_mixing_comma_and_white_space_is_refused_naming_the_line(
    data: st.DataObject,
) -> None:
    # Lines with one separator each, then one line that uses both a comma and
    # white space between its numbers: refused, naming that line.
    cols = data.draw(st.integers(3, 6))
    number = st.one_of(
        st.integers(-999, 999).map(str),
        st.floats(-100, 100, allow_nan=False).map(repr),
    )
    good = data.draw(st.integers(0, 3))
    lines = []
    for _ in range(good):
        sep = data.draw(st.sampled_from([", ", " ", "\t"]))
        lines.append(sep.join(data.draw(number) for _ in range(cols)))
    seps = [data.draw(st.sampled_from(_MIXING_SEPARATORS + _SPACE_SEPARATORS))]
    seps += [data.draw(st.sampled_from(_MIXING_SEPARATORS + _SPACE_SEPARATORS))]
    seps += [
        data.draw(st.sampled_from(_MIXING_SEPARATORS + _SPACE_SEPARATORS))
        for _ in range(cols - 3)
    ]
    # make sure both kinds are there
    i, j = data.draw(
        st.lists(st.integers(0, cols - 2), min_size=2, max_size=2, unique=True)
    )
    seps[i] = data.draw(st.sampled_from(_MIXING_SEPARATORS))
    seps[j] = data.draw(st.sampled_from(_SPACE_SEPARATORS))
    numbers = [data.draw(number) for _ in range(cols)]
    lines.append(
        "".join(n + s for n, s in zip(numbers, seps, strict=False)) + numbers[-1]
    )
    text = "\n".join(lines)
    with pytest.raises(ValueError, match=rf"line {good + 1}\b"):
        parse_array(text)


@ROUND_TRIP
@given(
    hnp.arrays(
        np.int64,
        # two rows or more: one line with ';' could also be MATLAB rows
        st.tuples(st.integers(2, 5), st.integers(2, 5)),
        elements=st.integers(-(10**6), 10**6),
    ),
    st.sampled_from(["\t", ";", " ; "]),
)
def test_any_decimal_comma_table_reads_as_its_decimals(
    cents: np.ndarray, sep: str
) -> None:
    # Values with two decimals, written with decimal commas between tabs or
    # ';' (as spreadsheets in many locales do), read as the decimals.
    words = [[f"{v / 100:.2f}" for v in row] for row in cents.tolist()]
    text = "\n".join(sep.join(w.replace(".", ",") for w in row) for row in words)
    expected = np.array([[float(w) for w in row] for row in words])
    assert_identical(parse_array(text), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\ufeff1 2", [1, 2]),
        ("\ufeff[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
        ("\ufeff# exported\n1,2\r\n3,4\r\n", [[1, 2], [3, 4]]),
        ("\ufeffarray([0.5])", [0.5]),
        ("\ufeff2.5", 2.5),
    ],
)
def test_bom_is_ignored(text: str, expected: object) -> None:
    assert_identical(parse_array(text), np.array(expected, dtype=np.float64))
    # columns are counted as if the mark were absent
    with pytest.raises(ValueError, match="unknown token 'x' at line 1, column 1"):
        parse_array("\ufeffx")
    for name in ["x.csv", "x.tsv", "x.txt"]:
        data = "\ufeff".encode() + text[1:].encode()
        assert_identical(
            load_array_file(data, name), np.array(expected, dtype=np.float64)
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[1e400, 1], [2, 3]]", "number '1e400' at line 1, column 3"),
        ("[[1, 2], [3, 1e400]]", "number '1e400' at line 1, column 14"),  # blocks
        ("1 2\n3 -1e309", "number '-1e309' at line 2, column 3"),
        ("1,2\n" * 5 + "3,1E+999\n", "number '1E+999' at line 6, column 3"),
        ("1 2 # c\n3 4 # c\n5 1e400 # c\n", "number '1e400' at line 3, column 3"),
        ("1" * 400, "at line 1, column 1"),
        ("np.float64(1e999)", "number 'np.float64(1e999)' at line 1, column 1"),
        ("array([1., 2e308])", "number '2e308' at line 1, column 12"),
        ("1,8e308\t1", "number '1.8e308' at line 1, column 1"),  # decimal comma
        ("1 2; 3 1e400", "line 1, column 8"),
        ("[1 2; 3 1e400]", "line 1, column 9"),
    ],
)
def test_overflowing_literal_is_flagged(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        parse_array(text)
    assert "overflows float64 (the largest finite value is about 1.8e308)" in str(
        info.value
    )


def test_overflow_in_csv_upload_is_flagged_and_infinity_allowed() -> None:
    with pytest.raises(ValueError, match=r"number '1e999' at line 2, column 3"):
        load_array_file(b"1,2\n3,1e999\n", "x.csv")
    # Literal infinities and underflow are fine.
    assert_identical(
        parse_array("[inf, -Infinity, nan, 1.7976931348623157e308, 1e-400]"),
        np.array([np.inf, -np.inf, np.nan, 1.7976931348623157e308, 0.0]),
    )


# ---------------------------------------------------------------------------
# NumPy's printed output


@st.composite
def small_float_arrays(draw: st.DrawFn) -> np.ndarray:
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5))
    finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=64)
    special = st.sampled_from([np.nan, np.inf, -np.inf, -0.0, 1e-300, 5e-324])
    return draw(hnp.arrays(np.float64, shape, elements=finite | special))


def _close(got: np.ndarray, expected: np.ndarray, rtol: float = 1e-8) -> None:
    # NumPy prints 8 digits by default (fixed: 8 after the point; scientific:
    # 8 in the mantissa), so each value is within 5e-9 * max(1, |x|); float32
    # values print at most 8 significant digits (relative error < 1e-7).
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-8, equal_nan=True)


@ROUND_TRIP
@given(small_float_arrays())
def test_numpy_str_and_repr_parse_back(a: np.ndarray) -> None:
    with np.printoptions(
        precision=8, threshold=1000, floatmode="maxprec", legacy=False
    ):
        _close(parse_array(str(a)), a)
        _close(parse_array(repr(a)), a)
        a32 = a.astype(np.float32)
        _close(parse_array(repr(a32)), a32.astype(np.float64), rtol=1e-7)


@ROUND_TRIP
@given(small_float_arrays())
def test_numpy_array2string_unique_is_exact(a: np.ndarray) -> None:
    # floatmode="unique" prints the shortest round-trip digits: exact.
    text = np.array2string(a, floatmode="unique", threshold=10**6, max_line_width=60)
    assert_identical(parse_array(text), a)


@pytest.mark.parametrize(
    "a",
    [
        np.arange(12).reshape(3, 4),
        np.arange(24).reshape(2, 3, 4) - 12,
        np.array([[True, False], [False, True]]),
        np.linspace(-1, 1, 7, dtype=np.float32),
        np.array(7),
        np.array([1e-12, 1.0, 1e12]),
        np.zeros((0, 3)),
    ],
)
def test_numpy_repr_of_other_dtypes_and_shapes(a: np.ndarray) -> None:
    _close(parse_array(repr(a)), a.astype(np.float64))


def test_numpy_scalar_reprs() -> None:
    # NumPy 2 prints scalars as np.float64(1.5); `list(arr)` gives lists of them.
    values = [np.float64(1.5), np.float64(np.nan), np.int64(3), np.True_]
    assert_identical(parse_array(repr(values)), np.array([1.5, np.nan, 3.0, 1.0]))


# ---------------------------------------------------------------------------
# Errors: each names the problem and where it is

ERRORS = [
    # ragged lists and rows, with the row (or index path) and its position
    (
        "[[1, 2, 3],\n [4, 5, 6],\n [7, 8]]",
        ValueError,
        "ragged array: row 3 (line 3, column 2) has 2 entries but row 1 has 3",
    ),
    ("[[1,2],[3]]", ValueError, "row 2 (line 1, column 8) has 1 entry but row 1 has 2"),
    (
        "[[[1, 2], [3, 4]], [[5, 6], [7]]]",
        ValueError,
        "x[1][1] (line 1, column 29) has 1 entry but x[0][0] has 2",
    ),
    (
        "[[1, 2], 3]",
        ValueError,
        "x[1] is a number but x[0] is a list (at line 1, column 10)",
    ),
    (
        "[3, [1, 2]]",
        ValueError,
        "x[1] is a list but x[0] is a number (at line 1, column 5)",
    ),
    ("[[], [[1]]]", ValueError, "x[1][0] is a list but x[0] is an empty list"),
    (
        "1,2,3\n4,5,6\n7,8",
        ValueError,
        "ragged rows: row 3 (line 3, column 1) has 2 entries but row 1 "
        "(line 1, column 1) has 3",
    ),
    ("1 2\n\n3", ValueError, "row 2 (line 3, column 1) has 1 entry but row 1"),
    # unknown tokens, at line and column
    ("[1, 2,\n 3, foo]", ValueError, "unknown token 'foo' at line 2, column 5"),
    (
        "a,b,c\n1,2,3",
        ValueError,
        "unknown token 'a' at line 1, column 1 (if line 1 is a header row, delete it)",
    ),
    ("1 2 x", ValueError, "unknown token 'x' at line 1, column 5"),
    ("[1, null]", ValueError, "unknown token 'null' at line 1, column 5; write nan"),
    (
        '["1", "2"]',
        ValueError,
        "unknown token '\"1\"' at line 1, column 2; numbers must not",
    ),
    (
        "np.arange(5)",
        ValueError,
        "unknown token 'np.arange' at line 1, column 1; the text is never run",
    ),
    ("1_000", ValueError, "unknown token '1_000' at line 1, column 1"),
    ("0x1F", ValueError, "unknown token '0x1F' at line 1, column 1"),
    ("[1.2.3]", ValueError, "unknown token '1.2.3' at line 1, column 2"),
    ("\u0661\u0662", ValueError, "unknown token '\u0661\u0662' at line 1, column 1"),
    # unbalanced brackets
    (
        "[[1, 2], [3, 4]",
        ValueError,
        "unbalanced bracket: '[' at line 1, column 1 is never closed",
    ),
    (
        "[[1, 2",
        ValueError,
        "unbalanced bracket: '[' at line 1, column 2 is never closed",
    ),
    (
        "]",
        ValueError,
        "unbalanced bracket: ']' at line 1, column 1 has no matching '['",
    ),
    (
        "[1, 2]]",
        ValueError,
        "unbalanced bracket: ']' at line 1, column 7 has no matching",
    ),
    (
        "array([1, 2)",
        ValueError,
        "unbalanced bracket: ')' at line 1, column 12 does not match '[' at "
        "line 1, column 7",
    ),
    (
        "array([1, 2]",
        ValueError,
        "unbalanced bracket: '(' at line 1, column 1 is never closed",
    ),
    # complex numbers: TypeError
    (
        "[1, 1+2j]",
        TypeError,
        "complex numbers are not supported: '1+2j' at line 1, column 5",
    ),
    (
        "[1.+2.j 3.-4.j]",
        TypeError,
        "complex numbers are not supported: '1.+2.j' at line 1, column 2",
    ),
    ("2j", TypeError, "complex numbers are not supported: '2j' at line 1, column 1"),
    (
        "complex(1, 2)",
        TypeError,
        "complex numbers are not supported: 'complex' at line 1, column 1",
    ),
    (
        "array([1, 2], dtype=complex128)",
        TypeError,
        "complex numbers are not supported: dtype=complex128",
    ),
    # nesting
    (
        "[" * 9 + "1" + "]" * 9,
        ValueError,
        "nesting deeper than 8 levels at line 1, column 9",
    ),
    ("\n [[[[[[[[[[", ValueError, "nesting deeper than 8 levels at line 2, column 10"),
    # empty input
    ("", ValueError, "empty input"),
    ("  \n\t ", ValueError, "empty input"),
    ("# just a comment\n", ValueError, "empty input"),
    # empty entries and missing separators
    ("[1,,2]", ValueError, "empty entry: unexpected ',' at line 1, column 4"),
    ("[,1]", ValueError, "empty entry: unexpected ',' at line 1, column 2"),
    ("[,]", ValueError, "empty entry: unexpected ',' at line 1, column 2"),
    ("1,,2", ValueError, "empty entry: unexpected ',' at line 1, column 3"),
    (",1", ValueError, "empty entry: unexpected ',' at line 1, column 1"),
    ("1 2;; 3 4", ValueError, "empty entry: unexpected ';' at line 1, column 5"),
    ("[1-2]", ValueError, "missing separator before '-2' at line 1, column 3"),
    ("[[1][2]]", ValueError, "missing separator before '[' at line 1, column 5"),
    # ';' separates the rows of a flat list ("[1;2]" is now a column, see
    # test_semicolon_separates_rows), not nested lists
    (
        "[[1, 2]; [3, 4]]",
        ValueError,
        "unexpected ';' at line 1, column 8; ';' separates rows only in a flat",
    ),
    # NumPy's elided output
    ("[0 1 2 ... 7 8 9]", ValueError, "'...' at line 1, column 8: NumPy left out part"),
    ("[[0 1]\n [2 3]\n ...\n [8 9]]", ValueError, "'...' at line 3, column 2"),
    # structure
    (
        "[1] [2]",
        ValueError,
        "unexpected text after the end of the array: '[' at line 1, column 5",
    ),
    (
        "[1, 2] x",
        ValueError,
        "unexpected text after the end of the array: 'x' at line 1, column 8",
    ),
    ("1 2\n[3 4]", ValueError, "unexpected '[' at line 2, column 1"),
    ("(1, 2)", ValueError, "unexpected '(' at line 1, column 1"),
    (
        "[1, # c\n 2]",
        ValueError,
        "unexpected '#' at line 1, column 5; comments are only",
    ),
    (
        "array([1, 2], dtype=object)",
        ValueError,
        "dtype=object at line 1, column 21 is not",
    ),
    (
        "array([1, 2], order='C')",
        ValueError,
        "expected dtype=... or shape=... at line 1, column 15",
    ),
    (
        "array([1, 2], dtype=float, dtype=int)",
        ValueError,
        "expected dtype=... or shape=...",
    ),
    ("array([1, 2] 3)", ValueError, "expected ',' or ')' at line 1, column 14"),
    (
        "array([1, 2], shape=(3,))",
        ValueError,
        "shape=(3,) at line 1, column 21 does not match",
    ),
    (
        "array([], shape=(1, 1, 1, 1, 1, 1, 1, 1, 0))",
        ValueError,
        "more than 8 dimensions",
    ),
]


@pytest.mark.parametrize(("text", "kind", "message"), ERRORS)
def test_error_names_problem_and_place(text: str, kind: type, message: str) -> None:
    with pytest.raises(kind) as info:
        parse_array(text)
    assert type(info.value) is kind
    assert message in str(info.value)


def test_too_many_elements_is_checked_at_the_limit() -> None:
    for text in [
        "1,2,3",
        "[1, 2, 3]",
        "[[1], [2], [3]]",
        "1\n2\n3",
        "array([1, 2, 3])",
    ]:
        assert parse_array(text, max_elements=3).size == 3
        with pytest.raises(ValueError, match=r"^too many elements: more than 2$"):
            parse_array(text, max_elements=2)
    with pytest.raises(ValueError, match="too many elements: more than 0"):
        parse_array("5", max_elements=0)
    assert parse_array("[[], []]", max_elements=0).shape == (2, 0)
    with pytest.raises(ValueError, match=r"too many elements: more than 1,000,000$"):
        parse_array("1," * 1_000_001)


@pytest.mark.parametrize(
    "text",
    [
        "1," * 50_000,
        "[" + "1, " * 50_000 + "]",
        "[" + "[1, 2], " * 25_000 + "]",  # sibling lists read in blocks
        "1 2\n" * 25_000,  # rows read in blocks
        "[" + "np.float64(1.5), " * 50_000 + "]",
    ],
)
def test_elements_are_counted_before_they_are_converted(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    converted: list[int] = []
    real = _numbers._to_floats

    def spy(items: list[str], run: str) -> list[float]:
        converted.append(len(items))
        return real(items, run)

    monkeypatch.setattr(_numbers, "_to_floats", spy)
    with pytest.raises(ValueError, match="too many elements: more than 1,000"):
        parse_array(text, max_elements=1000)
    assert sum(converted) <= 1000


def test_too_long_text_is_refused_before_reading() -> None:
    with pytest.raises(
        ValueError, match=r"text too long: 11 characters, more than the limit of 10"
    ):
        parse_array("[1, 2, 3, ]", max_chars=10)
    assert parse_array("[1, 2, 3]", max_chars=9).shape == (3,)
    with pytest.raises(ValueError, match="20,000,000"):
        parse_array(" " * (DEFAULT_MAX_CHARS + 1))


@pytest.mark.parametrize(
    ("kwargs", "kind", "message"),
    [
        ({"text": b"[1, 2]"}, TypeError, "text must be a str; got bytes"),
        ({"text": [1, 2]}, TypeError, "text must be a str; got list"),
        ({"text": "1", "max_elements": -1}, ValueError, "max_elements must be >= 0"),
        ({"text": "1", "max_elements": 1.5}, TypeError, "max_elements must be an int"),
        ({"text": "1", "max_chars": True}, TypeError, "max_chars must be an int"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], kind: type, message: str) -> None:
    with pytest.raises(kind, match=re.escape(message)):
        parse_array(**kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Hostile input: every one is refused with ValueError or TypeError, fast

HOSTILE = [
    "[" * 3000,
    "[" * 3000 + "]" * 3000,
    "[" * 100_000 + "1" + "]" * 100_000,
    "[" * 10_000_000,  # 10 MB of '['
    "]" * 1_000_000,
    "1," * 1_000_001,  # one element over the default limit
    "[" + "[1]," * 1_000_001 + "]",
    "1\n" * 1_000_001,
    "import os",
    "__import__('os').system('x')",
    '__import__("os").system("rm -rf /")',
    "eval(1)",
    "exec('print(1)')",
    "lambda: 0",
    "(lambda: 0)()",
    "[x for x in range(10)]",
    "open('/etc/passwd').read()",
    "os.system('ls')",
    "array(" * 1000,
    "np.array(" * 1000 + "1" + ")" * 1000,
    "np.float64(" * 1000,
    "{'a': 1}",
    '{"a": [1, 2]}',
    "\x00",
    "[1, \x00]",
    "1\x002",
    "[1, \ufeff2]",  # a byte-order mark is skipped only at the start
    "\u202e[1, 2]",
    "\U0001f600",
    "[1, 2, \U0001f600]",
    "\u2028",
    "[1,,2]",
    "[[1,2],[3]]",
    "1+2j",
    "",
    " \n\t\f\v ",
    "]",
    "[",
    "[]]",
    "[[]",
    ",",
    "...",
    "a" * 100_000,
    "1" * 1_000_000 + "x",
    "[" + "1 " * 100_000 + "x]",
    "1 " * 100_000 + "\n" + "1 " * 99_999,
    "1.e",
    "--1",
    "+-1",
    "1e5e5",
    "infinity1",
    "nanx",
    "[1, 2" + " " * 1_000_000,
    "# " + "x" * 1_000_000,
    "\\x41",
    "%s%s%s",
    "${jndi:ldap://x}",
    "' OR 1=1 --",
    "[[" + "1, " * 1000 + "1], [" + "1, " * 999 + "]]",
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:30]) + f"...({len(t)})")
def test_hostile_input_is_refused(text: str) -> None:
    with pytest.raises((ValueError, TypeError)) as info:
        parse_array(text)
    assert str(info.value)


def test_deep_nesting_never_recurses() -> None:
    # Leave the parser only a few dozen frames of head room: a parser that
    # recursed per '[' would hit RecursionError, which is not a ValueError.
    depth = len(inspect.stack(0))
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 40)
    try:
        for text in [
            "[" * 100_000,
            "[" * 50_000 + "]" * 50_000,
            "array(" + "[" * 10_000,
        ]:
            with pytest.raises(ValueError, match="nesting deeper than 8 levels"):
                parse_array(text)
    finally:
        sys.setrecursionlimit(old)


def test_text_is_never_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def tripwire(name: str):  # noqa: ANN202
        def forbidden(*args: object, **kwargs: object) -> None:
            calls.append(name)
            raise AssertionError(f"parse_array called {name}")

        return forbidden

    texts = [t for t, _ in ACCEPTED] + [t for t, _, _ in ERRORS] + HOSTILE[8:20]
    outcomes = []
    with monkeypatch.context() as patch:
        for module, name in [
            (builtins, "eval"),
            (builtins, "exec"),
            (ast, "literal_eval"),
            (json, "loads"),
            (pickle, "loads"),
        ]:
            patch.setattr(module, name, tripwire(name))
        for text in texts:
            try:
                outcomes.append(parse_array(text).shape)
            except (ValueError, TypeError) as exc:
                outcomes.append(type(exc))
    assert calls == []
    assert len(outcomes) == len(texts)


@FUZZ
@given(st.text(max_size=200))
def test_fuzz_arbitrary_text(text: str) -> None:
    try:
        result = parse_array(text)
    except (ValueError, TypeError) as exc:
        assert str(exc)
    else:
        assert isinstance(result, np.ndarray)
        assert result.dtype == np.float64
        assert result.ndim <= MAX_NDIM


@FUZZ
@given(st.text(alphabet="[](),;.#\n\t -+0123456789eEjnaifINFTruesdtyp=_", max_size=80))
def test_fuzz_text_made_of_array_characters(text: str) -> None:
    try:
        result = parse_array(text)
    except (ValueError, TypeError) as exc:
        assert str(exc)
    else:
        assert isinstance(result, np.ndarray)
        assert result.dtype == np.float64


# ---------------------------------------------------------------------------
# format_array


float64_arrays = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
    elements=st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
)


@ROUND_TRIP
@given(float64_arrays)
def test_format_then_parse_is_exact(a: np.ndarray) -> None:
    assert_identical(parse_array(format_array(a)), a)


@ROUND_TRIP
@given(float64_arrays)
def test_compact_format_then_parse_is_exact(a: np.ndarray) -> None:
    text = format_array(a, compact=True)
    assert "\n" not in text and " " not in text
    assert_identical(parse_array(text), a)


@pytest.mark.parametrize(
    "values",
    [
        [5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308],
        [1e308, -1e308, 1.7976931348623157e308, -1.7976931348623157e308],
        [-0.0, 0.0, 0.1, 1 / 3],
        [2**53 + 2.0, 1e-7, 123456789.123, -1e-100],
        [np.nan, np.inf, -np.inf, -0.0],
    ],
)
def test_format_round_trips_extreme_values(values: list[float]) -> None:
    a = np.array(values)
    assert_identical(parse_array(format_array(a)), a)
    assert_identical(parse_array(format_array(a.reshape(2, 2))), a.reshape(2, 2))


@pytest.mark.parametrize(
    ("shape", "text"),
    [
        ((), None),
        ((0,), "[]"),
        ((2, 0), "[[],\n []]"),
        ((1, 1, 0), "[[[]]]"),
        ((0, 3), "array([], shape=(0, 3))"),
        ((2, 0, 3), "array([], shape=(2, 0, 3))"),
        ((3, 0, 0), "array([], shape=(3, 0, 0))"),
    ],
)
def test_format_keeps_empty_and_0d_shapes(
    shape: tuple[int, ...], text: str | None
) -> None:
    a = np.full(shape, 2.5)
    written = format_array(a)
    if text is not None:
        assert written == text
    assert_identical(parse_array(written), a)


def test_format_layout() -> None:
    # NumPy's layout: one row per line, a blank line between 2-D blocks,
    # numbers padded to one width.
    assert format_array([1, 2, 3]) == "[1.0, 2.0, 3.0]"
    assert (
        format_array([[1.0, -0.5], [np.inf, 0.1]]) == "[[ 1.0, -0.5],\n [ inf,  0.1]]"
    )
    assert format_array(np.arange(8.0).reshape(2, 2, 2)) == (
        "[[[0.0, 1.0],\n  [2.0, 3.0]],\n\n [[4.0, 5.0],\n  [6.0, 7.0]]]"
    )
    assert format_array(3.5) == "3.5"
    assert format_array(np.nan) == "nan"
    assert format_array(-0.0) == "-0.0"
    # compact: one line, no padding, whole numbers without ".0"
    assert format_array(np.arange(8.0).reshape(2, 2, 2), compact=True) == (
        "[[[0,1],[2,3]],[[4,5],[6,7]]]"
    )
    assert format_array([-0.0, 1e16, 2.5, -np.inf], compact=True) == (
        "[-0,1e+16,2.5,-inf]"
    )
    assert format_array(np.zeros((0, 3)), compact=True) == "array([],shape=(0,3))"


def test_format_other_dtypes() -> None:
    # float32 and float16 are written as the float64 numbers they equal.
    a32 = np.array([0.1, 1 / 3, 65504], dtype=np.float32)
    assert_identical(parse_array(format_array(a32)), a32.astype(np.float64))
    a16 = np.array([0.1, -2.5, 65504], dtype=np.float16)
    assert_identical(parse_array(format_array(a16)), a16.astype(np.float64))
    assert format_array(np.array([True, False])) == "[1.0, 0.0]"
    assert format_array(np.array([[1, -2]])) == "[[ 1.0, -2.0]]"


def test_format_does_not_modify_input() -> None:
    a = np.array([[1.0, np.nan], [-0.0, 5e-324]])
    before = a.copy()
    format_array(a)
    assert_identical(a, before)


@pytest.mark.parametrize(
    ("x", "kind", "message"),
    [
        (np.array([1 + 2j]), TypeError, "complex"),
        (np.array(["a"]), TypeError, "real numeric"),
        (np.array([1.0, None]), TypeError, "real numeric"),
        (
            np.zeros((1,) * 9),
            ValueError,
            "x has 9 dimensions; parse_array reads at most 8",
        ),
    ],
)
def test_format_refuses(x: np.ndarray, kind: type, message: str) -> None:
    with pytest.raises(kind, match=re.escape(message)):
        format_array(x)


# ---------------------------------------------------------------------------
# load_array_file


def npy_bytes(a: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, a, allow_pickle=allow_pickle)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("a", "dtype"),
    [
        (np.arange(6.0).reshape(2, 3), np.float64),
        (np.array([0.1, -2.5], dtype=np.float32), np.float32),
        (np.array([0.5, 1.5], dtype=np.float16), np.float16),
        (np.arange(4, dtype=np.int32).reshape(2, 2), np.float64),
        (np.array([True, False]), np.float64),
        (np.array([1.5, -np.inf], dtype=">f8"), np.float64),  # big-endian
        (np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.float64),
        (np.array(2.5), np.float64),
        (np.zeros((0, 3)), np.float64),
    ],
)
def test_load_npy(a: np.ndarray, dtype: type) -> None:
    loaded = load_array_file(npy_bytes(a), "x.npy")
    assert loaded.dtype == np.dtype(dtype)
    assert loaded.dtype.isnative
    assert loaded.shape == a.shape
    assert loaded.flags.c_contiguous
    np.testing.assert_array_equal(loaded, a.astype(dtype))


class _Tripwire:
    """Unpickling this sets a flag: the test proves the object is never loaded."""

    loaded = False

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return (_Tripwire._trip, ())

    @staticmethod
    def _trip() -> _Tripwire:
        _Tripwire.loaded = True
        return _Tripwire()


def test_load_npy_refuses_pickled_objects_without_unpickling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = npy_bytes(np.array([_Tripwire(), 1], dtype=object), allow_pickle=True)
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("unpickled"))
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    with pytest.raises(
        ValueError, match=r"evil\.npy holds Python objects \(dtype object\)"
    ):
        load_array_file(data, "evil.npy")
    assert not _Tripwire.loaded


@pytest.mark.parametrize(
    ("a", "kind", "message"),
    [
        (np.array([1 + 2j]), TypeError, "complex numbers are not supported"),
        (np.array(["a", "b"]), ValueError, "dtype <U1 is not numeric"),
        (np.array([b"a"]), ValueError, "is not numeric"),
        (np.array(["2024-01-01"], dtype="datetime64[D]"), ValueError, "is not numeric"),
        (
            np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]),
            ValueError,
            "structured records",
        ),
        (np.zeros((1,) * 9), ValueError, "x.npy has 9 dimensions; at most 8"),
        (
            np.zeros(1001),
            ValueError,
            "too many elements: x.npy has shape (1001,) (1,001 elements), "
            "more than 1,000",
        ),
    ],
)
def test_load_npy_refuses(a: np.ndarray, kind: type, message: str) -> None:
    with pytest.raises(kind, match=re.escape(message)):
        load_array_file(npy_bytes(a), "x.npy", max_elements=1000)


def test_load_npy_checks_the_header_before_reading_data() -> None:
    # A header that claims 10**12 elements followed by no data at all: refused
    # from the header, before np.load would try to read or allocate anything.
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    with pytest.raises(ValueError, match=r"too many elements: huge\.npy has shape"):
        load_array_file(b"\x93NUMPY\x01\x00" + buffer.getvalue()[8:], "huge.npy")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a valid .npy file"),
        (b"[1, 2, 3]", "not a valid .npy file"),
        (b"PK\x03\x04" + b"\x00" * 40, "not a valid .npy file"),  # an .npz (zip)
        (npy_bytes(np.arange(100.0))[:-16], "not a valid .npy file"),  # truncated
    ],
)
def test_load_npy_refuses_broken_files(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        load_array_file(data, "x.npy")


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"1,2,3\n4,5,6\n", "logits.csv", [[1, 2, 3], [4, 5, 6]]),
        (b"\xef\xbb\xbf1,2\r\n3,4\r\n", "excel.CSV", [[1, 2], [3, 4]]),  # BOM, CRLF
        (b"1\t2\n3\t4\n", "x.tsv", [[1, 2], [3, 4]]),
        (b"# from np.savetxt\n1.0 2.0\n3.0 4.0\n", "x.txt", [[1, 2], [3, 4]]),
        (b"[[1, 2], [3, 4]]", "pasted.txt", [[1, 2], [3, 4]]),
        (b"0.5", "one.txt", 0.5),
    ],
)
def test_load_text_files(data: bytes, name: str, expected: object) -> None:
    assert_identical(load_array_file(data, name), np.array(expected, dtype=np.float64))


def test_load_savetxt_output_round_trips() -> None:
    a = np.random.default_rng(1).standard_normal((4, 3))
    buffer = io.BytesIO()
    np.savetxt(buffer, a, delimiter=",", header="a,b,c", fmt="%.17g")
    assert_identical(load_array_file(buffer.getvalue(), "a.csv"), a)


@pytest.mark.parametrize(
    ("data", "name", "kind", "message"),
    [
        (
            b"1,2",
            "x.json",
            ValueError,
            "x.json: cannot read a file with extension '.json'; accepted "
            "extensions are .npy, .csv, .tsv and .txt",
        ),
        (b"1,2", "data", ValueError, "data: cannot read a file with no extension"),
        (
            b"1,2\n\xff\xfe",
            "x.csv",
            ValueError,
            "x.csv is not UTF-8 text (byte 4 is invalid)",
        ),
        (b"a,b\n1,2", "x.csv", ValueError, "unknown token 'a' at line 1, column 1"),
        (b"1,2,3", "x.csv", ValueError, "too many elements: more than 2"),
        (b"1+2j", "x.txt", TypeError, "complex numbers are not supported"),
    ],
)
def test_load_refuses(data: bytes, name: str, kind: type, message: str) -> None:
    with pytest.raises(kind, match=re.escape(message)):
        load_array_file(data, name, max_elements=2)


def test_load_refuses_too_large_text_before_decoding() -> None:
    data = b" " * (DEFAULT_MAX_CHARS + 1)
    with pytest.raises(ValueError, match="save large arrays as .npy"):
        load_array_file(data, "big.csv")
