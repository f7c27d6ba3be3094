"""The ``ingest`` flow: SOURCEs -> worker batches -> deduplicated, partitioned Parquet.

The flow only orchestrates (one Prefect task per *batch*, never per article: a task run costs
~10-15 ms here and a page ~30 ms):

1. open the dataset (recover from crashed writers, load what it holds);
2. collect the inputs (``tasks.sources.collect``: routing, the ledger's "already there?", and every
   bad input turned into a failure), streaming: memory stays flat in the number of inputs;
3. process them in ``process-batch`` tasks, a bounded window at a time, each handing its batch to
   the worker pool (CPU-bound extract/clean/tag, no prefect in the workers);
4. commit every ``flush_rows`` results (the dataset deduplicates under its lock);
5. record the run (a markdown artifact and a ``runs`` row) and return the summary.
"""

import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import Task
from pydantic import Field

from flows.pool import BatchRunner
from flows.report import RunSummary
from flows.runners import batches_for
from flows.runs import recorded_run
from flows.settings import RUNNER_PATTERN, Settings, current_settings, delta_options, fetch_options
from storage.backend import Store, open_dataset
from tasks.core.errors import is_retryable
from tasks.core.records import BatchResult, InputRef, ItemResult
from tasks.sources.collect import Collector, Skipped, fetch_pages
from tasks.sources.web.formats import Link
from tasks.sources.web.harvest import Harvest

#: Seconds between progress lines on the terminal / in the Prefect log.
PROGRESS_EVERY = 5.0


def retry_if_retryable(task: Task, task_run: TaskRun, state: State) -> bool:  # type: ignore[type-arg]
    """Prefect retry condition: retry only errors whose class says ``retryable``.

    A plain function on purpose: Prefect silently never retries with a partial or callable object.
    """
    return is_retryable(state.data if isinstance(state.data, BaseException) else None)


@task(
    name="process-batch",
    retries=2,
    retry_delay_seconds=[1, 5],
    retry_jitter_factor=0.5,
    retry_condition_fn=retry_if_retryable,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def process_batch_task(runner: BatchRunner, refs: list[InputRef], now: datetime) -> BatchResult:
    """Run one batch on ``runner`` (the flow's worker pool, or the pipeline itself in a Dask worker)."""
    return runner.run(refs, now)


@task(
    name="fetch-web",
    retries=1,
    retry_delay_seconds=5,
    retry_condition_fn=retry_if_retryable,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def fetch_web_task(
    sources: Sequence[str],
    links: Sequence[Link],
    known: Callable[[str, str], bool],
    *,
    settings: Settings,
    spool: Path,
    validators: dict[str, dict[str, str]],
) -> Harvest:
    """Fetch feeds, sitemaps and URL lists, then every page they list that the dataset lacks.
    Per-URL failures come back as failure items; only an error of the whole fetch fails the task."""
    result = fetch_pages(sources, links, known, options=fetch_options(settings), spool=spool, validators=validators)
    get_run_logger().info(
        "fetched %d page(s) with %d request(s); %d failed, %d already in the dataset",
        len(result.refs),
        result.requests,
        len(result.failures),
        result.unchanged,
    )
    return result


@flow(name="ingest", task_runner=ThreadPoolTaskRunner(max_workers=8), log_prints=True)  # type: ignore[arg-type]
def ingest(
    sources: Annotated[list[str], Field(min_length=1)],
    out: Annotated[str | None, Field(min_length=1)] = None,
    batch_size: Annotated[int | None, Field(ge=1, le=10_000)] = None,
    workers: Annotated[int | None, Field(ge=0, le=256)] = None,
    flush_rows: Annotated[int | None, Field(ge=1, le=1_000_000)] = None,
    runner: Annotated[str | None, Field(pattern=RUNNER_PATTERN)] = None,
) -> dict[str, Any]:
    """Ingest ``sources`` into the Parquet dataset at ``out``: files or directories (``.html``/
    ``.htm`` pages, ``.txt`` articles or URL lists, ``.jsonl`` records, ``.warc[.gz]`` archives)
    and http(s) URLs (a page, a feed, a sitemap, a URL list). A parameter left unset takes its
    setting (``NEWSFLOW_OUT``, ``NEWSFLOW_BATCH_SIZE``, ``NEWSFLOW_WORKERS``, ``NEWSFLOW_FLUSH_ROWS``,
    ``NEWSFLOW_RUNNER``; defaults ``data``, 40 (100 on Dask), 0 = one per core, 500, ``local``). ``out`` may be
    ``s3://bucket/prefix`` (Delta tables); ``runner`` ``dask://HOST:PORT`` runs the batches on
    that Dask cluster (docs/scaling.md). Returns the run summary, also left as the
    markdown artifact ``ingest-summary`` and as a row of the dataset's ``runs`` table (written
    even when the run fails).
    """
    given = {"out": out, "batch_size": batch_size, "workers": workers, "flush_rows": flush_rows, "runner": runner}
    # Prefect has validated the parameters against the same bounds as the settings.
    settings = current_settings().model_copy(update={k: v for k, v in given.items() if v is not None})
    summary = RunSummary(run_id=str(flow_run.id or uuid.uuid4()), out=settings.out)
    dataset = open_dataset(settings.out, table_format=settings.table_format, delta=delta_options(settings))
    with recorded_run(dataset, "ingest", summary, sources=sources):
        _ingest(sources, dataset, settings, summary)
    return summary.as_dict()


def _ingest(sources: list[str], dataset: Store, settings: Settings, summary: RunSummary) -> None:
    started = time.monotonic()
    batch_size, flush_rows = settings.batch_inputs, settings.flush_rows
    logger = get_run_logger()
    removed = dataset.open()
    summary.orphans_removed = len(removed)
    if removed:
        logger.warning("removed %d file(s) left by an interrupted run; their inputs are re-processed", len(removed))

    buffer: list[ItemResult] = []
    flushes = 0

    def commit() -> None:
        nonlocal buffer, flushes
        if buffer:
            flush_id = f"{summary.run_id}-{flushes:05d}"
            summary.add_commit(dataset.commit(buffer, run_id=summary.run_id, flush_id=flush_id, now=datetime.now(UTC)))
            flushes += 1
            buffer = []

    def take(items: Sequence[ItemResult]) -> None:
        buffer.extend(items)
        if len(buffer) >= flush_rows:
            commit()

    # Workers take seconds to start (imports, the entity model): the pool starts at the first input
    # with work, so their warm-up overlaps collection; a re-run with nothing new never starts them.
    batches = batches_for(settings, process_batch_task)
    window: deque[tuple[list[InputRef], datetime, PrefectFuture[BatchResult]]] = deque()
    last_progress = time.monotonic()

    def drain(keep: int) -> None:
        nonlocal last_progress
        while len(window) > keep:
            batch, now, future = window.popleft()
            result = batches.result(batch, future, now)
            summary.add_batch(result)
            take(result.items)
            if time.monotonic() - last_progress >= PROGRESS_EVERY:
                last_progress = time.monotonic()
                done = summary.processed + len(buffer)
                logger.info("progress: %d inputs done (%.1f/s)", done, done / max(1e-9, time.monotonic() - started))

    def submit(batch: list[InputRef]) -> None:
        now = datetime.now(UTC)
        window.append((batch, now, batches.submit(batch, now)))
        drain(keep=batches.slots)  # at most one batch queued per worker, plus one

    with closing(batches), dataset.scratch(summary.run_id) as spool:
        fetch = partial(
            fetch_web_task, settings=settings, spool=spool, validators=dataset.load_state("http-validators")
        )
        collector = Collector(sources, dataset, fetch, spool, fingerprints=dataset.load_state("fingerprints"))
        pending: list[InputRef] = []
        for item in collector:
            summary.discovered += 1
            if isinstance(item, Skipped):
                summary.add_skip(item.outcome)
            elif isinstance(item, ItemResult):
                take([item])
            else:
                batches.start()
                pending.append(item)
                if len(pending) == batch_size:
                    submit(pending)
                    pending = []
        if pending:
            submit(pending)
        drain(keep=0)
        commit()
        summary.discovered += collector.known_pages
        summary.add_skip("unchanged", collector.known_pages)
        dataset.save_state("fingerprints", collector.fingerprints)
        if collector.validators:  # only now: the pages the web sources listed are committed
            dataset.save_state("http-validators", collector.validators)
    summary.elapsed = time.monotonic() - started
    logger.info("%s", summary.to_text())
