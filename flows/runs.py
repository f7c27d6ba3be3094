"""Every flow run leaves a report: a Prefect markdown artifact and a row in the ``runs`` table.

Both are written when the run ends, however it ends, so consumers can see freshness and failures
from the Parquet alone.
"""

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from storage.backend import Store
from tasks.core.vocabulary import RunStatus


class Report(Protocol):
    """What a flow's summary object offers to :func:`recorded_run`."""

    run_id: str
    elapsed: float
    error: str | None
    #: Set when a stop (Ctrl-C, SIGTERM) ended the run early.
    cancelled: bool

    def to_markdown(self) -> str: ...

    def run_row(self) -> dict[str, Any]: ...


def status(report: Report) -> RunStatus:
    """How the run ended, as the ``runs`` table and the summary say it."""
    return "cancelled" if report.cancelled else "failed" if report.error else "completed"


def run_row(
    report: Report, flow: str, *, started_at: datetime, finished_at: datetime, sources: Sequence[str] = ()
) -> dict[str, Any]:
    """The run's row of the ``runs`` table."""
    return {
        "discovered": 0,
        "ingested": 0,
        "duplicate": 0,
        "unchanged": 0,
        "empty": 0,
        "failed": 0,
        **report.run_row(),
        "run_id": report.run_id,
        "flow": flow,
        "status": status(report),
        "started_at": started_at,
        "finished_at": finished_at,
        "sources": list(sources),
        "error": report.error,
    }


@contextmanager
def recorded_run(dataset: Store, flow: str, report: Report, *, sources: Sequence[str] = ()) -> Iterator[None]:
    """Run the body; afterwards (success or not) leave the artifact and the ``runs`` row."""
    from prefect import get_run_logger
    from prefect.artifacts import create_markdown_artifact

    logger = get_run_logger()
    started_at = datetime.now(UTC)
    started = time.monotonic()
    try:
        yield
    except KeyboardInterrupt:
        report.cancelled = True  # stopped at once (a second Ctrl-C): what was committed stays
        raise
    except BaseException as exc:
        report.error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        report.elapsed = time.monotonic() - started
        finished_at = datetime.now(UTC)
        try:
            create_markdown_artifact(
                key=f"{flow}-summary", markdown=report.to_markdown(), description=f"newsflow {flow} into {dataset.root}"
            )
        except Exception as exc:  # a report must never hide the run's own outcome
            logger.warning("could not leave the %s artifact: %s", flow, exc)
        row = run_row(report, flow, started_at=started_at, finished_at=finished_at, sources=sources)
        try:
            dataset.record_run(row, now=finished_at)
        except Exception as exc:
            logger.warning("could not record the run in %s: %s", dataset.root, exc)
