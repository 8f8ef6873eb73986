"""Fast path: softmax forward + backward against PyTorch and a memory copy.

For each row of the issue's table it times, in turn and several times over,
``softmax`` then ``softmax_vjp`` on the fused numba path, the same on the NumPy
reference, PyTorch's CPU kernels (``torch.softmax`` then
``torch._softmax_backward_data``, 2 threads) when torch is installed, and
``np.copyto`` of the input into a preallocated array (the floor), and prints
medians in milliseconds with the ratios torch/ours and ours/copy.

It also measures the peak extra memory of forward + backward (tracemalloc,
which sees NumPy's allocations) and the first-call latency of a fresh process
with an empty numba cache (cold) and with the cache it left behind (warm).

    .venv/bin/python benchmarks/bench_fast.py            # the table
    .venv/bin/python benchmarks/bench_fast.py --threshold  # where dispatch pays off
    .venv/bin/python benchmarks/bench_fast.py --processes 10  # ratios across processes

torch is never a dependency: ``pip install torch`` into .venv to get its column.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import softmax_core as sc  # noqa: E402
from softmax_core import paths  # noqa: E402

try:
    import torch
except ImportError:  # torch is optional: the table just loses its column
    torch = None

ROWS: list[tuple[tuple[int, ...], str, int]] = [
    ((4096, 4096), "float64", -1),
    ((4096, 4096), "float64", 0),
    ((4096, 4096), "float32", -1),
    ((32, 8, 128, 128), "float32", -1),
    ((512, 64, 64), "float64", 1),
]


@dataclass
class Row:
    shape: tuple[int, ...]
    dtype: str
    axis: int
    ms: dict[str, float]  # medians
    best: dict[str, float]  # minima: the least disturbed run of each
    memory: dict[str, float]


def ours(path: str, x: np.ndarray, g: np.ndarray, axis: int) -> Callable[[], Any]:
    def run() -> Any:
        with paths.use_path(path):  # type: ignore[arg-type]
            y = sc.softmax(x, axis)
            return sc.softmax_vjp(y, g, axis)

    return run


def torch_fb(x: np.ndarray, g: np.ndarray, axis: int) -> Callable[[], Any]:
    assert torch is not None
    xt, gt = torch.from_numpy(x), torch.from_numpy(g)
    dim = axis % x.ndim

    def run() -> Any:
        y = torch.softmax(xt, dim)
        return torch._softmax_backward_data(gt, y, dim, xt.dtype)

    return run


def copy_fb(x: np.ndarray) -> Callable[[], Any]:
    out = np.empty_like(x)
    return lambda: np.copyto(out, x)


def peak_extra(func: Callable[[], Any], nbytes: int) -> float:
    """Peak bytes NumPy allocated during `func`, as a multiple of `nbytes`."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    result = func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del result
    return (peak - base) / nbytes


def measure(
    reps: int,
    clock: Callable[[], float] = time.perf_counter,
    which: list[int] | None = None,
) -> list[Row]:
    rng = np.random.default_rng(0)
    rows = []
    for index, (shape, dtype, axis) in enumerate(ROWS):
        if which is not None and index not in which:
            continue
        x = (rng.standard_normal(shape) * 3).astype(dtype)
        g = rng.standard_normal(shape).astype(dtype)
        runs = {
            "fast": ours("fast", x, g, axis),
            "numpy": ours("numpy", x, g, axis),
            "copy": copy_fb(x),
        }
        if torch is not None:
            runs["torch"] = torch_fb(x, g, axis)
        times: dict[str, list[float]] = {name: [] for name in runs}
        for run in runs.values():  # warm: compile, fault in pages
            run()
        for _ in range(reps):  # in turn, so load changes hit every column alike
            for name, run in runs.items():
                start = clock()
                run()
                times[name].append(clock() - start)
        memory = {p: peak_extra(runs[p], x.nbytes) for p in ("fast", "numpy")}
        ms = {name: 1e3 * statistics.median(ts) for name, ts in times.items()}
        best = {name: 1e3 * min(ts) for name, ts in times.items()}
        rows.append(Row(shape, dtype, axis, ms, best, memory))
        print(f"measured {shape} {dtype} axis {axis}: {ms}", file=sys.stderr)
    return rows


FIRST_CALL = """
import time
start = time.perf_counter()
import numpy as np
import softmax_core as sc
x = np.random.default_rng(0).standard_normal((1024, 1024))
y = sc.softmax(x)
sc.softmax_vjp(y, x)
print(time.perf_counter() - start)
"""


def first_call() -> tuple[float, float]:
    """Seconds from ``import softmax_core`` to the first fast forward + backward."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        runs = []
        for _ in range(2):  # cold: empty cache; warm: the cache the first run left
            out = subprocess.run(
                [sys.executable, "-c", FIRST_CALL],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            runs.append(float(out.stdout))
    return runs[0], runs[1]


def table(rows: list[Row], stat: str = "ms") -> str:
    has_torch = all("torch" in r.ms for r in rows)
    head = ["shape", "dtype", "axis", "fast ms", "NumPy ms"]
    head += ["torch ms", "copy ms", "torch/fast"] if has_torch else ["copy ms"]
    head += ["fast/copy", "NumPy/fast", "peak extra (fast)", "peak extra (NumPy)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        ms = getattr(r, stat)
        cells = [str(r.shape), r.dtype, str(r.axis), f"{ms['fast']:.1f}"]
        cells.append(f"{ms['numpy']:.1f}")
        if has_torch:
            cells += [f"{ms['torch']:.1f}", f"{ms['copy']:.1f}"]
            cells.append(f"{ms['torch'] / ms['fast']:.2f}")
        else:
            cells.append(f"{ms['copy']:.1f}")
        cells.append(f"{ms['fast'] / ms['copy']:.2f}")
        cells.append(f"{ms['numpy'] / ms['fast']:.1f}")
        cells.append(f"{r.memory['fast']:.2f}x")
        cells.append(f"{r.memory['numpy']:.2f}x")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def across_processes(processes: int, reps: int, which: list[int] | None) -> str:
    """Run the table in `processes` fresh processes; summarise each row's ratios.

    Within one process the glibc heap settles into one pattern of which
    freed memory each call's outputs reuse, and whether that memory is still
    in cache moves the 16 MiB rows by a third; repetitions inside a process
    do not average that out, fresh processes do.
    """
    per_row: dict[tuple[tuple[int, ...], str, int], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run.json"
        for _ in range(processes):
            command = [sys.executable, __file__, "--reps", str(reps)]
            command += ["--no-first-call", "--json", str(out)]
            if which is not None:
                command += ["--rows", ",".join(map(str, which))]
            subprocess.run(command, check=True, capture_output=True)
            for row in json.loads(out.read_text())["rows"]:
                key = (tuple(row["shape"]), row["dtype"], row["axis"])
                per_row.setdefault(key, []).append(row["ms"])
    has_torch = all("torch" in ms for runs in per_row.values() for ms in runs)
    head = ["shape", "dtype", "axis", "fast/copy: median (range)", "above 4"]
    if has_torch:
        head += ["torch/fast: median (range)", "below 1.0"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for (shape, dtype, axis), runs in per_row.items():
        over_copy = [ms["fast"] / ms["copy"] for ms in runs]
        cells = [str(shape), dtype, str(axis), _spread(over_copy)]
        cells.append(f"{sum(r > 4 for r in over_copy)} of {len(runs)}")
        if has_torch:
            torch_over = [ms["torch"] / ms["fast"] for ms in runs]
            cells.append(_spread(torch_over))
            cells.append(f"{sum(r < 1 for r in torch_over)} of {len(runs)}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _spread(values: list[float]) -> str:
    return (f"{statistics.median(values):.2f} "
            f"({min(values):.2f} to {max(values):.2f})")


def threshold(reps: int) -> None:
    """Fast vs NumPy forward + backward on small arrays, to place MIN_FAST_SIZE."""
    rng = np.random.default_rng(1)
    print("| entries | layout | dtype | fast us | NumPy us | NumPy/fast |")
    print("|---|---|---|---|---|---|")
    for size in (1024, 4096, 8192, 16384, 32768, 65536, 262144):
        for layout, dtype in (("rows", "float64"), ("columns", "float64"),
                              ("rows", "float32")):
            shape, axis = ((size // 64, 64), -1) if layout == "rows" else (
                (64, size // 64), 0)
            x = rng.standard_normal(shape).astype(dtype)
            g = rng.standard_normal(shape).astype(dtype)
            runs = {p: ours(p, x, g, axis) for p in ("fast", "numpy")}
            times: dict[str, list[float]] = {p: [] for p in runs}
            for run in runs.values():
                run()
            for _ in range(reps):
                for p, run in runs.items():
                    start = time.perf_counter()
                    run()
                    times[p].append(time.perf_counter() - start)
            fast, ref = (1e6 * statistics.median(times[p]) for p in ("fast", "numpy"))
            print(f"| {size} | {layout} | {dtype} | {fast:.0f} | {ref:.0f} | "
                  f"{ref / fast:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15, help="timed runs per column")
    parser.add_argument("--threshold", action="store_true",
                        help="time small arrays instead, to place MIN_FAST_SIZE")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--rows",
        type=lambda text: [int(i) for i in text.split(",")],
        help="only these rows of the table, counted from 0 (e.g. 3,4)",
    )
    parser.add_argument(
        "--no-first-call", action="store_true", help="skip the first-call timing"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="run the table in this many fresh processes, one after another, "
        "and print each row's ratios across them (median and range)",
    )
    parser.add_argument(
        "--single-thread",
        action="store_true",
        help="one thread each, timed in CPU time of the calling thread: "
        "figures that other programs on a busy machine barely disturb",
    )
    args = parser.parse_args()
    if not paths.fast_available():
        sys.exit("numba is not installed, so there is no fast path to measure: "
                 "install the 'fast' extra (`make bench` does)")
    if torch is not None:
        torch.set_num_threads(2)
    if args.threshold:
        threshold(max(args.reps, 51))
        return
    load = os.getloadavg()[0]
    if args.processes > 1:
        summary = across_processes(args.processes, args.reps, args.rows)
        print(f"{args.processes} processes of {args.reps} runs each (load average "
              f"{load:.1f} before, {os.getloadavg()[0]:.1f} after); ratios of "
              "each process's medians:")
        print()
        print(summary)
        return
    if args.single_thread:
        import numba

        numba.set_num_threads(1)
        if torch is not None:
            torch.set_num_threads(1)
        rows = measure(args.reps, time.thread_time, args.rows)
        print(f"One thread each, CPU time of the calling thread, {args.reps} runs "
              f"(load average {load:.1f}). Medians:")
        print()
        print(table(rows))
        print()
        print("Best of each:")
        print()
        print(table(rows, "best"))
        return
    cold, warm = (math.nan, math.nan) if args.no_first_call else first_call()
    rows = measure(args.reps, which=args.rows)
    print(f"Medians of {args.reps} runs (load average {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after):")
    print()
    print(table(rows))
    print()
    print(f"Best of {args.reps} runs (each column's least disturbed run):")
    print()
    print(table(rows, "best"))
    print()
    if not args.no_first_call:
        print(f"First call (import softmax_core + softmax + softmax_vjp of a "
              f"(1024, 1024) float64 array, fresh process): cold cache {cold:.2f} s, "
              f"warm cache {warm:.2f} s.")
    print(f"numba {__import__('numba').__version__}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'not installed'}, "
          f"{os.cpu_count()} cores, threads: numba "
          f"{__import__('numba').get_num_threads()}"
          f"{', torch ' + str(torch.get_num_threads()) if torch else ''}.")
    if args.json:
        args.json.write_text(json.dumps(
            {"rows": [r.__dict__ for r in rows], "first_call": [cold, warm]},
            indent=1))


if __name__ == "__main__":
    main()
