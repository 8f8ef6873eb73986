"""Which path computes a result: the NumPy reference or the optional fast kernels.

The NumPy code is the reference and always available. With the ``fast`` extra
installed (numba), arrays of :data:`softmax_core.fast.dispatch.MIN_FAST_SIZE`
entries or more take fused kernels that compute the same numbers faster.
:func:`use_path` forces one path inside a block, for tests and benchmarks.

>>> with use_path("numpy"):
...     current_path()
'numpy'
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import ModuleType
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from softmax_core._validation import FloatArray

__all__ = ["Path", "current_path", "fast_available", "use_path", "warm_up"]

Path = Literal["auto", "fast", "numpy"]

_PATH: ContextVar[Path] = ContextVar("softmax_core_path", default="auto")


@contextmanager
def use_path(path: Path) -> Iterator[None]:
    """Force the ``"fast"`` or ``"numpy"`` path (or ``"auto"``) inside a block.

    ``"fast"`` ignores the size threshold but still falls back to NumPy for
    what the kernels do not cover (masks, non-adjacent axes, empty arrays,
    the edge cases listed in :mod:`softmax_core.fast.dispatch`).

    Raises
    ------
    ValueError
        If `path` is not ``"auto"``, ``"fast"`` or ``"numpy"``.
    RuntimeError
        For ``"fast"`` when the fast path is not installed, so a test cannot
        silently compare NumPy with itself.
    """
    if path not in ("auto", "fast", "numpy"):
        raise ValueError(
            f"use_path: path must be 'auto', 'fast' or 'numpy'; got {path!r}"
        )
    if path == "fast" and not fast_available():
        raise RuntimeError(
            "use_path: the fast path needs numba (the 'fast' extra), which is "
            "not installed"
        )
    token = _PATH.set(path)
    try:
        yield
    finally:
        _PATH.reset(token)


def current_path() -> Path:
    """Return the path forced by :func:`use_path`, or ``"auto"``."""
    return _PATH.get()


def fast_available() -> bool:
    """Return True when the fast kernels can run (importing numba once)."""
    dispatch = _dispatch()
    return dispatch is not None and dispatch.kernels() is not None


def warm_up() -> bool:
    """Load (or compile) the fast kernels now; False without the fast extra.

    An app can call this at start-up so the first large array does not wait
    for numba to compile.
    """
    dispatch = _dispatch()
    return dispatch is not None and bool(dispatch.warm_up())


def _dispatch() -> ModuleType | None:
    """:mod:`softmax_core.fast.dispatch`, or None when the package is absent."""
    try:
        return importlib.import_module("softmax_core.fast.dispatch")
    except ImportError:
        return None


def forward(
    a: FloatArray,
    axes: tuple[int, ...],
    t: float,
    mask: NDArray[np.bool_] | None,
    *,
    log: bool,
) -> FloatArray | None:
    """Return the fast path's forward result, or None: the NumPy reference runs."""
    if _PATH.get() == "numpy" or a.size == 0:
        return None
    dispatch = _dispatch()
    if dispatch is None:
        return None
    result: FloatArray | None = dispatch.forward(a, axes, t, mask, log=log)
    return result


def backward(
    y: FloatArray, g: FloatArray, axes: tuple[int, ...], t: float, *, log: bool
) -> FloatArray | None:
    """Return the fast path's VJP, or None: the NumPy reference runs."""
    if _PATH.get() == "numpy" or y.size == 0:
        return None
    dispatch = _dispatch()
    if dispatch is None:
        return None
    result: FloatArray | None = dispatch.backward(y, g, axes, t, log=log)
    return result
