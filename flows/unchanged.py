"""A re-run with nothing new, answered without starting Prefect.

When every SOURCE is local and the dataset's ledger already holds every input it contains
(unchanged files are only stat'ed), an ingest has nothing to do: starting Prefect's embedded
server (~5 s of CPU) and importing Prefect (~4 s) would be the whole cost of the run. The CLI asks
this module first; if there is nothing new, it records the run in the dataset's ``runs`` table
(status ``completed``, every input ``unchanged``, no Prefect run id: ``local-<uuid>``) and prints
the usual summary. Anything else (a web SOURCE, one new or changed input, a failure, a directory
without known files) goes through the flow as always.
"""

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from flows.report import RunSummary
from flows.runs import run_row
from flows.settings import Settings, delta_options
from storage.backend import open_dataset
from storage.root import is_dataset, is_remote
from tasks.sources.collect import Collector, Skipped
from tasks.sources.web.harvest import is_web_source


class _Something(Exception):
    """Raised inside collection as soon as one input needs work."""


def _no_fetch(*args: object) -> Any:
    raise _Something


def unchanged_run(sources: list[str], settings: Settings) -> dict[str, Any] | None:
    """The summary of a run that found nothing new (and its ``runs`` row written), or None when
    the flow has work to do."""
    if any(is_web_source(s) for s in sources) or is_remote(settings.out) or not is_dataset(settings.out):
        return None
    started_at, started = datetime.now(UTC), time.monotonic()
    dataset = open_dataset(settings.out, table_format=settings.table_format, delta=delta_options(settings))
    dataset.open()
    summary = RunSummary(run_id=f"local-{uuid.uuid4()}", out=settings.out)
    with TemporaryDirectory() as spool:
        collector = Collector(sources, dataset, _no_fetch, Path(spool), fingerprints=dataset.load_state("fingerprints"))
        for item in collector:
            if not (isinstance(item, Skipped) and item.outcome == "unchanged"):
                return None  # (a claim made here binds nothing: this Dataset object is dropped)
            summary.discovered += 1
            summary.add_skip("unchanged")
        if collector.empty_sources or not summary.discovered:
            return None  # the flow's summary says what is wrong with the SOURCEs
    summary.elapsed = time.monotonic() - started
    row = run_row(summary, "ingest", started_at=started_at, finished_at=datetime.now(UTC), sources=sources)
    dataset.record_run(row, now=row["finished_at"])
    return summary.as_dict()
