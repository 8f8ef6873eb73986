"""Drive the real app in headless Chromium: find a browser, serve the app, wait.

Shared by the browser tests (``tests/e2e``), ``scripts/screenshots.py`` and
``benchmarks/bench_app.py``, so all three start the server and the browser the
same way. The app never imports this module; Playwright (a test extra) is
imported only by the functions that need it.

Typical use::

    with serve_app() as url, sync_playwright() as p:
        browser = launch(p, find_chromium(p).path)
        page = browser.new_page()
        page.goto(url + "/explore?x=[[1,2],[3,4]]")
        wait_for_app(page)
        print(chart_data(page))
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

__all__ = [
    "APP_ROOT",
    "HOW_TO_GET_CHROMIUM",
    "LAUNCH_ARGS",
    "BrowserChoice",
    "chart_data",
    "chart_signature",
    "find_chromium",
    "free_port",
    "launch",
    "serve_app",
    "wait_for_app",
    "wait_for_charts_to_change",
]

#: The project root: the folder holding ``app.py``.
APP_ROOT = Path(__file__).resolve().parent.parent

#: Headless, and nothing that phones home or touches a GPU (CI containers have none).
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

HOW_TO_GET_CHROMIUM = (
    "install one with `apt-get install chromium` (Debian/Ubuntu), or point "
    "CHROMIUM_PATH at a Chromium or Chrome executable, or run "
    "`.venv/bin/python -m playwright install chromium`"
)

_DEBIAN_CHROMIUM = "/usr/bin/chromium"

# The page is "rendered" when all of these hold:
# * the app root reports the last script run finished ("notRunning") while
#   connected (a fresh page says "initial" first);
# * the page's title (an h1 in the main area) is there: on a fresh session the
#   entry script may finish a first run before the page has drawn anything;
# * no element is still a placeholder: Streamlit loads the code of many
#   elements (Plotly charts, page links, download buttons) on first use and
#   shows a skeleton until it arrives, *after* the run has finished;
# * every Plotly chart has drawn its traces, and there are at least `n`.
_RENDERED_JS = """
n => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute("data-test-connection-state") !== "CONNECTED"
      || app.getAttribute("data-test-script-state") !== "notRunning") return false;
  if (!document.querySelector('[data-testid="stMain"] h1')) return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  const charts = Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'));
  const drawn = charts.filter((c) => {
    const plot = c.querySelector(".js-plotly-plot");
    return plot && plot.data && plot.data.length;
  });
  return drawn.length === charts.length && drawn.length >= n;
}
"""

# Plotly keeps each chart's traces on its div as `.data`. Arrays sent by
# Plotly's Python side arrive base64-encoded ({dtype, bdata, shape}); Plotly.js
# adds a decoded copy (`_inputArray`), dropped here: Python decodes `bdata`.
_CHART_DATA_JS = """
() => {
  const plain = (v) => {
    if (ArrayBuffer.isView(v)) return Array.from(v);
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === "object") {
      const out = {};
      for (const [k, w] of Object.entries(v)) {
        if (k !== "_inputArray") out[k] = plain(w);
      }
      return out;
    }
    return v;
  };
  return Array.from(document.querySelectorAll(".js-plotly-plot"))
    .map((el) => (el.data || []).map((trace) => {
      const keep = {};
      for (const key of ["type", "name", "x", "y", "z", "text"]) {
        if (trace[key] !== undefined) keep[key] = plain(trace[key]);
      }
      return keep;
    }));
}
"""

# A cheap fingerprint of every chart (count, sum and a few values of each
# numeric array), so waiting for a 100,000-cell heatmap to change does not
# copy the whole array to Python on every animation frame.
_CHART_SIGNATURE_JS = """
() => {
  const summary = (v) => {
    let n = 0, s = 0, head = [];
    const walk = (a) => {
      if (ArrayBuffer.isView(a) || Array.isArray(a)) {
        for (let i = 0; i < a.length; i++) walk(a[i]);
      } else if (typeof a === "number") {
        n++; if (Number.isFinite(a)) s += a; if (head.length < 8) head.push(a);
      } else if (a && typeof a === "object" && a.bdata) {
        n++; head.push(a.bdata.length + ":" + a.bdata.slice(0, 64)
          + a.bdata.slice(-64));
      } else if (a !== null && a !== undefined) {
        n++; if (head.length < 8) head.push(String(a));
      }
    };
    walk(v);
    return n + "|" + s + "|" + head.join(",");
  };
  return Array.from(document.querySelectorAll(".js-plotly-plot"))
    .map((el) => (el.data || []).map((t) =>
      [t.type, summary(t.z), summary(t.y), summary(t.x)].join(";")).join("/"))
    .join("#");
}
"""


@dataclass(frozen=True)
class BrowserChoice:
    """The Chromium to launch (`path`; None means Playwright's own) or why none."""

    path: str | None
    found: bool
    reason: str


def find_chromium(playwright: Playwright | None = None) -> BrowserChoice:
    """Pick a Chromium: ``CHROMIUM_PATH``, then Debian's, then Playwright's own.

    An explicit ``CHROMIUM_PATH`` that does not exist is reported, never silently
    replaced by another browser.
    """
    wanted = os.environ.get("CHROMIUM_PATH")
    if wanted:
        if os.path.isfile(wanted) and os.access(wanted, os.X_OK):
            return BrowserChoice(wanted, True, f"CHROMIUM_PATH={wanted}")
        return BrowserChoice(
            None,
            False,
            f"CHROMIUM_PATH={wanted!r} is not an executable file; fix it or unset "
            f"it, or {HOW_TO_GET_CHROMIUM}",
        )
    if os.access(_DEBIAN_CHROMIUM, os.X_OK):
        return BrowserChoice(_DEBIAN_CHROMIUM, True, _DEBIAN_CHROMIUM)
    on_path = shutil.which("chromium") or shutil.which("chromium-browser")
    if on_path:
        return BrowserChoice(on_path, True, on_path)
    if playwright is not None:
        bundled = playwright.chromium.executable_path
        if bundled and os.path.exists(bundled):
            return BrowserChoice(None, True, f"Playwright's Chromium at {bundled}")
    return BrowserChoice(None, False, f"No Chromium found: {HOW_TO_GET_CHROMIUM}")


def launch(playwright: Playwright, path: str | None) -> Browser:
    """Launch headless Chromium at `path` (None: Playwright's own build)."""
    return playwright.chromium.launch(
        executable_path=path, headless=True, args=list(LAUNCH_ARGS)
    )


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextlib.contextmanager
def serve_app(
    port: int | None = None, *, root: Path = APP_ROOT, timeout: float = 90.0
) -> Iterator[str]:
    """Run ``streamlit run app.py`` on 127.0.0.1 and yield its base URL.

    Waits for the health endpoint; stops the server on exit (terminate, then
    kill). The server's output goes to a temporary log, quoted if it fails to
    start.
    """
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        # Helpers and editors change files while tests run: a watching server
        # would show a "File change" banner in screenshots and rerun on saves.
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, cwd=root, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")[-4000:]
                    raise RuntimeError(
                        f"streamlit did not become healthy at {url} "
                        f"(exit code {process.poll()}):\n{output}"
                    )
                time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_app(page: Page, *, charts: int = 1, timeout: float = 60_000) -> None:
    """Wait until the page is fully rendered, with at least `charts` Plotly charts.

    Fully rendered: the script run has finished, the page title is shown, no
    element is a loading placeholder and every chart has drawn its data.
    """
    page.wait_for_function(_RENDERED_JS, arg=charts, timeout=timeout, polling="raf")


def _decode(value: Any) -> Any:
    """Turn Plotly's ``{dtype, bdata, shape}`` transport encoding into an ndarray."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        if shape:
            flat = flat.reshape([int(d) for d in str(shape).split(",")])
        return flat
    if isinstance(value, dict):
        return {key: _decode(item) for key, item in value.items()}
    return value


def chart_data(page: Page) -> list[list[dict[str, Any]]]:
    """Traces of every Plotly chart on the page, in document order.

    Each trace is a dict with its ``type`` and whichever of ``name``, ``x``,
    ``y``, ``z``, ``text`` it has; base64-encoded arrays come back as ndarrays,
    the rest as plain lists.
    """
    charts = page.evaluate(_CHART_DATA_JS)
    return [[_decode(trace) for trace in traces] for traces in charts]


def chart_signature(page: Page) -> str:
    """Return a fingerprint of every chart's data; it changes with any chart."""
    signature: str = page.evaluate(_CHART_SIGNATURE_JS)
    return signature


def wait_for_charts_to_change(
    page: Page, before: str, *, timeout: float = 60_000
) -> None:
    """Wait until the charts' fingerprint differs from `before`, fully rendered."""
    page.wait_for_function(
        f"before => ({_CHART_SIGNATURE_JS})() !== before",
        arg=before,
        timeout=timeout,
        polling="raf",
    )
    wait_for_app(page, charts=0, timeout=timeout)
