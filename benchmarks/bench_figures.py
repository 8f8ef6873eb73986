"""Figure builders: median milliseconds per call (server CPU of a page run).

Not a test: it prints a Markdown table. Each row builds one figure as a page
does, with Streamlit imported (so its Plotly template is the default, as in
the app); the median of several repeats of a timed loop is reported.

    .venv/bin/python benchmarks/bench_figures.py
"""

from __future__ import annotations

import statistics
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def cases(figures: ModuleType, masked: ModuleType) -> dict[str, Callable[[], object]]:
    """The builder calls to time, by row label."""
    rng = np.random.default_rng(0)
    z2, z100 = rng.standard_normal((2, 2)), rng.standard_normal((100, 100))
    grid = [rng.standard_normal((2, 2)) for _ in range(6)]
    titles = [f"x[{k}, :]" for k in range(6)]
    kept = np.array([[True, False], [True, True]])
    scales = np.logspace(0, 3, 61)
    broken = (scales > 177.4).astype(float)
    return {
        "heatmap 2x2": lambda: figures.heatmap(z2, diverging=True, title="J"),
        "heatmap 100x100": lambda: figures.heatmap(z100, diverging=True, title="J"),
        "jacobian_grid 6 panels of 2x2": lambda: figures.jacobian_grid(grid, titles),
        "mark_masked on a 2x2 heatmap (both calls)": lambda: masked.mark_masked(
            figures.heatmap(z2, diverging=True, title="J"), kept
        ),
        "sweep_line (61 scales, both marks)": lambda: figures.sweep_line(
            scales, broken, current=30.0, predicted=177.4, title="sweep"
        ),
    }


def median_ms(call: Callable[[], object], repeat: int = 7) -> float:
    """Median over `repeat` timed loops of the milliseconds per call."""
    number = max(1, int(0.2 / max(timeit.timeit(call, number=1), 1e-6)))
    runs = timeit.repeat(call, number=number, repeat=repeat)
    return 1000 * statistics.median(runs) / number


def main() -> None:
    import streamlit  # noqa: F401  (sets its Plotly template, as in the app)

    from softmax_app.render import figures, masked

    print("| builder call | median ms |\n|---|---:|")
    for label, call in cases(figures, masked).items():
        call()  # warm up: imports, plotly's validator caches
        print(f"| {label} | {median_ms(call):.2f} |")


if __name__ == "__main__":
    main()
