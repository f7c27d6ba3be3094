"""A real Dask cluster on 127.0.0.1 for tests: ``dask scheduler`` and ``dask worker`` processes,
as a user starts them on their machines (so that a test can kill -9 a worker process).

Use :func:`dask_cluster` as a context manager: it yields a :class:`Cluster` and stops every
process it started (their process groups) when the block ends.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tests.support import ROOT
from tests.support.s3 import free_port

DASK = str(Path(sys.executable).with_name("dask"))
STARTUP_SECONDS = 120


@dataclass
class Cluster:
    """A running scheduler and its workers."""

    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def runner(self) -> str:
        """The ``--runner`` value that points newsflow at this cluster."""
        return "dask://" + self.address.removeprefix("tcp://")

    def worker_pids(self) -> list[int]:
        """PIDs of the worker processes proper (children of the nannies), which run the tasks."""
        pids = []
        for proc in self.workers:
            try:
                nanny = psutil.Process(proc.pid)
                pids += [p.pid for p in nanny.children(recursive=True) if "spawn_main" in " ".join(p.cmdline())]
            except psutil.Error:
                continue
        return pids

    def wait_for_workers(self, count: int, timeout: float = STARTUP_SECONDS) -> None:
        """Block until ``count`` workers are connected to the scheduler."""
        from distributed import Client

        with Client(self.address, timeout=timeout) as client:
            client.wait_for_workers(count, timeout=timeout)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextmanager
def dask_cluster(log_dir: Path, env: Mapping[str, str], workers: int = 2) -> Iterator[Cluster]:
    """A scheduler and ``workers`` single-threaded workers (each under a nanny, which restarts
    it if it dies), all with ``env`` added to their environment and the project on their path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    full_env = {
        **os.environ,
        **env,
        "PYTHONPATH": str(ROOT),
        "OMP_NUM_THREADS": "1",
        # A batch that killed two workers is reported (KilledWorker) rather than tried on a third.
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",
    }

    def start(args: list[str], name: str) -> subprocess.Popen[bytes]:
        with open(log_dir / f"{name}.log", "ab") as log:
            return subprocess.Popen(
                [DASK, *args], cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    scheduler = start(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], "scheduler")
    cluster = Cluster(address, scheduler)
    try:
        for i in range(workers):
            cluster.workers.append(
                start(
                    ["worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{i}"],
                    f"worker-{i}",
                )
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while scheduler.poll() is None and time.monotonic() < deadline:
            try:
                cluster.wait_for_workers(workers, timeout=10)
                break
            except (OSError, TimeoutError):
                continue
        yield cluster
    finally:
        for proc in [*cluster.workers, scheduler]:
            _stop(proc)
