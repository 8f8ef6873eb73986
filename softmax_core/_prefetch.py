"""Software prefetch, for the kernels that handle short rows.

The rows kernels take four short rows at a time: their max, then their exps,
then the scaling, all from L1. Nothing asks for the next four rows until
those steps end, and the hardware prefetchers, which stop at every 4 KiB
page, did not fill the gap: on (32768, 128) float32 arrays out of cache, one
thread spent 138 ns per row forward and 111 backward, against 101 and 92 for
PyTorch's kernels. ``_fast._prefetch_next_group`` asks for the next group's
cache lines before a group starts, so they arrive while it computes: 111 and
101 ns per row on one thread. On both threads, in eight processes taking
turns with the previous kernels (forward + backward of (32, 8, 128, 128)
float32 in the order of ``benchmarks/bench_fast.py``), the medians went from
2.37 + 2.01 ms to 1.79 + 1.46 ms, and torch/ours from 0.90 to 1.16.

``llvm.prefetch`` is a hint: it never faults, never changes a result, and the
CPU may drop it. Usable only from numba-compiled code.
"""

from __future__ import annotations

from typing import Any

# numba's helpers carry no type information
cgutils: Any
intrinsic: Any
prefetch: Any
try:
    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.extending import intrinsic
except ImportError:  # pragma: no cover - no numba, no kernels
    intrinsic = None

__all__ = ["prefetch"]


def _codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    """Emit ``llvm.prefetch(&x[i], read, keep in all levels, data)``."""
    array = context.make_array(signature.args[0])(context, builder, args[0])
    index = context.cast(builder, args[1], signature.args[1], types.intp)
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


def _typing(typingctx: Any, x: Any, i: Any) -> Any:
    """Hint that entry `i` of the C-contiguous 1-D array `x` will be read soon.

    `i` is not checked: the caller keeps it inside `x`.
    """
    if not (
        isinstance(x, types.Array)
        and x.ndim == 1
        and x.layout == "C"
        and isinstance(i, types.Integer)
    ):
        return None
    return types.none(x, i), _codegen


if intrinsic is not None:
    prefetch = intrinsic(_typing)

else:  # pragma: no cover

    def prefetch(x: Any, i: Any) -> Any:
        """Unavailable without numba."""
        raise RuntimeError("prefetch needs numba")
