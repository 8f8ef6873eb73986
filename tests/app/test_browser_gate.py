"""The browser tests skip without Chromium, and fail instead under CI's flag.

``tests/e2e/conftest.py`` skips when no Chromium is found, so a laptop
without one can still run ``make test``; ``REQUIRE_BROWSER_TESTS=1`` (set by
``.ci/run``) turns that skip into a failure, so CI cannot pass without them.
Both are checked here by running one browser test in a child pytest with a
``CHROMIUM_PATH`` that does not exist (it fails before any server starts).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_one_browser_test(require: bool) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CHROMIUM_PATH="/nonexistent/chromium")
    env["REQUIRE_BROWSER_TESTS"] = "1" if require else "0"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "tests/e2e/test_browser_home.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize("require", [False, True])
def test_missing_browser_skips_unless_required(require: bool) -> None:
    result = _run_one_browser_test(require)
    summary = result.stdout.strip().splitlines()[-1]
    if require:
        assert result.returncode != 0, result.stdout
        assert "error" in summary or "failed" in summary, summary
        expected = "REQUIRE_BROWSER_TESTS=1 but browser tests need Chromium"
        assert expected in result.stdout
    else:
        assert result.returncode == 0, result.stdout
        assert "skipped" in summary and "passed" not in summary, summary
        assert "CHROMIUM_PATH='/nonexistent/chromium'" in result.stdout
