"""Load test: N real app sessions, opened the way a browser opens a shared link.

Each session speaks Streamlit's own protocol (its protobuf ``BackMsg`` and
``ForwardMsg`` over the ``/_stcore/stream`` WebSocket, as the browser does):

1. GET the shared link's page and ``/_stcore/health`` (cookies: the load
   balancer's ``SERVERID``, Streamlit's XSRF token);
2. open the WebSocket and ask for a run of the link's page with its query
   string, then wait for ``script_finished``  -> *open* time;
3. make one change, the temperature slider one notch up, and wait for that
   run to finish                               -> *change* time.

Half the sessions open the classic Backward view, half a 10,000-entry random
input (``--links``). A session fails when a request fails or times out, a run
does not finish successfully, or a run shows a traceback or an ``st.error``.

    .venv/bin/python benchmarks/load.py --url http://127.0.0.1:8501 \\
        --sessions 100 --concurrency 20

One line per session, then ``sessions N, errors E, p50 X s, p95 Y s,
sessions/s Z``: p50 and p95 of the *open* time (link to page shown),
sessions/s = N / wall time. ``--hold`` keeps every session's WebSocket open
until the end, as a class keeps its tabs open; ``--pids`` prints those
processes' resident memory at the end; ``--kill-pid P --kill-after K`` kills
process P (a replica) once K sessions have finished, and reports the sessions
it took down and the errors among the sessions started after it.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import io
import os
import signal
import statistics
import sys
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

#: The shared links: (page, query string as typed in the address bar).
LINKS = {
    "classic": ("backward", "x=[[1,2],[3,4]]&axis=1&g=[[1,0],[0,1]]"),
    "random": ("backward", "x=random(100, 100; seed=0)&axis=1"),
}

_TEMPERATURE = "T: temperature"
_UPLOAD = "Upload .npy or .csv"
_SAFE = "[],;()=&"  # kept as typed, as a browser's address bar does


class SessionError(RuntimeError):
    """A session failed: what went wrong, in one line."""


@dataclass
class AppSession:
    """One browser tab on the app: cookies, its WebSocket, its widgets.

    Use as a context manager (the WebSocket closes on exit)::

        with AppSession("http://127.0.0.1:8501") as tab:
            tab.open("backward", "x=[[1,2],[3,4]]")
            tab.set_temperature()
    """

    base_url: str
    timeout: float = 120.0
    replica: str | None = None  # X-Replica of the WebSocket's upgrade response
    query_string: str = ""
    problems: list[str] = field(default_factory=list)
    widgets: dict[str, Any] = field(default_factory=dict)  # label -> element
    session_id: str = ""
    _page_hash: str = ""
    _ws: ClientConnection | None = None
    _jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def __enter__(self) -> AppSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the WebSocket (the tab is closed)."""
        self._stack.close()

    # -- HTTP, with this tab's cookies --------------------------------------

    def get(self, path: str) -> tuple[bytes, str | None]:
        """GET `path`; return the body and the ``X-Replica`` header."""
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self._jar)
        )
        with opener.open(self.base_url + path, timeout=self.timeout) as response:
            return response.read(), response.headers.get("X-Replica")

    def cookie(self, name: str) -> str | None:
        """The value of cookie `name`, if the servers set it."""
        return next((c.value for c in self._jar if c.name == name), None)

    def pin(self, replica: str) -> None:
        """Carry the load balancer's cookie for `replica`, as a returning browser."""
        host = urlsplit(self.base_url).hostname or ""
        self._jar.set_cookie(http.cookiejar.Cookie(
            0, "SERVERID", replica, None, False, host, False, False, "/", True,
            False, None, True, None, None, {},
        ))  # fmt: skip

    def _xsrf(self) -> str:
        return self.cookie("_streamlit_xsrf") or ""

    def _cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self._jar)

    # -- the WebSocket ---------------------------------------------------------

    def open(self, page: str, query: str) -> float:
        """Open ``/<page>?<query>`` as a new tab; return seconds until it is shown."""
        start = time.perf_counter()
        self.query_string = quote(query, safe=_SAFE)
        self.get(f"/{page}?{self.query_string}")
        self.get("/_stcore/health")  # what the page's script asks first
        split = urlsplit(self.base_url)
        ws_scheme = "wss" if split.scheme == "https" else "ws"
        headers = {"Cookie": self._cookie_header(), "Origin": self.base_url}
        # The browser passes its XSRF token as the second subprotocol.
        protocols = [Subprotocol("streamlit"), Subprotocol(self._xsrf())]
        connection = connect(
            f"{ws_scheme}://{split.netloc}/_stcore/stream",
            subprotocols=protocols,
            additional_headers=headers,
            max_size=None,
            open_timeout=self.timeout,
            proxy=None,
        )
        # On the tab's exit stack: websockets wants a context manager.
        self._ws = self._stack.enter_context(connection)
        assert self._ws.response is not None
        self.replica = self._ws.response.headers.get("X-Replica")
        message = BackMsg()
        message.rerun_script.query_string = self.query_string
        message.rerun_script.page_name = page
        self._run(message)
        return time.perf_counter() - start

    def rerun(self, **widget_states: Any) -> float:
        """Rerun after changing widgets (``{label: WidgetState setter}``)."""
        start = time.perf_counter()
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self._page_hash
        for label, setter in widget_states.items():
            widget = state.widget_states.widgets.add()
            widget.id = self.widgets[label].id
            setter(widget)
        self._run(message)
        return time.perf_counter() - start

    def set_temperature(self) -> float:
        """Move the temperature slider one notch up (down from the last one)."""
        slider = self.widgets[_TEMPERATURE]
        options = list(slider.options)
        shown = _query_value(self.query_string, "T") or "1"
        index = options.index(shown) if shown in options else options.index("1")
        new = options[index + 1] if index + 1 < len(options) else options[index - 1]
        before = _query_value(self.query_string, "T")
        elapsed = self.rerun(
            **{_TEMPERATURE: lambda w: w.string_array_value.data.append(new)}
        )
        if _query_value(self.query_string, "T") in (before, None):
            raise SessionError(f"the link did not follow T = {new}")
        return elapsed

    def upload(self, name: str, data: bytes) -> str | None:
        """Upload a file through the panel's uploader; return who stored it.

        Does what the browser does: ask the session for an upload URL, PUT the
        file there over HTTP (with this tab's cookies and XSRF token), then
        rerun with the uploader's new state. Returns the ``X-Replica`` of the
        PUT's response.
        """
        request = BackMsg()
        request.file_urls_request.request_id = uuid.uuid4().hex
        request.file_urls_request.file_names.append(name)
        request.file_urls_request.session_id = self.session_id
        urls = self._run(request, until="file_urls_response").file_urls_response
        if urls.error_msg or not urls.file_urls:
            raise SessionError(f"no upload URL: {urls.error_msg!r}")
        target = urls.file_urls[0]
        replica = self._put_file(target.upload_url, name, data)

        def choose(widget: Any) -> None:
            info = widget.file_uploader_state_value.uploaded_file_info.add()
            info.file_id, info.name, info.size = target.file_id, name, len(data)
            info.file_urls.CopyFrom(target)

        self.rerun(**{_UPLOAD: choose})
        return replica

    def _put_file(self, url: str, name: str, data: bytes) -> str | None:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            self.base_url + url if url.startswith("/") else url,
            data=body,
            method="PUT",
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "X-Xsrftoken": self._xsrf(),
                "Origin": self.base_url,
            },
        )
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self._jar)
        )
        with opener.open(request, timeout=self.timeout) as response:
            replica: str | None = response.headers.get("X-Replica")
            return replica

    def alive(self, timeout: float = 10.0) -> bool:
        """Whether the WebSocket still answers a ping."""
        if self._ws is None:
            return False
        try:
            return self._ws.ping().wait(timeout)
        except ConnectionClosed:
            return False

    def _run(self, message: BackMsg, until: str = "script_finished") -> ForwardMsg:
        """Send `message`; read until a ForwardMsg of type `until` arrives."""
        assert self._ws is not None
        self._ws.send(message.SerializeToString())
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            try:
                data = self._ws.recv(timeout=max(left, 0.001))
            except TimeoutError:
                raise SessionError(f"no {until} within {self.timeout:g} s") from None
            except ConnectionClosed as exc:
                raise SessionError(f"connection closed ({exc})") from None
            forward = ForwardMsg()
            forward.ParseFromString(data)
            kind = forward.WhichOneof("type")
            self._read(kind, forward)
            if kind == until:
                if kind == "script_finished" and forward.script_finished not in (
                    ForwardMsg.FINISHED_SUCCESSFULLY,
                    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
                ):
                    raise SessionError(f"script run ended: {forward.script_finished}")
                return forward

    def _read(self, kind: str | None, forward: ForwardMsg) -> None:
        """Keep what later messages need: ids, the page, widgets, problems."""
        if kind == "new_session":
            self.session_id = forward.new_session.initialize.session_id
        elif kind == "navigation":
            self._page_hash = forward.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = forward.page_info_changed.query_string
        elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            element = forward.delta.new_element
            name = element.WhichOneof("type")
            if name == "exception":
                self.problems.append(f"traceback: {element.exception.message}")
            elif name == "alert" and element.alert.format == element.alert.ERROR:
                self.problems.append(f"error: {element.alert.body[:200]}")
            elif name is not None:
                widget = getattr(element, name)
                if hasattr(widget, "id") and hasattr(widget, "label"):
                    self.widgets[widget.label] = widget


def _query_value(query: str, key: str) -> str | None:
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name == key:
            return value
    return None


def npy_bytes(rows: list[list[float]]) -> bytes:
    """A small ``.npy`` file of `rows`, as a learner would upload."""
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, np.asarray(rows, dtype=np.float64))
    return buffer.getvalue()


# --- the load test ------------------------------------------------------------


@dataclass
class Result:
    """One session of the load test."""

    index: int
    link: str
    started: float  # seconds since the test started
    replica: str | None = None
    open_s: float | None = None
    change_s: float | None = None
    error: str | None = None


@dataclass
class Run:
    """Shared state of one load test: results, held tabs, the kill."""

    args: argparse.Namespace
    t0: float = field(default_factory=time.perf_counter)
    results: list[Result] = field(default_factory=list)
    held: list[tuple[Result, AppSession]] = field(default_factory=list)
    killed_at: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.perf_counter() - self.t0


def visit(run: Run, index: int, link: str) -> Result:
    """One session: open `link`, change T once; keep the tab open with --hold."""
    page, query = LINKS[link]
    result = Result(index, link, run.now())
    tab = AppSession(run.args.url, timeout=run.args.timeout)
    try:
        result.open_s = tab.open(page, query)
        result.replica = tab.replica
        result.change_s = tab.set_temperature()
        if tab.problems:
            raise SessionError("; ".join(tab.problems))
    # OSError covers HTTP errors, refused connections and timeouts;
    # WebSocketException a refused upgrade (e.g. 503) and a closed connection.
    except (SessionError, OSError, WebSocketException) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        result.replica = result.replica or tab.replica
    if run.args.hold and result.error is None:
        with run.lock:
            run.held.append((result, tab))
    else:
        tab.close()
    _report(run, result)
    return result


def _report(run: Run, result: Result) -> None:
    with run.lock:
        run.results.append(result)
        done = len(run.results)
        open_s = "-" if result.open_s is None else f"{result.open_s:.2f} s"
        change_s = "-" if result.change_s is None else f"{result.change_s:.2f} s"
        print(
            f"session {result.index:4d} {result.link:8s} {result.replica or '-':6s} "
            f"start {result.started:6.2f} s  open {open_s:>8s}  "
            f"change {change_s:>8s}  {result.error or 'ok'}",
            flush=True,
        )
        kill_pid, kill_after = run.args.kill_pid, run.args.kill_after
        if kill_pid and run.killed_at is None and done >= kill_after:
            os.kill(kill_pid, signal.SIGKILL)
            run.killed_at = run.now()
            print(f"killed pid {kill_pid} at {run.killed_at:.2f} s", flush=True)


def _rss_line(pid: int) -> str:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return f"pid {pid}: not running"
    fields = dict(
        line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
    )
    return f"pid {pid}: RSS {fields['VmRSS'].strip()}, peak {fields['VmHWM'].strip()}"


def summary(run: Run, wall: float) -> list[str]:
    """The closing lines: the change time, faults and the one-line summary."""
    results, lines = run.results, []
    errors = [r for r in results if r.error]
    opens = [r.open_s for r in results if r.error is None and r.open_s is not None]
    changes = [r.change_s for r in results if r.change_s is not None]
    if changes:
        lines.append(
            f"change p50 {_pct(changes, 50):.2f} s, p95 {_pct(changes, 95):.2f} s"
        )
    if run.killed_at is not None:
        after = [r for r in results if r.started >= run.killed_at]
        in_flight = [r for r in errors if r.started < run.killed_at]
        dropped = [r for r, tab in run.held if not tab.alive()]
        lines.append(
            f"fault: killed pid {run.args.kill_pid} at {run.killed_at:.2f} s; "
            f"sessions lost: {len(in_flight)} in flight, {len(dropped)} held open; "
            f"errors among the {len(after)} sessions started after: "
            f"{sum(r.error is not None for r in after)}"
        )
    by_replica: dict[str, int] = {}
    for r in results:
        by_replica[r.replica or "-"] = by_replica.get(r.replica or "-", 0) + 1
    lines.append(
        "replicas: " + ", ".join(f"{k} {v}" for k, v in sorted(by_replica.items()))
    )
    lines += [_rss_line(pid) for pid in run.args.pids]
    p50 = _pct(opens, 50) if opens else float("nan")
    p95 = _pct(opens, 95) if opens else float("nan")
    lines.append(
        f"sessions {len(results)}, errors {len(errors)}, p50 {p50:.2f} s, "
        f"p95 {p95:.2f} s, sessions/s {len(results) / wall:.2f}"
    )
    return lines


def _pct(values: list[float], q: int) -> float:
    """The q-th percentile (linear interpolation, as numpy's default)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def warm_up(url: str, sessions: int) -> None:
    """Open `sessions` tabs at once and close them: the replicas import the pages."""

    def one(_: int) -> None:
        with contextlib.suppress(SessionError, OSError, WebSocketException):
            with AppSession(url) as tab:
                tab.open(*LINKS["classic"])

    with ThreadPoolExecutor(max_workers=sessions) as pool:
        list(pool.map(one, range(sessions)))


def run_load(args: argparse.Namespace) -> Run:
    """Run the load test described by `args`; return its state."""
    run = Run(args)
    links = args.links.split(",")
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        futures = [
            pool.submit(visit, run, i, links[i % len(links)])
            for i in range(args.sessions)
        ]
        for future in futures:
            future.result()
    return run


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=30)
    parser.add_argument(
        "--links",
        default="classic,random",
        help=f"comma-separated, from {', '.join(LINKS)}",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds a session may wait for one answer",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=0,
        help="tabs opened (at once) before the test, not counted",
    )
    parser.add_argument(
        "--hold", action="store_true", help="keep every tab open until the end"
    )
    parser.add_argument(
        "--pids",
        type=lambda s: [int(p) for p in s.split(",")],
        default=[],
        help="print these processes' RSS at the end",
    )
    parser.add_argument("--kill-pid", type=int, default=0)
    parser.add_argument(
        "--kill-after",
        type=int,
        default=0,
        help="kill --kill-pid once this many sessions finished",
    )
    args = parser.parse_args(argv)
    unknown = set(args.links.split(",")) - set(LINKS)
    if unknown:
        parser.error(f"unknown links {sorted(unknown)}; known: {sorted(LINKS)}")
    return args  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.warmup:
        warm_up(args.url, args.warmup)
    start = time.perf_counter()
    run = run_load(args)
    wall = time.perf_counter() - start
    for line in summary(run, wall):
        print(line)
    for _, tab in run.held:
        tab.close()
    sys.exit(1 if any(r.error for r in run.results) else 0)


if __name__ == "__main__":
    main()
