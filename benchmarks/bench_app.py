"""Interaction latency of the real app, measured in headless Chromium.

Usage: ``.venv/bin/python benchmarks/bench_app.py [--repeats 20] [--pages ...]``

Starts ``streamlit run app.py`` on a free loopback port (the same set-up as the
browser tests, ``tools/browser.py``) and measures, for the classic example
and for a 100,000-element input:

* first render: from ``page.goto`` of a shared link to the end of the script run
  with every chart drawn, in a fresh browser context (a new session); the first
  load of each page and the median of the next few are reported;
* interactions: from committing a change (a new array typed in the x box,
  another slice picked, another axis picked, the temperature slider moved one
  notch) to the charts showing the new data (for a slice, the link box naming
  it) and the run finished; p50 and p95 over ``--repeats`` changes of each
  kind. Every new array is new to the cache; the
  axis and temperature flip between two values, so after the first two changes
  the computations come from the cache, as when a learner toggles a control.

Not a test: nothing here asserts a time. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import quote, urlencode

import numpy as np
from playwright.sync_api import Browser, Page, sync_playwright

# tools/ is not installed with the app: import it from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.browser import (
    chart_signature,
    find_chromium,
    launch,
    serve_app,
    wait_for_app,
    wait_for_charts_to_change,
)

PAGES = ("home", "explore", "backward", "gradcheck", "stability")


@dataclass(frozen=True)
class Case:
    """One input: its link parameters and how to make the k-th new array."""

    name: str
    params: dict[str, str]
    new_array: Callable[[int], str]
    axes: tuple[str, str]


CASES = {
    "classic": Case(
        "classic 2x2",
        {"x": "[[1, 2], [3, 4]]", "axis": "1"},
        lambda k: f"[[1, 2], [3, {5 + k}]]",
        ("0", "1"),
    ),
    "large": Case(
        "100,000 (100x1000)",
        {"x": "random(100, 1000; seed=0)", "axis": "-1"},
        lambda k: f"random(100, 1000; seed={k + 1})",
        ("0", "1"),
    ),
}


def link(url: str, page: str, params: dict[str, str]) -> str:
    path = "" if page == "home" else page
    query = urlencode(params, quote_via=quote)
    return f"{url}/{path}" + (f"?{query}" if query else "")


# Records when the app root's script state changes, in the page's own clock, so
# an interaction's time can be split into "until the script run finished" and
# "drawing what it sent".
_RUN_LOG_JS = """
window.__runLog = [];
new MutationObserver((changes) => {
  for (const change of changes) {
    const state = change.target.getAttribute("data-test-script-state");
    window.__runLog.push([state, performance.now()]);
  }
}).observe(document, {
  subtree: true, attributes: true, attributeFilter: ["data-test-script-state"],
});
"""


@dataclass
class Sample:
    """One interaction: total seconds, and seconds until its script run finished."""

    total: float
    run_done: float


def open_page(browser: Browser, target: str, charts: int) -> tuple[Page, float]:
    """Open `target` in a fresh context; return the page and the seconds it took."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(_RUN_LOG_JS)
    page = context.new_page()
    start = time.perf_counter()
    page.goto(target)
    wait_for_app(page, charts=charts, timeout=120_000)
    elapsed = time.perf_counter() - start
    if page.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"{target} shows a traceback")
    return page, elapsed


_LINK_BOX = '[data-testid="stSidebarContent"] [data-testid="stCode"]'


def _charts_changed(page: Page, before: str) -> None:
    wait_for_charts_to_change(page, before, timeout=120_000)


def _link_changed(page: Page, before: str) -> None:
    page.wait_for_function(
        "([sel, before]) => { const b = document.querySelector(sel);"
        " return b && b.innerText.trim() !== before; }",
        arg=[_LINK_BOX, before],
        timeout=120_000,
        polling="raf",
    )
    wait_for_app(page, charts=0, timeout=120_000)


def timed(
    page: Page,
    prepare: Callable[[], None],
    commit: Callable[[], None],
    wait: Callable[[Page, str], None] = _charts_changed,
) -> Sample:
    """Time `commit` until `wait` sees the page change (after an untimed `prepare`).

    By default the change is the charts' data; `_link_changed` waits for the
    link box instead.
    """
    prepare()
    if wait is _link_changed:
        before = page.locator(_LINK_BOX).inner_text().strip()
    else:
        before = chart_signature(page)
    mark = page.evaluate("() => { window.__runLog = []; return performance.now(); }")
    start = time.perf_counter()
    commit()
    wait(page, before)
    total = time.perf_counter() - start
    log = page.evaluate("() => window.__runLog")
    finished = [t for state, t in log if state == "notRunning"]
    run_done = (finished[-1] - mark) / 1000 if finished else float("nan")
    return Sample(total, run_done)


def interactions(page: Page, case: Case, repeats: int) -> dict[str, list[Sample]]:
    times: dict[str, list[Sample]] = {
        "array": [], "axis": [], "temperature": [], "slice": []
    }
    nothing: Callable[[], None] = lambda: None  # noqa: E731

    box = page.get_by_label("x: the array", exact=True)
    for k in range(repeats):
        fill = partial(box.fill, case.new_array(k))
        commit = partial(box.press, "Control+Enter")
        times["array"].append(timed(page, fill, commit))

    # Both slices of the classic example have the same softmax, so the charts
    # may not change: a slice pick is done when the link box names the slice
    # (the slice section is a fragment; the box is redrawn with it).
    slice_box = page.get_by_label("slice: index in dim 0", exact=True)
    for k in range(repeats):
        fill = partial(slice_box.fill, str((k + 1) % 2))
        commit = partial(slice_box.press, "Enter")
        times["slice"].append(timed(page, fill, commit, wait=_link_changed))

    axis_box = page.locator('[data-testid="stSelectbox"]').filter(
        has_text="axis: softmax along"
    )
    for k in range(repeats):
        axis = case.axes[k % 2]
        option = page.get_by_role("option", name=re.compile(rf"^{re.escape(axis)} "))
        times["axis"].append(timed(page, axis_box.click, option.click))

    thumb = (
        page.locator('[data-testid="stSlider"]')
        .filter(has_text="T: temperature")
        .get_by_role("slider")
    )
    for k in range(repeats):
        key = "ArrowRight" if k % 2 == 0 else "ArrowLeft"
        times["temperature"].append(timed(page, nothing, partial(thumb.press, key)))
    return times


def ms(seconds: float) -> str:
    return f"{1000 * seconds:,.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="changes of each kind")
    parser.add_argument(
        "--loads", type=int, default=5, help="page loads per page (0: skip)"
    )
    parser.add_argument(
        "--cases", nargs="+", default=list(CASES), choices=list(CASES), help="inputs"
    )
    parser.add_argument(
        "--pages",
        nargs="+",
        default=["explore", "backward"],
        choices=PAGES[1:],
        help="pages on which to time interactions",
    )
    args = parser.parse_args()
    cases = [CASES[name] for name in args.cases]

    with sync_playwright() as playwright:
        choice = find_chromium(playwright)
        if not choice.found:
            print(choice.reason, file=sys.stderr)
            return 1
        browser = launch(playwright, choice.path)
        with serve_app() as url:
            print(f"Chromium: {choice.reason}; {args.loads} loads per page, "
                  f"{args.repeats} changes of each kind\n")  # fmt: skip
            if args.loads:
                print("First render (goto to finished run with charts drawn), ms\n")
                print("| page | input | first load | median of next |")
                print("|---|---|---:|---:|")
            for case in cases if args.loads else []:
                for name in PAGES:
                    charts = 0 if name == "home" else 1
                    target = link(url, name, case.params)
                    loads = []
                    for _ in range(args.loads):
                        page, elapsed = open_page(browser, target, charts)
                        page.context.close()
                        loads.append(elapsed)
                    rest = statistics.median(loads[1:]) if len(loads) > 1 else loads[0]
                    print(f"| {name} | {case.name} | {ms(loads[0])} | {ms(rest)} |")
                    sys.stdout.flush()

            print("\nChange to updated charts, ms (run: until the script run ended)\n")
            print("| page | input | change | p50 | p95 | max | run p50 | run p95 |")
            print("|---|---|---|---:|---:|---:|---:|---:|")
            for case in cases:
                for name in args.pages:
                    page, _ = open_page(browser, link(url, name, case.params), 1)
                    times = interactions(page, case, args.repeats)
                    page.context.close()
                    for kind, samples in times.items():
                        total = [sample.total for sample in samples]
                        runs = [sample.run_done for sample in samples]
                        p50, p95 = np.percentile(total, [50, 95])
                        r50, r95 = np.percentile(runs, [50, 95])
                        print(
                            f"| {name} | {case.name} | {kind} | {ms(p50)} | "
                            f"{ms(p95)} | {ms(max(total))} | {ms(r50)} | {ms(r95)} |"
                        )
                        sys.stdout.flush()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
