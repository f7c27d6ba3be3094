"""newsflow past one machine, all on loopback: a Dask scheduler with two workers, a Prefect server
(``prefect server start``: with the embedded one every Dask worker would start its own) and an S3
server (SeaweedFS). The CLI ingests into a bucket; a worker is killed mid-run; two ingests run
at once; a compaction races an ingest; an input kills every worker it is given to."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from deltalake import DeltaTable

from flows.server import local_server
from storage.query import connect, table_glob
from tests.support import EXAMPLES, NEWSFLOW, ROOT, run_newsflow
from tests.support.cluster import Cluster, dask_cluster
from tests.support.corpus import write_corpus
from tests.support.s3 import S3Server, free_port, seaweedfs
from tests.support.worker_probes import POISON

pytestmark = pytest.mark.slow  # starts servers and processes


@dataclass(frozen=True)
class Stack:
    s3: S3Server
    cluster: Cluster
    env: dict[str, str]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    base = tmp_path_factory.mktemp("cluster")
    with (
        seaweedfs(base / "s3") as s3,
        local_server(base / "prefect", "127.0.0.1", free_port(), startup_timeout=180) as api_url,
    ):
        env = {**s3.env, "PREFECT_API_URL": api_url, "NEWSFLOW_CACHE_DIR": str(base / "cache")}
        with dask_cluster(base / "dask", env, workers=2) as cluster:
            yield Stack(s3, cluster, {**os.environ, **env})


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [NEWSFLOW, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def finish(proc: subprocess.Popen[str], timeout: float = 240) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out
    return out


def storage(env: dict[str, str]) -> dict[str, str]:
    """deltalake's storage options for the test server (this process has no AWS variables)."""
    return {k: v for k, v in env.items() if k.startswith("AWS_")}


def rows(uri: str, sql: str, env: dict[str, str]) -> list[tuple[object, ...]]:
    return connect(uri, storage_options=storage(env)).execute(sql).fetchall()


def committed_inputs(uri: str, env: dict[str, str]) -> int:
    try:
        return DeltaTable(f"{uri}/inputs", storage_options=storage(env)).count()
    except Exception:  # not created yet
        return 0


def assert_each_article_once(uri: str, env: dict[str, str], expected: int) -> None:
    per_id = rows(uri, "SELECT article_id, count(*) FROM articles GROUP BY ALL", env)
    assert len(per_id) == expected and all(n == 1 for _, n in per_id)
    with_mentions = rows(uri, "SELECT count(DISTINCT article_id) FROM entity_mentions", env)[0][0]
    assert with_mentions == expected
    doubled = rows(uri, "SELECT article_id, start, label FROM entity_mentions GROUP BY ALL HAVING count(*) > 1", env)
    assert doubled == []


def test_the_cluster_run_equals_the_local_run(stack: Stack, tmp_path: Path) -> None:
    uri = "s3://newsflow/examples"
    finish(start(["ingest", str(EXAMPLES), "--out", uri, "--runner", stack.cluster.runner], stack.env))
    local = tmp_path / "local"
    run_newsflow(["ingest", str(EXAMPLES), "--out", str(local)], stack.env)

    def local_rows(table: str, columns: str) -> list[tuple[object, ...]]:
        sql = f"SELECT {columns} FROM read_parquet('{table_glob(local, table)}') ORDER BY ALL"
        return duckdb.connect().execute(sql).fetchall()

    def cluster_rows(table: str, columns: str) -> list[tuple[object, ...]]:
        return rows(uri, f"SELECT {columns} FROM {table} ORDER BY ALL", stack.env)

    for table, columns in (
        ("articles", "article_id, content_hash, title, published_at, word_count"),
        ("entity_mentions", 'article_id, start, "end", label, entity_id, source'),
        ("failures", "source_uri, stage, reason"),
        ("inputs", "source_uri, outcome, article_id"),
    ):
        assert cluster_rows(table, columns) == local_rows(table, columns), table
    assert len(cluster_rows("articles", "article_id")) > 10


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(stack: Stack, tmp_path: Path) -> None:
    pages = write_corpus(tmp_path / "corpus", 60, seed=5)
    uri = "s3://newsflow/killed"
    args = ["ingest", str(tmp_path / "corpus"), "--out", uri, "--runner", stack.cluster.runner]
    proc = start([*args, "--batch-size", "3", "--flush-rows", "6"], stack.env)
    deadline = time.monotonic() + 180
    while committed_inputs(uri, stack.env) < 6:  # some batches are done and committed
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    victim = stack.cluster.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)  # its nanny starts a new worker; Dask re-runs its tasks
    out = finish(proc)
    assert f"ingested {len(pages)}," in out, out
    assert_each_article_once(uri, stack.env, len(pages))
    assert DeltaTable(f"{uri}/failures", storage_options=storage(stack.env)).count() == 0
    stack.cluster.wait_for_workers(2)  # the next test gets its two workers back


def test_an_input_that_kills_every_worker_becomes_a_worker_crash_failure(stack: Stack, tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text(f"Seoul and Tokyo held talks on day {i}. " * 20)
    (tmp_path / POISON).write_text("Any text: the worker dies before reading it. " * 20)
    script = [sys.executable, "-m", "tests.support.poison_flow", str(tmp_path), stack.cluster.address]
    proc = subprocess.run(script, cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(line for line in proc.stdout.splitlines() if line.startswith("RESULT "))
    outcomes = json.loads(line.removeprefix("RESULT "))
    assert outcomes.pop(POISON) == ["failed", "worker_crash"]
    assert outcomes == {f"{i}.txt": ["ingested", None] for i in range(3)}
    stack.cluster.wait_for_workers(2)


def test_two_concurrent_ingests_into_one_bucket_write_each_article_once(stack: Stack, tmp_path: Path) -> None:
    pages = write_corpus(tmp_path / "all", 40, seed=13)
    for name, chunk in (("a", pages[:28]), ("b", pages[12:])):  # 16 pages in both
        (tmp_path / name).mkdir()
        for page in chunk:
            (tmp_path / name / page.name).write_bytes(page.read_bytes())
    uri = "s3://newsflow/concurrent"
    procs = [
        start(
            [
                "ingest",
                str(tmp_path / name),
                "--out",
                uri,
                "--runner",
                stack.cluster.runner,
                "--flush-rows",
                "4",
                "--batch-size",
                "2",
            ],
            stack.env,
        )
        for name in ("a", "b")
    ]
    outs = [finish(proc) for proc in procs]
    assert_each_article_once(uri, stack.env, len(pages))
    ingested = sum(int(out.split("ingested ")[1].split(",")[0]) for out in outs)
    assert ingested == len(pages)  # every overlapping page was counted once as ingested, once duplicate


def test_compaction_racing_an_ingest_loses_and_doubles_nothing(stack: Stack, tmp_path: Path) -> None:
    pages = write_corpus(tmp_path / "corpus", 40, seed=17)
    uri = "s3://newsflow/compacted"
    proc = start(
        ["ingest", str(tmp_path / "corpus"), "--out", uri, "--runner", stack.cluster.runner, "--flush-rows", "4"],
        stack.env,
    )
    raced = 0  # compactions started while the ingest was committing
    while proc.poll() is None:
        if committed_inputs(uri, stack.env):
            run_newsflow(["compact", uri], stack.env)
            raced += 1
        else:
            time.sleep(0.2)
    finish(proc)
    assert raced >= 1
    run_newsflow(["compact", uri], stack.env)
    assert_each_article_once(uri, stack.env, len(pages))
    assert len(DeltaTable(f"{uri}/articles", storage_options=storage(stack.env)).file_uris()) == 1
    shown = run_newsflow(["show", uri], stack.env).stdout
    assert "top entities" in shown and "articles" in shown
    counted = run_newsflow(["sql", "SELECT count(*) AS n FROM mentions", "--out", uri, "--format", "csv"], stack.env)
    assert counted.stdout.split() == ["n", str(rows(uri, "SELECT count(*) FROM entity_mentions", stack.env)[0][0])]
