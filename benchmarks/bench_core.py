"""Core benchmark: the vectorized VJP and the sliced gradient check.

Not a test: it prints a table of medians and ratios. Each comparison times its
contenders in turn, in one process, several repetitions each, so the ratios are
measured side by side on the same (noisy, shared) machine.

    .venv/bin/python benchmarks/bench_core.py            # full table
    .venv/bin/python benchmarks/bench_core.py --quick    # fewer repetitions

Rows:

1. softmax + VJP along the last axis of (1000, 1000) float64: ours (NumPy
   reference path and the automatic dispatch, which takes the fused kernels at
   this size), the per-slice Jacobian loop from the bug gallery, SciPy's
   forward plus the same VJP formula, and PyTorch when installed.
2. ``gradcheck(mode="sliced")`` against ``torch.autograd.gradcheck`` (its
   default slow mode, float64) on (48, 48) and (64, 64), both of softmax
   itself (the full Jacobian, which our sliced mode also recovers) and of the
   scalar loss ``sum(g * softmax(x))`` (the VJP for one g).
3. Peak extra memory of forward + backward on (1000, 1000) float64, measured
   with tracemalloc (which sees NumPy's allocations), as a multiple of the
   input's bytes.
4. The fast path: the table of ``benchmarks/bench_fast.py`` (fused
   kernels, NumPy reference, PyTorch and a memory copy on the issue's five
   shapes; ``--no-fast`` skips it, ``bench_fast.py`` alone has more options).

Targets: >= 50x the per-slice loop; sliced gradcheck >= 50x torch's
gradcheck at (48, 48); <= 3x the input's bytes of extra peak memory.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.special

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import softmax_core as sc  # noqa: E402
from softmax_core.paths import fast_available, use_path  # noqa: E402

try:
    import torch
except ImportError:  # torch is optional: its rows are skipped
    torch = None


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of `repeats` calls after one warm-up call, in ms."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def vjp_rows(repeats: int) -> list[tuple[str, float]]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1000, 1000))
    g = rng.standard_normal((1000, 1000))

    def ours() -> object:
        y = sc.softmax(x, -1)
        return sc.softmax_vjp(y, g, -1)

    def ours_numpy() -> object:
        with use_path("numpy"):
            return ours()

    loop = sc.IMPLEMENTATIONS["per_slice_loop"]

    def per_slice_loop() -> object:
        loop.forward(x, -1)
        return loop.backward(x, g, -1)

    def scipy_forward() -> object:
        y = scipy.special.softmax(x, axis=-1)
        return y * (g - np.sum(g * y, axis=-1, keepdims=True))

    contenders: list[tuple[str, Callable[[], object]]] = [
        ("ours (auto dispatch)", ours),
        ("ours (NumPy reference)", ours_numpy),
        ("scipy.special.softmax + VJP formula", scipy_forward),
    ]
    if torch is not None:
        torch.set_num_threads(2)
        xt, gt = torch.from_numpy(x), torch.from_numpy(g)

        def torch_fb() -> object:
            y = torch.softmax(xt, -1)
            return torch._softmax_backward_data(gt, y, -1, xt.dtype)

        contenders.append(("torch softmax + _softmax_backward_data", torch_fb))
    rows = [(name, median_ms(fn, repeats)) for name, fn in contenders]
    # The loop builds 1000 Jacobians of 1000 x 1000: a few runs are enough.
    rows.append(("per-slice Jacobian loop (gallery)", median_ms(per_slice_loop, 3)))
    return rows


def gradcheck_rows(
    repeats: int,
) -> list[tuple[str, float, float | None, float | None]]:
    """Ours (sliced) against torch's gradcheck of softmax itself and of the loss.

    torch.autograd.gradcheck of ``softmax`` compares the full size x size
    Jacobian, numeric and analytic; our sliced mode gets the same information
    (every slice's numeric Jacobian, and the analytic VJP) from 2n forward
    calls. torch's gradcheck of the scalar loss ``sum(g * softmax(x))`` asks
    the narrower question our report's verdict answers (is the VJP right for
    this g); it needs 2 * size forward calls of a cheap function.
    """
    rows: list[tuple[str, float, float | None, float | None]] = []
    rng = np.random.default_rng(0)
    for shape in [(48, 48), (64, 64)]:
        x = rng.standard_normal(shape)
        g = rng.standard_normal(shape)
        ours = median_ms(lambda: sc.gradcheck(x, g, -1), repeats)  # noqa: B023
        full = loss_only = None
        if torch is not None:
            xt = torch.tensor(x, requires_grad=True)
            gt = torch.from_numpy(g)

            def loss(v: torch.Tensor) -> torch.Tensor:
                return (gt * torch.softmax(v, -1)).sum()  # noqa: B023

            full = median_ms(
                lambda: torch.autograd.gradcheck(  # noqa: B023
                    lambda v: torch.softmax(v, -1), (xt,)  # noqa: B023
                ),
                1,
            )
            loss_only = median_ms(
                lambda: torch.autograd.gradcheck(loss, (xt,)),  # noqa: B023
                max(1, repeats // 3),
            )
        rows.append((f"{shape}", ours, full, loss_only))
    return rows


def peak_extra_memory() -> tuple[float, float]:
    """Peak bytes allocated during softmax + softmax_vjp, over the input's bytes."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1000, 1000))
    g = rng.standard_normal((1000, 1000))
    ratios = []
    for path in ("auto", "numpy"):
        with use_path(path):  # type: ignore[arg-type]
            tracemalloc.start()
            y = sc.softmax(x, -1)
            dx = sc.softmax_vjp(y, g, -1)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            del y, dx
        ratios.append(peak / x.nbytes)
    return ratios[0], ratios[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument(
        "--no-fast", action="store_true", help="skip the fast-path table"
    )
    args = parser.parse_args()
    repeats = 5 if args.quick else 15

    print("softmax + VJP, (1000, 1000) float64, axis -1  (median ms)")
    rows = vjp_rows(repeats)
    loop_ms = rows[-1][1]
    for name, ms in rows:
        print(f"  {name:<42} {ms:10.2f} ms   loop/this = {loop_ms / ms:8.1f}x")

    print("\ngradcheck: ours (sliced) vs torch.autograd.gradcheck (median ms)")
    for shape, ours, full, loss_only in gradcheck_rows(repeats):
        if full is None or loss_only is None:
            print(f"  {shape:<10} ours {ours:9.2f} ms   torch: not installed")
            continue
        print(
            f"  {shape:<10} ours {ours:8.2f} ms | torch, softmax's full Jacobian "
            f"{full:9.1f} ms = {full / ours:7.1f}x ours | torch, scalar loss "
            f"{loss_only:7.1f} ms = {loss_only / ours:5.1f}x ours"
        )

    auto, numpy_path = peak_extra_memory()
    print(
        "\npeak extra memory of softmax + softmax_vjp, (1000, 1000) float64: "
        f"{auto:.2f}x the input's bytes (auto dispatch), "
        f"{numpy_path:.2f}x (NumPy reference)"
    )

    if not args.no_fast and not fast_available():
        print("\nfast path: skipped, numba is not installed (the 'fast' extra; "
              "`make bench` installs it)")
    elif not args.no_fast:
        import bench_fast  # beside this file

        fast_reps = 7 if args.quick else 21
        print(f"\nfast path: forward + backward, medians of {fast_reps} runs (ms)\n")
        print(bench_fast.table(bench_fast.measure(fast_reps)))


if __name__ == "__main__":
    main()
