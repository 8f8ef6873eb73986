"""Bytes for the download buttons: ``.npy`` always, ``.csv`` for 1-D and 2-D.

Both load back to the same array (``.csv`` with 17 significant digits, enough
for any float64 to round-trip; a CSV has no shape, so a one-row 2-D array comes
back 1-D).
"""

from __future__ import annotations

import io

import numpy as np

from softmax_app.inputs import FloatArray

__all__ = ["to_csv_bytes", "to_npy_bytes"]


def to_npy_bytes(a: FloatArray) -> bytes:
    """Return the array as a ``.npy`` file."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(a), allow_pickle=False)
    return buffer.getvalue()


def to_csv_bytes(a: FloatArray) -> bytes | None:
    """Return the array as CSV rows (a 1-D array is one row), or None above 2-D."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim not in (1, 2):
        return None
    buffer = io.StringIO()
    np.savetxt(buffer, np.atleast_2d(a), delimiter=",", fmt="%.17g")
    return buffer.getvalue().encode()
