"""Read an uploaded array file: :func:`load_array_file`.

``.npy`` files are read with ``allow_pickle=False`` after their header is
checked, so object arrays are refused without being unpickled; ``.csv``,
``.tsv`` and ``.txt`` files are UTF-8 text read by :func:`parse_array`.
"""

from __future__ import annotations

import io
import math
from pathlib import PurePath
from typing import Any

import numpy as np
from numpy.typing import NDArray

from softmax_core._validation import FloatArray
from softmax_core.parsing._limits import (
    DEFAULT_MAX_CHARS,
    DEFAULT_MAX_ELEMENTS,
    MAX_NDIM,
    check_limit,
)
from softmax_core.parsing._reading import read_text

__all__ = ["load_array_file"]


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
    check_limit(max_elements, "max_elements", "load_array_file")
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
        return read_text(
            text, max_elements, DEFAULT_MAX_CHARS, rows_on_lines=suffix != ".txt"
        )
    shown = f"extension {suffix!r}" if suffix else "no extension"
    raise ValueError(
        f"{filename}: cannot read a file with {shown}; accepted extensions are "
        ".npy, .csv, .tsv and .txt"
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
