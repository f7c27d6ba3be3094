"""`newsflow serve` for real: its own `prefect server start`, Prefect's scheduler firing an
interval schedule (at least twice), flow runs writing Parquet; `newsflow trigger` finding that
server by itself; a second serve refused on the taken port; a clean stop on SIGTERM, also while
a flow run is half-way (it commits and records itself before serve and its server stop)."""

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support import EXAMPLES, NEWSFLOW, ROOT, counts, query
from tests.support.corpus import write_corpus

pytestmark = [pytest.mark.flow, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NEWSFLOW, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_serve_schedules_triggers_refuses_a_second_serve_and_stops_on_sigterm(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    project = tmp_path / "prefect.yaml"
    project.write_text(
        f"""
deployments:
  - name: every-few-seconds
    entrypoint: {ROOT / "flows" / "ingest.py"}:ingest
    parameters: {{sources: ["{EXAMPLES}"], out: "{out}"}}
    schedules:
      - interval: 4
    concurrency_limit: {{limit: 1, collision_strategy: ENQUEUE}}
""",
        encoding="utf-8",
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(
        NEWSFLOW_SERVER_HOME=str(tmp_path / "server"),
        PREFECT_HOME=str(tmp_path / "server"),
        # Make Prefect's scheduler and the runner look every 2 s instead of every 60 s / 10 s.
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2",
        PREFECT_RUNNER_POLL_FREQUENCY="2",
    )
    proc = subprocess.Popen(
        [NEWSFLOW, "serve", "--file", str(project), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not ((out / "runs").is_dir() and counts(out).get("runs", (0,))[0] >= 2):
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "the schedule did not fire twice"
            time.sleep(1)
        assert httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200

        second = cli(["serve", "--file", str(project), "--port", str(port)], env)
        assert second.returncode == 2 and f"port {port} on 127.0.0.1 is taken" in second.stderr, second.stderr
        assert "PREFECT_API_URL=" in second.stderr and len(second.stderr.strip().splitlines()) == 1

        # No PREFECT_API_URL: trigger finds the server serve started, through its server home.
        typo = cli(["trigger", "ingest/every-few-seconds", "-p", "batchsize=3"], env)
        assert typo.returncode == 2 and "has no parameter 'batchsize'" in typo.stderr, typo.stderr
        click = ["trigger", "ingest/every-few-seconds", "-p", "batch_size=3"]
        first = cli(click, env)
        assert first.returncode == 0 and "earlier run" not in first.stdout, first.stdout + first.stderr
        again = cli(click, env)
        assert again.returncode == 0 and "an earlier run" in again.stdout, again.stdout + again.stderr
        assert first.stdout.split()[2] == again.stdout.split()[2]  # the same flow run id
    finally:
        proc.send_signal(signal.SIGTERM)  # what systemd and docker stop send
        output, _ = proc.communicate(timeout=90)
    assert proc.returncode == 0, output
    assert "newsflow serve: stopped" in output and "never awaited" not in output
    with pytest.raises(httpx.HTTPError):  # the server went down with it
        httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
    seen = counts(out)
    assert seen["articles"][0] == 15  # the examples' articles, once, however often the schedule fired


def test_serve_refuses_overrides_its_deployments_do_not_take(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("poll-feeds:\n  sorces: [/srv/news]\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(NEWSFLOW_SERVER_HOME=str(tmp_path / "server"), PREFECT_HOME=str(tmp_path / "server"))
    proc = cli(["serve", "--params", str(params), "--port", str(free_port())], env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip() == (
        "newsflow: poll-feeds: no parameter 'sorces' (it takes: batch_size, flush_rows, out, runner, sources, workers)"
    )


def test_sigterm_mid_run_lets_the_run_commit_and_record_itself_before_serve_stops(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    write_corpus(pages, 300)
    out = tmp_path / "dataset"
    project = tmp_path / "prefect.yaml"
    project.write_text(
        f"""
deployments:
  - name: long
    entrypoint: {ROOT / "flows" / "ingest.py"}:ingest
    parameters: {{sources: ["{pages}"], out: "{out}", batch_size: 10, flush_rows: 20}}
""",
        encoding="utf-8",
    )
    # Without PYTHONUNBUFFERED (a CI runner has none): the lines must come as printed all the same.
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PYTHONUNBUFFERED")}
    env.update(NEWSFLOW_SERVER_HOME=str(tmp_path / "server"), PREFECT_HOME=str(tmp_path / "server"))
    proc = subprocess.Popen(
        [NEWSFLOW, "serve", "--file", str(project), "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 240
        while not any(line.startswith("ready") for line in lines):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.5)
        triggered = cli(["trigger", "ingest/long"], env)
        assert triggered.returncode == 0, triggered.stdout + triggered.stderr
        while not list((out / "articles").glob("*/*.parquet")):  # the first commit: half-way
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=180)
        reader.join(10)
    output = "".join(lines)
    assert proc.returncode == 0, output
    assert "SIGTERM: waiting for 1 running flow run(s)" in output, output
    assert "Traceback" not in output and "newsflow serve: stopped" in output, output
    ((status, ingested),) = query(f"SELECT status, ingested FROM read_parquet('{out}/runs/**/*.parquet')")
    assert status == "cancelled", output
    assert 0 < ingested < 300 and counts(out)["articles"][0] == ingested  # what it counted, it committed
