"""Render every page of the app in headless Chromium and save PNGs for the README.

Usage: ``make screenshots`` (or ``.venv/bin/python scripts/screenshots.py``).
Starts the app on a free loopback port, opens each page through a shared link
(the classic example; the 3-D attention preset too for Explore; the
log-softmax Jacobian, the cross-entropy step, a causal mask, Gradcheck
failing the transposed Jacobian for log-softmax, a Lesson step, the
spot-the-bug quiz and a presenter link) and writes
``docs/screenshots/<name>.png``, 1400 px wide and as tall as the page (capped).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

from playwright.sync_api import sync_playwright

# tools/ is not installed with the app: import it from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.browser import APP_ROOT, find_chromium, launch, serve_app, wait_for_app

CLASSIC = {"x": "[[1, 2], [3, 4]]", "axis": "1"}

#: name -> (url path, query parameters, charts to wait for)
SHOTS: dict[str, tuple[str, dict[str, str], int]] = {
    "home": ("", {}, 0),
    "explore": ("explore", CLASSIC, 1),
    "explore-attention": (
        "explore",
        {"x": "random(2, 2, 4, 4; seed=0; scale=2)", "axis": "-1"},
        1,
    ),
    "backward": ("backward", {**CLASSIC, "g": "[[1, 0], [0, 1]]"}, 1),
    "gradcheck": (
        "gradcheck",
        {**CLASSIC, "g": "[[1, 0], [0, 1]]", "impl": "stale_counter"},
        1,
    ),
    "gradcheck-log-softmax": (
        "gradcheck",
        {
            **CLASSIC,
            "g": "[[1, 0], [0, 1]]",
            "f": "log_softmax",
            "impl": "transposed_jacobian",
        },
        1,
    ),
    "stability": ("stability", CLASSIC, 1),
    "log-softmax-jacobian": (
        "backward",
        {**CLASSIC, "g": "[[2, 0], [0, 1]]", "f": "log_softmax"},
        1,
    ),
    "cross-entropy-step": (
        "backward",
        {**CLASSIC, "f": "cross_entropy", "target": "[1, 0]"},
        1,
    ),
    "causal-mask": (
        "explore",
        {"x": "[[1, 2, 3], [4, 5, 6], [7, 8, 9]]", "axis": "1", "mask": "causal"},
        1,
    ),
    # Issue 14: a lesson step (text, its link, its question), Spot the bug on
    # the classic example, and a presenter link.
    "lesson": ("lesson", {"step": "6"}, 0),
    "quiz": ("gradcheck", {**CLASSIC, "g": "[[1, 0], [0, 1]]", "quiz": "1"}, 0),
    "presenter": (
        "backward",
        {**CLASSIC, "g": "[[1, 0], [0, 1]]", "hide": "panel,code", "big": "1"},
        1,
    ),
}

WIDTH = 1400
MAX_HEIGHT = 3200

# Streamlit scrolls its main area inside a container, so a "full page" shot of
# the window would stop at the viewport: measure the content instead.
_CONTENT_HEIGHT_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const sidebar = document.querySelector('[data-testid="stSidebarContent"]');
  return Math.max(main ? main.scrollHeight : 0, sidebar ? sidebar.scrollHeight : 0);
}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"some of {', '.join(SHOTS)}")
    parser.add_argument(
        "--out", type=Path, default=APP_ROOT / "docs" / "screenshots", help="folder"
    )
    args = parser.parse_args()
    names = args.names or list(SHOTS)
    unknown = sorted(set(names) - set(SHOTS))
    if unknown:
        parser.error(f"unknown page(s) {unknown}; choose from {list(SHOTS)}")
    args.out.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        choice = find_chromium(playwright)
        if not choice.found:
            print(choice.reason, file=sys.stderr)
            return 1
        browser = launch(playwright, choice.path)
        with serve_app() as url:
            for name in names:
                path, params, charts = SHOTS[name]
                context = browser.new_context(viewport={"width": WIDTH, "height": 900})
                page = context.new_page()
                query = urlencode(params, quote_via=quote)
                page.goto(f"{url}/{path}" + (f"?{query}" if query else ""))
                wait_for_app(page, charts=charts)
                if page.locator('[data-testid="stException"]').count():
                    print(f"{name}: the page shows a traceback", file=sys.stderr)
                    return 1
                height = min(MAX_HEIGHT, max(900, page.evaluate(_CONTENT_HEIGHT_JS)))
                page.set_viewport_size({"width": WIDTH, "height": height})
                wait_for_app(page, charts=charts)
                page.wait_for_timeout(500)  # let Plotly finish resizing to the window
                target = args.out / f"{name}.png"
                page.screenshot(path=str(target))
                print(f"wrote {target.relative_to(APP_ROOT)} ({WIDTH}x{height})")
                context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
