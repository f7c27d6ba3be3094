"""Per-page and per-task overhead of running batches on Dask (``--runner dask://``) against the
local worker pool, and of Delta tables on S3 against local Parquet. Prints figures, asserts nothing.

Starts on loopback: ``prefect server start``, a Dask scheduler with two single-threaded workers
and SeaweedFS; then runs ``newsflow ingest`` over one generated corpus (distinct pages, fresh
output each time, so every run does the same work):

- ``local``: the default worker pool (2 processes, batches of 40), local Parquet;
- ``dask`` at two batch sizes: the difference gives the cost of one Dask task (each task pays
  Prefect's context serialisation and a task run on the server); the run at the default batch
  size against ``local`` gives the per-page overhead of the Dask path. The first Dask run also
  loads the pipeline in the workers; it is run once before the measured ones;
- ``dask`` into ``s3://``: the cost of Delta commits on the object store.

Usage: python -m tests.bench.bench_dask [--pages N] [--workdir DIR]
"""

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from flows.server import local_server
from flows.settings import DASK_BATCH_SIZE
from tests.support import NEWSFLOW, ROOT
from tests.support.cluster import dask_cluster
from tests.support.corpus import write_corpus
from tests.support.s3 import free_port, seaweedfs


def timed(args: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one ``newsflow`` run (which must succeed)."""
    started = time.perf_counter()
    proc = subprocess.run([NEWSFLOW, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"newsflow {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=240)
    parser.add_argument("--small-batch", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-dask-"))
    corpus = work / f"corpus-{args.pages}"
    if not corpus.is_dir() or len(list(corpus.glob("*.html"))) != args.pages:
        shutil.rmtree(corpus, ignore_errors=True)
        write_corpus(corpus, args.pages, seed=3)
    with (
        seaweedfs(work / "s3") as s3,
        local_server(work / "prefect", "127.0.0.1", free_port(), startup_timeout=180) as api_url,
    ):
        env = {**s3.env, "PREFECT_API_URL": api_url, "NEWSFLOW_CACHE_DIR": str(work / "cache")}
        full_env = {**os.environ, **env}
        with dask_cluster(work / "dask", env, workers=2) as cluster:
            dask = ["--runner", cluster.runner]
            n = 0

            def out() -> str:
                nonlocal n
                n += 1
                return str(work / f"out-{n}")

            timed(["ingest", str(corpus), "--out", out(), *dask], full_env)  # warm the workers
            local = timed(["ingest", str(corpus), "--out", out(), "--workers", "2"], full_env)
            on_dask = timed(["ingest", str(corpus), "--out", out(), *dask], full_env)
            small = timed(
                ["ingest", str(corpus), "--out", out(), *dask, "--batch-size", str(args.small_batch)], full_env
            )
            on_s3 = timed(["ingest", str(corpus), "--out", f"s3://newsflow/bench-{n}", *dask], full_env)
    pages, default_batch = args.pages, DASK_BATCH_SIZE
    tasks_default, tasks_small = -(-pages // default_batch), -(-pages // args.small_batch)
    per_task = (small - on_dask) / max(1, tasks_small - tasks_default)
    print(f"{pages} pages, 2 workers each way (2 cores shared with whatever else runs here)")
    print(f"local pool, local Parquet:        {local:6.1f} s  {1000 * local / pages:6.1f} ms/page")
    print(f"Dask, batch {default_batch}, local Parquet:    {on_dask:6.1f} s  {1000 * on_dask / pages:6.1f} ms/page")
    print(
        f"Dask, batch {args.small_batch}, local Parquet:     {small:6.1f} s  ({tasks_small} tasks vs {tasks_default})"
    )
    print(f"Dask, batch {default_batch}, Delta on S3:      {on_s3:6.1f} s  {1000 * on_s3 / pages:6.1f} ms/page")
    print(f"Dask path overhead per page:      {1000 * (on_dask - local) / pages:+6.1f} ms (batch {default_batch})")
    print(f"one Dask task costs:              {per_task:6.2f} s (over 2 workers: wall time per extra task)")
    print(f"Delta on S3 overhead per page:    {1000 * (on_s3 - on_dask) / pages:+6.1f} ms")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
