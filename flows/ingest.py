"""The ``ingest`` flow: SOURCEs -> worker batches -> deduplicated, partitioned Parquet.

Shape of a run (one Prefect task per *batch*, never per article: a task run costs ~10-15 ms
here and a page ~30 ms):

1. discover inputs and fingerprint them (parent process, cheap I/O);
2. open the dataset: recover from crashed writers, load the dedup index; skip inputs whose
   fingerprint the ledger already holds (a re-run over unchanged input does no work);
3. submit batches to ``process-batch`` tasks, a bounded window at a time; each hands its batch
   to a spawn process pool (CPU-bound extract/clean/tag, no prefect in the workers);
4. buffer results and commit them every ``flush_rows`` articles (dedup under the dataset lock);
5. leave a markdown artifact and return the summary.
"""

import asyncio
import shutil
import time
import uuid
from collections import deque
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import (
    State,
    TaskRun,
)
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import Task
from pydantic import Field

from flows.pool import WorkerPool, get_pool
from flows.report import RunSummary
from flows.runs import recorded_run
from flows.settings import fetch_options, load_settings, pipeline_options
from storage.dataset import Dataset
from tasks.discover import discover
from tasks.errors import is_retryable
from tasks.fetch import Fetcher
from tasks.models import BatchResult, InputRef, ItemResult, failed
from tasks.tag import check_model
from tasks.webformats import Link
from tasks.websources import Harvest, harvest, is_web_source, url_list_links, warc_refs

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
def process_batch_task(pool_key: str, refs: list[InputRef], now: datetime) -> BatchResult:
    """Run one batch in the flow's worker pool."""
    return get_pool(pool_key).run(refs, now)


@flow(name="ingest", task_runner=ThreadPoolTaskRunner(max_workers=8), log_prints=True)  # type: ignore[arg-type]
def ingest(
    sources: Annotated[list[str], Field(min_length=1)],
    out: Annotated[str, Field(min_length=1)] = "data",
    batch_size: Annotated[int, Field(ge=1, le=10_000)] = 40,
    workers: Annotated[int, Field(ge=0, le=256)] = 0,
    flush_rows: Annotated[int, Field(ge=1)] = 500,
) -> dict[str, object]:
    """Ingest ``sources`` into the Parquet dataset at ``out``: files or directories (``.html``/
    ``.htm`` pages, ``.txt`` articles or URL lists, ``.jsonl`` records, ``.warc[.gz]`` archives)
    and http(s) URLs (a page, a feed, a sitemap, a URL list). ``workers=0`` means one per core.
    Returns the run summary, also left as the markdown artifact ``ingest-summary`` and as a row
    of the dataset's ``runs`` table (written even when the run fails).
    """
    summary = RunSummary(run_id=str(flow_run.id or uuid.uuid4()), out=out)
    dataset = Dataset(out)
    with recorded_run(dataset, "ingest", summary, sources=sources):
        _ingest(sources, dataset, batch_size, workers, flush_rows, summary)
    return summary.as_dict()


def _ingest(
    sources: list[str], dataset: Dataset, batch_size: int, workers: int, flush_rows: int, summary: RunSummary
) -> None:
    out = str(dataset.root)
    started = time.monotonic()
    logger = get_run_logger()
    settings = load_settings()
    run_id = summary.run_id
    worker_count = workers if workers > 0 else settings.worker_count
    options = pipeline_options(settings)
    check_model(options.tag)  # a bad NEWSFLOW_NER_MODEL fails here, not in every worker

    removed = dataset.open()
    summary.orphans_removed = len(removed)
    if removed:
        logger.warning("removed %d file(s) left by an interrupted run; their inputs are re-processed", len(removed))
    # Workers take seconds to start (imports, the entity model): they are started at the first
    # input that needs them, so their warm-up overlaps discovery and fetching; a re-run with
    # nothing new never starts them.
    pool = WorkerPool(worker_count, options)
    with closing(pool):
        web_sources = [s for s in sources if is_web_source(s)]
        fingerprints = dataset.load_state("fingerprints")
        found = []
        for ref in discover([s for s in sources if not is_web_source(s)], fingerprints=fingerprints):
            if ref.digest not in dataset.index.done_digests:
                pool.start()
            found.append(ref)
        dataset.save_state("fingerprints", fingerprints)
        spool = dataset.state_dir / "spool" / run_id
        refs = [r for r in found if r.kind in ("html", "text", "jsonl")]
        for warc in (r for r in found if r.kind == "warc"):
            refs.extend(warc_refs(warc.path, spool))
        links = [link for r in found if r.kind == "urllist" for link in url_list_links(r.path)]
        fetched: Harvest | None = None
        if web_sources or links:
            fetched = fetch_web(web_sources, links, dataset, spool)
            refs.extend(fetched.refs)
            summary.outcomes["unchanged"] += fetched.unchanged
        summary.discovered = len(refs) + (fetched.unchanged + len(fetched.failures) if fetched else 0)

        todo: list[InputRef] = []
        seen: set[str] = set()
        for ref in refs:
            if ref.digest in dataset.index.done_digests:
                summary.outcomes["unchanged"] += 1
            elif ref.digest in seen:
                summary.outcomes["duplicate"] += 1  # the same bytes twice in one run
            else:
                seen.add(ref.digest)
                todo.append(ref)
        logger.info(
            "%d inputs found, %d already in %s, %d to process with %d workers",
            len(refs),
            summary.outcomes["unchanged"],
            out,
            len(todo),
            worker_count,
        )

        buffer: list[ItemResult] = list(fetched.failures) if fetched else []
        buffered_articles = 0
        flushes = 0

        def commit() -> None:
            nonlocal buffer, buffered_articles, flushes
            if not buffer:
                return
            stats = dataset.commit(buffer, run_id=run_id, flush_id=f"{run_id}-{flushes:05d}", now=datetime.now(UTC))
            flushes += 1
            summary.outcomes.update(stats.outcomes)
            summary.files_written += len(stats.files)
            buffer, buffered_articles = [], 0

        batches = [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]
        window: deque[tuple[list[InputRef], PrefectFuture[BatchResult]]] = deque()
        last_progress = time.monotonic()
        if batches:
            pool.start()
        pending = iter(batches)
        while True:
            while len(window) < worker_count + 1:
                batch = next(pending, None)
                if batch is None:
                    break
                window.append((batch, process_batch_task.submit(pool.key, batch, datetime.now(UTC))))
            if not window:
                break
            batch, future = window.popleft()
            result = _result_or_failures(batch, future)
            summary.add_batch(result)
            buffer.extend(result.items)
            buffered_articles += sum(1 for item in result.items if item.article is not None)
            if buffered_articles >= flush_rows:
                commit()
            if time.monotonic() - last_progress >= PROGRESS_EVERY:
                last_progress = time.monotonic()
                done = summary.processed + len(buffer)
                rate = (done - summary.outcomes["unchanged"]) / max(1e-9, time.monotonic() - started)
                logger.info("progress: %d/%d inputs (%.1f/s)", done, len(refs), rate)
        commit()
        if fetched is not None:
            dataset.save_state("http-validators", fetched.validators)  # only now: what they listed is committed
        shutil.rmtree(spool, ignore_errors=True)
        summary.elapsed = time.monotonic() - started
    logger.info("%s", summary.to_text())


@task(
    name="fetch-web",
    retries=1,
    retry_delay_seconds=5,
    retry_condition_fn=retry_if_retryable,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def fetch_web(sources: list[str], links: list[Link], dataset: Dataset, spool: Path) -> Harvest:
    """Fetch feeds, sitemaps and URL lists, then every page they list that the dataset lacks.

    I/O-bound, so it runs here on one event loop with one pooled client; per-URL failures come
    back as failure items. Only an error of the whole batch fails the task.
    """
    logger = get_run_logger()
    options = fetch_options(load_settings())
    index = dataset.index

    def known(canonical: str, digest: str) -> bool:
        return canonical in index.article_urls or digest in index.done_digests

    async def run() -> Harvest:
        async with Fetcher(options, spool) as fetcher:
            validators = dataset.load_state("http-validators")
            harvest_result = await harvest(fetcher, sources, links, validators=validators, known=known)
            logger.info(
                "fetched %d page(s) with %d request(s); %d failed, %d already in the dataset",
                len(harvest_result.refs),
                fetcher.requests,
                len(harvest_result.failures),
                harvest_result.unchanged,
            )
            return harvest_result

    return asyncio.run(run())


def _result_or_failures(batch: list[InputRef], future: PrefectFuture[BatchResult]) -> BatchResult:
    """The batch's result; if the task failed for good, every input of it becomes a failure."""
    try:
        return future.result()
    except Exception as exc:
        # Retryable in the ledger: the inputs themselves did nothing wrong; the next run retries.
        detail = f"{type(exc).__name__}: {exc}"
        return BatchResult(
            items=tuple(failed(r, stage="process", reason="batch_error", detail=detail, retryable=True) for r in batch)
        )
