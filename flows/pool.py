"""Worker processes for the CPU-bound steps, with crash isolation.

Workers are forked from multiprocessing's fork server, a fresh interpreter that has imported the
pipeline and built its tagger once (:mod:`flows.warm`): prefect stays out of the workers (a
worker forked from the flow's process would inherit it), and a worker starts warm in
milliseconds instead of seconds. A worker that dies (segfault, OOM kill) breaks the whole
executor; the pool is then rebuilt and the batch split in halves until the input that kills a
worker is alone, so that one input is recorded as ``worker_crash`` and every other input still
gets processed.

The flow hands the pool itself to its batch tasks (they run on threads of the flow's process);
anything with the :class:`BatchRunner` shape can stand in for it.
"""

import ctypes
import multiprocessing
import multiprocessing.forkserver
import os
import select
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
#: What the fork server imports before it forks any worker.
_PRELOAD = ["flows.warm"]
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
        return ProcessPoolExecutor(
            self.workers,
            mp_context=start_fork_server(),
            initializer=_start_worker,
            initargs=(os.getpid(), self.options),
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


def start_fork_server() -> multiprocessing.context.ForkServerContext:
    """Start the fork server the workers come from (idempotent), and return its context. Its
    warm-up runs in the background: call this early to overlap it with other start-up work."""
    # One worker per core, each single-threaded: OpenBLAS would otherwise start a thread per
    # core in every worker, and they spin against each other (measured: workers used ~20 %
    # more CPU for the same pages). The fork server and its children inherit the environment
    # as it is now; a value the user set is kept.
    for name in _BLAS_THREADS:
        os.environ.setdefault(name, "1")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    multiprocessing.forkserver.ensure_running()
    return context


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


def _start_worker(flow_pid: int, options: PipelineOptions) -> None:
    """Initializer of every worker: signals are the flow's business, and a worker never outlives
    the flow's process (even one killed with SIGKILL, which runs no clean-up); then the tagger,
    if the fork server did not build it for these options."""
    # Ctrl-C reaches the whole foreground process group; the flow decides what to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(flow_pid,), name="flow-watch", daemon=True).start()
    warm_up(options)


def _exit_with(pid: int, every: float = 0.5) -> None:
    # The worker's parent is the fork server, not the flow: and the fork server only exits once
    # every worker has (they hold its lifeline), so the worker watches the flow's process itself.
    try:
        handle = os.pidfd_open(pid)  # readable once the process has exited (Linux >= 5.3)
    except ProcessLookupError:
        os._exit(1)
    except OSError:  # no pidfd here: poll (a process that is a zombie still counts as there)
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
            time.sleep(every)
    select.select([handle], [], [])
    os._exit(1)
