"""The worker pool: spawn workers without prefect, and crash isolation by bisection."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.pool import WorkerPool
from storage.dataset import worker_outcome
from tasks.pipeline import PipelineOptions
from tasks.sources.discover import discover
from tests.support.worker_probes import POISON, prefect_loaded, process_or_die

pytestmark = pytest.mark.slow  # spawns worker processes


def test_workers_do_not_import_prefect() -> None:
    import prefect  # noqa: F401  (loaded in the parent on purpose: workers must still not have it)

    with WorkerPool(1, PipelineOptions()) as pool:
        executor, _ = pool._current()
        assert executor.submit(prefect_loaded).result(timeout=120) is False


def test_workers_run_below_the_flows_cpu_priority() -> None:
    import os

    from flows.settings import current_settings

    with WorkerPool(1, PipelineOptions()) as pool:
        executor, _ = pool._current()
        worker_nice = executor.submit(os.nice, 0).result(timeout=120)
    assert worker_nice == min(19, os.nice(0) + current_settings().worker_nice) > os.nice(0)


def test_an_input_that_kills_its_worker_is_isolated(tmp_path: Path) -> None:
    for i in range(6):
        (tmp_path / f"{i}.txt").write_text(f"Seoul and Tokyo held talks on day {i}. " * 20)
    (tmp_path / POISON).write_text("Any text: the worker dies before reading it. " * 20)
    refs = list(discover([str(tmp_path)]))
    with WorkerPool(2, PipelineOptions(), batch_fn=process_or_die) as pool:
        result = pool.run(refs, datetime.now(UTC))
        again = pool.run(refs[:2], datetime.now(UTC))  # the pool was rebuilt and still works
    outcomes = {
        Path(item.ref.path).name: (worker_outcome(item), item.failure.reason if item.failure else None)
        for item in result.items
    }
    assert [Path(item.ref.path).name for item in result.items] == [Path(r.path).name for r in refs]  # order kept
    assert outcomes.pop(POISON) == ("failed", "worker_crash")
    assert set(outcomes.values()) == {("ingested", None)} and len(outcomes) == 6
    assert [worker_outcome(item) for item in again.items] == ["ingested", "ingested"]
