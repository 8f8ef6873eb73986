"""Run one gradient check: the analytic side and the numeric side.

:func:`softmax_core.gradcheck` validates its arguments into a :class:`Setup`;
:func:`run` calls the implementation's backward pass (or gradient) once and
evaluates its forward pass (or loss) at the perturbed points, counting them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from softmax_core import _numeric
from softmax_core._validation import Axis, FloatArray
from softmax_core.gallery import Implementation, LossImplementation
from softmax_core.slices import batch_shape

__all__ = ["Setup", "Sides", "run"]


@dataclass(frozen=True, eq=False)
class Setup:
    """A validated gradient check, ready to run."""

    impl: Any  # Implementation, or LossImplementation for cross-entropy
    name: str
    batched: bool  # a gallery implementation: a stack of points in one call
    function: str
    x: FloatArray  # the point, in the dtype it was validated in
    work: np.dtype[Any]  # the dtype the analytic side runs in
    upstream: FloatArray  # float64: x's shape; () or batch_shape (cross-entropy)
    target: FloatArray | None  # float64 probabilities of x's shape (cross-entropy)
    axis: Axis  # as the caller gave it: passed to the implementation
    axes: tuple[int, ...]
    t: float
    mode: str
    reduction: str
    step: FloatArray
    base: float
    seed: int
    n_directions: int
    mask: NDArray[np.bool_] | None = None  # x's shape; impl already wrapped for it
    # batch_shape: the slices that take part (cross-entropy's N counts them)
    counted: NDArray[np.bool_] | None = None

    @property
    def n_counted(self) -> int:
        """The number of slices that take part: N of the mean."""
        if self.counted is None:
            return math.prod(batch_shape(self.x.shape, self.axes))
        return int(np.count_nonzero(self.counted))


@dataclass(frozen=True, eq=False)
class Sides:
    """Both sides of a check: the gradients, or the directional derivatives."""

    analytic: FloatArray  # as the implementation returned it
    numeric: FloatArray | None  # None in directional mode
    jacobians: FloatArray | None  # numeric slice Jacobians (sliced softmax-like)
    directional_analytic: FloatArray | None
    directional_numeric: FloatArray | None
    calls: int

    def compared(self) -> tuple[FloatArray, FloatArray]:
        """Return the two arrays the errors are measured on, in float64."""
        if self.numeric is not None:
            return self.analytic.astype(np.float64), self.numeric
        assert self.directional_analytic is not None
        assert self.directional_numeric is not None
        return self.directional_analytic, self.directional_numeric


def run(s: Setup) -> Sides:
    """Compute both sides of the check `s` describes."""
    return (_run_loss if s.function == "cross_entropy" else _run_pass)(s)


def _run_pass(s: Setup) -> Sides:
    """Softmax or log-softmax: L = sum(g * forward(x))."""
    impl: Implementation = s.impl
    forward, backward = _numeric.with_temperature(impl, s.axis, s.t)
    f = _Counting(forward, f"{s.name}.forward", lambda shape: shape)
    if s.batched and s.axes:
        f.batch = _numeric.batched_forward(impl, s.axes, s.t)
    x64, g = s.x.astype(np.float64), s.upstream
    analytic = _checked(backward(s.x.astype(s.work), g.astype(s.work)), s, "backward")
    numeric = jacobians = dir_a = dir_n = None
    if s.mode == "sliced":
        numeric, jacobians = _numeric.sliced(f, x64, g, s.step, s.axes, f.stack)
    else:

        def difference(plus: FloatArray, minus: FloatArray) -> float:
            return float(np.sum(g * (f(plus) - f(minus))))

        numeric, dir_a, dir_n = _other_modes(difference, analytic, x64, s)
    return Sides(analytic, numeric, jacobians, dir_a, dir_n, f.calls)


def _run_loss(s: Setup) -> Sides:
    """cross-entropy: L = sum(upstream * loss(x)), the loss reduced as asked."""
    impl: LossImplementation = s.impl
    assert s.target is not None
    loss, grad = _numeric.with_temperature_loss(impl, s.axis, s.t, s.target)
    batch = batch_shape(s.x.shape, s.axes)
    u, x64 = s.upstream, s.x.astype(np.float64)
    analytic = _checked(
        grad(s.x.astype(s.work), s.reduction, u.astype(s.work)), s, "grad"
    )
    numeric = dir_a = dir_n = None
    if s.mode == "sliced":
        # Per-slice losses, reduced here: a backward pass that gets the
        # reduction wrong (forgets the 1/N of the mean) cannot hide in them.
        per_slice = _Counting(
            lambda p: loss(p, "none"), f"{s.name}.loss", lambda _: batch
        )
        if s.batched and s.axes:
            per_slice.batch = _numeric.batched_losses(impl, s.axes, s.t, s.target)
        weights = u if s.reduction == "none" else np.full(batch, float(u))
        if s.counted is not None:
            weights = np.where(s.counted, weights, 0.0)
        if s.reduction == "mean":
            # N as sc.cross_entropy counts it: the slices that take part.
            weights = weights / max(1, s.n_counted)
        numeric = _numeric.sliced_losses(
            per_slice.stack, x64, weights, s.step, s.axes
        )
        calls = per_slice.calls
    else:
        shape = batch if s.reduction == "none" else ()
        reduced = _Counting(
            lambda p: loss(p, s.reduction), f"{s.name}.loss", lambda _: shape
        )

        def difference(plus: FloatArray, minus: FloatArray) -> float:
            return float(np.sum(u * (reduced(plus) - reduced(minus))))

        numeric, dir_a, dir_n = _other_modes(difference, analytic, x64, s)
        calls = reduced.calls
    return Sides(analytic, numeric, None, dir_a, dir_n, calls)


def _other_modes(
    difference: _numeric.Difference, analytic: FloatArray, x64: FloatArray, s: Setup
) -> tuple[FloatArray | None, FloatArray | None, FloatArray | None]:
    """Compute the elementwise or directional side: (numeric, dir_a, dir_n)."""
    if s.mode == "elementwise":
        return _numeric.elementwise(difference, x64, s.step, s.mask), None, None
    dir_a, dir_n = _numeric.directional(
        difference,
        x64,
        analytic.astype(np.float64),
        s.step,
        s.base,
        s.seed,
        s.n_directions,
    )
    return None, dir_a, dir_n


def _checked(result: Any, s: Setup, method: str) -> FloatArray:
    """Return the analytic gradient as an array of x's shape, or raise."""
    analytic = np.asarray(result)
    if analytic.shape != s.x.shape:
        raise ValueError(
            f"gradcheck: {s.name}.{method} returned shape {analytic.shape} for "
            f"x of shape {s.x.shape}; they must match"
        )
    return analytic


class _Counting:
    """A forward pass or a loss in float64, counting evaluations.

    Calling it evaluates one point; :meth:`stack` a stack of points along a
    new first axis, in one call of :attr:`batch` when it is set (the gallery's
    code takes stacks), else point by point.
    """

    def __init__(
        self,
        function: _numeric.Forward,
        what: str,
        shape_of: Callable[[tuple[int, ...]], tuple[int, ...]],
    ) -> None:
        self._function = function
        self._what = what
        self._shape_of = shape_of  # expected output shape for a point's shape
        self.calls = 0
        self.batch: _numeric.Forward | None = None

    def __call__(self, point: FloatArray) -> FloatArray:
        self.calls += 1
        out = np.asarray(self._function(point.copy()))
        expected = self._shape_of(point.shape)
        if out.shape != expected:
            raise ValueError(
                f"gradcheck: {self._what} returned shape {out.shape} for an input "
                f"of shape {point.shape}; expected {expected}"
            )
        return out.astype(np.float64)

    def stack(self, points: FloatArray) -> FloatArray:
        """Evaluate every point of the stack `points`."""
        if self.batch is None:
            return np.stack([self(point) for point in points])
        self.calls += points.shape[0]
        # No defensive copy: the gallery's code does not write to its input.
        out = np.asarray(self.batch(points))
        expected = (points.shape[0],) + self._shape_of(points.shape[1:])
        if out.shape != expected:  # pragma: no cover - the gallery's own code
            raise ValueError(f"gradcheck: {self._what} broke a batch")
        return out.astype(np.float64, copy=False)
