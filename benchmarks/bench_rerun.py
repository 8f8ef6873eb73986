"""Script rerun time of each page, without a browser.

Streamlit reruns the whole script on every interaction; this times that rerun
with ``AppTest`` (the same script run the server does, minus the websocket and
the browser's drawing, which ``bench_app.py`` measures). For each page and
input it opens the page once (filling the caches), then times `--repeats`
reruns with the same inputs, and `--repeats` reruns that change the
temperature between two values (both cached after the first pair), and prints
medians in ms.

    .venv/bin/python benchmarks/bench_rerun.py
    .venv/bin/python benchmarks/bench_rerun.py --repeats 5

Targets: under 200 ms on the default input, under 1 s for a
100,000-element input.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = ["home", "explore", "backward", "gradcheck", "stability"]
INPUTS = {
    "default (classic 2x2)": {},
    "100,000 entries": {"x": "random(100, 1000; seed=0)"},
}


def open_page(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    return at


def time_reruns(at: AppTest, repeats: int, *, flip_t: bool) -> float:
    times = []
    for i in range(repeats):
        if flip_t:
            at.select_slider(key="T").set_value(2.0 if i % 2 == 0 else 1.0)
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args()
    print(f"{'page':<10} {'input':<22} {'same inputs':>12} {'T changed':>10}  (ms)")
    for label, params in INPUTS.items():
        for page in PAGES:
            at = open_page(page, params)
            same = time_reruns(at, args.repeats, flip_t=False)
            flipped = time_reruns(at, args.repeats, flip_t=True)
            print(f"{page:<10} {label:<22} {same:12.0f} {flipped:10.0f}")


if __name__ == "__main__":
    main()
