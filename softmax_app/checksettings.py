"""The Gradcheck page's settings and their link parameters. No Streamlit.

``mode``, ``eps``, ``rtol`` and ``atol`` travel in the link as written here
(``?mode=elementwise&eps=1e-05&rtol=0.01``); ``auto`` and ``sliced`` are the
defaults and are left out. Each reader turns the URL text into the widget's
value or raises a ``ValueError`` whose sentence says what would be valid.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from softmax_core.gradcheck import MODES

__all__ = [
    "ATOL_OPTIONS",
    "AUTO",
    "DEFAULT_MODE",
    "EPS_OPTIONS",
    "RTOL_OPTIONS",
    "format_setting",
    "options_with",
    "read_mode",
    "reader",
]

AUTO = "auto"
DEFAULT_MODE = MODES[0]
EPS_OPTIONS: tuple[str | float, ...] = (
    AUTO, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1,
)  # fmt: skip
RTOL_OPTIONS: tuple[str | float, ...] = (
    AUTO, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1,
)  # fmt: skip
ATOL_OPTIONS: tuple[str | float, ...] = (
    AUTO, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2,
)  # fmt: skip
_WHAT = {"eps": "step", "rtol": "relative tolerance", "atol": "absolute tolerance"}


def read_mode(text: str) -> str:
    """Read a link's ``mode``.

    Examples
    --------
    >>> read_mode("Elementwise")
    'elementwise'
    >>> read_mode("fast")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: not a gradient-check mode; valid modes are sliced, ...
    """
    mode = text.strip().lower()
    if mode not in MODES:
        raise ValueError(
            f"not a gradient-check mode; valid modes are {', '.join(MODES)}"
        )
    return mode


def reader(name: str, options: tuple[str | float, ...]) -> Callable[[str], str | float]:
    """Return the reader of a link's `name` (``eps``, ``rtol`` or ``atol``).

    It accepts ``auto`` or a number within the slider's span (it need not be
    one of its stops).

    Examples
    --------
    >>> read = reader("eps", EPS_OPTIONS)
    >>> read("auto"), read("1e-6"), read("3e-5")
    ('auto', 1e-06, 3e-05)
    >>> read("0")
    Traceback (most recent call last):
    ...
    ValueError: not a valid step: write auto or a number from 1e-10 to 0.1
    """
    numbers = [v for v in options if not isinstance(v, str)]
    low, high = min(numbers), max(numbers)

    def read(text: str) -> str | float:
        word = text.strip().lower()
        if word == AUTO:
            return AUTO
        try:
            value = float(word)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(
                f"not a valid {_WHAT[name]}: write auto or a number from "
                f"{low:g} to {high:g}"
            )
        return value

    return read


def options_with(
    options: tuple[str | float, ...], current: str | float
) -> list[str | float]:
    """Return the slider's stops plus `current` (a value from a link), in order.

    Examples
    --------
    >>> options_with(("auto", 1e-3, 1e-1), 3e-2)
    ['auto', 0.001, 0.03, 0.1]
    """
    numbers = {v for v in options if not isinstance(v, str)}
    if not isinstance(current, str):
        numbers.add(float(current))
    return [AUTO, *sorted(numbers)]


def format_setting(value: str | float) -> str:
    """Return the link text of a setting: ``auto`` or the number in ``%g`` form.

    Examples
    --------
    >>> format_setting("auto"), format_setting(1e-05), format_setting(0.03)
    ('auto', '1e-05', '0.03')
    """
    return AUTO if isinstance(value, str) else f"{float(value):g}"
