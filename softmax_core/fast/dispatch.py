"""Hand an array to the fused numba kernels, or say the NumPy reference should run.

The public functions validate their arguments, then ask
:mod:`softmax_core.paths`, which asks :func:`forward` or :func:`backward` here.
These return ``None`` when the NumPy reference should run: arrays under
:data:`MIN_FAST_SIZE` entries (there NumPy is quick and thread start-up
dominates), a ``where`` mask on the forward pass, axes that are not adjacent
(they cannot be merged into one axis without a copy), empty arrays, numba
missing, and the edge cases the kernels do not cover: a temperature that is
not a normal number of the dtype, ``T > 1`` with logits beyond half the
dtype's range (the kernels shift before they scale), and log-probabilities of
``-inf`` in a backward pass. Otherwise they view the array as
``(outer, n, inner)`` without copying (a Fortran-ordered array is handled
through its transpose; any other layout is copied once) and run the kernel of
:mod:`softmax_core.fast.kernels`.
"""

from __future__ import annotations

import importlib
import math
import threading
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from softmax_core._floating import temperature_fits
from softmax_core._validation import FloatArray
from softmax_core.paths import current_path

__all__ = ["MIN_FAST_SIZE", "backward", "forward", "kernels", "warm_up"]

#: Arrays with fewer entries take the NumPy path in "auto" mode (figures in
#: benchmarks/README.md): below it a forward + backward pair takes under
#: 0.1 ms either way and the fast path's fixed cost eats its gain. It also
#: keeps the app's small examples from importing numba at all.
MIN_FAST_SIZE = 16_384

# One fast call at a time: numba's "workqueue" threading layer (used when
# neither TBB nor OpenMP is installed) aborts the process on concurrent
# parallel calls, which a Streamlit server with several sessions would make.
_LOCK = threading.Lock()

_kernels_module: ModuleType | None = None
_kernels_checked = False


def kernels() -> ModuleType | None:
    """Import :mod:`softmax_core.fast.kernels` on first use; None without numba."""
    global _kernels_module, _kernels_checked
    if not _kernels_checked:
        try:
            module: ModuleType | None = importlib.import_module(
                "softmax_core.fast.kernels"
            )
        except ImportError:  # pragma: no cover - numba is an optional extra
            module = None
        _kernels_module = (
            module if module is not None and module.available() else None
        )
        _kernels_checked = True
    return _kernels_module


def warm_up() -> bool:
    """Load (or compile) every kernel now; False without numba."""
    module = kernels()
    if module is None:
        return False
    with _LOCK:
        module.warm_up()
    return True


def _wanted(size: int) -> ModuleType | None:
    """Return the kernels module if the fast path should run for `size` entries."""
    path = current_path()
    if path == "numpy" or size == 0:
        return None
    if path == "auto" and size < MIN_FAST_SIZE:
        return None
    return kernels()


def _plan(
    shape: tuple[int, ...], axes: tuple[int, ...]
) -> tuple[int, int, int] | None:
    """``(outer, n, inner)`` when `axes` are adjacent, else None."""
    if not axes or axes != tuple(range(axes[0], axes[-1] + 1)):
        return None
    return (
        math.prod(shape[: axes[0]]),
        math.prod(shape[axes[0] : axes[-1] + 1]),
        math.prod(shape[axes[-1] + 1 :]),
    )


def _c_order(
    arrays: tuple[FloatArray, ...], axes: tuple[int, ...]
) -> tuple[tuple[FloatArray, ...], tuple[int, ...], bool]:
    """C-contiguous versions of `arrays`, the axes in them, and whether transposed.

    A Fortran-ordered array is C-ordered once transposed, with axis ``k``
    becoming ``ndim - 1 - k``; adjacent axes stay adjacent. Other layouts
    (a strided view) are copied.
    """
    if all(a.flags.c_contiguous for a in arrays):
        return arrays, axes, False
    if all(a.flags.f_contiguous for a in arrays):
        ndim = arrays[0].ndim
        flipped = tuple(sorted(ndim - 1 - k for k in axes))
        return tuple(a.T for a in arrays), flipped, True
    return tuple(np.ascontiguousarray(a) for a in arrays), axes, False


def _run(
    module: ModuleType,
    name: str,
    arrays: tuple[FloatArray, ...],
    axes: tuple[int, ...],
    t: float,
    log: bool,
) -> FloatArray | None:
    """Lay out `arrays`, run kernel `name` ("forward" or "vjp"), return its output."""
    if arrays[0].dtype not in (np.float32, np.float64):
        return None
    if not temperature_fits(t, arrays[0].dtype):
        # The kernels divide by T in the array's dtype, where a T like 1e-46
        # (float32) is 0; the reference divides in float64 instead.
        return None
    if _plan(arrays[0].shape, axes) is None:
        return None
    ready, c_axes, transposed = _c_order(arrays, axes)
    plan = _plan(ready[0].shape, c_axes)
    assert plan is not None  # adjacent axes stay adjacent under transposition
    outer, n, inner = plan
    out: NDArray[Any] = np.empty_like(ready[0], order="C")
    views = tuple(a.reshape(outer, n, inner) for a in (*ready, out))
    with _LOCK:
        module.launch(name, views, ready[0].dtype.type(t), log)
    return out.T if transposed else out


def forward(
    a: FloatArray,
    axes: tuple[int, ...],
    t: float,
    mask: NDArray[np.bool_] | None,
    *,
    log: bool,
) -> FloatArray | None:
    """Fused softmax (or log-softmax) of the validated array `a`, or None.

    None means "use the NumPy reference": see the module docstring for when.
    """
    if mask is not None:
        return None
    module = _wanted(a.size)
    if module is None:
        return None
    if t > 1.0 and _span_may_overflow(a):
        # The kernels shift before they scale; with T > 1 and logits near
        # +-max, x - max overflows where x / T - max / T does not.
        return None
    return _run(module, "forward", (a,), axes, t, log)


def _span_may_overflow(a: FloatArray) -> bool:
    """Return True when a difference of two finite entries of `a` may overflow."""
    # |x| <= max / 2 for every finite entry bounds every difference by max;
    # inf and NaN poison their slice on both paths alike.
    size = np.abs(a)
    return bool(np.any((size > np.finfo(a.dtype).max / 2) & (size < np.inf)))


def backward(
    y: FloatArray,
    g: FloatArray,
    axes: tuple[int, ...],
    t: float,
    *,
    log: bool,
) -> FloatArray | None:
    """Fused VJP of softmax (or log-softmax, with `y` = log y), or None.

    `y` and `g` are validated, of one shape and one dtype.
    """
    module = _wanted(y.size)
    if module is None:
        return None
    if log and bool(np.any(y == -np.inf)):
        # A log-probability of -inf gets the limit g_i, unless its whole slice
        # is -inf; the kernels treat every -inf as masked, so the reference
        # runs.
        return None
    return _run(module, "vjp", (y, g), axes, t, log)
