"""The embedded server the CLI starts before importing Prefect (flows/server.py)."""

import os
from pathlib import Path
from typing import Any

import psutil
import pytest

from flows.server import EMBEDDED_ENV, embedded_command
from tests.support import EXAMPLES, counts, run_newsflow

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
    assert embedded_command(8123) == seen["args"]
    assert EMBEDDED_ENV.items() <= seen["env"].items()


def _servers_of(home: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            is_server = "prefect.server.api.server:create_app" in (proc.info["cmdline"] or [])
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
    assert _servers_of(home) == []  # stopped at exit
