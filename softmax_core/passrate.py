r"""Pass rates: how often a backward pass passes the gradient check on random inputs.

One gradient check can pass by luck of its input: the stale counter (every
slice reads the first slice's upstream gradient) passes whenever the slices
share one upstream gradient, the all-ones example included. Checking many
seeded random inputs turns that into numbers: for each implementation, how many
inputs pass, and which seeds fail, split by how the upstream gradient was drawn.

Input ``seed`` is drawn with ``np.random.default_rng(seed)``, first x then g:

* x: ``scale · N(0, 1)`` per entry (default scale 2: moderate logits, no slice
  so peaked that its Jacobian rounds to zero, and far from the ~709 where an
  unshifted ``exp`` overflows in float64);
* g, kind ``"random"``: ``N(0, 1)`` per entry, every slice its own;
* g, kind ``"shared"``: one ``N(0, 1)`` row of the slice's length, the same for
  every slice (constant across slices).

For cross-entropy the upstream gradient is gradcheck's: a number for the
``"mean"`` and ``"sum"`` reductions (then both kinds draw one ``N(0, 1)``), one
per slice for ``"none"`` (``"shared"``: the same for every slice); without a
given target each input also draws class indices, uniform over the classes.

The checks are :func:`softmax_core.gradcheck` calls, one per input, through its
public signature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from softmax_core._validation import Axis, FloatArray, check_where, normalize_axes
from softmax_core.functions import FUNCTIONS
from softmax_core.gallery import IMPLEMENTATIONS, Implementation, LossImplementation
from softmax_core.gradcheck import gradcheck
from softmax_core.slices import batch_shape, from_slices, slice_length, to_slices

__all__ = [
    "DEFAULT_N_INPUTS",
    "DEFAULT_SCALE",
    "UPSTREAM_KINDS",
    "PassRate",
    "Point",
    "Tally",
    "pass_rate",
    "pass_rates",
    "sample_point",
]

#: How the upstream gradient g of a sampled input is drawn (see the module).
UPSTREAM_KINDS: tuple[str, ...] = ("random", "shared")

#: Inputs per pass rate: half with random g, half with g shared by all slices.
DEFAULT_N_INPUTS = 200

#: Standard deviation of the sampled logits.
DEFAULT_SCALE = 2.0


@dataclass(frozen=True)
class Tally:
    """The checks of one implementation on the inputs of one upstream kind.

    Attributes
    ----------
    upstream : str
        ``"random"`` or ``"shared"`` (see :data:`UPSTREAM_KINDS`).
    seeds : tuple of int
        The seeds of the inputs checked (:func:`sample_point` rebuilds them).
    failing_seeds : tuple of int
        The seeds whose check failed, in order.
    """

    upstream: str
    seeds: tuple[int, ...]
    failing_seeds: tuple[int, ...]

    @property
    def n_inputs(self) -> int:
        """Number of inputs checked."""
        return len(self.seeds)

    @property
    def n_passed(self) -> int:
        """Number of inputs whose check passed."""
        return len(self.seeds) - len(self.failing_seeds)

    @property
    def rate(self) -> float:
        """Fraction of the inputs that passed; NaN when there were none."""
        return self.n_passed / self.n_inputs if self.seeds else math.nan


@dataclass(frozen=True)
class PassRate:
    """How often one implementation passed, overall and per upstream kind.

    Attributes
    ----------
    implementation : str
        Gallery name, or the class name (or ``name`` attribute) of an object.
    shape : tuple of int
        Shape of every sampled x and g.
    axes : tuple of int
        The softmax axes, normalised.
    tallies : tuple of Tally
        One per upstream kind checked, in the order of :data:`UPSTREAM_KINDS`.
    """

    implementation: str
    shape: tuple[int, ...]
    axes: tuple[int, ...]
    tallies: tuple[Tally, ...]

    def tally(self, upstream: str) -> Tally:
        """Return the tally of one upstream kind (``"random"`` or ``"shared"``)."""
        for t in self.tallies:
            if t.upstream == upstream:
                return t
        raise KeyError(f"PassRate: no inputs of upstream kind {upstream!r}")

    @property
    def n_inputs(self) -> int:
        """Number of inputs checked, all kinds."""
        return sum(t.n_inputs for t in self.tallies)

    @property
    def n_passed(self) -> int:
        """Number of inputs that passed, all kinds."""
        return sum(t.n_passed for t in self.tallies)

    @property
    def rate(self) -> float:
        """Fraction of all inputs that passed."""
        return self.n_passed / self.n_inputs if self.n_inputs else math.nan


class Point(NamedTuple):
    """One sampled input: logits, upstream gradient, and a target or None."""

    x: FloatArray
    upstream: FloatArray
    target: FloatArray | None


def sample_point(
    shape: tuple[int, ...],
    axis: Axis,
    seed: int,
    upstream: str = "random",
    *,
    scale: float = DEFAULT_SCALE,
    function: str = "softmax",
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Point:
    """Rebuild the input of one seed: logits, upstream gradient, target.

    Parameters
    ----------
    shape : tuple of int
        Shape of x.
    axis : int, tuple of int or None
        The softmax axes (a shared g is the same along them in every slice).
    seed : int
        Seed of ``np.random.default_rng``; x is drawn first, then g, then
        (cross-entropy) the class indices.
    upstream : {"random", "shared"}, default "random"
        How g is drawn (see the module docstring).
    scale : float, default DEFAULT_SCALE
        Standard deviation of x.
    function : {"softmax", "log_softmax", "cross_entropy"}, default "softmax"
        Sets the upstream's shape and whether a target is drawn.
    reduction : {"mean", "sum", "none"}, default "mean"
        Cross-entropy only: a number of upstream gradient, or one per slice.
    where : array_like of bool, optional
        Cross-entropy only: a mask broadcast to `shape`; each class index is
        drawn among its slice's kept classes (0 in a fully masked slice,
        whose target is ignored). x and g are drawn as without it.

    Returns
    -------
    Point
        ``x`` of `shape` and ``upstream`` of gradcheck's upstream shape
        (float64); ``target``: class indices of the batch shape for
        cross-entropy, else None.

    Raises
    ------
    ValueError
        If `upstream` is not a kind, `function` is unknown, `scale` is not
        finite and > 0, the axis does not fit `shape`, or `where` does not
        broadcast to it.
    TypeError
        If `where` is not boolean.

    Examples
    --------
    >>> x, g, target = sample_point((2, 3), 1, seed=7, upstream="shared")
    >>> x.shape, bool((g[0] == g[1]).all()), target
    ((2, 3), True, None)
    """
    axes = normalize_axes(axis, shape, "sample_point")
    _check_kind(upstream, "sample_point")
    if function not in FUNCTIONS:
        names = ", ".join(map(repr, FUNCTIONS))
        raise ValueError(
            f"sample_point: function must be one of {names}; got {function!r}"
        )
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"sample_point: scale must be finite and > 0; got {scale!r}")
    rng = np.random.default_rng(seed)
    x = scale * rng.standard_normal(shape)
    batch, n = batch_shape(shape, axes), slice_length(shape, axes)
    if function != "cross_entropy":
        if upstream == "random":
            return Point(x, rng.standard_normal(shape), None)
        rows = np.broadcast_to(rng.standard_normal(n), batch + (n,))
        return Point(x, from_slices(rows, shape, axes), None)
    # Cross-entropy: one upstream number for the reduced loss, one per slice
    # for "none" (shared: the same number for every slice).
    if reduction != "none":
        g = np.asarray(rng.standard_normal())
    elif upstream == "random":
        g = rng.standard_normal(batch)
    else:
        g = np.full(batch, rng.standard_normal())
    mask = check_where(where, tuple(shape), "sample_point")
    if mask is None:
        return Point(x, g, rng.integers(0, max(n, 1), batch).astype(np.float64))
    # Uniform over the kept classes: the largest of uniform draws among them.
    draws = np.where(to_slices(mask, axes), rng.random(batch + (n,)), -1.0)
    return Point(x, g, np.argmax(draws, axis=-1).astype(np.float64))


def pass_rate(
    implementation: str | Implementation | LossImplementation,
    shape: tuple[int, ...],
    axis: Axis = -1,
    *,
    function: str = "softmax",
    target: ArrayLike | None = None,
    reduction: str = "mean",
    n_inputs: int = DEFAULT_N_INPUTS,
    upstreams: tuple[str, ...] = UPSTREAM_KINDS,
    seed: int = 0,
    scale: float = DEFAULT_SCALE,
    temperature: float = 1.0,
    mode: str = "sliced",
    eps: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    where: ArrayLike | None = None,
) -> PassRate:
    r"""Check `implementation` on `n_inputs` seeded random inputs; count passes.

    Parameters
    ----------
    implementation : str or object
        A gallery name or an object, as :func:`softmax_core.gradcheck` takes
        it for `function`.
    shape : tuple of int
        Shape of the sampled logits; at least one entry.
    axis : int, tuple of int or None, default -1
        The softmax axes.
    function, target, reduction
        As :func:`softmax_core.gradcheck` takes them. Cross-entropy without a
        `target` draws class indices for every input (:func:`sample_point`);
        with one, every input uses it.
    n_inputs : int, default DEFAULT_N_INPUTS
        Inputs in all, split evenly between the kinds in `upstreams` (the
        first kinds get one more when it does not divide).
    upstreams : tuple of str, default UPSTREAM_KINDS
        The upstream kinds to draw, ``"random"`` and/or ``"shared"``.
    seed : int, default 0
        Input ``i`` (counting over all kinds) has seed ``seed + i``.
    scale : float, default DEFAULT_SCALE
        Standard deviation of the logits.
    temperature, mode, eps, rtol, atol, where
        Passed to :func:`softmax_core.gradcheck` unchanged (directional mode
        also gets each input's seed for its directions); a mask `where`
        applies to every input.

    Returns
    -------
    PassRate
        One :class:`Tally` per kind: its seeds, and the seeds that failed.

    Raises
    ------
    ValueError
        If `shape` has no entries, `n_inputs` is not >= 1, an upstream kind
        is unknown or repeated, or :func:`softmax_core.gradcheck` refuses the
        arguments (its message says why).
    TypeError
        If `n_inputs` or `seed` is not an int, or gradcheck refuses the
        implementation.

    Notes
    -----
    The check itself is the pass rule of :func:`softmax_core.gradcheck`. The
    stale counter computes :math:`J_s^\top g_0` for every slice :math:`s`
    instead of :math:`J_s^\top g_s`. A softmax Jacobian maps exactly the
    constant vectors to 0, so it is right exactly when every :math:`g_s - g_0`
    is constant within its slice (log-softmax: proportional to :math:`y_s`):
    always for a shared g, and with probability 0 for a random g with two
    slices or more (up to the check's tolerance, which admits a vanishing
    fraction). Under a mask, gradcheck leaves masked outputs and their
    upstream gradient out of the loss, so a shared g stays the same in every
    slice only where the slices' masks agree.

    Examples
    --------
    >>> rate = pass_rate("stale_counter", (2, 2), axis=1, n_inputs=20)
    >>> rate.tally("random").rate, rate.tally("shared").rate
    (0.0, 1.0)
    >>> rate.tally("random").failing_seeds[:3]
    (0, 1, 2)
    """
    axes = normalize_axes(axis, shape, "pass_rate")
    _check_function(function, "pass_rate")
    if math.prod(shape) == 0:
        raise ValueError(f"pass_rate: shape {shape} has no entries to sample")
    counts = _split(n_inputs, upstreams, seed)
    check = partial(
        gradcheck, axis=axis, implementation=implementation, function=function,
        reduction=reduction, mode=mode, temperature=temperature, eps=eps,
        rtol=rtol, atol=atol, where=where,
    )  # fmt: skip
    name, tallies, first = "", [], seed
    for kind, count in zip(upstreams, counts, strict=True):
        seeds = tuple(range(first, first + count))
        first += count
        failing = []
        for s in seeds:
            x, g, drawn = sample_point(
                shape, axis, s, kind, scale=scale, function=function,
                reduction=reduction, where=where,
            )  # fmt: skip
            report = check(x, g, target=drawn if target is None else target, seed=s)
            name = report.implementation
            if not report.passed:
                failing.append(s)
        tallies.append(Tally(kind, seeds, tuple(failing)))
    return PassRate(name, tuple(shape), axes, tuple(tallies))


def pass_rates(
    shape: tuple[int, ...],
    axis: Axis = -1,
    implementations: tuple[str | Implementation | LossImplementation, ...]
    | None = None,
    **options: Any,
) -> tuple[PassRate, ...]:
    """:func:`pass_rate` of several implementations on the same inputs.

    `implementations` defaults to every gallery entry that applies to the
    function (``options["function"]``, default softmax), in teaching order;
    `options` are :func:`pass_rate`'s keyword arguments.

    Examples
    --------
    >>> rates = pass_rates((2, 2), 1, ("vectorized", "missing_diagonal"), n_inputs=10)
    >>> [(r.implementation, r.rate) for r in rates]
    [('vectorized', 1.0), ('missing_diagonal', 0.0)]
    """
    function = options.get("function", "softmax")
    if implementations is None:
        implementations = tuple(
            name for name, e in IMPLEMENTATIONS.items() if function in e.functions
        )
    return tuple(pass_rate(impl, shape, axis, **options) for impl in implementations)


def _check_function(function: str, func: str) -> None:
    if function not in FUNCTIONS:
        names = ", ".join(map(repr, FUNCTIONS))
        raise ValueError(f"{func}: function must be one of {names}; got {function!r}")


def _check_kind(upstream: str, func: str) -> None:
    if upstream not in UPSTREAM_KINDS:
        kinds = ", ".join(map(repr, UPSTREAM_KINDS))
        raise ValueError(
            f"{func}: upstream kind must be one of {kinds}; got {upstream!r}"
        )


def _split(n_inputs: int, upstreams: tuple[str, ...], seed: int) -> list[int]:
    """Validate the counts and split `n_inputs` evenly between the kinds."""
    for value, label in ((n_inputs, "n_inputs"), (seed, "seed")):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"pass_rate: {label} must be an int; got {value!r}")
    if n_inputs < 1:
        raise ValueError(f"pass_rate: n_inputs must be >= 1; got {n_inputs}")
    if not upstreams or len(set(upstreams)) != len(upstreams):
        raise ValueError(
            f"pass_rate: upstreams must name each kind at most once and at least "
            f"one; got {upstreams!r}"
        )
    for kind in upstreams:
        _check_kind(kind, "pass_rate")
    base, extra = divmod(n_inputs, len(upstreams))
    return [base + (i < extra) for i in range(len(upstreams))]
