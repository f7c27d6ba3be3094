"""`newsflow serve` for real: its own `prefect server start`, Prefect's scheduler firing an
interval schedule (at least twice), flow runs writing Parquet, and a clean stop on Ctrl-C."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support import EXAMPLES, NEWSFLOW, ROOT, counts

pytestmark = [pytest.mark.flow, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_interval_schedule_fires_twice_under_serve_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
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
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=90)
    assert proc.returncode == 0, output
    assert "newsflow serve: stopped" in output
    with pytest.raises(httpx.HTTPError):  # the server went down with it
        httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
    seen = counts(out)
    assert seen["articles"][0] == 15  # the examples' articles, once, however often the schedule fired
