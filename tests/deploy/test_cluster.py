"""Two replicas behind HAProxy: sessions spread, stick, and survive a dead replica.

The tests share a cluster (``cluster``), except the one that kills a
replica (``fresh_cluster``); they talk to it with
the load test's client (``benchmarks/load.py``), which speaks Streamlit's
WebSocket protocol as a browser does. ``X-Replica`` on every response names
the replica that answered.
"""

from __future__ import annotations

import os
import signal
from contextlib import ExitStack
from urllib.parse import unquote

from benchmarks.load import LINKS, AppSession, npy_bytes
from deploy.cluster import Cluster

CLASSIC = LINKS["classic"]


def _x(tab: AppSession) -> str:
    """The x the app wrote into the tab's link (its query string)."""
    for part in tab.query_string.split("&"):
        name, _, value = part.partition("=")
        if name == "x":
            return unquote(value)
    raise AssertionError(f"no x in {tab.query_string!r}")


def _open(stack: ExitStack, cluster: Cluster, *, pin: str | None = None) -> AppSession:
    tab = stack.enter_context(AppSession(cluster.url, timeout=90))
    if pin:
        tab.pin(pin)
    tab.open(*CLASSIC)
    assert not tab.problems, tab.problems
    return tab


def test_sessions_spread_over_both_replicas(cluster: Cluster) -> None:
    with ExitStack() as stack:
        tabs = [_open(stack, cluster) for _ in range(4)]
        replicas = [str(tab.replica) for tab in tabs]
        # leastconn: each open tab holds a WebSocket, so new tabs alternate.
        assert sorted(replicas) == ["app1", "app1", "app2", "app2"], replicas
        for tab in tabs:
            assert tab.cookie("SERVERID") == tab.replica


def test_upload_then_reruns_stay_on_the_replica_of_the_session(
    cluster: Cluster,
) -> None:
    with ExitStack() as stack:
        # Another open tab first, so that without stickiness the least loaded
        # replica for the upload would be the other one.
        _open(stack, cluster)
        tab = _open(stack, cluster)
        home = tab.replica
        assert home in ("app1", "app2")

        stored = tab.upload("rows.npy", npy_bytes([[5, 6, 7], [1, 2, 3]]))

        assert stored == home
        assert _x(tab) == "[[5,6,7],[1,2,3]]"
        for _ in range(3):
            tab.set_temperature()
            assert _x(tab) == "[[5,6,7],[1,2,3]]"
            assert tab.get("/_stcore/health")[1] == home
        assert not tab.problems, tab.problems


def test_killing_a_replica_loses_only_its_sessions(fresh_cluster: Cluster) -> None:
    cluster = fresh_cluster
    with ExitStack() as stack:
        first, second = _open(stack, cluster), _open(stack, cluster)
        assert {first.replica, second.replica} == {"app1", "app2"}
        dead, alive = first.replica, second.replica
        assert dead is not None and alive is not None

        os.kill(cluster.processes[dead].pid, signal.SIGKILL)
        cluster.processes[dead].wait()

        # Right away, before any health check has noticed: new visitors, and
        # a returning browser still carrying the dead replica's cookie.
        new = [_open(stack, cluster) for _ in range(3)]
        returning = _open(stack, cluster, pin=dead)
        assert [tab.replica for tab in [*new, returning]] == [alive] * 4
        for tab in [*new, returning]:
            tab.set_temperature()
            assert not tab.problems, tab.problems

        # The dead replica's tab is lost (its browser would reconnect to a
        # new session); the other one goes on.
        assert not first.alive()
        assert second.alive()
        second.set_temperature()

        # The health checks take the dead replica out of rotation.
        cluster.wait_until({dead: "DOWN", alive: "UP"}, timeout=60)
