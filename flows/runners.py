"""Where the flow's batches run: this machine's worker pool (``local``, the default) or the
workers of a Dask cluster (``dask://HOST:PORT``), behind one small interface, :class:`Batches`.

- ``local``: each ``process-batch`` task runs on a thread of the flow and hands its batch to the
  :class:`~flows.pool.WorkerPool` (spawned processes, crash isolation by bisection in the pool).
- ``dask``: each ``process-batch`` task runs *inside a Dask worker* through prefect-dask's
  ``DaskTaskRunner``, with an :class:`InProcessRunner`, which runs the pipeline right there (it
  is plain data, so it pickles; the tagger is built once per worker process and cached). Dask
  re-runs a task whose worker died on another worker; a batch that has killed
  ``distributed.scheduler.allowed-failures`` workers comes back as ``KilledWorker``, and is then
  split in halves and resubmitted until the input that kills workers is alone: it is recorded
  as ``worker_crash``, every other input still gets processed.

The flow only calls :meth:`Batches.start`, :meth:`Batches.submit`, :meth:`Batches.result` and
:meth:`Batches.close`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from prefect.futures import PrefectFuture
from prefect.tasks import Task

from flows.pool import BatchFn, BatchRunner, WorkerPool, in_worker
from flows.settings import Settings, pipeline_options
from tasks.core.errors import BatchError, WorkerCrashed
from tasks.core.records import BatchResult, InputRef, failed
from tasks.pipeline import PipelineOptions, process_batch

#: The flow's batch task: ``(runner, refs, now) -> BatchResult``.
BatchTask = Task[[BatchRunner, list[InputRef], datetime], BatchResult]


@dataclass(frozen=True)
class InProcessRunner:
    """A :class:`~flows.pool.BatchRunner` that runs the pipeline in the calling process: what a
    Dask worker runs. Plain data (options and a module-level function), so it pickles."""

    options: PipelineOptions
    batch_fn: BatchFn = process_batch

    def run(self, refs: Sequence[InputRef], now: datetime) -> BatchResult:
        """The batch's results, one per input, in order."""
        return in_worker(self.batch_fn, list(refs), self.options, now)


class Batches(Protocol):
    """Submits batches somewhere and turns each future into a result, never an exception."""

    #: Batches worth keeping in flight (one per worker slot).
    slots: int

    def start(self) -> None:
        """Get the workers ready (idempotent): called at the first input with work."""

    def submit(self, refs: list[InputRef], now: datetime) -> PrefectFuture[BatchResult]:
        """Start processing ``refs``."""
        ...

    def result(self, refs: list[InputRef], future: PrefectFuture[BatchResult], now: datetime) -> BatchResult:
        """The batch's result; an input that could not be processed becomes a failure item."""
        ...

    def close(self) -> None:
        """Release the workers (or the connection to them)."""


def batch_failures(refs: Sequence[InputRef], exc: BaseException) -> BatchResult:
    """A batch whose task failed for good: every input becomes a failure. Retryable in the
    ledger: the inputs themselves did nothing wrong; the next run retries them."""
    error = BatchError(f"{type(exc).__name__}: {exc}")
    return BatchResult(items=tuple(failed(ref, error, stage="process") for ref in refs))


class LocalBatches:
    """Batches on this machine's worker pool (task threads of the flow hand them over)."""

    def __init__(self, task: BatchTask, workers: int, options: PipelineOptions) -> None:
        self.task = task
        self.pool = WorkerPool(workers, options)
        self.slots = workers

    def start(self) -> None:
        self.pool.start()

    def submit(self, refs: list[InputRef], now: datetime) -> PrefectFuture[BatchResult]:
        return self.task.submit(self.pool, refs, now)

    def result(self, refs: list[InputRef], future: PrefectFuture[BatchResult], now: datetime) -> BatchResult:
        try:
            return future.result()
        except Exception as exc:
            return batch_failures(refs, exc)

    def close(self) -> None:
        self.pool.close()


class DaskBatches:
    """Batches as tasks on the Dask cluster at ``address`` (``tcp://HOST:PORT``)."""

    def __init__(self, task: BatchTask, address: str, runner: BatchRunner) -> None:
        from prefect_dask.task_runners import DaskTaskRunner

        self.task = task
        self.address = address
        self.runner = runner
        self._task_runner = DaskTaskRunner(address=address)
        self._started = False
        self.slots = 1

    def start(self) -> None:
        if not self._started:
            self._task_runner.__enter__()  # type: ignore[no-untyped-call]
            self._started = True
            # Every worker thread of the cluster is a slot (queried once: a cluster that grows
            # later still gets its work, only with less read-ahead).
            self.slots = max(1, sum(self._task_runner.client.nthreads().values()))  # type: ignore[no-untyped-call]

    def submit(self, refs: list[InputRef], now: datetime) -> PrefectFuture[BatchResult]:
        self.start()
        parameters: dict[str, Any] = {"runner": self.runner, "refs": refs, "now": now}
        return self._task_runner.submit(self.task, parameters)

    def result(self, refs: list[InputRef], future: PrefectFuture[BatchResult], now: datetime) -> BatchResult:
        try:
            return future.result()
        except Exception as exc:
            if not _killed_workers(exc):
                return batch_failures(refs, exc)
        # This batch killed every worker it was given to: find the input that does it.
        if len(refs) == 1:
            crash = WorkerCrashed("every Dask worker given this input died while processing it")
            return BatchResult(items=(failed(refs[0], crash, stage="process"),))
        middle = len(refs) // 2
        halves = [refs[:middle], refs[middle:]]
        futures = [self.submit(half, now) for half in halves]
        left, right = (self.result(half, f, now) for half, f in zip(halves, futures, strict=True))
        timings = {k: left.timings.get(k, 0.0) + right.timings.get(k, 0.0) for k in {*left.timings, *right.timings}}
        return BatchResult(items=left.items + right.items, timings=timings)

    def close(self) -> None:
        if self._started:
            self._task_runner.__exit__(None, None, None)
            self._started = False


def _killed_workers(exc: BaseException) -> bool:
    from distributed.scheduler import KilledWorker

    return isinstance(exc, KilledWorker)


#: The smallest batch the end of a run is cut into. A task run costs the parent ~10-15 ms of CPU
#: and the server ~45 ms, a page ~25 ms in a worker: at 5, the last ~50 of the 1,473 dev pages
#: went in ten batches. 6 paired runs at 12 against 5: 0.2 s sooner on average (4 of 5 pairs, one
#: pair dropped for a 2.9 s outlier), no more idle at the end.
TAIL_BATCH_MIN = 12


def next_batch_size(full: int, left: int, slots: int) -> int:
    """How many inputs the next batch takes: ``full``, until ``left`` (the inputs still to
    come by the estimate, the ones of this batch included) is within a few batches of the end;
    from there each batch takes at most a ``1 / (2 * slots)`` share of what is left, so the
    workers finish together instead of one working through a last full batch while the others
    wait (measured on 1,473 real pages and two workers: ~1 s of one idle core at the end). An
    estimate already passed (``left <= 0``) says nothing: full batches."""
    if left <= 0:
        return full
    return max(min(TAIL_BATCH_MIN, full), min(full, -(-left // (2 * slots))))


def batches_for(settings: Settings, task: BatchTask) -> Batches:
    """The :class:`Batches` the settings ask for (``runner``)."""
    options = pipeline_options(settings)
    if settings.dask_address is not None:
        return DaskBatches(task, settings.dask_address, InProcessRunner(options))
    return LocalBatches(task, settings.worker_count, options)
