"""Prefect servers the CLI starts itself.

- ``local_server``: a persistent ``prefect server start`` on loopback for ``newsflow serve``, with
  a project-chosen PREFECT_HOME, so that Prefect's own scheduler runs (the embedded server never
  schedules anything).
- ``start_embedded_server``: Prefect's embedded (ephemeral) server for one ``newsflow ingest``
  or ``compact``, started before Prefect is imported so that the two start-ups overlap.
"""

import atexit
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from flows.settings import default_prefect_home, use_prefect_api

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """``preexec_fn`` of the servers we start: the kernel sends them SIGTERM when the newsflow
    process that started them dies, even of SIGKILL (Linux ``prctl(PR_SET_PDEATHSIG)``)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def wait_healthy(api_url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until ``api_url/health`` answers; fail early if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    # One client for every poll: httpx.get builds a client, and with it an SSL context loaded
    # with the CA bundle, per call (44 ms of CPU each here, 0.44 ms with one client: ~30 % of a
    # core, taken from the server and the workers' warm-up that share the two cores with this loop).
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"prefect server exited with code {proc.returncode}")
            try:
                if client.get(f"{api_url}/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)  # every run waits here: a coarser step adds its half to each start-up
    raise TimeoutError(f"prefect server at {api_url} not healthy after {timeout:.0f} s")


def answers(api_url: str, timeout: float = 3.0) -> bool:
    """Whether a Prefect server answers at ``api_url`` (one health check)."""
    try:
        return httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on ``host:port``."""
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


#: Where ``newsflow serve`` leaves the API URL of its server while it runs (under its server home),
#: so that ``newsflow trigger`` finds it without PREFECT_API_URL.
SERVE_URL_FILE = "api-url"


def served_url(home: Path, patience: float = 15.0) -> str | None:
    """The API URL of the server a running ``newsflow serve`` started under ``home``: None when no
    serve left one; when it did, it is asked for up to ``patience`` seconds (a busy server is slow
    to answer), then :class:`ServeNotAnswering` is raised."""
    try:
        url = (home / SERVE_URL_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    deadline = time.monotonic() + patience
    while url:
        if answers(url):
            return url
        if time.monotonic() > deadline:
            raise ServeNotAnswering(
                f"the server of `newsflow serve` at {url} is not answering (still starting, or busy)"
            )
        time.sleep(1)
    return None


class ServeNotAnswering(RuntimeError):
    """``newsflow serve`` left its server's address, but the server does not answer."""


@contextmanager
def local_server(home: Path, host: str, port: int, startup_timeout: float) -> Iterator[str]:
    """Run ``prefect server start`` for the duration of the block; yield its API URL."""
    home.mkdir(parents=True, exist_ok=True)
    api_url = f"http://{host}:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    log = open(home / "server.log", "ab")  # noqa: SIM115  (closed below, after the process)
    cmd = [str(Path(sys.executable).with_name("prefect")), "server", "start", "--host", host, "--port", str(port)]
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent
    )
    try:
        wait_healthy(api_url, startup_timeout, proc)
        (home / SERVE_URL_FILE).write_text(api_url + "\n", encoding="utf-8")
        yield api_url
    finally:
        (home / SERVE_URL_FILE).unlink(missing_ok=True)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


class EmbeddedServer:
    """A running embedded server: its API URL, a wait for it to answer, and a stop."""

    def __init__(
        self, proc: subprocess.Popen[bytes], api_url: str, startup_timeout: float, log: Path | None = None
    ) -> None:
        self.proc = proc
        self.api_url = api_url
        self.startup_timeout = startup_timeout
        #: Where the server's own output goes.
        self.log = log

    def wait_healthy(self) -> None:
        """Block until the server answers (its first start on a fresh PREFECT_HOME migrates); a
        server that dies first is reported with the last line of its log."""
        try:
            wait_healthy(self.api_url, self.startup_timeout, self.proc)
        except (RuntimeError, TimeoutError) as exc:
            tail = ""
            if self.log is not None and self.log.is_file():
                lines = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
                tail = f"; its log {self.log} ends: {lines[-1][:300]}" if lines else ""
            raise RuntimeError(f"Prefect's embedded server did not start: {exc}{tail}") from None

    def stop(self, wait: float | None = None) -> None:
        """Ask the server to stop (SIGTERM); with ``wait``, wait that many seconds for it, then
        kill it.

        At the CLI's exit (``wait=None``) it is not waited for: everything the run wrote is
        committed and Prefect's own flushes are done by then, and uvicorn's graceful stop takes
        ~0.2 s of timers (its main loop's 0.1 s tick, a fixed 0.1 s pause, the services' stop)
        that the user would otherwise wait through at the end of every command. It finishes on
        its own a moment later; its database is SQLite's, which another run's server may open
        meanwhile (a lock, waited for)."""
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        if wait is None:
            return
        try:
            self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


#: The embedded server's app: Prefect's, built by :mod:`flows.embedded_app` (which pauses the
#: garbage collector while Prefect's server modules are imported; ~0.5 s of CPU off each start).
EMBEDDED_APP = "flows.embedded_app:create_app"


def embedded_command(port: int) -> list[str]:
    """The command Prefect itself runs for its embedded server (``SubprocessASGIServer`` in
    prefect/server/api/server.py; a test keeps the two equal), with :data:`EMBEDDED_APP` for its
    app factory."""
    spec = importlib.util.find_spec("prefect")  # located, not imported: that is the point
    assert spec is not None and spec.origin is not None, "prefect is not installed"
    app_dir = Path(spec.origin).parent.parent
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(app_dir),
        "--factory",
        EMBEDDED_APP,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "error",
        "--lifespan",
        "on",
    ]


#: What Prefect adds to the embedded server's environment: no UI, ephemeral mode (no scheduler or
#: other background services).
EMBEDDED_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
#: What newsflow adds: no block types registered at start. Registration (memoized or not) first
#: imports every installed Prefect collection (prefect-dask, and with it dask.distributed) to
#: hash their block types: ~0.85 s of each start-up's 7 s here, for blocks newsflow never uses
#: (a ``prefect server start`` on the same database registers them itself). A value set in the
#: environment is kept.
NEWSFLOW_EMBEDDED_ENV = {
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}


def start_embedded_server(startup_timeout: float) -> EmbeddedServer:
    """Start Prefect's embedded server now and point this process at it (``PREFECT_API_URL``).

    Prefect would start the very same server on the flow's first API call, but only after this
    process has imported Prefect (~4 s here), and then wait for the server's own imports (~4 s
    more, on the other core). Started first, the two overlap: ~3 s off every run. Call it
    before prefect is imported, and ``wait_healthy`` before the first flow call.

    The server is told to stop at interpreter exit, as Prefect's own is, and for the same reason:
    Prefect flushes its logs and events to the API from its own exit handlers, which run before
    this one (registered first, it runs last). Stopped any earlier, those flushes retry against
    a dead server for over a minute. Unlike Prefect's, this process does not wait the ~0.2 s of
    the server's graceful stop (:meth:`EmbeddedServer.stop`).
    """
    with socket.socket() as sock:  # a free port (Prefect picks one at random the same way)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Its own session: a Ctrl-C at the terminal is the CLI's to handle (it stops the run cleanly,
    # which needs the server); the server stops at exit, or with the CLI if that is killed. Its
    # output goes to a log beside its database, not the user's terminal: stopped at exit, its event
    # recorder is cancelled mid-flush and prints a 100-line traceback that means nothing to a user.
    home = Path(os.environ.get("PREFECT_HOME") or default_prefect_home()).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    log = open(home / "embedded-server.log", "ab")  # noqa: SIM115  (the server process holds it)
    proc = subprocess.Popen(
        embedded_command(port),
        env={**NEWSFLOW_EMBEDDED_ENV, **os.environ, **EMBEDDED_ENV},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    log.close()  # the child has its own descriptor
    server = EmbeddedServer(proc, f"http://127.0.0.1:{port}/api", startup_timeout, home / "embedded-server.log")
    atexit.register(server.stop)
    use_prefect_api(server.api_url, ui=False)
    return server
