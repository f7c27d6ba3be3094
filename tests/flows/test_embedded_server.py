"""The embedded server the CLI starts before importing Prefect (flows/server.py)."""

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from flows.server import EMBEDDED_APP, EMBEDDED_ENV, embedded_command
from tests.support import EXAMPLES, NEWSFLOW, ROOT, counts, query, run_newsflow
from tests.support.corpus import write_corpus

pytestmark = pytest.mark.flow


def test_the_command_and_environment_are_prefects_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # Prefect's embedded server, as this Prefect version starts it: if an upgrade changes it,
    # this fails and flows/server.py must follow.
    import prefect.server.api.server as prefect_server

    seen: dict[str, Any] = {}

    def record(args: list[str], env: dict[str, str], **kwargs: object) -> None:
        seen.update(args=args, env=env)

    monkeypatch.setattr(prefect_server.subprocess, "Popen", record)  # type: ignore[attr-defined]
    prefect_server.SubprocessASGIServer(port=8123)._run_uvicorn_command()
    prefects = seen["args"]
    factory = prefects.index("prefect.server.api.server:create_app")
    assert embedded_command(8123) == [*prefects[:factory], EMBEDDED_APP, *prefects[factory + 1 :]]
    assert EMBEDDED_ENV.items() <= seen["env"].items()


def test_the_app_is_prefects_built_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    import prefect.server.api.server as prefect_server

    from flows.embedded_app import create_app

    built_with: list[bool] = []

    def prefect_app() -> object:
        built_with.append(gc.isenabled())
        return "prefect's app"

    monkeypatch.setattr(prefect_server, "create_app", prefect_app)
    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))  # (the runner's heap stays as it is)
    try:
        assert create_app() == "prefect's app"
        assert built_with == [False]
        assert gc.isenabled()
        assert frozen == [True]
    finally:
        gc.enable()


def _servers_of(home: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            is_server = EMBEDDED_APP in (proc.info["cmdline"] or [])
            if is_server and proc.environ().get("PREFECT_HOME") == str(home):
                found.append(proc)
        except psutil.Error:
            pass
    return found


@pytest.mark.slow
def test_ingest_without_a_server_runs_on_its_own_and_leaves_none_behind(tmp_path: Path) -> None:
    home = tmp_path / "prefect-home"  # fresh: the first start also migrates the database
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_UI_URL")}
    env["PREFECT_HOME"] = str(home)
    out = tmp_path / "out"
    proc = run_newsflow(["ingest", str(EXAMPLES), "--out", str(out)], env)
    assert "ingested 15" in proc.stdout
    assert "View at" not in proc.stdout + proc.stderr  # the embedded server has no UI to link to
    assert counts(out)["articles"][0] == 15
    assert (home / "prefect.db").is_file()  # Prefect's own database, where it always is
    # Told to stop at exit, and not waited for (its graceful stop is ~0.2 s of timers): gone soon after.
    deadline = time.monotonic() + 10
    while _servers_of(home) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _servers_of(home) == []


def _ingest_in_background(tmp_path: Path, pages: int) -> tuple[subprocess.Popen[str], Path, Path]:
    """A real ``newsflow ingest`` of generated pages, in its own process group (as a shell runs it),
    with its own PREFECT_HOME; returns (process, dataset, PREFECT_HOME) once it has committed."""
    corpus, out, home = tmp_path / "corpus", tmp_path / "out", tmp_path / "prefect-home"
    write_corpus(corpus, pages, seed=3)
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_UI_URL")}
    env["PREFECT_HOME"] = str(home)
    args = [NEWSFLOW, "ingest", str(corpus), "--out", str(out), "--batch-size", "4", "--flush-rows", "8"]
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 240
    while not list((out / "inputs").glob("*/*.parquet")):
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() < deadline, "no commit within 240 s"
        time.sleep(0.2)
    return proc, out, home


def _gone(processes: list[psutil.Process], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_ctrl_c_stops_after_the_current_batches_and_records_a_cancelled_run(tmp_path: Path) -> None:
    proc, out, home = _ingest_in_background(tmp_path, 400)
    workers = psutil.Process(proc.pid).children(recursive=True)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    started = time.monotonic()
    output, _ = proc.communicate(timeout=60)
    assert time.monotonic() - started < 30, output
    assert proc.returncode == 130, output
    assert "stopping after the current batches" in output and "stopped early" in output
    assert "Traceback" not in output
    ((status, ingested),) = query(f"SELECT status, ingested FROM read_parquet('{out}/runs/**/*.parquet')")
    assert status == "cancelled" and 0 < ingested < 400
    assert query(f"SELECT count(*) FROM read_parquet('{out}/articles/**/*.parquet')") == [(ingested,)]
    assert _gone(workers, within=10) and _servers_of(home) == []


@pytest.mark.slow
def test_kill_9_of_the_cli_takes_the_embedded_server_and_the_workers_with_it(tmp_path: Path) -> None:
    proc, _, home = _ingest_in_background(tmp_path, 400)
    children = psutil.Process(proc.pid).children(recursive=True)
    assert _servers_of(home) and len(children) >= 3  # the server and the workers are running
    proc.kill()
    proc.wait(30)
    assert _gone(children, within=15), [p.cmdline() for p in children if p.is_running()]
    assert _servers_of(home) == []


@pytest.mark.slow
def test_stop_asks_the_server_to_stop_and_waits_only_when_told() -> None:
    from flows.server import EmbeddedServer

    # A stand-in whose graceful stop takes a while, as uvicorn's does (~0.2 s), here 1 s.
    handler = "signal.signal(signal.SIGTERM, lambda *_: (time.sleep(1), sys.exit(0)))"
    slow = subprocess.Popen(["python3", "-c", f"import signal, sys, time; {handler}; time.sleep(60)"])
    time.sleep(0.3)  # its handler is installed
    started = time.monotonic()
    EmbeddedServer(slow, "http://127.0.0.1:9/api", 1.0).stop()
    assert time.monotonic() - started < 0.5 and slow.poll() is None  # asked, not waited for
    assert slow.wait(timeout=10) == 0  # it stops on its own
    deaf = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    stuck = subprocess.Popen(["python3", "-c", deaf])
    time.sleep(0.3)
    EmbeddedServer(stuck, "http://127.0.0.1:9/api", 1.0).stop(wait=0.5)
    assert stuck.poll() == -signal.SIGKILL  # waited for, then killed
