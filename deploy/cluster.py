"""Start N Streamlit replicas behind HAProxy on one port, and stop them again.

Used by ``make serve`` (through :mod:`deploy.serve`), the cluster tests and
the load benchmark::

    with start_cluster(replicas=2, port=8501) as cluster:
        print(cluster.url, cluster.server_states())   # {'app1': 'UP', ...}

The replicas listen on ``127.0.0.1`` at ``port + 1`` .. ``port + N``; only
HAProxy listens where the class connects. The configuration comes from
:func:`deploy.haproxy_config.render_local`.
"""

from __future__ import annotations

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
from dataclasses import dataclass, field
from pathlib import Path

from deploy.haproxy_config import Replica, render_local, replica_ports

__all__ = [
    "APP_ROOT",
    "HOW_TO_GET_HAPROXY",
    "Cluster",
    "find_haproxy",
    "start_cluster",
]

#: The project root: the folder holding ``app.py``.
APP_ROOT = Path(__file__).resolve().parent.parent

HOW_TO_GET_HAPROXY = (
    "install it with `apt-get install haproxy` (Debian/Ubuntu; `make serve` "
    "does this when it runs as root), or point HAPROXY at an haproxy executable"
)


def find_haproxy() -> tuple[str | None, str]:
    """Return the haproxy executable to use (or None) and where it came from.

    ``HAPROXY`` wins when set; a ``HAPROXY`` that is not an executable file is
    reported, never replaced by another haproxy.
    """
    wanted = os.environ.get("HAPROXY")
    if wanted:
        if os.path.isfile(wanted) and os.access(wanted, os.X_OK):
            return wanted, f"HAPROXY={wanted}"
        return None, f"HAPROXY={wanted!r} is not an executable file"
    # Debian installs it in /usr/sbin, which a non-root PATH may lack.
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if found:
        return found, found
    return None, f"no haproxy found: {HOW_TO_GET_HAPROXY}"


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@dataclass
class Cluster:
    """A running cluster: the URL to share, its replicas and their processes."""

    url: str
    replicas: list[Replica]
    run_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    haproxy: subprocess.Popen[bytes] | None = None

    @property
    def stats_socket(self) -> Path:
        """HAProxy's admin socket."""
        return self.run_dir / "haproxy.sock"

    def start_replica(self, replica: Replica) -> None:
        """Start (or restart) one replica's ``streamlit run``; output to its log."""
        command = [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.address", replica.host,
            "--server.port", str(replica.port),
            "--server.headless", "true",
        ]  # fmt: skip
        with open(self.run_dir / f"{replica.name}.log", "ab") as log:
            self.processes[replica.name] = subprocess.Popen(
                command, cwd=APP_ROOT, stdout=log, stderr=subprocess.STDOUT
            )

    def admin(self, command: str) -> str:
        """Send one command to HAProxy's admin socket and return its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(self.stats_socket))
            sock.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_states(self) -> dict[str, str]:
        """Each replica's state as HAProxy sees it: ``UP``, ``DOWN``, ``MAINT``..."""
        lines = self.admin("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        proxy, server, status = (
            header.index(k) for k in ("pxname", "svname", "status")
        )
        states = {}
        for line in lines[1:]:
            cells = line.split(",")
            if len(cells) > status and cells[proxy] == "replicas":
                if cells[server] not in ("BACKEND", "FRONTEND"):
                    states[cells[server]] = cells[status].split(" ")[0]
        return states

    def wait_until(self, wanted: dict[str, str], timeout: float = 60.0) -> None:
        """Wait until HAProxy reports each named replica in the wanted state."""
        deadline = time.monotonic() + timeout
        while True:
            states = self.server_states()
            if all(states.get(k) == v for k, v in wanted.items()):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"replicas are {states}, waited for {wanted}")
            time.sleep(0.2)

    def log(self, name: str) -> str:
        """Return the end of a replica's (or ``haproxy``'s) output, 4,000 characters."""
        path = self.run_dir / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        """Terminate HAProxy and every replica (kill those that do not stop)."""
        running = [p for p in [self.haproxy, *self.processes.values()] if p]
        for process in running:
            if process.poll() is None:
                process.terminate()
        for process in running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_healthy(cluster: Cluster, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for replica in cluster.replicas:
        url = f"http://{replica.host}:{replica.port}"
        while not _healthy(url):
            process = cluster.processes[replica.name]
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"replica {replica.name} did not become healthy at {url} "
                    f"(exit code {process.poll()}):\n{cluster.log(replica.name)}"
                )
            time.sleep(0.2)


def _start_haproxy(cluster: Cluster, haproxy: str, bind: str) -> None:
    config = render_local(
        cluster.replicas, bind=bind, stats_socket=str(cluster.stats_socket)
    )
    path = cluster.run_dir / "haproxy.cfg"
    path.write_text(config)
    with open(cluster.run_dir / "haproxy.log", "ab") as log:
        cluster.haproxy = subprocess.Popen(
            [haproxy, "-db", "-f", str(path)], stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 30
    while not cluster.stats_socket.exists():
        if cluster.haproxy.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(
                f"haproxy did not start (exit code {cluster.haproxy.poll()}):\n"
                f"{cluster.log('haproxy')}"
            )
        time.sleep(0.1)


@contextlib.contextmanager
def start_cluster(
    replicas: int,
    port: int,
    *,
    host: str = "*",
    haproxy: str | None = None,
    run_dir: Path | None = None,
    timeout: float = 120.0,
) -> Iterator[Cluster]:
    """Run `replicas` Streamlit processes behind HAProxy on `port`.

    Yields once every replica answers its health check and HAProxy reports
    them all ``UP``; stops everything on exit. Replica and HAProxy output go to
    ``<name>.log`` in `run_dir` (a temporary folder, removed on exit, if None).

    Raises
    ------
    RuntimeError
        If haproxy cannot be found or a process does not start.
    """
    haproxy = haproxy or find_haproxy()[0]
    if haproxy is None:
        raise RuntimeError(find_haproxy()[1])
    with contextlib.ExitStack() as stack:
        if run_dir is None:
            run_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        members = [
            Replica(f"app{i + 1}", "127.0.0.1", p)
            for i, p in enumerate(replica_ports(port, replicas))
        ]
        url_host = "127.0.0.1" if host in ("*", "0.0.0.0") else host
        cluster = Cluster(f"http://{url_host}:{port}", members, run_dir)
        stack.callback(cluster.stop)
        for replica in members:
            cluster.start_replica(replica)
        _start_haproxy(cluster, haproxy, f"{host}:{port}")
        _wait_healthy(cluster, timeout)
        cluster.wait_until({r.name: "UP" for r in members}, timeout)
        yield cluster
