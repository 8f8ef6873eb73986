"""The cluster tests skip without HAProxy, and fail instead under CI's flag.

Checked by running the cluster tests in a child pytest with a ``HAPROXY``
that does not exist (they stop before any server starts).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_cluster_tests(require: bool) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HAPROXY="/nonexistent/haproxy")
    env["REQUIRE_CLUSTER_TESTS"] = "1" if require else "0"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "tests/deploy/test_cluster.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize("require", [False, True])
def test_missing_haproxy_skips_unless_required(require: bool) -> None:
    result = _run_cluster_tests(require)
    summary = result.stdout.strip().splitlines()[-1]
    if require:
        assert result.returncode != 0, result.stdout
        assert "error" in summary or "failed" in summary, summary
        assert "REQUIRE_CLUSTER_TESTS=1 but cluster tests need HAProxy" in result.stdout
    else:
        assert result.returncode == 0, result.stdout
        assert "skipped" in summary and "passed" not in summary, summary
        assert "HAPROXY='/nonexistent/haproxy' is not an executable" in result.stdout
