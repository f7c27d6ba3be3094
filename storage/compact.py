"""Compaction: merge each partition's many small files into one per table, dropping duplicates.

Readers (DuckDB, Polars, pyarrow globs) must never see a partition half-old, half-new. A set of
files cannot be replaced atomically, but a directory can: the compacted partition is built under
``.newsflow/compact/<id>/<table>/`` and then *exchanged* with the live partition directory in one
``renameat2(RENAME_EXCHANGE)``. A query that lists the partition sees all old files or all new
ones. A query that listed the old files just before the exchange and opens them just after fails
with file-not-found (and must be retried); it never returns duplicated or missing rows.

The writer lock is held throughout, so no ingest commits in the middle. A journal makes a
compaction killed half-way finish on the next ``Dataset.open()`` (see :func:`recover`).
"""

import json
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from storage.exchange import replace_dir
from storage.parquet import part_files, write_atomic
from storage.schema import COMPACTED, TABLES

#: How each table's rows are made unique. Articles keep their earliest row per ``article_id``;
#: mentions of a dropped duplicate article go with it; other tables drop exact repeats only.
_DEDUP_SQL = {
    "articles": "SELECT * FROM rows WHERE article_id NOT IN (SELECT article_id FROM earlier) "
    "QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY ingested_at, run_id) = 1",
    "entity_mentions": 'SELECT DISTINCT ON (article_id, field, start, "end", label, entity_id, text, source) * '
    "FROM rows WHERE article_id NOT IN (SELECT article_id FROM earlier) ORDER BY article_id, field, start, ingested_at",
    "failures": "SELECT DISTINCT * FROM rows",
    "inputs": "SELECT DISTINCT * FROM rows",
    "runs": "SELECT DISTINCT * FROM rows",
}


@dataclass
class CompactStats:
    """What a compaction did."""

    partitions: int = 0
    files_before: int = 0
    files_after: int = 0
    rows_before: dict[str, int] = field(default_factory=dict)
    rows_after: dict[str, int] = field(default_factory=dict)

    @property
    def duplicates_dropped(self) -> int:
        """Rows removed as duplicates, all tables together."""
        return sum(self.rows_before.values()) - sum(self.rows_after.values())


def compact_dir(root: Path) -> Path:
    """Where compactions build their partitions (a sibling of the tables)."""
    return root / ".newsflow" / "compact"


def partitions(root: Path) -> list[str]:
    """Every partition directory name present in any table, sorted (oldest date first)."""
    names = {p.name for t in COMPACTED if (root / t).is_dir() for p in (root / t).iterdir() if p.is_dir()}
    return sorted(names)


def compact(root: Path, *, only_if_files_above: int = 1) -> CompactStats:
    """Compact every partition of the dataset at ``root``. The caller holds the writer lock.

    A partition is rewritten when some table has more than ``only_if_files_above`` files in it.
    Articles already present in an earlier partition are dropped from later ones.
    """
    stats = CompactStats()
    earlier = TABLES["articles"].empty_table().select(["article_id"])
    for partition in partitions(root):
        files = {t: [path for _, path in part_files(root / t / partition)] for t in COMPACTED}
        if max(len(f) for f in files.values()) > only_if_files_above:
            _compact_partition(root, partition, files, earlier, stats)
        articles = [path for _, path in part_files(root / "articles" / partition)]
        if articles:
            ids = pq.read_table(articles, columns=["article_id"], schema=TABLES["articles"])
            earlier = pa.concat_tables([earlier, ids])
    return stats


def _compact_partition(
    root: Path, partition: str, files: dict[str, list[Path]], earlier: pa.Table, stats: CompactStats
) -> None:
    cid = f"compact-{uuid.uuid4().hex[:16]}"
    work = compact_dir(root) / cid
    staging = root / ".newsflow" / "staging"
    con = duckdb.connect()
    con.register("earlier", earlier)
    tables = []
    for name in COMPACTED:
        if not files[name]:
            continue
        rows = pq.read_table(files[name], schema=TABLES[name])
        con.register("rows", rows)
        deduped = con.sql(_DEDUP_SQL[name]).to_arrow_table().select(TABLES[name].names).cast(TABLES[name])
        con.unregister("rows")
        write_atomic(deduped, work / name / f"part-{cid}.parquet", staging, table_name=name)
        stats.rows_before[name] = stats.rows_before.get(name, 0) + rows.num_rows
        stats.rows_after[name] = stats.rows_after.get(name, 0) + deduped.num_rows
        stats.files_before += len(files[name])
        stats.files_after += 1
        tables.append(name)
    # The journal is written last: a compaction without one never swapped anything.
    _write_json(work / "journal.json", {"partition": partition, "tables": tables})
    _finish(root, work)
    stats.partitions += 1


def _finish(root: Path, work: Path) -> None:
    """Swap every staged table into place (idempotent), then drop the old files and the journal."""
    journal = json.loads((work / "journal.json").read_text(encoding="utf-8"))
    cid = work.name
    for name in journal["tables"]:
        live = root / name / journal["partition"]
        if not (live / f"part-{cid}.parquet").exists():  # not swapped yet
            replace_dir(work / name, live)
    shutil.rmtree(work)


def recover(root: Path) -> int:
    """Finish compactions that were interrupted after their journal was written; discard the
    others (nothing of theirs was visible). The caller holds the writer lock. Returns the count."""
    base = compact_dir(root)
    if not base.is_dir():
        return 0
    count = 0
    for work in sorted(base.iterdir()):
        if (work / "journal.json").exists():
            _finish(root, work)
            count += 1
        else:
            shutil.rmtree(work)
    return count


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)
