"""Numeric gradients by central differences, for :mod:`softmax_core.gradcheck`.

The loss is ``L(x) = sum(g * f(x))`` in float64, or for a cross-entropy
``sum(u * loss(x))``. Each function divides by the *realised* step
``(x + h) - (x - h)``, what the forward pass really saw.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np
from numpy.typing import NDArray

from softmax_core._validation import Axis, FloatArray
from softmax_core.gallery import Implementation, LossImplementation
from softmax_core.jacobian import DEFAULT_MAX_JACOBIAN_BYTES
from softmax_core.slices import from_slices, to_slices

__all__ = [
    "Difference",
    "Forward",
    "batched_forward",
    "batched_losses",
    "directional",
    "elementwise",
    "perturbed_points",
    "sliced",
    "sliced_losses",
    "steps",
    "with_temperature",
    "with_temperature_loss",
]

Forward = Callable[[FloatArray], FloatArray]


#: Largest stack of perturbed copies of x handled at once (one batched call).
_BATCH_BYTES = 32 * 1024 * 1024


Difference = Callable[[FloatArray, FloatArray], float]


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
    xs = to_slices(x, axes)  # batch_shape + (n,)
    slices, n = math.prod(xs.shape[:-1]), xs.shape[-1]  # n may be 0
    flat_g = to_slices(g, axes).reshape(slices, n)
    numeric = np.zeros((slices, n))
    keep = xs.size * n * 8 <= DEFAULT_MAX_JACOBIAN_BYTES
    stacked_axes = tuple(a + 1 for a in axes)
    parts: list[FloatArray] = []
    for ks, points, realised in perturbed_points(x, step, axes):
        m = ks.size
        out = to_slices(batch(points), stacked_axes).reshape(2 * m, slices, n)
        # columns[j, s]: column ks[j] of slice s's Jacobian, d f_i / d x_k.
        columns = out[:m] - out[m:]
        columns /= realised.T[:, :, None]
        # Each slice's own loss only: the other slices' outputs did not move.
        numeric[:, ks] = np.einsum("jsi,si->sj", columns, flat_g)
        if keep:
            parts.append(columns)
    jac: FloatArray | None = None
    if keep:
        # (k, slice, i) -> (slice, i, k): entry [..., i, k] is d f_i / d x_k
        columns = np.concatenate(parts) if parts else np.zeros((0, slices, n))
        jac = np.moveaxis(columns, 0, -1).reshape(xs.shape + (n,))
    return from_slices(numeric.reshape(xs.shape), x.shape, axes), jac


def sliced_losses(
    losses: Forward,
    x: FloatArray,
    weights: FloatArray,
    step: FloatArray,
    axes: tuple[int, ...],
) -> FloatArray:
    """Numeric gradient of ``sum(weights * losses(x))`` with 2n evaluations.

    `losses` maps a stack of points (along a new first axis) to each point's
    per-slice losses, shape ``(points,) + batch_shape``; `weights` (of the
    batch shape) applies the reduction and the upstream gradient. Moving
    entry ``k`` of every slice at once changes each slice's own loss only.
    """
    xs_shape = to_slices(x, axes).shape
    slices, n = math.prod(xs_shape[:-1]), xs_shape[-1]
    w = np.reshape(weights, (slices, 1))
    numeric = np.zeros((slices, n))
    for ks, points, realised in perturbed_points(x, step, axes):
        m = ks.size
        out = np.reshape(losses(points), (2 * m, slices))
        numeric[:, ks] = w * (out[:m] - out[m:]).T / realised
    return from_slices(numeric.reshape(xs_shape), x.shape, axes)


def perturbed_points(
    x: FloatArray, step: FloatArray, axes: tuple[int, ...]
) -> Iterator[tuple[NDArray[np.intp], FloatArray, FloatArray]]:
    """Yield ``(ks, points, realised)``: entry k of every slice moved up, then down.

    ``points`` stacks ``2 m`` copies of `x` along a new first axis: copy ``j``
    has entry ``ks[j]`` of every slice moved up by its step, copy ``m + j``
    down. ``realised`` (slices, m) is the step each saw, ``(x + h) - (x - h)``.
    Batches hold at most 32 MiB of points.
    """
    xs = to_slices(x, axes)  # batch_shape + (n,)
    slices, n = math.prod(xs.shape[:-1]), xs.shape[-1]  # not reshape(-1, n)
    flat_x, flat_h = (to_slices(a, axes).reshape(slices, n) for a in (x, step))
    realised = (flat_x + flat_h) - (flat_x - flat_h)  # not 2h exactly
    stacked_axes = tuple(a + 1 for a in axes)
    per_call = max(1, _BATCH_BYTES // (2 * 8 * max(1, flat_x.size)))
    for k0 in range(0, n, per_call):
        ks = np.arange(k0, min(n, k0 + per_call))
        m = ks.size
        points = np.empty((2 * m, slices, n))
        points[:] = flat_x
        points[np.arange(m), :, ks] += flat_h[:, ks].T
        points[m + np.arange(m), :, ks] -= flat_h[:, ks].T
        stacked = from_slices(
            points.reshape((2 * m,) + xs.shape), (2 * m,) + x.shape, stacked_axes
        )
        yield ks, stacked, realised[:, ks]


def elementwise(
    difference: Difference,
    x: FloatArray,
    step: FloatArray,
    mask: NDArray[np.bool_] | None = None,
) -> FloatArray:
    """Numeric gradient one element at a time: 2 evaluations per element.

    ``difference(plus, minus)`` is ``L(plus) - L(minus)``, each term's
    difference taken before it is weighted (so large values do not cancel).
    Masked elements (`mask` False) are not moved: they take no part in L, so
    their numeric gradient is 0 without evaluating anything.
    """
    numeric = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        if mask is not None and not mask[i]:
            continue
        plus, minus = x.copy(), x.copy()
        plus[i] += step[i]
        minus[i] -= step[i]
        realised = plus[i] - minus[i]
        numeric[i] = difference(plus, minus) / realised
    return numeric


def directional(
    difference: Difference,
    x: FloatArray,
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
        dir_n[d] = difference(plus, minus) / (2.0 * base)
    return dir_a, dir_n


def steps(
    x: FloatArray,
    axes: tuple[int, ...],
    base: float,
    mask: NDArray[np.bool_] | None = None,
) -> FloatArray:
    """Return ``h = base · max(1, |x - max(slice)|)``, at least 4 ulps of ``x``.

    Softmax sees only differences within a slice, so the scale of its
    curvature is the distance from the slice max, not ``|x|``: for logits near
    ``1e8`` a step of ``base · |x| ≈ 600`` would jump across the whole function.
    The ulp floor keeps ``x ± h`` distinct from ``x`` when ``|x|`` is huge.
    Under a mask the max is over the kept logits (a fully masked slice, whose
    steps move nothing, takes its own max).
    """
    top = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
    if mask is not None:
        kept = np.max(np.where(mask, x, -np.inf), axis=axes, keepdims=True,
                      initial=-np.inf)  # fmt: skip
        top = np.where(np.isfinite(kept), kept, top)
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


def with_temperature_loss(
    impl: LossImplementation, axis: Axis, t: float, target: FloatArray
) -> tuple[
    Callable[[FloatArray, str], FloatArray],
    Callable[[FloatArray, str, FloatArray], FloatArray],
]:
    """Bind `axis` and `target`; apply the temperature by the chain rule.

    The cross-entropy of ``x / T`` has gradient ``(1 / T) · grad(x / T, ...)``.
    """
    return (
        lambda p, reduction: impl.loss(p / t, target, axis, reduction),
        lambda p, reduction, up: np.asarray(
            impl.grad(p / t, target, axis, reduction, up)
        )
        / t,
    )


def batched_losses(
    impl: LossImplementation, axes: tuple[int, ...], t: float, target: FloatArray
) -> Forward:
    """Per-slice losses (reduction "none") of a stack of points, in one call."""
    stacked_axes = tuple(a + 1 for a in axes)
    return lambda points: impl.loss(
        points / t, np.broadcast_to(target, points.shape), stacked_axes, "none"
    )
