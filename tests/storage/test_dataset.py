"""Commits, dedup, recovery and concurrency of the on-disk dataset, read back by three readers."""

import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from storage.dataset import Dataset
from storage.query import table_glob
from storage.schema import ARTICLES
from tests.support import counts, query
from tests.support.records import article_item, failure_item

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_commit_writes_partitioned_zstd_files_all_readers_agree(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    dataset.open()
    stats = dataset.commit(
        [article_item("a"), article_item("b"), failure_item("c")], run_id="r1", flush_id="r1-0", now=NOW
    )
    assert stats.outcomes == {"ingested": 2, "failed": 1}
    assert counts(tmp_path) == {
        "articles": (2, 2, 2),
        "entity_mentions": (2, 2, 2),
        "failures": (1, 1, 1),
        "inputs": (3, 3, 3),
    }
    path = tmp_path / "articles" / "ingest_date=2026-01-02" / "part-r1-0.parquet"
    meta = pq.ParquetFile(path).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert pq.read_schema(path).names == ARTICLES.names  # partition column only in the path
    row = query(
        f"SELECT ingest_date, run_id, ingested_at FROM read_parquet('{table_glob(tmp_path, 'articles')}', "
        "hive_partitioning=true) LIMIT 1"
    )[0]
    assert str(row[0]) == "2026-01-02" and row[1] == "r1" and row[2] == NOW


def test_duplicates_by_id_or_content_hash_are_counted_not_written(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    dataset.open()
    dataset.commit([article_item("a")], run_id="r1", flush_id="r1-0", now=NOW)
    again = Dataset(tmp_path)
    again.open()
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
    assert counts(tmp_path)["articles"] == (2, 2, 2)
    assert counts(tmp_path)["entity_mentions"] == (2, 2, 2)
    assert counts(tmp_path)["inputs"] == (5, 5, 5)


def test_ledger_marks_inputs_done_except_retryable_failures(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    dataset.open()
    items = [article_item("a"), failure_item("b"), failure_item("c", reason="worker_crash", retryable=True)]
    dataset.commit(items, run_id="r1", flush_id="r1-0", now=NOW)
    fresh = Dataset(tmp_path)
    fresh.open()
    assert fresh.index.done_digests == {items[0].ref.digest, items[1].ref.digest}


def test_orphans_of_a_crashed_flush_are_removed_and_staging_emptied(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    dataset.open()
    dataset.commit([article_item("a")], run_id="r1", flush_id="r1-0", now=NOW)
    # A crash after the articles file of flush r1-1 was renamed but before its inputs marker.
    dataset.commit([article_item("b")], run_id="r1", flush_id="r1-1", now=NOW)
    marker = tmp_path / "inputs" / "ingest_date=2026-01-02" / "part-r1-1.parquet"
    marker.unlink()
    (tmp_path / ".newsflow" / "staging" / "x.parquet.tmp").write_bytes(b"PAR1 torn")
    recovered = Dataset(tmp_path)
    removed = recovered.open()
    assert sorted(p.parent.parent.name for p in removed) == ["articles", "entity_mentions"]
    assert not any((tmp_path / ".newsflow" / "staging").iterdir())
    assert counts(tmp_path)["articles"] == (1, 1, 1)
    assert "id-b" not in recovered.index.article_ids  # so the next run writes it again


def _commit_in_process(root: str, names: list[str], run: str) -> None:
    dataset = Dataset(root)
    dataset.open()
    for i, name in enumerate(names):
        dataset.commit([article_item(name)], run_id=run, flush_id=f"{run}-{i}", now=NOW)


@pytest.mark.slow
def test_two_processes_committing_overlapping_items_write_each_once(tmp_path: Path) -> None:
    names = [f"n{i}" for i in range(40)]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_commit_in_process, args=(str(tmp_path), names, run)) for run in ("p", "q")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    ids = query(f"SELECT article_id FROM read_parquet('{table_glob(tmp_path, 'articles')}')")
    assert sorted(i for (i,) in ids) == sorted(f"id-{n}" for n in names)


def test_state_maps_merge_and_survive_a_new_dataset_object(tmp_path: Path) -> None:
    Dataset(tmp_path).save_state("http-validators", {"https://a.example/feed": {"etag": '"1"'}})
    Dataset(tmp_path).save_state("http-validators", {"https://b.example/feed": {"etag": '"2"'}})
    assert Dataset(tmp_path).load_state("http-validators") == {
        "https://a.example/feed": {"etag": '"1"'},
        "https://b.example/feed": {"etag": '"2"'},
    }
    assert Dataset(tmp_path).load_state("missing") == {}
    assert not list(tmp_path.glob("*/*.parquet"))  # state is not data


def test_a_failure_already_on_record_commits_again_without_a_row(tmp_path: Path) -> None:
    # The P0 of the reliability issue: a transient failure seen again (next run, or twice in one
    # flush) skipped its ledger row but not its stamp columns, and every later commit raised.
    first = Dataset(tmp_path)
    first.open()
    flaky = failure_item("https://a.example/down", reason="http_503_exhausted", retryable=True)
    first.commit([flaky], run_id="r1", flush_id="r1-0", now=NOW)
    again = Dataset(tmp_path)
    again.open()
    stats = again.commit([flaky, article_item("new"), flaky], run_id="r2", flush_id="r2-0", now=NOW)
    assert stats.outcomes == {"failed": 2, "ingested": 1}
    seen = counts(tmp_path)
    assert seen["failures"] == (1, 1, 1)  # on record once
    assert seen["articles"] == (1, 1, 1)
    assert seen["inputs"] == (2, 2, 2)  # the first run's row and the new article's
    only_repeats = Dataset(tmp_path)
    only_repeats.open()
    assert only_repeats.commit([flaky], run_id="r3", flush_id="r3-0", now=NOW).files == ()
    assert flaky.ref.digest not in only_repeats.index.done_digests  # still retried by later runs


def test_a_dead_runs_scratch_is_removed_by_the_next_open_and_a_live_ones_kept(tmp_path: Path) -> None:
    live = Dataset(tmp_path)
    live.open()
    dead = tmp_path / ".newsflow" / "scratch" / "dead-run"
    (dead / "pages").mkdir(parents=True)
    (dead / "pages" / "page.html").write_text("<html></html>", encoding="utf-8")
    with live.scratch("live-run") as spool:
        (spool / "page.html").write_text("<html></html>", encoding="utf-8")
        Dataset(tmp_path).open()  # another run opening the dataset meanwhile
        assert not dead.exists()  # nobody holds its lock: a crashed run's
        assert (spool / "page.html").exists()  # a running one's stays
    assert not spool.exists()


def test_a_dataset_path_with_a_quote_is_just_a_path(tmp_path: Path) -> None:
    from storage.query import connect

    root = tmp_path / "it's a 'dataset'; DROP"
    dataset = Dataset(root)
    dataset.open()
    dataset.commit([article_item("a")], run_id="r1", flush_id="r1-0", now=NOW)
    con = connect(root)
    assert con.sql("SELECT count(*) FROM articles").fetchall() == [(1,)]
