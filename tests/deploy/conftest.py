"""The cluster tests: two replicas behind a real HAProxy, driven like a browser.

Without HAProxy they skip, saying how to get it, unless
``REQUIRE_CLUSTER_TESTS=1`` (set by ``.ci/run``), in which case they fail.
They start servers, so they carry the ``e2e`` mark (``make test-fast`` leaves
them out).
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
from collections.abc import Iterator

import pytest

from deploy.cluster import Cluster, find_haproxy, start_cluster

CLUSTER_TESTS = ("test_cluster.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in CLUSTER_TESTS:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def haproxy() -> str:
    path, reason = find_haproxy()
    if path is None:
        message = f"cluster tests need HAProxy: {reason}"
        if os.environ.get("REQUIRE_CLUSTER_TESTS") == "1":
            pytest.fail(f"REQUIRE_CLUSTER_TESTS=1 but {message}", pytrace=False)
        pytest.skip(message)
    return path


def _free_run(count: int) -> int:
    """A port p such that p .. p + count - 1 are all free on 127.0.0.1 now."""
    for _ in range(50):
        base = random.randrange(20000, 60000)
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no {count} consecutive free ports found")


@pytest.fixture(scope="module")
def cluster(haproxy: str) -> Iterator[Cluster]:
    """Two replicas behind HAProxy on loopback ports, shared by a test module."""
    with _two_replicas(haproxy) as running:
        yield running


@pytest.fixture
def fresh_cluster(haproxy: str) -> Iterator[Cluster]:
    """A cluster of its own, for a test that breaks it."""
    with _two_replicas(haproxy) as running:
        yield running


@contextlib.contextmanager
def _two_replicas(haproxy: str) -> Iterator[Cluster]:
    port = _free_run(3)
    with start_cluster(2, port, host="127.0.0.1", haproxy=haproxy) as running:
        yield running
