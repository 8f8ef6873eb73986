"""Cached calls into softmax_core, so a rerun with the same inputs is instant.

Nothing here computes anything new: each function is one core call wrapped in
``st.cache_data``.

Cache keys. Streamlit hashes a NumPy array of 500,000 entries or more from a
sample of 100,000 of them, so two large arrays differing in one entry would
share a key and the page would show the first one's results for the second.
Every cache here hashes arrays with :func:`array_digest` instead: SHA-256 of the
dtype, the shape and every byte (the fastest full digest of the standard
library here; xxhash is not a dependency).

Memory budget. Each cache is bounded by ``max_size`` (pickled bytes, least
recently used dropped first), by ``max_entries`` and by a one-hour ``ttl``. The
sizes are chosen so a few results of the largest input the panel accepts
(1,000,000 float64 entries, 8 MB) fit. The caches of this module hold at most
364 MiB; the panel's parsing caches (:data:`PARSE_BUDGETS`: x 64 MiB, g 16 MiB,
keyed on the text, which Streamlit hashes in full) add 80 MiB. Added up, every
cache of the app holds at most :data:`CACHE_BUDGET_BYTES` = 444 MiB per server
process (most sessions use a few MB); Streamlit keeps a single result larger
than its cache's limit, until the next one replaces it.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import numpy as np
import streamlit as st
from numpy.typing import NDArray

import softmax_core as sc
from softmax_app import losses
from softmax_app.inputs import FloatArray
from softmax_app.masking import BoolArray

if TYPE_CHECKING:
    # What st.cache_data returns (it has .clear()); not exported more publicly.
    from streamlit.runtime.caching.cache_utils import CachedFunc

__all__ = [
    "CACHE_BUDGET_BYTES",
    "PARSE_BUDGETS",
    "array_digest",
    "backward",
    "dtype_comparison",
    "forward",
    "jacobians",
    "jvp",
    "log_forward",
    "naive_forward",
    "naive_log_forward",
    "naive_sweep",
    # Backward and Gradcheck
    "ELEMENTWISE_MAX_SIZE",
    "PAGE_MAX_JACOBIAN_BYTES",
    "gradcheck_refusal",
    "run_gradcheck",
    "slice_steps",
    "vjp_steps",
]

_MiB = 2**20


def array_digest(a: NDArray[Any]) -> bytes:
    """SHA-256 of an array's dtype, shape and full contents (the cache key).

    Examples
    --------
    >>> a = np.zeros(600_000)
    >>> b = a.copy(); b[123_456] = 1e-300
    >>> array_digest(a) == array_digest(b)
    False
    >>> array_digest(a) == array_digest(a.reshape(1000, 600))
    False
    """
    h = hashlib.sha256()
    h.update(f"{a.dtype.str}{a.shape}".encode())
    h.update(np.ascontiguousarray(a).data)
    return h.digest()


#: Budget of each cache (pickled bytes); their sum is CACHE_BUDGET_BYTES.
_BUDGETS = {
    "forward": 24 * _MiB,
    "log_forward": 24 * _MiB,
    "backward": 16 * _MiB,
    "jvp": 8 * _MiB,
    "jacobians": 64 * _MiB,  # two stacks of PAGE_MAX_JACOBIAN_BYTES
    "run_gradcheck": 96 * _MiB,  # a sliced check of 1e6 entries pickles to 42 MB
    "naive_forward": 24 * _MiB,
    "naive_log_forward": 24 * _MiB,
    "dtype_comparison": 56 * _MiB,  # 1e6 entries in three dtypes: 27 MB
    "naive_sweep": 4 * _MiB,
    "vjp_steps": 12 * _MiB,  # one slice of up to 1024: its Jacobian is 8 MB
    "slice_steps": 12 * _MiB,  # the same for log-softmax and cross-entropy
}
#: Budget of the panel's parsing caches (``softmax_app.panel``): the x box's
#: array (up to 8 MB each) and the g box's.
PARSE_BUDGETS = {"x": 64 * _MiB, "g": 16 * _MiB}
CACHE_BUDGET_BYTES = sum(_BUDGETS.values()) + sum(PARSE_BUDGETS.values())


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _cache(
    name: str, max_entries: int
) -> Callable[[Callable[_P, _R]], CachedFunc[_P, _R]]:
    """``st.cache_data`` keyed on full array contents, within the budget of `name`."""
    return st.cache_data(
        max_entries=max_entries,
        max_size=_BUDGETS[name],
        ttl=3600,
        show_spinner=False,
        hash_funcs={np.ndarray: array_digest},
    )


@_cache("forward", max_entries=64)
def forward(
    x: FloatArray,
    axes: tuple[int, ...],
    temperature: float,
    mask: BoolArray | None = None,
) -> FloatArray:
    """softmax(x) along `axes`, masked entries 0."""
    return sc.softmax(x, axes, temperature=temperature, where=mask)


@_cache("log_forward", max_entries=64)
def log_forward(
    x: FloatArray,
    axes: tuple[int, ...],
    temperature: float,
    mask: BoolArray | None = None,
) -> FloatArray:
    """log_softmax(x) along `axes`, masked entries -inf."""
    return sc.log_softmax(x, axes, temperature=temperature, where=mask)


@_cache("backward", max_entries=64)
def backward(
    x: FloatArray,
    upstream: FloatArray,
    axes: tuple[int, ...],
    temperature: float,
    mask: BoolArray | None = None,
    function: str = "softmax",
    target: FloatArray | None = None,
) -> FloatArray:
    """dL/dx of `function` (see :func:`softmax_app.losses.gradient`)."""
    return losses.gradient(function, x, upstream, target, axes, temperature, mask)


@_cache("jvp", max_entries=32)
def jvp(
    x: FloatArray,
    tangent: FloatArray,
    axes: tuple[int, ...],
    temperature: float,
    mask: BoolArray | None,
    function: str,
    target: FloatArray | None,
) -> FloatArray:
    """J·tangent of `function` (see :func:`softmax_app.losses.jvp`)."""
    return losses.jvp(function, x, tangent, target, axes, temperature, mask)


@_cache("jacobians", max_entries=16)
def jacobians(
    x: FloatArray,
    axes: tuple[int, ...],
    temperature: float,
    max_bytes: int,
    mask: BoolArray | None = None,
    function: str = "softmax",
) -> FloatArray:
    """Return the per-slice Jacobian stack of softmax (or log-softmax) at x.

    Cross-entropy's loss goes through log-softmax: its stack is log-softmax's.
    Masked rows and columns are 0.
    """
    kind = "softmax" if function == "softmax" else "log_softmax"
    forward_function = sc.softmax if kind == "softmax" else sc.log_softmax
    out = forward_function(x, axes, temperature=temperature, where=mask)
    return sc.slice_jacobians(
        out,
        axes,
        temperature=temperature,
        function=kind,
        where=mask,
        max_bytes=max_bytes,
    )


# --- Stability page -----------------------------------------------------------


@_cache("naive_forward", max_entries=32)
def naive_forward(
    x: FloatArray, axes: tuple[int, ...], temperature: float
) -> FloatArray:
    """naive_softmax(x): exp(x/T) / sum(exp(x/T)), no max shift."""
    return sc.naive_softmax(x, axes, temperature=temperature)


@_cache("naive_log_forward", max_entries=32)
def naive_log_forward(
    x: FloatArray, axes: tuple[int, ...], temperature: float
) -> FloatArray:
    """log(softmax(x)), which turns underflowed probabilities into -inf."""
    return sc.naive_log_softmax(x, axes, temperature=temperature)


@_cache("dtype_comparison", max_entries=32)
def dtype_comparison(
    x: FloatArray, axes: tuple[int, ...], temperature: float
) -> tuple[sc.DtypeResult, ...]:
    """Softmax in float16, float32 and float64, stable and naive."""
    return sc.dtype_comparison(x, axes, temperature=temperature)


@_cache("naive_sweep", max_entries=16)
def naive_sweep(
    x: FloatArray, axes: tuple[int, ...], temperature: float, scales: tuple[float, ...]
) -> sc.NaiveSweep:
    """Share of naive-softmax slices broken at each logit scale."""
    return sc.naive_sweep(x, axes, temperature=temperature, scales=scales)


# --- Backward and Gradcheck pages ---------------------------------------------

#: Largest Jacobian stack the Backward page builds (it is offered as J.npy).
PAGE_MAX_JACOBIAN_BYTES = 32 * 2**20

# Cost limits of a gradient check, so that a check answers in about a second:
#: elementwise mode runs 2 · size forward passes over the whole array, so its
#: cost grows with size².
ELEMENTWISE_MAX_SIZE = 4096
#: sliced mode runs 2n forward passes (n the slice length): along axis 0,
#: (10, 100000) (n · size = 1e7) took 0.67 s and (100, 10000) (1e8) 2.7 s.
SLICED_MAX_WORK = 10**7
#: Implementations that build every slice's n x n Jacobian cost n · size
#: (100 slices of 1000 took 1.5 s for 1e8) plus a Python call per slice
#: (10,000 slices took 0.055 s).
JACOBIAN_MAX_WORK = 5 * 10**7
LOOP_MAX_SLICES = 100_000
JACOBIAN_IMPLEMENTATIONS = frozenset(
    {"per_slice_loop", "stale_counter", "transposed_jacobian"}
)
#: The numeric Jacobians a sliced check returns are dropped above this size, so
#: the cache does not hold (and copy) large stacks no page shows.
KEEP_JACOBIANS_BYTES = 8 * 2**20


def gradcheck_refusal(
    shape: tuple[int, ...], axes: tuple[int, ...], mode: str, implementation: str
) -> str | None:
    """Why a gradient check of this size would take too long, or None if it is fine.

    Examples
    --------
    >>> gradcheck_refusal((2, 2), (1,), "elementwise", "vectorized") is None
    True
    >>> gradcheck_refusal((1000, 1000), (1,), "sliced", "vectorized")[:7]
    'sliced '
    """
    size = int(np.prod(shape, dtype=np.int64))
    n = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    slices = size // n if n else 0
    if mode == "elementwise" and size > ELEMENTWISE_MAX_SIZE:
        return (
            f"elementwise mode perturbs one of the {size:,} elements at a time "
            f"({2 * size:,} forward passes); it is offered up to "
            f"{ELEMENTWISE_MAX_SIZE:,} elements. Use sliced or directional."
        )
    if mode == "sliced" and n * size > SLICED_MAX_WORK:
        return (
            f"sliced mode needs 2n = {2 * n:,} forward passes over {size:,} "
            f"elements, too slow here (limit n · size ≤ {SLICED_MAX_WORK:,}). "
            "Use directional mode, or fewer softmax axes."
        )
    if implementation in JACOBIAN_IMPLEMENTATIONS and (
        n * size > JACOBIAN_MAX_WORK or slices > LOOP_MAX_SLICES
    ):
        return (
            f"{implementation} builds an n x n Jacobian for each of the {slices:,} "
            f"slices (n = {n:,}), too slow or too large here (limits: n · size ≤ "
            f"{JACOBIAN_MAX_WORK:,}, at most {LOOP_MAX_SLICES:,} slices). Try a "
            "smaller array."
        )
    return None


@_cache("run_gradcheck", max_entries=32)
def run_gradcheck(
    x: FloatArray,
    upstream: FloatArray,
    axes: tuple[int, ...],
    implementation: str,
    mode: str,
    temperature: float,
    eps: float | None,
    rtol: float | None,
    atol: float | None,
    mask: BoolArray | None = None,
    function: str = "softmax",
    target: FloatArray | None = None,
) -> sc.GradcheckReport:
    """sc.gradcheck of a gallery entry's `function` version, under `mask`.

    Numeric Jacobians larger than KEEP_JACOBIANS_BYTES are dropped. The
    cross-entropy is the mean, checked with upstream gradient 1 (so L is the
    loss); a fully masked slice is not counted in it, as sc.cross_entropy.
    """
    if function != "cross_entropy":
        target = None
    report = sc.gradcheck(
        x,
        1.0 if function == "cross_entropy" else upstream,
        axes,
        function=function,
        target=target,
        reduction="mean",
        implementation=implementation,
        mode=mode,
        temperature=temperature,
        eps=eps,
        rtol=rtol,
        atol=atol,
        where=mask,
    )
    jac = report.numeric_jacobians
    if jac is not None and jac.nbytes > KEEP_JACOBIANS_BYTES:
        report = dataclasses.replace(report, numeric_jacobians=None)
    return report


@_cache("slice_steps", max_entries=64)
def slice_steps(
    function: str,
    slice_in: FloatArray,
    g_slice: FloatArray,
    temperature: float,
    mask_slice: BoolArray | None,
    target_slice: FloatArray | None,
    n_mean: int,
) -> sc.LogSoftmaxVjpSteps | sc.CrossEntropySteps:
    """One slice's backward pass written out by the core.

    log_softmax: :func:`softmax_core.log_softmax_vjp_steps` of the slice's
    log-probabilities `slice_in` and upstream gradient `g_slice`;
    cross_entropy: :func:`softmax_core.cross_entropy_steps` of its logits
    `slice_in` and target, weighted ``1 / n_mean`` (the mean over N slices).
    """
    if function == "cross_entropy":
        if target_slice is None:
            raise ValueError("cross_entropy needs a target")
        return sc.cross_entropy_steps(
            slice_in,
            target_slice,
            temperature,
            weight=1.0 / max(n_mean, 1),
            where=mask_slice,
        )
    return sc.log_softmax_vjp_steps(slice_in, g_slice, temperature, where=mask_slice)


@_cache("vjp_steps", max_entries=64)
def vjp_steps(
    y_slice: FloatArray, g_slice: FloatArray, temperature: float
) -> sc.VjpSteps:
    """sc.vjp_steps for one softmax slice: both routes to its gradient.

    A masked slice needs no mask here: its masked y are 0, which takes them
    out of ⟨g, y⟩ and gives them a zero gradient.
    """
    return sc.vjp_steps(y_slice, g_slice, temperature)
