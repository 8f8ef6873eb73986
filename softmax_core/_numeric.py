"""Numeric gradients by central differences, for :mod:`softmax_core.gradcheck`.

The loss is ``L(x) = sum(g * f(x))`` in float64. Each function divides by the
*realised* step ``(x + h) - (x - h)``, what the forward pass really saw.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from softmax_core._validation import Axis, FloatArray
from softmax_core.gallery import Implementation
from softmax_core.jacobian import DEFAULT_MAX_JACOBIAN_BYTES
from softmax_core.slices import from_slices, slice_length, to_slices

__all__ = [
    "Forward",
    "batched_forward",
    "directional",
    "elementwise",
    "sliced",
    "steps",
    "with_temperature",
]

Forward = Callable[[FloatArray], FloatArray]


#: Largest stack of perturbed copies of x handled at once (one batched call).
_BATCH_BYTES = 32 * 1024 * 1024


def sliced(
    f: Forward,
    x: FloatArray,
    g: FloatArray,
    step: FloatArray,
    axes: tuple[int, ...],
    batch: Forward | None = None,
) -> tuple[FloatArray, FloatArray | None]:
    """Numeric gradient with 2n evaluations, plus the numeric slice Jacobians.

    Evaluation ``k`` moves entry ``k`` of every slice at once, by ``±h``:
    slices do not interact, so ``(f(x + h e_k) - f(x - h e_k)) / 2h`` gives
    column ``k`` of every slice's Jacobian. The points go to `batch` (a
    forward that takes a stack of points along a new first axis) many at a
    time; without one, to `f` one by one.
    """
    if batch is None:
        batch = lambda points: np.stack([f(point) for point in points])  # noqa: E731
    shape = x.shape
    xs = to_slices(x, axes)  # batch_shape + (n,)
    n = slice_length(shape, axes)
    slices = math.prod(xs.shape[:-1])  # not reshape(-1, n): n may be 0
    flat_x, flat_g, flat_h = (
        to_slices(a, axes).reshape(slices, n) for a in (x, g, step)
    )
    realised = (flat_x + flat_h) - (flat_x - flat_h)  # not 2h exactly
    numeric = np.zeros((slices, n))
    keep = xs.size * n * 8 <= DEFAULT_MAX_JACOBIAN_BYTES
    stacked_axes = tuple(a + 1 for a in axes)
    per_call = max(1, _BATCH_BYTES // (2 * 8 * max(1, flat_x.size)))
    parts: list[FloatArray] = []
    for k0 in range(0, n, per_call):
        ks = np.arange(k0, min(n, k0 + per_call))
        m = ks.size
        # points[j] moves entry ks[j] of every slice up; points[m + j], down.
        points = np.empty((2 * m, slices, n))
        points[:] = flat_x
        points[np.arange(m), :, ks] += flat_h[:, ks].T
        points[m + np.arange(m), :, ks] -= flat_h[:, ks].T
        stacked = from_slices(
            points.reshape((2 * m,) + xs.shape), (2 * m,) + shape, stacked_axes
        )
        out = to_slices(batch(stacked), stacked_axes).reshape(2 * m, slices, n)
        # columns[j, s]: column ks[j] of slice s's Jacobian, d f_i / d x_k.
        columns = out[:m] - out[m:]
        columns /= realised[:, ks].T[:, :, None]
        # Each slice's own loss only: the other slices' outputs did not move.
        numeric[:, ks] = np.einsum("jsi,si->sj", columns, flat_g)
        if keep:
            parts.append(columns)
    jac: FloatArray | None = None
    if keep:
        # (k, slice, i) -> (slice, i, k): entry [..., i, k] is d f_i / d x_k
        columns = np.concatenate(parts) if parts else np.zeros((0, slices, n))
        jac = np.moveaxis(columns, 0, -1).reshape(xs.shape + (n,))
    return from_slices(numeric.reshape(xs.shape), shape, axes), jac


def elementwise(
    f: Forward, x: FloatArray, g: FloatArray, step: FloatArray
) -> FloatArray:
    """Numeric gradient one element at a time: 2 · size evaluations."""
    numeric = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[i] += step[i]
        minus[i] -= step[i]
        realised = plus[i] - minus[i]
        numeric[i] = np.sum(g * (f(plus) - f(minus))) / realised
    return numeric


def directional(
    f: Forward,
    x: FloatArray,
    g: FloatArray,
    analytic: FloatArray,
    step: FloatArray,
    base: float,
    seed: int,
    n_directions: int,
) -> tuple[FloatArray, FloatArray]:
    """``wᵀa`` and the central difference along ``w``, one per random direction."""
    rng = np.random.default_rng(seed)
    dir_a = np.zeros(n_directions)
    dir_n = np.zeros(n_directions)
    for d in range(n_directions):
        u = rng.standard_normal(x.shape)
        plus, minus = x + step * u, x - step * u
        # The direction the forward pass really saw, scaled back by 1 / (2 eps).
        w = (plus - minus) / (2.0 * base)
        dir_a[d] = np.sum(analytic * w)
        dir_n[d] = np.sum(g * (f(plus) - f(minus))) / (2.0 * base)
    return dir_a, dir_n


def steps(x: FloatArray, axes: tuple[int, ...], base: float) -> FloatArray:
    """Return ``h = base · max(1, |x - max(slice)|)``, at least 4 ulps of ``x``.

    Softmax sees only differences within a slice, so the scale of its
    curvature is the distance from the slice max, not ``|x|``: for logits near
    ``1e8`` a step of ``base · |x| ≈ 600`` would jump across the whole function.
    The ulp floor keeps ``x ± h`` distinct from ``x`` when ``|x|`` is huge.
    """
    top = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
    h = base * np.maximum(1.0, np.abs(x - top))
    result: FloatArray = np.maximum(h, 4.0 * np.spacing(np.abs(x)))
    return result


def with_temperature(
    impl: Implementation, axis: Axis, t: float
) -> tuple[Forward, Callable[[FloatArray, FloatArray], FloatArray]]:
    """Bind `axis` and apply the temperature by the chain rule.

    ``softmax(x / T)`` has gradient ``(1 / T) · backward(x / T, g)``.
    """
    if t == 1.0:
        return (
            lambda p: impl.forward(p, axis),
            lambda p, up: impl.backward(p, up, axis),
        )
    return (
        lambda p: impl.forward(p / t, axis),
        lambda p, up: np.asarray(impl.backward(p / t, up, axis)) / t,
    )


def batched_forward(impl: Implementation, axes: tuple[int, ...], t: float) -> Forward:
    """``impl.forward`` of a stack of points along a new first axis."""
    stacked_axes = tuple(a + 1 for a in axes)
    if t == 1.0:
        return lambda points: impl.forward(points, stacked_axes)
    return lambda points: impl.forward(points / t, stacked_axes)
