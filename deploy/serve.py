"""``make serve``: the app for a whole class, N replicas behind HAProxy on one port.

    python -m deploy.serve --replicas 2 --port 8501

Prints the URL to share, then watches the replicas: one that exits is
started again (HAProxy sends new sessions elsewhere meanwhile and takes it
back once its health check passes). Ctrl+C or SIGTERM stops everything.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from deploy.cluster import Cluster, find_haproxy, start_cluster
from deploy.haproxy_config import HEALTH_INTERVAL_S


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _describe(cluster: Cluster, port: int) -> str:
    lines = [f"Softmax Lab for a class: http://<this machine>:{port}"]
    for replica in cluster.replicas:
        pid = cluster.processes[replica.name].pid
        lines.append(
            f"  {replica.name}: pid {pid}, http://{replica.host}:{replica.port}"
        )
    lines.append(f"  logs, config and HAProxy's admin socket: {cluster.run_dir}")
    lines.append("  Ctrl+C stops it.")
    return "\n".join(lines)


def _supervise(cluster: Cluster) -> None:
    """Restart replicas that exit, until interrupted."""
    while True:
        time.sleep(HEALTH_INTERVAL_S)
        if cluster.haproxy is not None and cluster.haproxy.poll() is not None:
            sys.exit(f"haproxy exited:\n{cluster.log('haproxy')}")
        for replica in cluster.replicas:
            code = cluster.processes[replica.name].poll()
            if code is not None:
                print(
                    f"{replica.name} exited with code {code}; starting it again",
                    flush=True,
                )
                cluster.start_replica(replica)


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the app with ``--replicas`` processes behind HAProxy on ``--port``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--replicas", type=int, default=os.cpu_count() or 1,
        help="Streamlit processes (default: the number of cores)",
    )  # fmt: skip
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument(
        "--host", default="*", help="address HAProxy listens on (default: all)"
    )
    args = parser.parse_args(argv)
    haproxy, where = find_haproxy()
    if haproxy is None:
        sys.exit(f"make serve needs HAProxy: {where}")
    signal.signal(signal.SIGTERM, _stop)
    run_dir = Path(tempfile.mkdtemp(prefix="softmax-serve-"))
    print(f"Starting {args.replicas} replicas and HAProxy ({where})...", flush=True)
    try:
        with start_cluster(
            args.replicas, args.port, host=args.host, haproxy=haproxy, run_dir=run_dir
        ) as cluster:
            print(_describe(cluster, args.port), flush=True)
            _supervise(cluster)
    except KeyboardInterrupt:
        print("Stopped.")


if __name__ == "__main__":
    main()
