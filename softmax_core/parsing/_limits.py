"""The limits :func:`parse_array` checks before building anything large."""

from __future__ import annotations

from typing import Final

import numpy as np

__all__ = [
    "CHUNK",
    "DEFAULT_MAX_CHARS",
    "DEFAULT_MAX_ELEMENTS",
    "MAX_NDIM",
    "check_limit",
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
CHUNK: Final = 4096


def check_limit(value: int, name: str, func: str) -> None:
    """Refuse a limit argument that is not a non-negative int."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{func}: {name} must be an int; got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{func}: {name} must be >= 0; got {value}")
