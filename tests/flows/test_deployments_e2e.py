"""prefect.yaml end to end through the real CLIs, against a real Prefect server: deploy every
deployment, trigger runs (one rejected, one double-clicked), let a worker run them once."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from uuid import UUID

import pytest

from tests.support import EXAMPLES, ROOT, counts

pytestmark = [pytest.mark.flow, pytest.mark.slow]
BIN = Path(sys.executable).parent


def cli(args: list[str], api_url: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PREFECT_API_URL": api_url, "PWD": str(ROOT)}
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_deploy_trigger_reject_dedupe_and_run_with_a_worker(prefect_server: str, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client

    out = tmp_path / "dataset"
    cli([str(BIN / "prefect"), "work-pool", "create", "newsflow", "--type", "process"], prefect_server)
    deployed = cli([str(BIN / "prefect"), "--no-prompt", "deploy", "--all"], prefect_server)
    for name in ("ingest/poll-feeds", "ingest/backfill", "compact/daily"):
        assert name in deployed.stdout, deployed.stdout

    run = cli(
        [
            str(BIN / "prefect"),
            "deployment",
            "run",
            "ingest/backfill",
            "-p",
            f"sources={json.dumps([str(EXAMPLES)])}",
            "-p",
            f"out={out}",
        ],
        prefect_server,
    )
    run_id = re.search(r"UUID: ([0-9a-f-]{36})", run.stdout)
    assert run_id, run.stdout

    bad = cli(
        [
            str(BIN / "prefect"),
            "deployment",
            "run",
            "ingest/backfill",
            "-p",
            f"sources={json.dumps(['x'])}",
            "-p",
            "batch_size=0",
        ],
        prefect_server,
        check=False,
    )
    assert bad.returncode != 0
    assert "batch_size" in bad.stdout + bad.stderr

    # A double click: the same key makes one run (the default key's time window is unit-tested).
    click = [str(BIN / "newsflow"), "trigger", "compact/daily", "-p", f"out={out}", "--idempotency-key", "double"]
    first, second = cli(click, prefect_server), cli(click, prefect_server)
    ids = [re.search(r"flow run ([0-9a-f-]{36})", p.stdout).group(1) for p in (first, second)]  # type: ignore[union-attr]
    assert ids[0] == ids[1], (first.stdout, second.stdout)

    # --limit gives the worker a limiter, and only then does --run-once wait for its runs to finish.
    cli(
        [str(BIN / "prefect"), "worker", "start", "--pool", "newsflow", "--run-once", "--limit", "4"],
        prefect_server,
        timeout=400,
    )

    # The worker may exit while its last flow-run process is still finishing: wait for final states.
    deadline = time.monotonic() + 120
    with get_client(sync_client=True) as client:
        while True:
            runs = [client.read_flow_run(UUID(r)) for r in (run_id.group(1), ids[0])]
            states = {str(r.id): r.state_type.value if r.state_type else None for r in runs}
            if set(states.values()) <= {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} or time.monotonic() > deadline:
                break
            time.sleep(1)
    assert set(states.values()) == {"COMPLETED"}, states
    seen = counts(out)
    assert seen["articles"][0] > 0 and len(set(seen["articles"])) == 1
    assert seen["runs"][0] == 2  # the ingest and the compaction each left a report row
