"""Shared fixtures, and the rules of the fast tier.

Tiers (markers): ``flow`` tests run against a real Prefect server (one per session, started on
first request); ``slow`` tests start servers, spawn processes or wait on real time. Everything else
is the fast tier (``make test-fast``): no Prefect, no subprocess, no sleeping; the fixture below
fails a fast test that breaks one of those rules, naming the marker it needs.
"""

import asyncio
import multiprocessing.process
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import SHARED_SAMPLES

# Before anything imports prefect: offline, no telemetry, a private PREFECT_HOME for the suite.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

#: Sleeps up to this long are yields, not waits (thread hand-offs in libraries).
_TINY_SLEEP = 0.01
#: Fixtures that start a real server: a test that uses one is in the slow tier.
_SERVER_FIXTURES = frozenset({"site", "quick_site", "prefect_server"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real Prefect server for the whole session (its first start runs migrations)."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    from flows.settings import STARTUP_TIMEOUT_SECONDS

    # The harness ignores PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (hard-coded 30 s).
    with prefect_test_harness(server_startup_timeout=STARTUP_TIMEOUT_SECONDS):
        yield str(PREFECT_API_URL.value())


@pytest.fixture
def samples() -> list[Path]:
    """The real scraped samples in ../shared; skipped where ../shared is absent (users' clones)."""
    if not SHARED_SAMPLES.is_dir():
        pytest.skip("../shared/samples not present")
    return sorted(SHARED_SAMPLES.glob("*.txt"))


def _refuse(what: str) -> Any:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a fast-tier test {what}: mark it @pytest.mark.slow (or flow)")

    return refuse


@pytest.fixture(autouse=True)
def _fast_tier_rules(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if request.node.get_closest_marker("slow") or request.node.get_closest_marker("flow"):
        yield
        return
    real_sleep, real_async_sleep = time.sleep, asyncio.sleep

    test_thread = threading.current_thread()

    def sleep(seconds: float) -> None:
        # Only the test's own thread: a background thread an earlier slow test left (py4j's
        # Spark gateway polls every second) is not the fast test's doing.
        if seconds > _TINY_SLEEP and threading.current_thread() is test_thread:
            _refuse(f"sleeps {seconds} s")()
        real_sleep(seconds)

    async def async_sleep(seconds: float, result: object = None) -> object:
        if seconds > _TINY_SLEEP:
            _refuse(f"sleeps {seconds} s")()
        return await real_async_sleep(seconds, result)

    monkeypatch.setattr(subprocess.Popen, "__init__", _refuse("starts a subprocess"))
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", _refuse("starts a process"))
    monkeypatch.setattr(time, "sleep", sleep)
    monkeypatch.setattr(asyncio, "sleep", async_sleep)
    had_prefect = "prefect" in sys.modules
    yield
    if not had_prefect and "prefect" in sys.modules:
        _refuse("imports prefect")()
