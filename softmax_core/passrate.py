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

The checks are :func:`softmax_core.gradcheck` calls, one per input, through its
public signature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from softmax_core._validation import Axis, FloatArray, normalize_axes
from softmax_core.gallery import IMPLEMENTATIONS, Implementation
from softmax_core.gradcheck import gradcheck
from softmax_core.slices import batch_shape, from_slices, slice_length

__all__ = [
    "DEFAULT_N_INPUTS",
    "DEFAULT_SCALE",
    "UPSTREAM_KINDS",
    "PassRate",
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


def sample_point(
    shape: tuple[int, ...],
    axis: Axis,
    seed: int,
    upstream: str = "random",
    *,
    scale: float = DEFAULT_SCALE,
) -> tuple[FloatArray, FloatArray]:
    """Rebuild the input of one seed: logits x and upstream gradient g.

    Parameters
    ----------
    shape : tuple of int
        Shape of x and g.
    axis : int, tuple of int or None
        The softmax axes (a shared g is the same along them in every slice).
    seed : int
        Seed of ``np.random.default_rng``; x is drawn first, then g.
    upstream : {"random", "shared"}, default "random"
        How g is drawn (see the module docstring).
    scale : float, default DEFAULT_SCALE
        Standard deviation of x.

    Returns
    -------
    x, g : ndarray of shape `shape`, float64

    Raises
    ------
    ValueError
        If `upstream` is not a kind, `scale` is not finite and > 0, or the axis
        does not fit `shape`.

    Examples
    --------
    >>> x, g = sample_point((2, 3), 1, seed=7, upstream="shared")
    >>> x.shape, bool((g[0] == g[1]).all())
    ((2, 3), True)
    """
    axes = normalize_axes(axis, shape, "sample_point")
    _check_kind(upstream, "sample_point")
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"sample_point: scale must be finite and > 0; got {scale!r}")
    rng = np.random.default_rng(seed)
    x = scale * rng.standard_normal(shape)
    if upstream == "random":
        return x, rng.standard_normal(shape)
    row = rng.standard_normal(slice_length(shape, axes))
    rows = np.broadcast_to(row, batch_shape(shape, axes) + row.shape)
    return x, from_slices(rows, shape, axes)


def pass_rate(
    implementation: str | Implementation,
    shape: tuple[int, ...],
    axis: Axis = -1,
    *,
    n_inputs: int = DEFAULT_N_INPUTS,
    upstreams: tuple[str, ...] = UPSTREAM_KINDS,
    seed: int = 0,
    scale: float = DEFAULT_SCALE,
    temperature: float = 1.0,
    mode: str = "sliced",
    eps: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
) -> PassRate:
    r"""Check `implementation` on `n_inputs` seeded random inputs; count passes.

    Parameters
    ----------
    implementation : str or object
        A name from :data:`softmax_core.IMPLEMENTATIONS` or an object with
        ``forward(x, axis)`` and ``backward(x, upstream, axis)``, as
        :func:`softmax_core.gradcheck` takes it (a mask or a loss target goes
        in through such an object).
    shape : tuple of int
        Shape of the sampled x and g; at least one entry.
    axis : int, tuple of int or None, default -1
        The softmax axes.
    n_inputs : int, default DEFAULT_N_INPUTS
        Inputs in all, split evenly between the kinds in `upstreams` (the
        first kinds get one more when it does not divide).
    upstreams : tuple of str, default UPSTREAM_KINDS
        The upstream kinds to draw, ``"random"`` and/or ``"shared"``.
    seed : int, default 0
        Input ``i`` (counting over all kinds) has seed ``seed + i``.
    scale : float, default DEFAULT_SCALE
        Standard deviation of the logits.
    temperature, mode, eps, rtol, atol
        Passed to :func:`softmax_core.gradcheck` unchanged (directional mode
        also gets each input's seed for its directions).

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
    instead of :math:`J_s^\top g_s`; since the null space of a softmax
    Jacobian holds exactly the constant vectors, it is right exactly when
    every :math:`g_s - g_0` is constant within its slice: always for a shared
    g, and with probability 0 for a random g with two slices or more (up to
    the check's tolerance, which admits a vanishing fraction).

    Examples
    --------
    >>> rate = pass_rate("stale_counter", (2, 2), axis=1, n_inputs=20)
    >>> rate.tally("random").rate, rate.tally("shared").rate
    (0.0, 1.0)
    >>> rate.tally("random").failing_seeds[:3]
    (0, 1, 2)
    """
    axes = normalize_axes(axis, shape, "pass_rate")
    if math.prod(shape) == 0:
        raise ValueError(f"pass_rate: shape {shape} has no entries to sample")
    counts = _split(n_inputs, upstreams, seed)
    name, tallies, first = "", [], seed
    for kind, count in zip(upstreams, counts, strict=True):
        seeds = tuple(range(first, first + count))
        first += count
        failing = []
        for s in seeds:
            x, g = sample_point(shape, axis, s, kind, scale=scale)
            report = gradcheck(
                x, g, axis, implementation=implementation, mode=mode,
                temperature=temperature, eps=eps, rtol=rtol, atol=atol, seed=s,
            )  # fmt: skip
            name = report.implementation
            if not report.passed:
                failing.append(s)
        tallies.append(Tally(kind, seeds, tuple(failing)))
    return PassRate(name, tuple(shape), axes, tuple(tallies))


def pass_rates(
    shape: tuple[int, ...],
    axis: Axis = -1,
    implementations: tuple[str | Implementation, ...] | None = None,
    **options: Any,
) -> tuple[PassRate, ...]:
    """:func:`pass_rate` of several implementations on the same inputs.

    `implementations` defaults to every gallery entry, in teaching order;
    `options` are :func:`pass_rate`'s keyword arguments.

    Examples
    --------
    >>> rates = pass_rates((2, 2), 1, ("vectorized", "missing_diagonal"), n_inputs=10)
    >>> [(r.implementation, r.rate) for r in rates]
    [('vectorized', 1.0), ('missing_diagonal', 0.0)]
    """
    chosen = tuple(IMPLEMENTATIONS) if implementations is None else implementations
    return tuple(pass_rate(impl, shape, axis, **options) for impl in chosen)


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
