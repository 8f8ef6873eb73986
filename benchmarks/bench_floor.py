"""What Streamlit and Plotly cost here before any of our code: the floor.

Usage: ``.venv/bin/python benchmarks/bench_floor.py [--loads 7] [--repeats 20]``

Writes three minimal Streamlit apps into a temporary folder and times them
exactly as ``bench_app.py`` times ours (same server flags, same Chromium, same
"fully drawn" test from ``tools/browser.py``):

* **title**: ``st.title`` and a temperature select slider, nothing else;
* **heatmap**: the same plus one 2x2 Plotly heatmap;
* **softmax**: the heatmap shows ``softmax(x / T)`` of the classic 2x2 example,
  so moving the slider redraws it: the least an interaction can cost.

For each: a shared link opened in a new browser context (median of the loads
after the first), and for **softmax** the slider moved one notch, p50 and
p95. No time is asserted; it prints a Markdown table. If the floor is above a
target, no change to this app can meet that target on this machine.

``--serve NAME --port P`` only serves that minimal app (until Ctrl+C), e.g. for
``load.py`` (its T slider is in the link, as the real app's is).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import Page, sync_playwright

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

_HEAD = """\
import numpy as np
import streamlit as st

st.title("Floor")
t = float(st.sidebar.select_slider(
    "T: temperature", options=["0.5", "1", "2"],
    value=st.query_params.get("T", "1"),
))
st.query_params["T"] = str(t).removesuffix(".0")
"""
_HEATMAP = """\
import plotly.graph_objects as go

st.plotly_chart(go.Figure(go.Heatmap(z=[[1.0, 2.0], [3.0, 4.0]])))
"""
_SOFTMAX = """\
import plotly.graph_objects as go

x = np.array([[1.0, 2.0], [3.0, 4.0]]) / t
y = np.exp(x - x.max(axis=1, keepdims=True))
st.plotly_chart(go.Figure(go.Heatmap(z=y / y.sum(axis=1, keepdims=True))))
"""
APPS = {"title": (_HEAD, 0), "heatmap": (_HEAD + _HEATMAP, 1),
        "softmax": (_HEAD + _SOFTMAX, 1)}  # fmt: skip
# The app's own settings that matter for speed (.streamlit/config.toml).
_CONFIG = "[runner]\npostScriptGC = false\n[browser]\ngatherUsageStats = false\n"


def write_app(root: Path, source: str) -> Path:
    (root / ".streamlit").mkdir(parents=True)
    (root / ".streamlit" / "config.toml").write_text(_CONFIG)
    (root / "app.py").write_text(source)
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--serve", choices=list(APPS), help="only serve this app")
    parser.add_argument("--port", type=int, default=8600)
    args = parser.parse_args()
    if args.serve:
        return serve_only(args.serve, args.port)
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
        choice = find_chromium(playwright)
        if not choice.found:
            print(choice.reason, file=sys.stderr)
            return 1
        browser = launch(playwright, choice.path)
        print("| minimal app | first load | median of next | slider p50 | p95 |")
        print("|---|---:|---:|---:|---:|")
        for name, (source, charts) in APPS.items():
            with serve_app(root=write_app(Path(tmp) / name, source)) as url:
                loads = []
                for _ in range(args.loads):
                    context = browser.new_context(
                        viewport={"width": 1400, "height": 1000}
                    )
                    page = context.new_page()
                    start = time.perf_counter()
                    page.goto(url)
                    wait_for_app(page, charts=charts, timeout=120_000)
                    loads.append(time.perf_counter() - start)
                    if name != "softmax" or len(loads) < args.loads:
                        context.close()
                changes = []
                if name == "softmax":
                    changes = slider_changes(page, args.repeats)
                page.context.close()
                p50, p95 = np.percentile(changes, [50, 95]) if changes else ("", "")
                print(
                    f"| {name} | {ms(loads[0])} | {ms(statistics.median(loads[1:]))} "
                    f"| {ms(p50)} | {ms(p95)} |"
                )
                sys.stdout.flush()
        browser.close()
    return 0


def serve_only(name: str, port: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_app(Path(tmp) / name, APPS[name][0])
        with serve_app(port, root=root) as url:
            print(f"serving the {name!r} floor app at {url} (Ctrl+C stops it)")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0


def slider_changes(page: Page, repeats: int) -> list[float]:
    """Seconds from one notch of the T slider to the heatmap redrawn."""
    thumb = page.get_by_role("slider")
    times = []
    for k in range(repeats):
        before = chart_signature(page)
        start = time.perf_counter()
        thumb.press("ArrowRight" if k % 2 == 0 else "ArrowLeft")
        wait_for_charts_to_change(page, before, timeout=120_000)
        times.append(time.perf_counter() - start)
    return times


def ms(seconds: float | str) -> str:
    return seconds if isinstance(seconds, str) else f"{1000 * seconds:,.0f}"


if __name__ == "__main__":
    sys.exit(main())
