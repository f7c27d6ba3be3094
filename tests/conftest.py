"""Shared fixtures. Flow tests request ``prefect_server``; unit tests never start Prefect."""

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
SHARED_SAMPLES = ROOT.parent / "shared" / "samples"
#: The installed console script, as users run it.
NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))

# Before anything imports prefect: offline, no telemetry, a private PREFECT_HOME for the suite.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real Prefect server for the whole session (its first start runs migrations)."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    # The harness ignores PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (hard-coded 30 s).
    with prefect_test_harness(server_startup_timeout=180):
        yield str(PREFECT_API_URL.value())


@pytest.fixture
def samples() -> list[Path]:
    """The real scraped samples in ../shared; skipped where ../shared is absent (users' clones)."""
    if not SHARED_SAMPLES.is_dir():
        pytest.skip("../shared/samples not present")
    return sorted(SHARED_SAMPLES.glob("*.txt"))


def run_newsflow(args: list[str], env: Mapping[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the console script from the project root with ``env``; a non-zero exit fails the test."""
    proc = subprocess.run([NEWSFLOW, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc
