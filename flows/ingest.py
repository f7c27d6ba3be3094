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
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import replace
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
from flows.progress import Progress
from flows.report import EMPTY_SOURCE_HINT, SUMMARY_LOG_EXTRA, RunSummary
from flows.runners import batches_for, next_batch_size
from flows.runs import recorded_run
from flows.settings import RUNNER_PATTERN, Settings, current_settings, delta_options, fetch_options
from flows.stop import StopRequested, stop_on_signals
from storage.backend import Store, open_dataset
from tasks.core.errors import is_retryable
from tasks.core.records import BatchResult, InputRef, ItemResult
from tasks.core.timing import Laps
from tasks.ner.people import KnownPeople, link_lone_surnames
from tasks.sources.collect import Collector, Skipped, fetch_pages
from tasks.sources.web.formats import Link
from tasks.sources.web.harvest import Harvest

#: Batches in flight per worker (plus one) while the flow waits for the oldest. Results are taken
#: in the order of submission, so a slow batch (the dev set's 2-3 MB pages) holds up the ones
#: behind it, and the other worker can sit idle once it finished the one queued batch. Two per
#: worker measured less idle (system idle over whole runs of the 1,473 dev pages 1.07, 0.95,
#: 0.84 s against 1.62, 1.11, 0.92 s, paired), but no faster a run, and the parent held the
#: results of more batches at once: the bench's peak RSS went to 1.17x for 4x the pages.
READ_AHEAD = 1


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
    on_progress: Callable[[int], None] | None = None,
) -> Harvest:
    """Fetch feeds, sitemaps and URL lists, then every page they list that the dataset lacks.
    Per-URL failures come back as failure items; only an error of the whole fetch fails the task."""
    options = fetch_options(settings)
    result = fetch_pages(
        sources, links, known, options=options, spool=spool, validators=validators, on_progress=on_progress
    )
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
    ``NEWSFLOW_RUNNER``; defaults ``data/news``, 100, 0 = one per core, 500, ``local``).
    ``out`` may be ``s3://bucket/prefix`` (Delta tables); ``runner`` ``dask://HOST:PORT`` runs the
    batches on that Dask cluster (docs/scaling.md). Returns the run summary, also left as the
    markdown artifact ``ingest-summary`` and as a row of the dataset's ``runs`` table (written
    even when the run fails).
    """
    given = {"out": out, "batch_size": batch_size, "workers": workers, "flush_rows": flush_rows, "runner": runner}
    # Prefect has validated the parameters against the same bounds as the settings.
    settings = current_settings().model_copy(update={k: v for k, v in given.items() if v is not None})
    summary = RunSummary(run_id=str(flow_run.id or uuid.uuid4()), out=settings.out)
    dataset = open_dataset(settings.out, table_format=settings.table_format, delta=delta_options(settings))
    logger = get_run_logger()
    with (
        stop_on_signals(logger.warning) as stop,
        recorded_run(dataset, "ingest", summary, sources=sources),
        Progress(log=logger.info) as progress,
    ):
        _Run(dataset, settings, summary, progress, stop).run(sources)
        # In a worker's log this line is the summary; the CLI prints it itself and keeps this
        # record off the console (flows.report.summary_printed_by_caller).
        logger.info("%s", summary.to_text(), extra=SUMMARY_LOG_EXTRA)
    return summary.as_dict()


class _Run:
    """One ingest: collect, process in a bounded window of batches, commit, count."""

    def __init__(
        self, dataset: Store, settings: Settings, summary: RunSummary, progress: Progress, stop: StopRequested
    ) -> None:
        self.dataset, self.settings, self.summary, self.progress, self.stop = dataset, settings, summary, progress, stop
        self.logger = get_run_logger()
        self.buffer: list[ItemResult] = []
        self.flushes = 0
        # Workers take seconds to start (imports, the entity model): the pool starts at the first input
        # with work, so their warm-up overlaps collection; a re-run with nothing new never starts them.
        self.batches = batches_for(settings, process_batch_task)
        #: Full names met in earlier articles (this dataset's), for lone surnames in later ones.
        self.people = KnownPeople.from_state(dataset.load_state("people"))
        self.window: deque[tuple[list[InputRef], datetime, PrefectFuture[BatchResult]]] = deque()

    def run(self, sources: list[str]) -> None:
        started = time.monotonic()
        with self._cpu("flow"):
            self._run(sources)
        self.summary.cancelled = bool(self.stop)
        self.summary.elapsed = time.monotonic() - started

    @contextmanager
    def _cpu(self, step: str) -> Iterator[None]:
        """Count the CPU time of this thread in the block as ``step`` (``RunSummary.parent_seconds``)."""
        laps = Laps(self.summary.parent_seconds)
        try:
            yield
        finally:
            laps.lap(step)

    def _collected(self, collector: Collector) -> Iterator[InputRef | Skipped | ItemResult]:
        """``collector``'s items, the CPU spent producing each counted as ``collect``."""
        items = iter(collector)
        while True:
            with self._cpu("collect"):
                item = next(items, None)
            if item is None:
                return
            yield item

    def _run(self, sources: list[str]) -> None:
        removed = self.dataset.open()
        self.summary.orphans_removed = len(removed)
        if removed:
            self.logger.warning(
                "cleaned up %d leftover(s) of an interrupted run; what it left undone is redone", len(removed)
            )
        with closing(self.batches), self.dataset.scratch(self.summary.run_id) as spool:
            collector = Collector(
                sources,
                self.dataset,
                partial(
                    fetch_web_task,
                    settings=self.settings,
                    spool=spool,
                    validators=self.dataset.load_state("http-validators"),
                    on_progress=self.progress.requests,
                ),
                spool,
                fingerprints=self.dataset.load_state("fingerprints"),
                on_fetch=self._fetching,
            )
            self.progress.enter("discover", ", ".join(sources))
            self.progress.expect(collector.estimate())
            self._collect_and_process(collector)
            self.progress.enter("commit", f"{len(self.buffer)} input(s) left to commit")
            self._commit()
            self.summary.discovered += collector.known_pages
            self.summary.add_skip("unchanged", collector.known_pages)
            self.summary.empty_sources = collector.empty_sources
            for source in collector.empty_sources:
                self.logger.warning("no inputs in %s: %s", source, EMPTY_SOURCE_HINT)
            with self._cpu("commit"):
                self.dataset.save_state("fingerprints", collector.fingerprints)
                self.dataset.save_state("people", self.people.to_state())
                if collector.validators and not self.stop:  # only now: what the web sources listed is committed
                    self.dataset.save_state("http-validators", collector.validators)

    def _fetching(self, urls: int) -> None:
        """The web phase begins: ``urls`` web SOURCEs and listed URLs to fetch (each ends as an
        input, so the total expected grows by as much)."""
        self.progress.enter("fetch", f"{urls} web source(s) and listed URL(s)")
        self.progress.expect(self.progress.estimate + urls)

    def _collect_and_process(self, collector: Collector) -> None:
        pending: list[InputRef] = []
        processing = False
        for item in self._collected(collector):
            if self.stop:
                break  # what is collected but not submitted is left for the next run
            self.summary.discovered += 1
            self.progress.found()
            if isinstance(item, Skipped):
                self.summary.add_skip(item.outcome)
                self.progress.finished(1)
            elif isinstance(item, ItemResult):
                self._take([item])
                self.progress.finished(1)
            else:
                self.batches.start()
                if not processing:
                    processing = True
                    self.progress.enter("process", f"with {self.batches.slots} worker(s)")
                pending.append(item)
                left = self.progress.estimate - self.summary.discovered + len(pending)
                if len(pending) >= next_batch_size(self.settings.batch_inputs, left, self.batches.slots):
                    self._submit(pending)
                    pending = []
        else:
            self.progress.found(0, final=True)
        if pending and not self.stop:
            self._submit(pending)
        self._drain(keep=0)  # batches already in the workers are finished, even when stopping

    def _submit(self, batch: list[InputRef]) -> None:
        now = datetime.now(UTC)
        self.window.append((batch, now, self.batches.submit(batch, now)))
        self._drain(keep=READ_AHEAD * self.batches.slots)

    def _drain(self, keep: int) -> None:
        while len(self.window) > keep:
            batch, now, future = self.window.popleft()
            result = self.batches.result(batch, future, now)
            # In the order of submission, whatever order the workers finished in: deterministic.
            with self._cpu("surnames"):
                result = replace(result, items=tuple(link_lone_surnames(result.items, self.people)))
            self.summary.add_batch(result)
            self._take(result.items)
            self.progress.finished(len(result.items))

    def _take(self, items: Sequence[ItemResult]) -> None:
        self.buffer.extend(items)
        if len(self.buffer) >= self.settings.flush_rows:
            self._commit()

    def _commit(self) -> None:
        if not self.buffer:
            return
        with self._cpu("commit"):
            flush_id = f"{self.summary.run_id}-{self.flushes:05d}"
            stats = self.dataset.commit(
                self.buffer, run_id=self.summary.run_id, flush_id=flush_id, now=datetime.now(UTC)
            )
            self.summary.add_commit(stats, self.buffer)
            self.progress.committed(len(self.buffer))
            self.flushes += 1
            self.buffer = []
