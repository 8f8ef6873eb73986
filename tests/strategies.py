"""Hypothesis strategies and small independent references shared by the core tests.

Shapes are small (up to 4-D, sides up to 4) so a whole test file runs in seconds.
The slicing helper here is written with ``np.moveaxis`` on purpose: it must not
reuse ``softmax_core.slices``, which the tests check.
"""

from __future__ import annotations

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "DTYPES",
    "FAST",
    "arrays_and_axes",
    "axes_for",
    "cases",
    "cross_entropy_cases",
    "dtypes",
    "masks_for",
    "moved_slices",
    "unmoved_slices",
    "normalized",
    "shapes",
    "temperatures",
    "tolerance",
]

#: The settings every property test in tests/ uses: quick, no deadline (the first
#: call of a NumPy code path can be slow on a busy machine).
FAST = settings(max_examples=50, deadline=None)

DTYPES = (np.float16, np.float32, np.float64)


def dtypes() -> st.SearchStrategy[np.dtype]:
    """float16, float32 or float64."""
    return st.sampled_from([np.dtype(d) for d in DTYPES])


def temperatures(low: float = 0.05, high: float = 20.0) -> st.SearchStrategy[float]:
    """Finite, positive temperatures from `low` to `high`."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def shapes(
    min_dims: int = 1, max_dims: int = 4, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, small enough for per-slice loops and finite differences."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


@st.composite
def axes_for(draw: st.DrawFn, shape: tuple[int, ...]) -> int | tuple[int, ...] | None:
    """An axis argument valid for `shape`.

    One of: None, one int (non-negative or negative), or a tuple of distinct
    axes in random order, each written as non-negative or negative at random.
    """
    ndim = len(shape)
    kinds = ["none", "tuple"] + (["int"] if ndim else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    chosen = draw(st.permutations(range(ndim)))
    count = draw(st.integers(1 if ndim else 0, ndim))
    return tuple(a - ndim if draw(st.booleans()) else a for a in chosen[:count])


def _elements(dtype: np.dtype, bound: float) -> st.SearchStrategy[float]:
    return st.floats(
        -bound, bound, allow_nan=False, allow_infinity=False, width=8 * dtype.itemsize
    )


@st.composite
def arrays_and_axes(
    draw: st.DrawFn,
    dtype: np.dtype | None = None,
    bound: float = 30.0,
    max_side: int = 4,
    min_side: int = 1,
) -> tuple[np.ndarray, int | tuple[int, ...] | None]:
    """A finite array (values in [-bound, bound]) and a valid axis argument."""
    dt = np.dtype(dtype) if dtype is not None else draw(dtypes())
    shape = draw(shapes(max_side=max_side, min_side=min_side))
    x = draw(hnp.arrays(dt, shape, elements=_elements(dt, bound)))
    return x, draw(axes_for(shape))


@st.composite
def cases(
    draw: st.DrawFn,
    dtype: np.dtype | None = None,
    bound: float = 30.0,
    max_side: int = 4,
    t_low: float = 0.05,
) -> tuple[np.ndarray, int | tuple[int, ...] | None, float]:
    """``(x, axis, temperature)`` for property tests."""
    x, axis = draw(arrays_and_axes(dtype=dtype, bound=bound, max_side=max_side))
    return x, axis, draw(temperatures(low=t_low))


def masks_for(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Boolean masks of `shape`: any pattern, including fully masked slices."""
    return hnp.arrays(np.bool_, shape)


def normalized(axis: int | tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    """Sorted non-negative axes, computed independently of softmax_core."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim for a in axis))


def moved_slices(a: np.ndarray, axis: int | tuple[int, ...] | None) -> np.ndarray:
    """View `a` as ``batch_shape + (n,)``: softmax axes moved last, C-order flattened.

    The reference layout of the issue: batch axes keep their order, the softmax
    axes are flattened in C order over the axes in increasing order.
    """
    axes = normalized(axis, a.ndim)
    last = list(range(a.ndim - len(axes), a.ndim))
    moved = np.moveaxis(a, axes, last)
    batch = moved.shape[: a.ndim - len(axes)]
    n = int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
    return moved.reshape(batch + (n,))


def tolerance(dtype: np.dtype) -> float:
    """Absolute tolerance for probabilities (values in [0, 1]) in `dtype`."""
    return {2: 2e-3, 4: 2e-6, 8: 1e-12}[np.dtype(dtype).itemsize]


def unmoved_slices(
    s: np.ndarray, shape: tuple[int, ...], axis: int | tuple[int, ...] | None
) -> np.ndarray:
    """Inverse of :func:`moved_slices`: an array of `shape`, with np.moveaxis only."""
    axes = normalized(axis, len(shape))
    last = list(range(len(shape) - len(axes), len(shape)))
    moved_shape = tuple(shape[i] for i in range(len(shape)) if i not in axes) + tuple(
        shape[i] for i in axes
    )
    return np.moveaxis(s.reshape(moved_shape), last, axes)


@st.composite
def cross_entropy_cases(
    draw: st.DrawFn, bound: float = 5.0, max_side: int = 3
) -> tuple[np.ndarray, int | tuple[int, ...] | None, float, np.ndarray]:
    """``(logits, axis, temperature, target)`` in float64.

    The target is class indices of the batch shape or probabilities of the
    logits' shape (some of them exactly 0), each slice summing to 1.
    """
    x, axis, t = draw(cases(dtype=np.float64, bound=bound, max_side=max_side))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sliced = moved_slices(x, axis).shape
    if draw(st.booleans()):
        return x, axis, t, np.asarray(rng.integers(0, sliced[-1], size=sliced[:-1]))
    raw = rng.random(sliced) * (rng.random(sliced) < 0.7)
    raw[..., 0] += raw.sum(axis=-1) == 0  # every slice gets some probability
    probs = raw / raw.sum(axis=-1, keepdims=True)
    return x, axis, t, unmoved_slices(probs, x.shape, axis)
