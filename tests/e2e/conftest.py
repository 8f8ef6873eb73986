"""Browser tests: one Streamlit server and one headless Chromium per session.

The server and browser set-up is shared with the screenshot script and the
latency benchmark (``softmax_app/browser.py``). Without a Chromium the tests
skip, saying how to get one, unless ``REQUIRE_BROWSER_TESTS=1`` (set by
``.ci/run``), in which case they fail.

Every test talks to the app through an :class:`App` (fixture ``app``): it opens
pages by URL, drives the shared panel like a person would, and reads what the
page shows (chart data, alerts, text). After every wait, and again when the test
ends, it checks that no traceback (``stException``) is on screen.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Playwright,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from softmax_core import load_array_file
from tools import browser as appbrowser

EXCEPTION = '[data-testid="stException"]'
ERROR = '[data-testid="stAlertContentError"]'
MAIN = '[data-testid="stMain"]'

# Resolves once the element has kept the same position and size for 15 frames
# (Playwright's own check is two frames, too short for an opening expander
# whose content is still being laid out).
_HOLD_STILL_JS = """
(element) => new Promise((resolve, reject) => {
  let last = "", same = 0, frames = 0;
  const tick = () => {
    const r = element.getBoundingClientRect();
    const now = [r.x, r.y, r.width, r.height].join(",");
    same = now === last ? same + 1 : 0;
    last = now;
    if (same >= 15) return resolve(true);
    if (++frames > 1200) return reject(new Error("element never stopped moving"));
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    choice = appbrowser.find_chromium(playwright)
    if not choice.found:
        message = f"browser tests need Chromium: {choice.reason}"
        if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
            pytest.fail(f"REQUIRE_BROWSER_TESTS=1 but {message}", pytrace=False)
        pytest.skip(message)
    launched = appbrowser.launch(playwright, choice.path)
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def app_url(browser: Browser) -> Iterator[str]:
    # Depends on `browser` so that a missing browser skips before the server starts.
    with appbrowser.serve_app() as url:
        yield url


class App:
    """One browser context on the app: open pages, drive the panel, read results."""

    def __init__(self, browser: Browser, url: str) -> None:
        self.browser = browser
        self.url = url
        self.context = self.new_context()

    def new_context(self) -> BrowserContext:
        return self.browser.new_context(
            viewport={"width": 1400, "height": 1000}, accept_downloads=True
        )

    # -- opening pages ------------------------------------------------------

    def link(self, path: str = "", **params: str) -> str:
        query = urlencode(params, quote_via=quote)
        return f"{self.url}/{path}" + (f"?{query}" if query else "")

    def open(
        self,
        path: str = "",
        *,
        charts: int = 1,
        context: BrowserContext | None = None,
        **params: str,
    ) -> Page:
        """Open `path` with URL `params` in a new tab and wait for the run."""
        page = (context or self.context).new_page()
        page.goto(self.link(path, **params))
        self.settle(page, charts=charts)
        return page

    def open_url(
        self, url: str, *, charts: int = 1, context: BrowserContext | None = None
    ) -> Page:
        page = (context or self.context).new_page()
        page.goto(url)
        self.settle(page, charts=charts)
        return page

    def settle(self, page: Page, *, charts: int = 1) -> None:
        appbrowser.wait_for_app(page, charts=charts)
        self.assert_no_exception(page)

    # -- driving the shared panel ------------------------------------------

    def change(self, page: Page, action: Any) -> None:
        """Run `action` and wait until the charts have been redrawn."""
        before = appbrowser.chart_signature(page)
        action()
        appbrowser.wait_for_charts_to_change(page, before)
        self.assert_no_exception(page)

    def set_text(self, page: Page, label: str, text: str) -> None:
        """Type into a panel text box and commit it (Ctrl+Enter, then blur)."""
        box = page.get_by_label(label, exact=True)
        box.fill(text)
        box.press("Control+Enter")
        box.blur()

    def set_x(self, page: Page, text: str) -> None:
        self.change(page, lambda: self.set_text(page, "x: the array", text))

    def set_g(self, page: Page, text: str) -> None:
        self.change(page, lambda: self.set_text(page, "g: upstream gradient", text))

    def pick_option(self, page: Page, box_label: str, option: re.Pattern[str]) -> None:
        """Open the select box labelled `box_label` and click `option` in it.

        On a loaded machine a click can land while a rerun redraws the box and
        the list never opens; open it again rather than wait 30 s for nothing.
        """
        box = page.locator('[data-testid="stSelectbox"]').filter(has_text=box_label)
        choice = page.get_by_role("option", name=option)
        for _ in range(3):
            box.click()
            try:
                choice.wait_for(state="visible", timeout=5_000)
            except PlaywrightTimeoutError:
                page.keyboard.press("Escape")
                continue
            choice.click()
            return
        raise AssertionError(f"the {box_label!r} box never listed {option.pattern!r}")

    def set_axis(self, page: Page, axis: str) -> None:
        option = re.compile(rf"^{re.escape(axis)} ")
        box = "axis: softmax along"
        self.change(page, lambda: self.pick_option(page, box, option))

    def step_temperature(self, page: Page, key: str = "ArrowRight") -> None:
        """Move the temperature slider one notch (ArrowRight: the next larger T)."""
        thumb = (
            page.locator('[data-testid="stSlider"]')
            .filter(has_text="T: temperature")
            .get_by_role("slider")
        )
        self.change(page, lambda: thumb.press(key))

    @staticmethod
    def download_button(page: Page, file_name: str) -> Locator:
        """The button of the page's "Download" section named exactly `file_name`."""
        return (
            page.locator(MAIN)
            .locator('[data-testid="stDownloadButton"]')
            .filter(has=page.get_by_text(file_name, exact=True))
        )

    def download(self, page: Page, file_name: str) -> bytes:
        """Click the download button named `file_name` and return the file's bytes.

        The buttons sit in the visible "Download" section under each page (not
        in an expander); the bytes are built when the button is clicked.
        """
        button = self.download_button(page, file_name).first
        button.scroll_into_view_if_needed()
        # A click during a script run can be lost (the button is being redrawn),
        # and so can one made while the page still moves it.
        appbrowser.wait_for_app(page, charts=0)
        button.evaluate(_HOLD_STILL_JS)
        with page.expect_download() as info:
            button.click()
        download = info.value
        assert download.suggested_filename == file_name
        data = download.path().read_bytes()
        appbrowser.wait_for_app(page, charts=0)
        self.assert_no_exception(page)
        return data

    # -- reading the page (static: usable on any page) ----------------------

    @staticmethod
    def assert_no_exception(page: Page) -> None:
        """No traceback on screen, ever: every wait in these tests ends with this."""
        shown = page.locator(EXCEPTION)
        if shown.count():
            pytest.fail(f"traceback on {page.url}:\n{shown.first.inner_text()}")

    @staticmethod
    def errors(page: Page) -> list[str]:
        """The text of every st.error on the page."""
        return [text.strip() for text in page.locator(ERROR).all_inner_texts()]

    @staticmethod
    def main_text(page: Page) -> str:
        return page.locator(MAIN).inner_text()

    @staticmethod
    def chart_arrays(page: Page) -> list[np.ndarray]:
        """Every numeric array (z, then y) of every trace of every chart on the page."""
        arrays = []
        for traces in appbrowser.chart_data(page):
            for trace in traces:
                for key in ("z", "y"):
                    value = trace.get(key)
                    if value is None:
                        continue
                    try:
                        arrays.append(np.asarray(value, dtype=np.float64))
                    except (TypeError, ValueError):  # category labels, not numbers
                        continue
        return arrays

    @staticmethod
    def shows_array(page: Page, expected: Any, *, rtol: float = 1e-7) -> bool:
        """Whether some chart draws `expected` (same shape, or same entries in order).

        A 1-D array may be drawn as one heatmap row, so sizes are compared after
        flattening when the shapes differ only by length-1 axes.
        """
        expected = np.asarray(expected, dtype=np.float64)
        for array in App.chart_arrays(page):
            if array.squeeze().shape != expected.squeeze().shape:
                continue
            drawn, wanted = array.squeeze(), expected.squeeze()
            if np.allclose(drawn, wanted, rtol=rtol, atol=1e-12, equal_nan=True):
                return True
        return False

    @staticmethod
    def charts(page: Page) -> list[list[dict[str, Any]]]:
        """Every chart's traces (see ``tools.browser.chart_data``)."""
        return appbrowser.chart_data(page)

    @staticmethod
    def chart_data_equal(a: Any, b: Any) -> bool:
        """Exact equality of two `charts` results (arrays compared by value)."""
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(
                App.chart_data_equal(a[k], b[k]) for k in a
            )
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(
                App.chart_data_equal(p, q) for p, q in zip(a, b, strict=True)
            )
        return bool(a == b)

    @staticmethod
    def download_names(page: Page) -> list[str]:
        """Labels of the download buttons on the page (its "Download" section)."""
        # The label only: the button also holds its icon, whose text is its name.
        labels = page.locator(
            '[data-testid="stDownloadButton"] [data-testid="stMarkdownContainer"]'
        )
        return [text.strip() for text in labels.all_text_contents()]

    @staticmethod
    def load_file(data: bytes, name: str) -> np.ndarray:
        """Read a downloaded file the way the panel reads an upload."""
        return load_array_file(data, name)

    @staticmethod
    def load_npy(data: bytes) -> np.ndarray:
        return np.load(io.BytesIO(data), allow_pickle=False)

    def close(self) -> None:
        for page in self.context.pages:
            self.assert_no_exception(page)
        self.context.close()


@pytest.fixture
def app(browser: Browser, app_url: str) -> Iterator[App]:
    session = App(browser, app_url)
    yield session
    session.close()
