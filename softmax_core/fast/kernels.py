"""Fused numba kernels for softmax, log-softmax and their VJPs (the fast path).

The NumPy functions in :mod:`softmax_core.functions` and
:mod:`softmax_core.backward` are the readable reference; these kernels compute
the same numbers in two passes over memory instead of five or six, on every core.
:mod:`softmax_core.fast.dispatch` decides when to call them.

Every kernel sees a C-contiguous array viewed as ``(outer, n, inner)``: ``n`` is
the softmax axis (or several adjacent axes merged), so slice ``(o, :, i)`` is one
softmax. Two layouts, two kernels each:

* ``inner == 1`` (last axis, "rows"): a slice is contiguous. It is read in
  blocks of :data:`_BLOCK_BYTES`: the block max is folded into a running max,
  the running sum of ``exp`` is rescaled when the max grows (online softmax),
  and the block's ``exp`` values are parked in the output while the block is
  in L2. The second pass multiplies them by ``1 / sum``. Blocks read before
  the final max are recomputed, so every output is ``exp((x - max) / T) / sum``
  as in the reference; a slice of one block (most) never needs that. Slices
  of one block go four at a time (:func:`_forward_4_short_rows`), and the
  next four's input is prefetched (:func:`_prefetch`).
* ``inner > 1`` (first or middle axis, "columns"): the kernel walks the ``n``
  rows of a band of neighbouring slices (8 KiB wide) and vectorises across
  the band, so nothing is transposed. Pass 1 reads the band once for the
  running max and sum, pass 2 once more to write ``exp((x - max) / T) / sum``
  (see the comment above :func:`_forward_band`).

Work is split over slices (or bands) with ``numba.prange``.

NumPy's ``exp`` is SIMD, numba's ``math.exp`` is a scalar libm call (no SVML),
so :func:`_exp` is a vectorisable exp: ``exp(z) = 2**k * exp(r)`` with
``|r| <= log(2)/2``, a polynomial for ``exp(r)`` (Taylor to degree 12 in float64,
fitted, degree 6, in float32) and ``2**k`` built from
its bits (float64: within 2 ulp of NumPy's exp; float32: within 0.9 ulp of the
exact value; denormals included; tested in ``tests/fast/test_fast_path.py``).

Edge cases follow the reference: a slice with no finite maximum is shifted by
0, an all ``-inf`` slice gives zeros (log: ``-inf``), NaN or ``+inf`` in a slice
makes the slice NaN, and ``x - max`` overflowing to ``-inf`` gives ``exp = 0``.
No floating-point warnings: compiled code does not raise them.

numba is an optional dependency (the ``fast`` extra). It is imported, its CPU
target tuned (:func:`_prefer_512_bit_vectors`) and the allocator primed
(:func:`_keep_freed_arrays_in_the_heap`) when this module is imported, which
:mod:`softmax_core.fast.dispatch` does on the first large call only, so
``import softmax_core`` stays quick and works without numba. Compiled code is
cached on disk (``cache=True``, in ``__pycache__`` next to this file or under
``NUMBA_CACHE_DIR``), keyed on this file alone: everything the kernels compile,
the LLVM intrinsics included, lives here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

from softmax_core._validation import FloatArray

try:
    import numba
    from llvmlite import ir
    from numba.core import cgutils
    from numba.core import types as _nbtypes
    from numba.extending import intrinsic
    from numba.extending import overload as _overload
except ImportError:  # pragma: no cover - the fast path is simply unavailable
    numba = None


def _prefer_512_bit_vectors() -> bool:
    """Let LLVM use 512-bit vectors on a CPU with AVX-512; return True if set.

    LLVM's tuning for recent Intel CPUs prefers 256-bit vectors even where
    AVX-512 is available; on this project's machine 512-bit vectors make the
    strided-axis kernels about 25% faster. numba reads its target features
    once, when it compiles its first function, so this only takes effect
    before then, and never overrides ``NUMBA_CPU_NAME`` or
    ``NUMBA_CPU_FEATURES``. It applies to every numba function the process
    compiles afterwards (it only changes vector width, never results), and
    numba's disk cache keys compiled code by these features.
    """
    if numba is None:  # pragma: no cover
        return False
    from numba.core import config as _config
    from numba.core.registry import cpu_target

    config: Any = _config  # its settings are set at import, invisible to mypy

    if config.CPU_NAME is not None or config.CPU_FEATURES is not None:
        return False
    if "_toplevel_target_context" in vars(cpu_target):  # numba already compiled
        return False
    import llvmlite.binding as llvm

    try:
        features = llvm.get_host_cpu_features().flatten()
    except RuntimeError:  # pragma: no cover - LLVM cannot read this CPU's features
        return False
    if "+avx512f" not in features.split(","):
        return False
    config.CPU_FEATURES = features + ",-prefer-256-bit"
    return True


_WIDE_VECTORS = _prefer_512_bit_vectors()


def _keep_freed_arrays_in_the_heap() -> None:
    """Allocate and free one 31 MiB block, once, when the fast path loads.

    glibc's malloc serves large blocks with ``mmap`` and gives them back to
    the system when they are freed; it raises that threshold (to the size
    of the freed block, at most 32 MiB) the first time such a block is
    freed. Until something has raised it, every output array of a few MiB
    is a fresh mapping that the kernel must fault in and zero on first
    write, or the heap is shrunk and grown again around it: forward +
    backward of a (1000, 1000) float64 array took 14 ms instead of 1.3 ms,
    and a (48, 48) gradcheck 2.5 ms instead of 1.2 ms. Freeing one 31 MiB
    block is what any NumPy program that once had such a temporary has done;
    the block is never touched, so it costs no memory. Other allocators
    ignore it.
    """
    block = np.empty(31 * 1024 * 1024, dtype=np.uint8)
    del block


if numba is not None:  # only a process that can run the kernels needs it
    _keep_freed_arrays_in_the_heap()

__all__ = ["KERNELS", "available", "launch", "warm_up"]

_F = TypeVar("_F", bound=Callable[..., Any])

# Sizes, chosen for a 2 MiB L2 cache per core. A block is read from memory once
# (for its max) and then again from L2 (for its exps and the output), so the
# parked exps and the block together must fit.
#: Bytes per block of a contiguous slice (the rows kernels).
_BLOCK_BYTES = 256 * 1024
#: Arrays smaller than this run on one thread (see :func:`launch`): a thread
#: that has gone to sleep between calls can take milliseconds to wake on a
#: busy machine, which would swamp a call of a few megabytes (figures in
#: benchmarks/README.md).
_PARALLEL_MIN_BYTES = 4 * 1024 * 1024
#: Bytes of one row of a band (the columns kernels): two pages. Measured on
#: axis 0 of (4096, 4096) float64: 4 KiB 73 ms forward + backward, 8 KiB 67,
#: 16 KiB no better and too few bands to share between threads.
_BAND_ROW_BYTES = 8192
#: Bytes per step of a band: its rows are read twice in a row, from L1 or L2.
_STEP_BYTES = 64 * 1024
#: Entries per partial sum kept in the input's dtype (float32 sums then lose
#: at most about 1024 / 32 lanes * 6e-8 = 2e-6 before joining a float64 total).
_SUM_CHUNK = 1024
#: The rows kernels prefetch the next group of four short rows, or the rows
#: this many bytes ahead when that is further (rows of a few entries): see
#: :func:`_prefetch`.
_PREFETCH_AHEAD_BYTES = 2048
#: ... but only groups up to this size. Longer rows stream well without it,
#: and prefetching them cost time (forward + backward, medians of 3 or 4
#: processes): (4096, 4096) float64 went from 53 to 57 ms and (1024, 4096)
#: float32 from 3.4 to 4.6 ms, while 16 MiB arrays in groups of 2 to 8 KiB
#: gained 5 to 25%.
_PREFETCH_MAX_GROUP_BYTES = 8192


def available() -> bool:
    """Return True when numba imported, so the fast kernels can run."""
    return numba is not None


def _njit(*, parallel: bool = False, fastmath: Any = None) -> Callable[[_F], _F]:
    """Compile with numba, cached on disk; identity when numba is missing."""
    if numba is None:  # pragma: no cover
        return lambda f: f
    # "contract" lets LLVM fuse a*b + c into one FMA: fewer roundings, never
    # more. No nnan/ninf: the kernels must handle NaN and inf exactly.
    flags = {"contract"} if fastmath is None else fastmath
    return cast(
        Callable[[_F], _F],
        numba.njit(
            cache=True,
            parallel=parallel,
            nogil=True,
            error_model="numpy",
            fastmath=flags,
        ),
    )


_prange: Callable[..., range] = range if numba is None else numba.prange


# --- LLVM intrinsics: a SIMD max and a prefetch hint ---------------------------
#
# Two operations numba cannot express, written in LLVM IR (numba's
# ``@intrinsic``) and usable only from compiled code, on C-contiguous 1-D
# arrays. They live in this file because numba's disk cache checks only the
# time stamp and size of the file that holds a kernel: code the kernels inlined
# from another module could change and the cache would go on loading kernels
# built with the old code.
#
# :func:`_vector_max`. Softmax needs each slice's max ignoring NaN (a NaN
# poisons the slice later, through its exp). As a loop of ``v if v > m else m``
# LLVM keeps it scalar: without fast-math it may not reorder a floating-point
# max reduction, and with "nnan" a NaN would make the result undefined. So the
# intrinsic keeps four accumulators of 512 bits (16 float32 or 8 float64
# lanes), each updated with ``v if v > m else m`` on whole vectors, which is
# exactly "max ignoring NaN" (a NaN lane fails the comparison, and one
# ``vmaxps`` on x86, where ``llvm.maxnum`` takes three instructions); then it
# folds them, reduces the result (no NaN can be in it, so the reduction may
# say "nnan"), and takes the leftover entries one by one. A scalar chain of
# maxima also cannot keep enough memory reads in flight.
#
# :func:`_prefetch`. The rows kernels take four short rows at a time: their
# maxima, exps and scaling, all from L1. Nothing asks for the next four rows
# until those steps end, and the hardware prefetchers, which stop at every
# 4 KiB page, do not fill the gap; :func:`_prefetch_next_group` asks for the
# next group's cache lines before a group starts, so they arrive while it
# computes. ``llvm.prefetch`` is a hint: it never faults, never changes a
# result, and the CPU may drop it.

#: Independent accumulators of :func:`_vector_max`: enough to hide the latency
#: of each max step.
_MAX_ACCUMULATORS = 4

_vector_max: Any
_prefetch: Any


def _vector_max_codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    """Emit the loop of :func:`_vector_max` (see the comment above)."""
    array_type = signature.args[0]
    array = context.make_array(array_type)(context, builder, args[0])
    data = array.data
    (n,) = cgutils.unpack_tuple(builder, array.shape, 1)
    dtype = array_type.dtype
    bits = dtype.bitwidth
    lanes = 512 // bits
    scalar = context.get_value_type(dtype)
    vector = ir.VectorType(scalar, lanes)
    module = builder.module

    def vmax(v: Any, m: Any) -> Any:
        # ``v if v > m else m`` (vectors or scalars): a NaN v fails the
        # comparison and leaves m, and m, from -inf up, is never NaN.
        return builder.select(builder.fcmp_ordered(">", v, m), v, m)

    reduce = cgutils.get_or_insert_function(
        module,
        ir.FunctionType(scalar, [vector]),
        f"llvm.vector.reduce.fmax.v{lanes}f{bits}",
    )
    index = n.type

    def const(value: int) -> Any:
        return ir.Constant(index, value)

    def load_vector(first: Any) -> Any:
        pointer = builder.bitcast(builder.gep(data, [first]), vector.as_pointer())
        return builder.load(pointer, align=bits // 8)

    minus_inf = ir.Constant(scalar, float("-inf"))
    start = ir.Constant(vector, [minus_inf] * lanes)
    # Main loop: _MAX_ACCUMULATORS vectors per step, each into its own accumulator.
    step = lanes * _MAX_ACCUMULATORS
    accumulators = [
        cgutils.alloca_once_value(builder, start) for _ in range(_MAX_ACCUMULATORS)
    ]
    with cgutils.for_range(builder, builder.udiv(n, const(step))) as loop:
        base = builder.mul(loop.index, const(step))
        for k, acc in enumerate(accumulators):
            v = load_vector(builder.add(base, const(lanes * k)))
            builder.store(vmax(v, builder.load(acc)), acc)
    folded = [builder.load(acc) for acc in accumulators]
    while len(folded) > 1:
        folded = [vmax(*folded[i : i + 2]) for i in range(0, len(folded), 2)]
    acc = cgutils.alloca_once_value(builder, folded[0])
    # Whole vectors left over, then single entries.
    done = builder.mul(builder.udiv(n, const(step)), const(_MAX_ACCUMULATORS))
    with cgutils.for_range_slice(
        builder, done, builder.udiv(n, const(lanes)), const(1)
    ) as (i, _):
        v = load_vector(builder.mul(i, const(lanes)))
        builder.store(vmax(v, builder.load(acc)), acc)
    # No NaN reaches the accumulators, so "nnan" is true and lets LLVM
    # reduce with plain vmaxps too.
    result = cgutils.alloca_once_value(
        builder, builder.call(reduce, [builder.load(acc)], fastmath=("nnan",))
    )
    tail = builder.mul(builder.udiv(n, const(lanes)), const(lanes))
    with cgutils.for_range_slice(builder, tail, n, const(1)) as (j, _):
        v = builder.load(builder.gep(data, [j]))
        builder.store(vmax(v, builder.load(result)), result)
    return builder.load(result)


def _vector_max_typing(typingctx: Any, x: Any) -> Any:
    """Max of the C-contiguous 1-D float array `x`, ignoring NaN.

    ``-inf`` when `x` holds nothing but NaN (or nothing).
    """
    if not (
        isinstance(x, _nbtypes.Array)
        and x.ndim == 1
        and x.layout == "C"
        and isinstance(x.dtype, _nbtypes.Float)
    ):
        return None
    return x.dtype(x), _vector_max_codegen


def _prefetch_codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    """Emit ``llvm.prefetch(&x[i], read, keep in all levels, data)``."""
    array = context.make_array(signature.args[0])(context, builder, args[0])
    index = context.cast(builder, args[1], signature.args[1], _nbtypes.intp)
    bytes_pointer = ir.IntType(8).as_pointer()
    i32 = ir.IntType(32)
    hint = cgutils.get_or_insert_function(
        builder.module,
        ir.FunctionType(ir.VoidType(), [bytes_pointer, i32, i32, i32]),
        "llvm.prefetch.p0i8",
    )
    address = builder.bitcast(builder.gep(array.data, [index]), bytes_pointer)
    # rw = 0 (read), locality = 3 (keep in every cache level), 1 = data cache
    builder.call(
        hint, [address, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)]
    )
    return context.get_dummy_value()


def _prefetch_typing(typingctx: Any, x: Any, i: Any) -> Any:
    """Hint that entry `i` of the C-contiguous 1-D array `x` will be read soon.

    `i` is not checked: the caller keeps it inside `x`.
    """
    if not (
        isinstance(x, _nbtypes.Array)
        and x.ndim == 1
        and x.layout == "C"
        and isinstance(i, _nbtypes.Integer)
    ):
        return None
    return _nbtypes.none(x, i), _prefetch_codegen


if numba is not None:
    _vector_max = intrinsic(_vector_max_typing)
    _prefetch = intrinsic(_prefetch_typing)

else:  # pragma: no cover - without numba nothing calls them

    def _vector_max(x: Any) -> Any:
        """Unavailable without numba."""
        raise RuntimeError("_vector_max needs numba")

    def _prefetch(x: Any, i: Any) -> Any:
        """Unavailable without numba."""
        raise RuntimeError("_prefetch needs numba")


# --- exp -------------------------------------------------------------------

# float64: round(z / log 2) = k, r = z - k log 2 with log 2 split in two
# (Cody-Waite) so k * _LN2_HI is exact; Taylor to degree 12 leaves an error
# below 2e-16 on |r| <= 0.347.
_LOG2E = 1.4426950408889634
_LN2_HI = 0.693145751953125
_LN2_LO = 1.42860682030941723212e-6
_C64 = tuple(1.0 / math.factorial(k) for k in range(13))
_MAGIC64 = 6755399441055744.0  # 1.5 * 2**52
_MAGIC64_BITS = np.float64(_MAGIC64).view(np.int64)
(_A0, _A1, _A2, _A3, _A4, _A5, _A6, _A7, _A8, _A9, _A10, _A11, _A12) = _C64

# float32: the same in single precision, a polynomial of degree 6 (below).
_S = np.float32
_LOG2E_32 = _S(_LOG2E)
_LN2_HI_32 = _S(0.693359375)
_LN2_LO_32 = _S(-2.12194440e-4)
# 1 + r + r**2 * (degree 4), fitted for relative error on |r| <= log(2)/2
# (7.7e-9, as good as Taylor to degree 7 with one multiply-add fewer).
_B0, _B1 = _S(1.0), _S(1.0)
_B2, _B3, _B4, _B5, _B6 = (
    _S(0.49999967217445374),
    _S(0.16666479408740997),
    _S(0.04167356714606285),
    _S(0.008372685872018337),
    _S(0.0013571209274232388),
)
_MAGIC32 = _S(12582912.0)  # 1.5 * 2**23
_MAGIC32_BITS = np.float32(_MAGIC32).view(np.int32)
_LO_32 = _S(-104.0)
_HI_32 = _S(89.0)


def _exp(z: Any) -> Any:  # pragma: no cover - replaced in compiled code
    """Return ``exp(z)`` (pure-Python stand-in; compiled code uses the overload)."""
    return np.exp(z)


def _exp_nonpositive(z: Any) -> Any:  # pragma: no cover - see _exp
    """Return ``exp(z)`` for ``z <= 0`` or NaN, as softmax needs it (``x - max``).

    Four operations fewer per entry than :func:`_exp`, which the hot loops
    feel (about 10%): no upper clamp, and ``2**k`` in one scaling (below).
    A positive `z` gives a wrong number, never an error; the one caller that
    can pass one is a strided slice whose max is ``+inf``, whose output is NaN
    whatever its exps are.
    """
    return np.exp(z)


def _exp64_parts(z: Any) -> Any:
    """``(p, k)`` with ``exp(z) = p * 2**k``, for a clamped float64 `z`."""
    # Adding 1.5 * 2**52 rounds z / log 2 to the integer k in the low bits of
    # `t`: no rounding instruction and no float-to-int conversion, which on
    # AVX2 go through 64-bit lanes. A NaN z leaves a NaN r, so a NaN result.
    t = z * _LOG2E + _MAGIC64
    kf = t - _MAGIC64
    r = (z - kf * _LN2_HI) - kf * _LN2_LO
    p = _A12
    p = p * r + _A11
    p = p * r + _A10
    p = p * r + _A9
    p = p * r + _A8
    p = p * r + _A7
    p = p * r + _A6
    p = p * r + _A5
    p = p * r + _A4
    p = p * r + _A3
    p = p * r + _A2
    p = p * r + _A1
    p = p * r + _A0
    return p, np.float64(t).view(np.int64) - _MAGIC64_BITS


def _exp32_parts(z: Any) -> Any:
    """``(p, k)`` with ``exp(z) = p * 2**k``, for a clamped float32 `z`."""
    t = z * _LOG2E_32 + _MAGIC32  # see _exp64_parts
    kf = t - _MAGIC32
    r = (z - kf * _LN2_HI_32) - kf * _LN2_LO_32
    p = _B6
    p = p * r + _B5
    p = p * r + _B4
    p = p * r + _B3
    p = p * r + _B2
    p = p * r + _B1
    p = p * r + _B0
    return p, np.float32(t).view(np.int32) - _MAGIC32_BITS


def _exp64(z: Any) -> Any:
    # Clamp so 2**k stays representable; the comparisons keep NaN as NaN.
    z = -746.0 if z < -746.0 else z
    z = 710.0 if z > 710.0 else z
    p, k = _exp64_parts(z)
    # 2**k as two normal powers of two, so a denormal result is rounded once.
    k1 = k >> 1
    s1 = np.int64((k1 + 1023) << 52).view(np.float64)
    s2 = np.int64((k - k1 + 1023) << 52).view(np.float64)
    return float(p * s1 * s2)


def _exp32(z: Any) -> Any:
    z = _LO_32 if z < _LO_32 else z
    z = _HI_32 if z > _HI_32 else z
    p, k = _exp32_parts(z)
    k1 = k >> 1
    s1 = np.int32((k1 + 127) << 23).view(np.float32)
    s2 = np.int32((k - k1 + 127) << 23).view(np.float32)
    return np.float32(p * s1 * s2)


# For z <= 0 the clamp leaves k >= -1076 (float32: -150), so 2**(k + 64) is
# a normal number, p * 2**(k + 64) is exact, and multiplying by 2**-64 rounds
# once, denormal results included.
_TWO_TO_MINUS_64 = 2.0**-64
_TWO_TO_MINUS_64_32 = _S(_TWO_TO_MINUS_64)


def _exp64_nonpositive(z: Any) -> Any:
    z = -746.0 if z < -746.0 else z
    p, k = _exp64_parts(z)
    s = np.int64((k + (1023 + 64)) << 52).view(np.float64)
    return float(p * s * _TWO_TO_MINUS_64)


def _exp32_nonpositive(z: Any) -> Any:
    z = _LO_32 if z < _LO_32 else z
    p, k = _exp32_parts(z)
    s = np.int32((k + (127 + 64)) << 23).view(np.float32)
    return np.float32(p * s * _TWO_TO_MINUS_64_32)


def _cast_like(v: float, like: Any) -> Any:  # pragma: no cover - see overload
    """Return `v` in the type of `like` (float32 or float64)."""
    return type(like)(v)


if numba is not None:

    # Left to LLVM to inline: numba's own inlining ("always") trips its
    # internal checks on the conditional expressions of _exp64.
    _JIT_OPTIONS: Any = {"fastmath": {"contract"}, "error_model": "numpy"}

    def _overload_with_options(func: Callable[..., Any]) -> Callable[[_F], _F]:
        """``numba.extending.overload(func)`` with the options above, typed."""
        return cast(Callable[[_F], _F], _overload(func, jit_options=_JIT_OPTIONS))

    @_overload_with_options(_cast_like)
    def _cast_like_overload(v: Any, like: Any) -> Any:
        # Annotations must match the typing signature for numba to accept them.
        def to_float32(v: Any, like: Any) -> Any:
            return np.float32(v)

        def to_float64(v: Any, like: Any) -> Any:
            return np.float64(v)

        return to_float32 if like == _nbtypes.float32 else to_float64

    _exp64_parts = numba.njit(**_JIT_OPTIONS)(_exp64_parts)
    _exp32_parts = numba.njit(**_JIT_OPTIONS)(_exp32_parts)

    @_overload_with_options(_exp)
    def _exp_overload(z: Any) -> Any:
        if z == _nbtypes.float32:
            return _exp32
        return _exp64

    @_overload_with_options(_exp_nonpositive)
    def _exp_nonpositive_overload(z: Any) -> Any:
        if z == _nbtypes.float32:
            return _exp32_nonpositive
        return _exp64_nonpositive


# --- small helpers ----------------------------------------------------------
#
# Hot loops take whole 1-D views and index them from 0: a loop over
# ``range(b0, b1)`` with a run-time start makes numba check every index for
# negative wrap-around, and runs half as fast.


@_njit()
def _max(x: FloatArray) -> Any:
    """Max of the contiguous 1-D view `x` ignoring NaN (``-inf`` when all NaN)."""
    return _vector_max(x)


# Summation order is free here (and only here): "reassoc" lets the loops vectorise.
# Partial sums stay in the input's dtype for :data:`_SUM_CHUNK` entries at a
# time (see :func:`_park_exps`), then join a float64 total.
@_njit(fastmath={"reassoc", "contract"})
def _dot(x: FloatArray, y: FloatArray) -> float:
    """``sum(x * y)`` of two 1-D views, in float64 over chunks of the dtype's sums."""
    n = x.shape[0]
    if n <= _SUM_CHUNK:  # one chunk: no views to cut (most slices)
        part = _cast_like(0.0, x[0])
        for i in range(n):
            part += x[i] * y[i]
        return np.float64(part)
    total = 0.0
    for c0 in range(0, n, _SUM_CHUNK):
        xc = x[c0 : c0 + _SUM_CHUNK]
        yc = y[c0 : c0 + _SUM_CHUNK]
        part = _cast_like(0.0, x[0])
        for i in range(xc.shape[0]):
            part += xc[i] * yc[i]
        total += part
    return total


@_njit(fastmath={"reassoc", "contract"})
def _included_sum(g: FloatArray, log_y: FloatArray) -> float:
    """Sum of ``g`` where ``log_y > -inf``, as :func:`_dot` sums."""
    n = g.shape[0]
    total = 0.0
    for c0 in range(0, n, _SUM_CHUNK):
        gc = g[c0 : c0 + _SUM_CHUNK]
        lc = log_y[c0 : c0 + _SUM_CHUNK]
        part = _cast_like(0.0, g[0])
        for i in range(gc.shape[0]):
            part += gc[i] if lc[i] != -np.inf else 0.0
        total += part
    return total


@_njit()
def _has_nan(x: FloatArray) -> bool:
    """Return True when the 1-D array `x` holds a NaN."""
    for i in range(x.shape[0]):
        if x[i] != x[i]:
            return True
    return False


# --- forward: contiguous slices ---------------------------------------------


@_njit()
def _exps(x: FloatArray, m: Any, t: Any, scale: float, out: FloatArray) -> None:
    """``out = exp((x - m) / t) * scale`` over 1-D views."""
    # Dividing by T = 1 changes nothing, and the division is the slowest step.
    if t == 1.0:
        for i in range(x.shape[0]):
            out[i] = _exp_nonpositive(x[i] - m) * scale
    else:
        for i in range(x.shape[0]):
            out[i] = _exp_nonpositive((x[i] - m) / t) * scale


@_njit()
def _shifted_exp(v: Any, m: Any, t: Any) -> Any:
    """``exp((v - m) / t)``, compiled without "reassoc" (see :func:`_park_exps`)."""
    return _exp_nonpositive(v - m) if t == 1.0 else _exp_nonpositive((v - m) / t)


@_njit(fastmath={"reassoc", "contract"})
def _park_exps(x: FloatArray, m: Any, t: Any, out: FloatArray) -> float:
    """``out = exp((x - m) / t)`` over 1-D views; return ``sum(out)`` in float64.

    One pass instead of two (exps, then their sum). "reassoc" lets the sum
    vectorise; it applies to this function's own additions only, not to the
    exps (:func:`_shifted_exp` is compiled without it, and LLVM keeps each
    instruction's flags when it inlines). Summing each chunk in the input's
    dtype keeps float32 in float32 registers, twice as many per vector.
    """
    n = x.shape[0]
    total = 0.0
    for c0 in range(0, n, _SUM_CHUNK):
        xc = x[c0 : c0 + _SUM_CHUNK]
        oc = out[c0 : c0 + _SUM_CHUNK]
        part = _cast_like(0.0, x[0])
        for i in range(xc.shape[0]):
            e = _shifted_exp(xc[i], m, t)
            oc[i] = e
            part += e
        total += part
    return total


@_njit()
def _scale(out: FloatArray, scale: float) -> None:
    """``out *= scale`` over a 1-D view, in the view's dtype."""
    s = _cast_like(scale, out[0])
    for i in range(out.shape[0]):
        out[i] = out[i] * s


@_njit()
def _log_finish(x: FloatArray, m: Any, t: Any, lse: float, out: FloatArray) -> None:
    """``out = (x - m) / t - lse`` over 1-D views."""
    if t == 1.0:
        for i in range(x.shape[0]):
            out[i] = (x[i] - m) - lse
    else:
        for i in range(x.shape[0]):
            out[i] = (x[i] - m) / t - lse


@_njit()
def _parked_exps_sum(x: FloatArray, m: Any, t: Any, out: FloatArray) -> float:
    """:func:`_park_exps` of a slice with max `m`; 0 when `m` is not finite."""
    if abs(m) == np.inf:
        return 0.0
    return _park_exps(x, m, t, out)


@_njit()
def _finish_short_row(
    x: FloatArray, out: FloatArray, t: Any, log: bool, m: Any, total: float
) -> None:
    """Turn the exps :func:`_parked_exps_sum` parked in `out` into the result."""
    if m == np.inf or (m == -np.inf and _has_nan(x)):
        out[:] = np.nan
    elif m == -np.inf:
        out[:] = -np.inf if log else 0.0
    elif total != total:  # a NaN entry, through exp(NaN)
        out[:] = np.nan
    elif log:
        _log_finish(x, m, t, math.log(total), out)
    else:
        _scale(out, 1.0 / total)


@_njit()
def _forward_short_row(x: FloatArray, out: FloatArray, t: Any, log: bool) -> None:
    """Softmax (or log-softmax) of a slice that fits one block, into `out`.

    The block case of :func:`_forward_row` without its bookkeeping, which
    costs as much as the work itself on slices of a hundred entries: max,
    then exps parked in `out` and summed, then scaled.
    """
    m = _max(x)
    _finish_short_row(x, out, t, log, m, _parked_exps_sum(x, m, t, out))


@_njit()
def _prefetch_next_group(flat: FloatArray, n: int, r: int) -> None:
    """Prefetch the four rows after rows ``r`` to ``r + 3`` of a 2-D array.

    Or four rows :data:`_PREFETCH_AHEAD_BYTES` ahead, when that is further;
    nothing for groups over :data:`_PREFETCH_MAX_GROUP_BYTES`. `flat` is the
    C-contiguous array of rows of `n` entries, flattened by the caller once
    (``reshape`` calls into numba's runtime: per group of four rows, that
    call cost 5% of the whole kernel). Only inputs: prefetching the output's
    lines for writing as well gained nothing.
    """
    if 4 * n * flat.itemsize > _PREFETCH_MAX_GROUP_BYTES:
        return
    start = r * n + max(4 * n, _PREFETCH_AHEAD_BYTES // flat.itemsize)
    stop = min(flat.shape[0], start + 4 * n)
    for k in range(start, stop, 64 // flat.itemsize):  # one hint per cache line
        _prefetch(flat, k)


@_njit(fastmath={"reassoc", "contract"})
def _park_exps_4(
    x: FloatArray, out: FloatArray, r: int, t: Any, m0: Any, m1: Any, m2: Any, m3: Any
) -> tuple[float, float, float, float]:
    """:func:`_park_exps` of rows ``r`` to ``r + 3`` of 2-D arrays, with maxima `m*`.

    For rows of at most :data:`_SUM_CHUNK` entries (one partial sum each) and
    finite maxima. Returns the four sums in float64. Four loops in one
    function rather than four calls on row views: the calls cost as much as
    the exps (:func:`_forward_4_short_rows`).
    """
    n = x.shape[1]
    s0 = s1 = s2 = s3 = _cast_like(0.0, x[r, 0])
    for i in range(n):
        e = _shifted_exp(x[r, i], m0, t)
        out[r, i] = e
        s0 += e
    for i in range(n):
        e = _shifted_exp(x[r + 1, i], m1, t)
        out[r + 1, i] = e
        s1 += e
    for i in range(n):
        e = _shifted_exp(x[r + 2, i], m2, t)
        out[r + 2, i] = e
        s2 += e
    for i in range(n):
        e = _shifted_exp(x[r + 3, i], m3, t)
        out[r + 3, i] = e
        s3 += e
    return np.float64(s0), np.float64(s1), np.float64(s2), np.float64(s3)


@_njit()
def _scale_4(
    out: FloatArray, r: int, s0: float, s1: float, s2: float, s3: float
) -> None:
    """Divide rows ``r`` to ``r + 3`` of the 2-D `out` by their sums `s*`.

    As :func:`_scale` does with ``1 / s``, four rows in one function.
    """
    n = out.shape[1]
    c0 = _cast_like(1.0 / s0, out[r, 0])
    c1 = _cast_like(1.0 / s1, out[r, 0])
    c2 = _cast_like(1.0 / s2, out[r, 0])
    c3 = _cast_like(1.0 / s3, out[r, 0])
    for i in range(n):
        out[r, i] = out[r, i] * c0
    for i in range(n):
        out[r + 1, i] = out[r + 1, i] * c1
    for i in range(n):
        out[r + 2, i] = out[r + 2, i] * c2
    for i in range(n):
        out[r + 3, i] = out[r + 3, i] * c3


@_njit()
def _forward_4_short_rows(
    x: FloatArray, out: FloatArray, r: int, t: Any, log: bool
) -> None:
    """:func:`_forward_short_row` of rows ``r`` to ``r + 3`` of 2-D arrays.

    Step by step for the four rows together (four maxima, then four sums of
    exps, then four scalings): each step of one short row ends in a chain of
    dependent operations (the max, the sum, 1 / sum) that leaves the core
    idle; four independent chains overlap. Rows of 128 float32 entries took
    120 ns each alone, 76 ns in fours (in cache, one thread).

    Ordinary rows (finite maxima and sums, at most :data:`_SUM_CHUNK`
    entries, softmax) take :func:`_park_exps_4` and :func:`_scale_4`, which
    index the 2-D arrays instead of calling per-row helpers on row views:
    90 -> 62 ns per row of 128 float32 (one thread, in cache). The others,
    with NaN, infinite or long rows, go row by row.
    """
    m0 = _max(x[r])
    m1 = _max(x[r + 1])
    m2 = _max(x[r + 2])
    m3 = _max(x[r + 3])
    finite = max(abs(m0), abs(m1), abs(m2), abs(m3)) < np.inf
    if x.shape[1] <= _SUM_CHUNK and finite:
        s0, s1, s2, s3 = _park_exps_4(x, out, r, t, m0, m1, m2, m3)
        # A NaN entry makes its row's sum NaN (through exp(NaN)), and so
        # this total; sums of exps of x - max lie in [1, n], never inf.
        total = s0 + s1 + s2 + s3
        if not log and total == total:
            _scale_4(out, r, s0, s1, s2, s3)
            return
    else:
        s0 = _parked_exps_sum(x[r], m0, t, out[r])
        s1 = _parked_exps_sum(x[r + 1], m1, t, out[r + 1])
        s2 = _parked_exps_sum(x[r + 2], m2, t, out[r + 2])
        s3 = _parked_exps_sum(x[r + 3], m3, t, out[r + 3])
    _finish_short_row(x[r], out[r], t, log, m0, s0)
    _finish_short_row(x[r + 1], out[r + 1], t, log, m1, s1)
    _finish_short_row(x[r + 2], out[r + 2], t, log, m2, s2)
    _finish_short_row(x[r + 3], out[r + 3], t, log, m3, s3)


@_njit()
def _forward_row(x: FloatArray, out: FloatArray, t: Any, log: bool) -> None:
    """Softmax (or log-softmax) of one contiguous slice `x` into `out`."""
    n = x.shape[0]
    block = _BLOCK_BYTES // x.itemsize
    if n <= block:
        _forward_short_row(x, out, t, log)
        return
    m = _cast_like(-np.inf, x[0])
    total = 0.0
    final_from = 0  # first block whose exps were taken with the final max
    poisoned = False
    for b0 in range(0, n, block):
        xb = x[b0 : b0 + block]
        bm = _max(xb)
        if bm > m:
            # Online softmax: the running sum was taken relative to the old
            # max; exp(-inf) = 0 covers the first finite block.
            if total != 0.0:
                total *= _exp_nonpositive(
                    (np.float64(m) - np.float64(bm)) / np.float64(t)
                )
            m = bm
            final_from = b0
        if m == np.inf:
            poisoned = True
            break
        if m == -np.inf:
            # All -inf so far: nothing to add, but a NaN here poisons the slice
            # (the exps that would carry it are skipped).
            if _has_nan(xb):
                poisoned = True
                break
            continue
        # Park the block's exps in `out` while it is in L2, and sum them.
        ob = out[b0 : b0 + block]
        total += _park_exps(xb, m, t, ob)
    # Past the first finite max, NaN reaches `total` through exp(NaN).
    if poisoned or total != total:
        out[:] = np.nan
    elif m == -np.inf:
        # Every entry is -inf: softmax 0, log-softmax -inf (reference: shift 0).
        out[:] = -np.inf if log else 0.0
    elif log:
        _log_finish(x, m, t, math.log(total), out)
    else:
        # Blocks before the final max was found are recomputed, so every
        # output is exp((x - max) / T) / sum, as in the reference.
        inv = 1.0 / total
        _exps(x[:final_from], m, t, inv, out[:final_from])
        _scale(out[final_from:], inv)


# --- forward: strided slices --------------------------------------------------
#
# A band is ``x[:, i0:i1]`` of a 2-D ``(n, inner)`` array: `width` neighbouring
# slices, one per column, at most 8 KiB wide so its rows stream well. The
# helpers below take one row of a band, a contiguous 1-D view, so that LLVM
# vectorises across the columns.
#
# A band of a long axis does not stay in cache (with a power-of-two `inner`
# its rows even compete for the same cache sets), so the column kernel is the
# textbook two-pass online softmax: pass 1 reads the band once for the running
# max and sum (step by step: a step's max, then its exps from cache), pass 2
# reads it again to write exp((x - max) / T) / sum.


def _band_width(outer: int, inner: int, itemsize: int, min_bands: int) -> int:
    """Slices per band: :data:`_BAND_ROW_BYTES` worth, or all of `inner`.

    Narrower (down to a cache line) when that would leave fewer than
    `min_bands` bands in all, so that every thread has work: axis 0 of a
    (2048, 1000) float64 array would otherwise be one band, on one thread
    (7.5 ms forward + backward; 4.4 ms in four bands). Widths stay whole
    cache lines, so two threads never write the same line.
    """
    w = min(inner, _BAND_ROW_BYTES // itemsize)
    line = 64 // itemsize
    while outer * ((inner + w - 1) // w) < min_bands and w >= 2 * line:
        w = ((w + 1) // 2 + line - 1) // line * line
    return w


@_njit()
def _fold_max(row: FloatArray, acc: FloatArray) -> None:
    """``acc = max(acc, row)`` entrywise, ignoring NaN in `row`."""
    for c in range(row.shape[0]):
        v = row[c]
        acc[c] = v if v > acc[c] else acc[c]


@_njit()
def _rescale(m: FloatArray, new_max: FloatArray, t: Any, total: FloatArray) -> None:
    """Raise the running max `m` to `new_max`, rescaling the running sums.

    ``total`` was summed relative to ``m``; relative to the new max it is
    ``total * exp((m - new) / t)`` (0 when ``m`` was ``-inf``).
    """
    tt = np.float64(t)
    for c in range(m.shape[0]):
        old = m[c]
        new = new_max[c] if new_max[c] > old else old
        factor = _exp_nonpositive((np.float64(old) - np.float64(new)) / tt)
        total[c] = total[c] * factor if new != old else total[c]
        m[c] = new


@_njit()
def _finite_or_zero(m: FloatArray, shift: FloatArray) -> None:
    """``shift = m`` where finite, else 0 (the reference's shift)."""
    for c in range(m.shape[0]):
        shift[c] = m[c] if abs(m[c]) < np.inf else 0.0


@_njit()
def _add_exps_row(row: FloatArray, shift: FloatArray, t: Any, acc: FloatArray) -> None:
    """``acc += exp((row - shift) / t)`` entrywise (`acc` is float64)."""
    if t == 1.0:
        for c in range(row.shape[0]):
            acc[c] += _exp_nonpositive(row[c] - shift[c])
    else:
        for c in range(row.shape[0]):
            acc[c] += _exp_nonpositive((row[c] - shift[c]) / t)


@_njit()
def _park_exps_row(
    row: FloatArray, shift: FloatArray, t: Any, out: FloatArray, acc: FloatArray
) -> None:
    """``out = exp((row - shift) / t)`` and ``acc += out`` entrywise."""
    if t == 1.0:
        for c in range(row.shape[0]):
            e = _exp_nonpositive(row[c] - shift[c])
            out[c] = e
            acc[c] += e
    else:
        for c in range(row.shape[0]):
            e = _exp_nonpositive((row[c] - shift[c]) / t)
            out[c] = e
            acc[c] += e


@_njit()
def _scale_row(out: FloatArray, scale: FloatArray) -> None:
    """``out *= scale`` entrywise."""
    for c in range(out.shape[0]):
        out[c] = out[c] * scale[c]


@_njit()
def _finish_softmax_row(
    row: FloatArray, m: FloatArray, t: Any, scale: FloatArray, out: FloatArray
) -> None:
    """``out = exp((row - m) / t) * scale`` entrywise."""
    if t == 1.0:
        for c in range(row.shape[0]):
            out[c] = _exp_nonpositive(row[c] - m[c]) * scale[c]
    else:
        for c in range(row.shape[0]):
            out[c] = _exp_nonpositive((row[c] - m[c]) / t) * scale[c]


@_njit()
def _finish_log_row(
    row: FloatArray, m: FloatArray, t: Any, lse: FloatArray, out: FloatArray
) -> None:
    """``out = (row - m) / t - lse`` entrywise."""
    if t == 1.0:
        for c in range(row.shape[0]):
            out[c] = (row[c] - m[c]) - lse[c]
    else:
        for c in range(row.shape[0]):
            out[c] = (row[c] - m[c]) / t - lse[c]


@_njit()
def _forward_band(
    x: FloatArray, out: FloatArray, t: Any, log: bool, i0: int, i1: int
) -> None:
    """Softmax over axis 0 of the band ``x[:, i0:i1]`` (2-D), into `out`."""
    n = x.shape[0]
    w = i1 - i0
    m = np.full(w, -np.inf, dtype=x.dtype)
    step_max = np.empty(w, dtype=x.dtype)
    shift = np.zeros(w, dtype=x.dtype)
    total = np.zeros(w, dtype=np.float64)
    step = max(1, _STEP_BYTES // (w * x.itemsize))
    # A band that fits one step is in L1 throughout: take its max, then park
    # its exps in `out` (they are final: the max will not move) and rescale.
    parked = n <= step
    # Pass 1: running max and sum, a step of rows at a time.
    for j0 in range(0, n, step):
        j1 = min(j0 + step, n)
        step_max[:] = -np.inf
        for j in range(j0, j1):
            _fold_max(x[j, i0:i1], step_max)
        _rescale(m, step_max, t, total)
        # A column without a finite max is shifted by 0, as in the reference;
        # its exps then carry any NaN into `total`.
        _finite_or_zero(m, shift)
        for j in range(j0, j1):
            if parked:
                _park_exps_row(x[j, i0:i1], shift, t, out[j, i0:i1], total)
            else:
                _add_exps_row(x[j, i0:i1], shift, t, total)
    # Pass 2: out = exp((x - m) / T) * scale, or (x - m) / T - scale.
    scale = np.empty(w, dtype=np.float64)
    for c in range(w):
        if m[c] == np.inf or total[c] != total[c]:
            scale[c] = np.nan
        elif m[c] == -np.inf:
            # All -inf: shift by 0, so softmax gives exp(-inf) * 0 = 0 and
            # log-softmax -inf - 0 = -inf.
            scale[c] = 0.0
            m[c] = 0.0
        elif log:
            scale[c] = math.log(total[c])
        else:
            scale[c] = 1.0 / total[c]
    for j in range(n):
        if log:
            _finish_log_row(x[j, i0:i1], m, t, scale, out[j, i0:i1])
        elif parked:
            _scale_row(out[j, i0:i1], scale)
        else:
            _finish_softmax_row(x[j, i0:i1], m, t, scale, out[j, i0:i1])


# --- backward -----------------------------------------------------------------


@_njit()
def _vjp_row_total(y: FloatArray, g: FloatArray, log: bool) -> float:
    """Return ``<g, y>``, or for log-softmax the sum of ``g`` where ``log y > -inf``.

    Entries with ``log y = -inf`` take no part in a log-softmax VJP.
    """
    return _included_sum(g, y) if log else _dot(g, y)


@_njit()
def _vjp_row_write(
    y: FloatArray, g: FloatArray, out: FloatArray, inv_t: float, log: bool, total: float
) -> None:
    """Write the VJP of one contiguous slice, given :func:`_vjp_row_total`."""
    if log:
        # (g - exp(log y) * sum(g)) / T, 0 where log y = -inf
        for i in range(y.shape[0]):
            ly = y[i]
            d = (g[i] - _exp(ly) * total) * inv_t
            out[i] = 0.0 if ly == -np.inf else d
    else:
        # y * (g - <g, y>) / T, in the dtype of y (as the reference computes)
        dot = _cast_like(total, y[0])
        scale = _cast_like(inv_t, y[0])
        for i in range(y.shape[0]):
            out[i] = (g[i] - dot) * y[i] * scale


@_njit()
def _vjp_row(
    y: FloatArray, g: FloatArray, out: FloatArray, t: Any, log: bool
) -> None:
    """VJP of softmax (or log-softmax, `y` = log y) for one contiguous slice."""
    # Multiplying by 1 / T instead of dividing moves a result by at most an
    # ulp (and not at all for T = 1); the division would be the slowest step.
    inv_t = 1.0 / np.float64(t)
    _vjp_row_write(y, g, out, inv_t, log, _vjp_row_total(y, g, log))


@_njit(fastmath={"reassoc", "contract"})
def _dots_4(
    y: FloatArray, g: FloatArray, r: int
) -> tuple[float, float, float, float]:
    """:func:`_dot` of rows ``r`` to ``r + 3`` of 2-D arrays, in one function.

    For rows of at most :data:`_SUM_CHUNK` entries (one partial sum each).
    """
    n = y.shape[1]
    s0 = s1 = s2 = s3 = _cast_like(0.0, y[r, 0])
    for i in range(n):
        s0 += g[r, i] * y[r, i]
    for i in range(n):
        s1 += g[r + 1, i] * y[r + 1, i]
    for i in range(n):
        s2 += g[r + 2, i] * y[r + 2, i]
    for i in range(n):
        s3 += g[r + 3, i] * y[r + 3, i]
    return np.float64(s0), np.float64(s1), np.float64(s2), np.float64(s3)


@_njit()
def _vjp_write_4(
    y: FloatArray,
    g: FloatArray,
    out: FloatArray,
    r: int,
    inv_t: float,
    d0: float,
    d1: float,
    d2: float,
    d3: float,
) -> None:
    """:func:`_vjp_row_write` (softmax) of rows ``r`` to ``r + 3``, dots `d*`."""
    n = y.shape[1]
    scale = _cast_like(inv_t, y[r, 0])
    c0 = _cast_like(d0, y[r, 0])
    c1 = _cast_like(d1, y[r, 0])
    c2 = _cast_like(d2, y[r, 0])
    c3 = _cast_like(d3, y[r, 0])
    for i in range(n):
        out[r, i] = (g[r, i] - c0) * y[r, i] * scale
    for i in range(n):
        out[r + 1, i] = (g[r + 1, i] - c1) * y[r + 1, i] * scale
    for i in range(n):
        out[r + 2, i] = (g[r + 2, i] - c2) * y[r + 2, i] * scale
    for i in range(n):
        out[r + 3, i] = (g[r + 3, i] - c3) * y[r + 3, i] * scale


@_njit()
def _vjp_4_rows(
    y: FloatArray, g: FloatArray, out: FloatArray, r: int, t: Any, log: bool
) -> None:
    """:func:`_vjp_row` of rows ``r`` to ``r + 3`` of 2-D arrays.

    Step by step for the four rows together, as in :func:`_forward_4_short_rows`,
    and for softmax rows of at most :data:`_SUM_CHUNK` entries in one
    function each step (:func:`_dots_4`, :func:`_vjp_write_4`).
    """
    inv_t = 1.0 / np.float64(t)
    if not log and y.shape[1] <= _SUM_CHUNK:
        d0, d1, d2, d3 = _dots_4(y, g, r)
        _vjp_write_4(y, g, out, r, inv_t, d0, d1, d2, d3)
        return
    s0 = _vjp_row_total(y[r], g[r], log)
    s1 = _vjp_row_total(y[r + 1], g[r + 1], log)
    s2 = _vjp_row_total(y[r + 2], g[r + 2], log)
    s3 = _vjp_row_total(y[r + 3], g[r + 3], log)
    _vjp_row_write(y[r], g[r], out[r], inv_t, log, s0)
    _vjp_row_write(y[r + 1], g[r + 1], out[r + 1], inv_t, log, s1)
    _vjp_row_write(y[r + 2], g[r + 2], out[r + 2], inv_t, log, s2)
    _vjp_row_write(y[r + 3], g[r + 3], out[r + 3], inv_t, log, s3)


@_njit()
def _add_products_row(g: FloatArray, y: FloatArray, acc: FloatArray) -> None:
    """``acc += g * y`` entrywise, in float64."""
    for c in range(g.shape[0]):
        acc[c] += np.float64(g[c]) * np.float64(y[c])


@_njit()
def _add_included_row(g: FloatArray, log_y: FloatArray, acc: FloatArray) -> None:
    """``acc += g`` where ``log_y > -inf``, in float64."""
    for c in range(g.shape[0]):
        acc[c] += np.float64(g[c]) if log_y[c] != -np.inf else 0.0


@_njit()
def _vjp_softmax_row(
    g: FloatArray, y: FloatArray, dot: FloatArray, inv_t: float, out: FloatArray
) -> None:
    """``out = (g - dot) * y * inv_t`` entrywise."""
    for c in range(g.shape[0]):
        out[c] = (g[c] - dot[c]) * y[c] * inv_t


@_njit()
def _vjp_log_row(
    g: FloatArray, log_y: FloatArray, total: FloatArray, inv_t: float, out: FloatArray
) -> None:
    """``out = (g - exp(log_y) * total) * inv_t``, 0 where ``log_y = -inf``."""
    for c in range(g.shape[0]):
        ly = log_y[c]
        d = (g[c] - _exp(ly) * total[c]) * inv_t
        out[c] = 0.0 if ly == -np.inf else d


@_njit()
def _vjp_band(
    y: FloatArray,
    g: FloatArray,
    out: FloatArray,
    t: Any,
    log: bool,
    i0: int,
    i1: int,
) -> None:
    """VJP over axis 0 of the band ``[:, i0:i1]`` of 2-D arrays, into `out`."""
    n = y.shape[0]
    acc = np.zeros(i1 - i0, dtype=np.float64)
    inv_t = 1.0 / np.float64(t)  # see _vjp_row
    if log:
        for j in range(n):
            _add_included_row(g[j, i0:i1], y[j, i0:i1], acc)
        for j in range(n):
            _vjp_log_row(g[j, i0:i1], y[j, i0:i1], acc, inv_t, out[j, i0:i1])
    else:
        for j in range(n):
            _add_products_row(g[j, i0:i1], y[j, i0:i1], acc)
        for j in range(n):
            _vjp_softmax_row(g[j, i0:i1], y[j, i0:i1], acc, inv_t, out[j, i0:i1])


# --- the parallel kernels -------------------------------------------------------
#
# Built twice, for softmax and for log-softmax, with `log` a constant of each
# closure: as a run-time argument it left both paths in every loop, and cost a
# third of the time of the rows VJP when its inputs were not in cache.


def _build_kernels(log: bool) -> dict[str, Callable[..., None]]:
    """Return the four parallel kernels with `log` fixed (numba caches each)."""

    @_njit(parallel=True)
    def forward_rows(x: FloatArray, out: FloatArray, t: Any) -> None:
        """Softmax along the last axis of the C-contiguous 2-D `x`, into `out`.

        `t` is the temperature in `x`'s dtype.
        """
        rows, n = x.shape
        if n > _BLOCK_BYTES // x.itemsize:
            for r in _prange(rows):
                _forward_row(x[r], out[r], t, log)
            return
        x_flat = x.reshape(-1)
        for q in _prange(rows // 4):
            _prefetch_next_group(x_flat, n, 4 * q)
            _forward_4_short_rows(x, out, 4 * q, t, log)
        for r in range(rows - rows % 4, rows):
            _forward_short_row(x[r], out[r], t, log)

    @_njit(parallel=True)
    def forward_columns(x: FloatArray, out: FloatArray, t: Any, w: int) -> None:
        """Softmax along axis 1 of the C-contiguous 3-D array `x`, into `out`.

        `w` is the band width (:func:`_band_width`).
        """
        outer, n, inner = x.shape
        bands = (inner + w - 1) // w
        for item in _prange(outer * bands):
            o = item // bands
            i0 = (item % bands) * w
            _forward_band(x[o], out[o], t, log, i0, min(i0 + w, inner))

    @_njit(parallel=True)
    def vjp_rows(y: FloatArray, g: FloatArray, out: FloatArray, t: Any) -> None:
        """VJP along the last axis of C-contiguous 2-D arrays, into `out`.

        Short slices go four at a time; a long one is read twice anyway.
        """
        rows, n = y.shape
        if n > _BLOCK_BYTES // y.itemsize:
            for r in _prange(rows):
                _vjp_row(y[r], g[r], out[r], t, log)
            return
        y_flat, g_flat = y.reshape(-1), g.reshape(-1)
        for q in _prange(rows // 4):
            _prefetch_next_group(y_flat, n, 4 * q)
            _prefetch_next_group(g_flat, n, 4 * q)
            _vjp_4_rows(y, g, out, 4 * q, t, log)
        for r in range(rows - rows % 4, rows):
            _vjp_row(y[r], g[r], out[r], t, log)

    @_njit(parallel=True)
    def vjp_columns(
        y: FloatArray, g: FloatArray, out: FloatArray, t: Any, w: int
    ) -> None:
        """VJP along axis 1 of C-contiguous 3-D arrays, into `out` (`w`: band width)."""
        outer, n, inner = y.shape
        bands = (inner + w - 1) // w
        for item in _prange(outer * bands):
            o = item // bands
            i0 = (item % bands) * w
            _vjp_band(y[o], g[o], out[o], t, log, i0, min(i0 + w, inner))

    return {
        "forward_rows": forward_rows,
        "forward_columns": forward_columns,
        "vjp_rows": vjp_rows,
        "vjp_columns": vjp_columns,
    }


#: The kernels by name, for softmax (``KERNELS[False]``) and log-softmax.
KERNELS = {False: _build_kernels(False), True: _build_kernels(True)}


@_njit(parallel=True)
def _prefault(out: FloatArray) -> None:
    """Write a 0 into each 4 KiB page of the 1-D array `out`, block by block.

    The first write to a fresh page makes the kernel zero it (2 MiB at a time
    with transparent huge pages). A columns kernel on a single slab sends both
    threads down the same rows, so they would fault the same pages in turn and
    wait on each other; here each thread faults its own contiguous blocks.
    """
    page = 4096 // out.itemsize
    pages = (out.shape[0] + page - 1) // page
    per = (pages + 63) // 64
    for b in _prange(64):
        for p in range(b * per, min(pages, (b + 1) * per)):
            out[p * page] = 0.0


def launch(name: str, arrays: tuple[FloatArray, ...], t: Any, log: bool) -> None:
    """Run kernel `name` (``"forward"`` or ``"vjp"``) on ``(outer, n, inner)`` arrays.

    `arrays` are C-contiguous, of one dtype; the last one receives the result.
    `t` is the temperature in that dtype. ``inner == 1`` takes the rows kernel.

    Arrays under :data:`_PARALLEL_MIN_BYTES` run on the calling thread alone.
    Larger ones run on every core, in chunks of about a sixteenth of the work
    handed out as threads come free (numba's default is one equal share per
    thread, so a thread that another program holds up makes the other wait).
    On a machine whose cores are all busy with other programs a parallel call
    can still wait milliseconds for a thread to be scheduled: the price of
    halving the time on an idle one. A large strided axis of a single slab
    (``outer == 1``, such as axis 0 of a 2-D array) has its output's pages
    faulted in first (:func:`_prefault`):
    (4096, 4096) float64 along axis 0 went from 44 to 37 ms forward.
    """
    outer, n, inner = arrays[0].shape
    args: tuple[FloatArray, ...]
    layout = "rows" if inner == 1 else "columns"
    kernel = KERNELS[log][f"{name}_{layout}"]
    parallel = arrays[0].nbytes >= _PARALLEL_MIN_BYTES
    extra: tuple[int, ...] = ()
    if inner == 1:
        args = tuple(a.reshape(outer, n) for a in arrays)
        # short rows are handed out four at a time
        items = outer if n > _BLOCK_BYTES // arrays[0].itemsize else outer // 4
    else:
        args = arrays
        width = _band_width(outer, inner, arrays[0].itemsize, 4 if parallel else 1)
        extra = (width,)
        items = outer * -(-inner // width)
    threads = numba.get_num_threads()
    if not parallel:
        numba.set_num_threads(1)
    old = numba.get_parallel_chunksize()
    try:
        if parallel and inner > 1 and outer == 1:
            numba.set_parallel_chunksize(4)  # its 64 blocks, four at a time
            _prefault(arrays[-1].reshape(-1))
        numba.set_parallel_chunksize(max(1, items // 16))
        kernel(*args, t, *extra)
    finally:
        numba.set_parallel_chunksize(old)
        numba.set_num_threads(threads)


def warm_up() -> None:
    """Compile (or load from the disk cache) every kernel for float32 and float64.

    An app can call this at start-up so the first large softmax does not wait
    for numba. Does nothing without numba.
    """
    if numba is None:  # pragma: no cover
        return
    for dtype in (np.float32, np.float64):
        t = dtype(1.0)
        a2 = np.zeros((2, 3), dtype=dtype)
        a3 = np.zeros((2, 3, 2), dtype=dtype)
        for kernels in KERNELS.values():
            kernels["forward_rows"](a2, np.empty_like(a2), t)
            kernels["forward_columns"](a3, np.empty_like(a3), t, 2)
            kernels["vjp_rows"](a2, a2, np.empty_like(a2), t)
            kernels["vjp_columns"](a3, a3, np.empty_like(a3), t, 2)
        _prefault(np.empty(4, dtype=dtype))
