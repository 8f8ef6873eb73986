"""Floating-point policy shared by the public functions.

Three rules, each from a public bug report:

* Underflow is expected inside softmax (``exp`` of a very negative number is
  0), so a caller's ``np.errstate(all="raise")`` must not turn it into an
  error: :func:`ignores_underflow` wraps every public function.
* A temperature is applied in the dtype's range: when ``T`` is not a normal
  number of the array's dtype (``1e-46`` is 0 in float32, ``1e39`` is inf),
  :func:`divide_by_temperature` divides in float64 and rounds once, so
  ``x / T`` is right whenever it is representable.
* Results are cast to the output dtype without cast-overflow warnings: a
  float16 result beyond 65504 is ``inf``, as the arithmetic would give.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import numpy as np

from softmax_core._validation import FloatArray

__all__ = [
    "cast_result",
    "divide_by_temperature",
    "ignores_underflow",
    "temperature_fits",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def ignores_underflow(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `func` with NumPy's underflow handling set to "ignore".

    Every other floating-point setting of the caller stays in force.
    """

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with np.errstate(under="ignore"):
            return func(*args, **kwargs)

    return wrapper


def temperature_fits(t: float, dtype: np.dtype[Any]) -> bool:
    """Return True when `t` is a normal, finite number of `dtype`."""
    info = np.finfo(dtype)
    return float(info.tiny) <= t <= float(info.max)


def divide_by_temperature(a: FloatArray, t: float) -> FloatArray:
    """Divide `a` by `t` in place and return it.

    When `t` is not a normal number of ``a.dtype`` the division runs in
    float64 and is rounded once: ``0 / T`` stays 0 and anything else becomes
    ``±inf`` or the representable quotient, never NaN. Overflow to ``±inf``
    and underflow to 0 are the correctly rounded results, so they raise no
    warning.
    """
    if t == 1.0:
        return a
    with np.errstate(over="ignore", under="ignore"):
        if temperature_fits(t, a.dtype):
            np.divide(a, a.dtype.type(t), out=a)
        else:
            a[...] = a.astype(np.float64) / t
    return a


def cast_result(a: FloatArray, dtype: np.dtype[Any]) -> FloatArray:
    """Return `a` in `dtype`; values beyond the dtype's range become ``±inf``."""
    with np.errstate(over="ignore"):
        return a.astype(dtype, copy=False)
