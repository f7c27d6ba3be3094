"""The Delta backend on a real S3 server (SeaweedFS on loopback): racing writers, compaction
racing commits, a retried flush, and the readers (DuckDB, Polars, pandas) over s3://."""

import multiprocessing
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from deltalake import DeltaTable

from storage.delta import DeltaDataset, DeltaOptions
from storage.query import connect
from tests.support.records import article_item, failure_item
from tests.support.s3 import S3Server, seaweedfs

pytestmark = pytest.mark.slow  # starts a server and processes

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    saved = dict(os.environ)
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        os.environ.update(server.env)  # deltalake and pyarrow read the AWS variables themselves
        yield server
    os.environ.clear()
    os.environ.update(saved)


def options(tmp: Path) -> DeltaOptions:
    return DeltaOptions(
        storage_options={"endpoint_url": os.environ["AWS_ENDPOINT_URL"], "allow_http": "true"}, cache_dir=tmp / "cache"
    )


def opened(uri: str, tmp: Path) -> DeltaDataset:
    dataset = DeltaDataset(uri, options(tmp))
    dataset.open()
    return dataset


def article_ids(uri: str) -> list[str]:
    table = DeltaTable(f"{uri}/articles").to_pyarrow_table(columns=["article_id"])
    return sorted(table.column("article_id").to_pylist())


def _commit_in_process(uri: str, cache: str, names: list[str], run: str, env: dict[str, str]) -> None:
    os.environ.update(env)
    dataset = opened(uri, Path(cache))
    for i in range(0, len(names), 3):
        chunk = names[i : i + 3]
        dataset.commit([article_item(n) for n in chunk], run_id=run, flush_id=f"{run}-{i:05d}", now=NOW)


def _spawn(uri: str, tmp: Path, names: list[str], run: str) -> multiprocessing.process.BaseProcess:
    env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_commit_in_process, args=(uri, str(tmp / run), names, run, env))
    proc.start()
    return proc


def test_two_processes_racing_on_overlapping_articles_write_each_once(s3: S3Server, tmp_path: Path) -> None:
    uri = "s3://newsflow/race"
    opened(uri, tmp_path)  # tables created once, so both start committing at once
    names = [f"n{i}" for i in range(24)]
    procs = [_spawn(uri, tmp_path, names, run) for run in ("p", "q")]  # the same 24 articles
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    assert article_ids(uri) == sorted(f"id-{n}" for n in names)
    mentions = DeltaTable(f"{uri}/entity_mentions").to_pandas()
    assert sorted(mentions.article_id) == sorted(f"id-{n}" for n in names)  # one mention each, once
    ledger = DeltaTable(f"{uri}/inputs").to_pandas()
    per_article = ledger.groupby("article_id").outcome.apply(sorted)
    assert all(outcomes == ["duplicate", "ingested"] for outcomes in per_article)  # one winner each
    assert not s3.keys("newsflow/race/_newsflow/flushes")


def test_compaction_racing_commits_loses_and_doubles_nothing(s3: S3Server, tmp_path: Path) -> None:
    uri = "s3://newsflow/compact-race"
    dataset = opened(uri, tmp_path)
    names = [f"c{i}" for i in range(30)]
    writer = _spawn(uri, tmp_path, names, "w")
    compactions = 0
    while writer.is_alive() or compactions == 0:
        dataset.compact()
        compactions += 1
    writer.join(60)
    assert writer.exitcode == 0
    dataset.compact()
    assert article_ids(uri) == sorted(f"id-{n}" for n in names)
    assert DeltaTable(f"{uri}/inputs").count() == len(names)
    assert len(DeltaTable(f"{uri}/articles").file_uris()) == 1


def test_a_retried_flush_on_s3_is_applied_once(s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uri = "s3://newsflow/retry"
    dataset = opened(uri, tmp_path)
    real = DeltaDataset._step

    def dropped_after_failures(self: DeltaDataset, name: str, flush, rows, write) -> None:
        real(self, name, flush, rows, write)
        if name == "failures":
            raise ConnectionError("the connection dropped after the failures were committed")

    monkeypatch.setattr(DeltaDataset, "_step", dropped_after_failures)
    items = [article_item("a"), failure_item("b")]
    with pytest.raises(ConnectionError):
        dataset.commit(items, run_id="r", flush_id="r-0", now=NOW)
    monkeypatch.setattr(DeltaDataset, "_step", real)
    stats = dataset.commit(items, run_id="r", flush_id="r-0", now=NOW)
    assert stats.outcomes == {"ingested": 1, "failed": 1}
    counts = {t: DeltaTable(f"{uri}/{t}").count() for t in ("articles", "entity_mentions", "failures", "inputs")}
    assert counts == {"articles": 1, "entity_mentions": 1, "failures": 1, "inputs": 2}


def test_duckdb_polars_and_pandas_read_tables_on_s3(s3: S3Server, tmp_path: Path) -> None:
    uri = "s3://newsflow/readers"
    dataset = opened(uri, tmp_path)
    for i in range(3):
        dataset.commit([article_item(f"r{i}")], run_id="r", flush_id=f"r-{i}", now=NOW)
    dataset.compact()
    storage = {"AWS_ENDPOINT_URL": s3.endpoint, "AWS_ALLOW_HTTP": "true"}
    con = connect(uri, storage_options=storage)
    assert con.execute("SELECT count(*) FROM articles JOIN entity_mentions USING (article_id)").fetchone() == (3,)
    assert pl.scan_delta(f"{uri}/articles", storage_options=storage).select(pl.len()).collect().item() == 3
    assert len(DeltaTable(f"{uri}/articles", storage_options=storage).to_pandas()) == 3
    frame: pd.DataFrame = DeltaTable(f"{uri}/articles").to_pandas(columns=["article_id", "ingest_date"])
    assert sorted(frame.article_id) == ["id-r0", "id-r1", "id-r2"] and set(frame.ingest_date) == {date(2026, 1, 2)}
