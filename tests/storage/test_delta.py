"""The Delta backend on local disk (the same code as on S3): commits, dedup, the flush protocol
under retries, crashes and racing writers, state maps, compaction, and the readers."""

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest
from deltalake import DeltaTable

from storage.backend import open_dataset
from storage.dataset import Dataset
from storage.delta import DeltaDataset, DeltaOptions, Flush
from storage.query import connect, describe, read_table
from tests.support.records import article_item, failure_item

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
LATER = datetime(2026, 1, 3, 3, 4, 5, tzinfo=UTC)


def delta(root: Path) -> DeltaDataset:
    dataset = DeltaDataset(str(root / "ds"), DeltaOptions(cache_dir=root / "cache"))
    dataset.open()
    return dataset


def rows(root: Path, table: str) -> int:
    return DeltaTable(str(root / "ds" / table)).count()


def ids(root: Path) -> list[str]:
    table = DeltaTable(str(root / "ds" / "articles")).to_pyarrow_table(columns=["article_id"])
    return sorted(table.column("article_id").to_pylist())


def test_commit_writes_delta_tables_partitioned_by_ingest_date(tmp_path: Path) -> None:
    dataset = delta(tmp_path)
    stats = dataset.commit(
        [article_item("a"), article_item("b"), failure_item("c")], run_id="r1", flush_id="r1-0", now=NOW
    )
    assert stats.outcomes == {"ingested": 2, "failed": 1}
    assert (stats.articles, stats.mentions, stats.failures) == (2, 2, 1)
    assert {t: rows(tmp_path, t) for t in ("articles", "entity_mentions", "failures", "inputs")} == {
        "articles": 2,
        "entity_mentions": 2,
        "failures": 1,
        "inputs": 3,
    }
    table = DeltaTable(str(tmp_path / "ds" / "articles"))
    assert table.metadata().partition_columns == ["ingest_date"]
    assert {p["ingest_date"] for p in table.partitions()} == {"2026-01-02"}
    assert not list((tmp_path / "ds" / "_newsflow" / "flushes").glob("*"))  # applied, then deleted


def test_duplicates_by_id_or_content_hash_are_counted_not_written(tmp_path: Path) -> None:
    delta(tmp_path).commit([article_item("a")], run_id="r1", flush_id="r1-0", now=NOW)
    again = delta(tmp_path)
    stats = again.commit(
        [
            article_item("a2", article_id="id-a"),
            article_item("b", content_hash="hash-a"),
            article_item("c"),
            article_item("c-copy", article_id="id-c"),
        ],
        run_id="r2",
        flush_id="r2-0",
        now=NOW,
    )
    assert stats.outcomes == {"duplicate": 3, "ingested": 1}
    assert ids(tmp_path) == ["id-a", "id-c"]
    assert rows(tmp_path, "entity_mentions") == 2
    assert rows(tmp_path, "inputs") == 5


def test_the_index_is_read_back_from_the_tables(tmp_path: Path) -> None:
    items = [article_item("a"), failure_item("b"), failure_item("c", reason="worker_crash", retryable=True)]
    delta(tmp_path).commit(items, run_id="r1", flush_id="r1-0", now=NOW)
    fresh = delta(tmp_path)
    assert fresh.index.done_digests == {items[0].ref.digest, items[1].ref.digest}
    assert fresh.index.article_ids == {"id-a"}
    assert fresh.claim(items[0].ref.digest) == "unchanged"
    assert fresh.claim(items[2].ref.digest) is None  # retryable: worked on again


def test_a_retried_flush_writes_nothing_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = delta(tmp_path)
    real_append = DeltaDataset._append
    calls = {"n": 0}

    def flaky_append(self: DeltaDataset, dt: DeltaTable, table, props) -> None:
        calls["n"] += 1
        real_append(self, dt, table, props)
        if calls["n"] == 1:  # the mentions are committed, then the connection drops
            raise OSError("connection reset")

    monkeypatch.setattr(DeltaDataset, "_append", flaky_append)
    items = [article_item("a"), article_item("b"), failure_item("c")]
    with pytest.raises(OSError):
        dataset.commit(items, run_id="r1", flush_id="r1-0", now=NOW)
    stats = dataset.commit(items, run_id="r1", flush_id="r1-0", now=NOW)  # the caller retries
    assert stats.outcomes == {"ingested": 2, "failed": 1}
    assert (rows(tmp_path, "articles"), rows(tmp_path, "entity_mentions"), rows(tmp_path, "inputs")) == (2, 2, 3)


def test_a_flush_left_by_a_killed_run_is_completed_by_the_next_open(tmp_path: Path) -> None:
    dying = delta(tmp_path)
    items = [article_item("a"), article_item("b"), failure_item("c")]
    # The flush object is written, its articles merged, and then the process dies.
    tables, _ = dying._work._build_tables(items, run_id="r1", now=NOW)
    flush = Flush("r1-00000", "r1", 0, NOW, tables)
    dying._put(dying._flush_path(flush.flush_id), flush.to_bytes())
    dying._step(
        "articles",
        flush,
        tables["articles"],
        lambda dt, t, p: dying._merge(dt, t, p, predicate="t.article_id = s.article_id"),
    )
    assert (rows(tmp_path, "articles"), rows(tmp_path, "inputs")) == (2, 0)

    survivor = delta(tmp_path)  # another run, on any machine
    assert (rows(tmp_path, "articles"), rows(tmp_path, "entity_mentions"), rows(tmp_path, "inputs")) == (2, 2, 3)
    assert survivor.claim(items[0].ref.digest) == "unchanged"
    assert not list((tmp_path / "ds" / "_newsflow" / "flushes").glob("*"))
    # The dead run's own attempt, had it survived, would add nothing now.
    dying._apply(flush)
    assert (rows(tmp_path, "articles"), rows(tmp_path, "entity_mentions"), rows(tmp_path, "inputs")) == (2, 2, 3)


def test_two_runs_that_both_saw_an_article_as_new_write_it_once(tmp_path: Path) -> None:
    # Both opened before either committed: their indexes say "new" for the same article.
    first, second = delta(tmp_path), delta(tmp_path)
    first.commit([article_item("a"), article_item("b")], run_id="r1", flush_id="r1-0", now=NOW)
    stats = second.commit([article_item("b"), article_item("c")], run_id="r2", flush_id="r2-0", now=LATER)
    assert stats.outcomes == {"duplicate": 1, "ingested": 1} and stats.mentions == 1
    assert ids(tmp_path) == ["id-a", "id-b", "id-c"]
    assert rows(tmp_path, "entity_mentions") == 3
    ledger = DeltaTable(str(tmp_path / "ds" / "inputs")).to_pandas()
    assert sorted(ledger[ledger.run_id == "r2"].outcome) == ["duplicate", "ingested"]


def test_state_maps_merge_across_objects_and_consolidate(tmp_path: Path) -> None:
    dataset = delta(tmp_path)
    for i in range(20):
        delta(tmp_path).save_state("fingerprints", {f"f{i}": i})
    assert dataset.load_state("fingerprints") == {f"f{i}": i for i in range(20)}
    assert len(list((tmp_path / "ds" / "_newsflow" / "state" / "fingerprints").glob("*.json"))) <= 17
    assert dataset.load_state("missing") == {}


def test_compaction_rewrites_small_files_and_keeps_every_row(tmp_path: Path) -> None:
    dataset = delta(tmp_path)
    for i in range(4):
        dataset.commit([article_item(f"a{i}"), failure_item(f"f{i}")], run_id="r1", flush_id=f"r1-{i}", now=NOW)
    stats = dataset.compact()
    assert stats.files_before > stats.files_after
    assert stats.rows_before == stats.rows_after
    assert len(DeltaTable(str(tmp_path / "ds" / "articles")).file_uris()) == 1
    assert rows(tmp_path, "articles") == 4 and rows(tmp_path, "inputs") == 8


def test_open_dataset_chooses_the_backend(tmp_path: Path) -> None:
    assert isinstance(open_dataset(str(tmp_path / "plain")), Dataset)
    assert isinstance(open_dataset("s3://bucket/prefix"), DeltaDataset)
    assert isinstance(open_dataset(str(tmp_path / "d"), table_format="delta"), DeltaDataset)
    delta(tmp_path)
    assert isinstance(open_dataset(str(tmp_path / "ds")), DeltaDataset)  # what is there wins
    with pytest.raises(ValueError, match="Delta tables only"):
        open_dataset("s3://bucket/prefix", table_format="parquet")


def test_duckdb_polars_and_pandas_read_the_current_version_only(tmp_path: Path) -> None:
    dataset = delta(tmp_path)
    for i in range(3):
        dataset.commit([article_item(f"a{i}")], run_id="r1", flush_id=f"r1-{i}", now=NOW)
    dataset.compact()  # old files stay on disk until vacuumed: a plain glob would count them too
    uri = str(tmp_path / "ds" / "articles")
    assert len(list(Path(uri).glob("ingest_date=*/*.parquet"))) == 4
    con = connect(tmp_path / "ds")
    assert con.execute("SELECT count(*), min(ingest_date) FROM articles").fetchone() == (3, date(2026, 1, 2))
    assert con.execute("SELECT count(*) FROM entity_mentions JOIN articles USING (article_id)").fetchone() == (3,)
    assert pl.scan_delta(uri).select(pl.len()).collect().item() == 3
    assert len(DeltaTable(uri).to_pandas()) == 3
    assert len(pd.read_parquet(DeltaTable(uri).file_uris())) == 3
    view = duckdb.connect()
    view.register("a", DeltaTable(uri).to_pyarrow_dataset())
    assert view.execute("SELECT count(DISTINCT article_id) FROM a").fetchone() == (3,)
    assert "rows per table" in describe(tmp_path / "ds")
    frame = read_table(tmp_path / "ds", "articles", ["article_id", "ingest_date"]).to_pandas()
    assert sorted(frame.article_id) == ["id-a0", "id-a1", "id-a2"] and set(frame.ingest_date) == {date(2026, 1, 2)}
