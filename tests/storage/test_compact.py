"""Compaction: fewer files, no duplicates, readers never see a half-swapped partition, and a
compaction killed half-way is finished by the next writer."""

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

import storage.compact
import storage.exchange
from storage.dataset import Dataset
from storage.parquet import write_atomic
from storage.query import table_glob
from tests.support import counts, query
from tests.support.records import article_item, failure_item

DAY = datetime(2026, 1, 1, tzinfo=UTC)


def build(root: Path, days: int, flushes: int, per_flush: int) -> int:
    dataset = Dataset(root)
    dataset.open()
    n = 0
    for day in range(days):
        for f in range(flushes):
            items = [article_item(f"d{day}-f{f}-{i}") for i in range(per_flush)] + [failure_item(f"x{day}-{f}")]
            dataset.commit(items, run_id="r", flush_id=f"r-{day}-{f}", now=DAY + timedelta(days=day))
            n += per_flush
    return n


def test_compaction_merges_files_and_keeps_every_row(tmp_path: Path) -> None:
    build(tmp_path, days=2, flushes=6, per_flush=3)
    before = counts(tmp_path)
    stats = Dataset(tmp_path).compact()
    assert stats.partitions == 2 and stats.files_before == 48 and stats.files_after == 8
    assert counts(tmp_path) == before
    assert len(list(tmp_path.glob("*/*/*.parquet"))) == 8
    again = Dataset(tmp_path)
    assert again.open() == []  # compacted files are committed, not orphans
    assert len(again.index.article_ids) == 36 and len(again.index.done_digests) == 48
    assert Dataset(tmp_path).compact().partitions == 0  # nothing left to merge


def test_compaction_drops_duplicate_article_ids_and_their_mentions(tmp_path: Path) -> None:
    build(tmp_path, days=2, flushes=2, per_flush=2)
    # Duplicates that slipped in (an older writer, a manual copy): the same rows again in a new file
    # of each day, committed with an inputs marker so they count as data.
    for day in range(2):
        partition = f"ingest_date={(DAY + timedelta(days=day)).date()}"
        for table in ("articles", "entity_mentions", "inputs"):
            src = next((tmp_path / table / partition).glob("part-*.parquet"))
            write_atomic(
                duckdb.read_parquet(str(src)).to_arrow_table(),
                tmp_path / table / partition / "part-dup.parquet",
                tmp_path / ".newsflow" / "staging",
            )
    assert counts(tmp_path)["articles"][0] == 12
    stats = Dataset(tmp_path).compact()
    assert stats.rows_before["articles"] - stats.rows_after["articles"] == 4
    ids = query(
        f"SELECT article_id, count(*) FROM read_parquet('{table_glob(tmp_path, 'articles')}') "
        "GROUP BY ALL HAVING count(*) > 1"
    )
    assert ids == [] and counts(tmp_path)["articles"][0] == 8
    assert counts(tmp_path)["entity_mentions"][0] == 8


def test_reader_during_compaction_never_sees_duplicates_or_missing_rows(tmp_path: Path) -> None:
    expected = build(tmp_path, days=12, flushes=15, per_flush=4)
    glob = table_glob(tmp_path, "articles")
    seen: list[tuple[int, int]] = []
    errors: list[str] = []
    done = threading.Event()

    def reader() -> None:
        con = duckdb.connect()
        while not done.is_set():
            try:
                seen.append(
                    con.sql(f"SELECT count(*), count(DISTINCT article_id) FROM read_parquet('{glob}')").fetchall()[0]
                )
            except duckdb.IOException as exc:  # listed a file that the swap moved away: retry
                errors.append(str(exc))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        stats = Dataset(tmp_path).compact()
    finally:
        done.set()
        thread.join()
    assert stats.partitions == 12
    assert len(seen) >= 5, (len(seen), errors[:3])
    assert set(seen) == {(expected, expected)}, set(seen)
    assert all("No such file" in e or "No files found" in e or "not exist" in e.lower() for e in errors), errors[:3]


def test_compaction_killed_after_journal_is_finished_by_the_next_writer(tmp_path: Path, monkeypatch) -> None:
    build(tmp_path, days=1, flushes=4, per_flush=3)
    before = counts(tmp_path)
    real = storage.exchange.replace_dir
    calls = {"n": 0}

    def crash_after_first(new: Path, target: Path) -> None:
        if calls["n"] == 1:
            raise KeyboardInterrupt("killed mid-swap")
        calls["n"] += 1
        real(new, target)

    monkeypatch.setattr(storage.compact, "replace_dir", crash_after_first)
    with pytest.raises(KeyboardInterrupt):
        Dataset(tmp_path).compact()
    monkeypatch.setattr(storage.compact, "replace_dir", real)
    # articles swapped, the rest not yet: the next open() must roll forward, deleting nothing.
    reopened = Dataset(tmp_path)
    assert reopened.open() == []
    assert counts(tmp_path) == before
    assert len(list(tmp_path.glob("*/*/*.parquet"))) == 4
    assert not any((tmp_path / ".newsflow" / "compact").iterdir())
