"""Worker processes for the CPU-bound steps, with crash isolation.

A ``spawn`` pool keeps prefect out of the workers (a forked worker would inherit it): they import
only ``tasks``. A worker that dies (segfault, OOM kill) breaks the whole executor; the pool is
then rebuilt and the batch split in halves until the input that kills a worker is alone, so that
one input is recorded as ``worker_crash`` and every other input still gets processed.

The flow hands the pool itself to its batch tasks (they run on threads of the flow's process);
anything with the :class:`BatchRunner` shape can stand in for it.
"""

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from types import TracebackType
from typing import Protocol

from tasks.core.errors import WorkerCrashed
from tasks.core.records import BatchResult, InputRef, failed
from tasks.pipeline import PipelineOptions, process_batch, warm_up

_BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
BatchFn = Callable[[Sequence[InputRef], PipelineOptions, datetime], BatchResult]


class BatchRunner(Protocol):
    """Runs one batch of inputs through the pipeline somewhere."""

    def run(self, refs: Sequence[InputRef], now: datetime) -> BatchResult:
        """The batch's results, one per input, in order; never raises for a bad input."""
        ...


class WorkerPool:
    """A spawn process pool for the pipeline's CPU-bound steps, started on first need."""

    def __init__(self, workers: int, options: PipelineOptions, batch_fn: BatchFn = process_batch) -> None:
        self.workers = workers
        self.options = options
        #: What a worker runs on a batch: a module-level function (it is pickled by reference).
        self.batch_fn = batch_fn
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._generation = 0

    def start(self) -> "WorkerPool":
        """Start the worker processes now: their warm-up (imports, the entity model) then
        overlaps whatever the caller does next. Idempotent."""
        if self._executor is None and self.workers > 0:  # no workers: nothing to process
            self._executor = self._new_executor()
            # Spawn every worker now (the executor spawns lazily): each imports trafilatura and
            # spaCy and builds the tagger, and they should do that side by side.
            for _ in range(self.workers):
                self._executor.submit(_noop)
        return self

    def __enter__(self) -> "WorkerPool":
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (a pool never started has none)."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None

    def _new_executor(self) -> ProcessPoolExecutor:
        # One worker per core, each single-threaded: OpenBLAS would otherwise start a thread per
        # core in every worker, and they spin against each other (measured: workers used ~20 %
        # more CPU for the same pages). Spawned children inherit the environment; a value the
        # user set is kept.
        for name in _BLAS_THREADS:
            os.environ.setdefault(name, "1")
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(), self.options)
        )

    def _current(self) -> tuple[ProcessPoolExecutor, int]:
        self.start()
        with self._lock:
            if self._executor is None:
                raise RuntimeError("worker pool has no workers")
            return self._executor, self._generation

    def _replace_broken(self, generation: int) -> None:
        with self._lock:
            # Several batches see the same crash; only the first one rebuilds the executor.
            if generation == self._generation and self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
                self._generation += 1

    def run(self, refs: Sequence[InputRef], now: datetime) -> BatchResult:
        """Process ``refs`` in a worker; isolate and record any input that kills its worker."""
        executor, generation = self._current()
        try:
            return executor.submit(in_worker, self.batch_fn, list(refs), self.options, now).result()
        except BrokenProcessPool:
            self._replace_broken(generation)
        if len(refs) == 1:
            crash = WorkerCrashed("the worker process died while processing this input")
            return BatchResult(items=(failed(refs[0], crash, stage="process"),))
        middle = len(refs) // 2
        left, right = self.run(refs[:middle], now), self.run(refs[middle:], now)
        timings = {k: left.timings.get(k, 0.0) + right.timings.get(k, 0.0) for k in {*left.timings, *right.timings}}
        return BatchResult(items=left.items + right.items, timings=timings)


def _noop() -> None:
    return None


_LIBC = ctypes.CDLL(None)


def in_worker(batch_fn: BatchFn, refs: list[InputRef], options: PipelineOptions, now: datetime) -> BatchResult:
    """One batch inside a worker, then the memory its pages used handed back to the system.

    Parsed pages leave the allocator's arenas fragmented: without ``malloc_trim`` a worker's
    resident memory kept growing with the pages it had seen (+155 MiB over the 1,473 dev-set
    pages, against +71 MiB with it; the rest is spaCy's vocabulary and first-use caches, which
    level off), so peak memory was not flat in the corpus size.
    """
    try:
        return batch_fn(refs, options, now)
    finally:
        _LIBC.malloc_trim(0)


def _start_worker(parent: int, options: PipelineOptions) -> None:
    """Initializer of every worker: signals are the parent's business, and a worker never outlives
    its parent (even one killed with SIGKILL, which runs no clean-up); then build the tagger."""
    # Ctrl-C reaches the whole foreground process group; the parent decides what to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()
    warm_up(options)


def _exit_with_parent(parent: int, every: float = 0.5) -> None:
    # An orphan is re-parented (to init or a subreaper): a changed parent id means ours is gone.
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(1)
