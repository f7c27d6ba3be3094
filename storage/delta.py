"""A newsflow dataset as Delta Lake tables: on S3-compatible storage (``s3://bucket/prefix``) or,
on request, in a local directory. Same methods as :class:`storage.dataset.Dataset`.

Layout under the root::

    articles/ entity_mentions/ failures/ inputs/ runs/   Delta tables, partitioned by ingest_date
    _newsflow/flushes/<flush id>.parquet                 flushes being applied (see below)
    _newsflow/state/<name>/<stamp>-<id>.json             small state maps, one object per save

There is no lock: object stores have none, and machines of a cluster share nothing else. What
makes every commit safe is Delta's own: a commit is a put-if-absent of the next log entry, and a
transaction that read the table fails (``CommitFailedError``) when another one changed what it
read. On top of that, one *flush* (a commit of up to ``flush_rows`` results into four tables):

1. is built against the dedup index, as on local disk, and written as **one object** (a single
   PUT is atomic: the flush exists whole or not at all);
2. is *applied* table by table, each step a Delta transaction carrying the app transaction id
   ``(run_id, n)`` of the flush: a step whose id the table already holds was done and is skipped,
   so applying a flush twice, or by two processes at once, changes nothing more (two processes
   committing the same step conflict; the loser sees the id and skips);
   - ``articles``: a MERGE that inserts the rows whose ``article_id`` is absent. It reads the
     whole table, so two runs inserting the same article at once conflict and the loser retries
     against the winner's rows: one copy of each article, whatever the concurrency;
   - the flush's articles that are now in the table *with its own run id and commit time* are
     the ones it owns (a deterministic read, the same for whoever applies the flush); only their
     mentions are appended, and the ledger says ``duplicate`` for the others;
   - ``failures``: a MERGE on (source_uri, input_digest, reason); ``inputs`` last;
3. is deleted once applied.

A process killed anywhere leaves at worst a flush object; the next :meth:`DeltaDataset.open`, by
any run on any machine, applies it (step 2 is idempotent and safe beside the dead run's own
attempt), so nothing committed is lost or doubled, and the inputs the dead run had not flushed
are simply processed again (the ledger never saw them).
"""

import io
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable, Transaction, WriterProperties, write_deltalake
from deltalake.exceptions import CommitFailedError

from storage.compact import CompactStats
from storage.dataset import CommitStats, Dataset, Index, _table, worker_outcome
from storage.parquet import COMPRESSION_LEVEL, laid_out
from storage.schema import COMMIT_ORDER, PARTITION_COLUMN, ROW_GROUP_ROWS, TABLES
from tasks.core.records import ItemResult
from tasks.core.vocabulary import Outcome

if TYPE_CHECKING:
    import duckdb

#: Index columns read from each table (never whole rows): the same as on local disk.
INDEX_COLUMNS: dict[str, list[str]] = {
    "inputs": ["input_digest", "retryable"],
    "articles": ["article_id", "content_hash", "url"],
    "failures": ["source_uri", "input_digest", "reason"],
}
_FAILURE_KEY = (
    "t.source_uri = s.source_uri AND t.reason = s.reason "
    "AND coalesce(t.input_digest, '') = coalesce(s.input_digest, '')"
)
#: State maps are consolidated into one object once a map has more objects than this.
_STATE_OBJECTS = 16


@dataclass(frozen=True)
class DeltaOptions:
    """How to reach and keep a Delta dataset."""

    #: deltalake ``storage_options``: ``endpoint_url``, ``region``, ``allow_http`` (also used for
    #: pyarrow's S3 client); the keys come from the usual AWS variables, read by the libraries.
    storage_options: Mapping[str, str] = field(default_factory=dict)
    #: Local working area: this machine's scratch spool for the dataset.
    cache_dir: Path = Path(".newsflow-cache")
    #: ``compact`` deletes files no table version has referenced for this long (readers of an
    #: older version need them until then).
    vacuum_hours: int = 24
    #: Attempts of one step of a flush that keeps conflicting with other writers.
    max_attempts: int = 50


def delta_schema(name: str) -> pa.Schema:
    """A table's schema as stored in Delta: the contract's columns plus the partition column, a
    date (Delta keeps it in the log, not in the data files; readers see a date, as with hive)."""
    return TABLES[name].append(pa.field(PARTITION_COLUMN, pa.date32(), nullable=False))


def read_delta_table(
    root: str, name: str, columns: list[str] | None = None, storage_options: Mapping[str, str] | None = None
) -> pa.Table:
    """Table ``name`` of the Delta dataset at ``root``, its current version (empty if it has no
    table yet)."""
    uri = f"{root.rstrip('/')}/{name}"
    options = dict(storage_options or {})
    if not DeltaTable.is_deltatable(uri, storage_options=options):
        empty = delta_schema(name).empty_table()
        return empty if columns is None else empty.select(columns)
    return DeltaTable(uri, storage_options=options).to_pyarrow_dataset().to_table(columns=columns)


def register_views(
    con: "duckdb.DuckDBPyConnection", root: str, storage_options: Mapping[str, str] | None = None
) -> None:
    """One DuckDB view per Delta table of the dataset at ``root`` that has rows: the table's
    current version as a pyarrow dataset (DuckDB's own delta extension cannot be installed
    offline, and a plain ``read_parquet`` glob would also read files no version references)."""
    for name in TABLES:
        uri = f"{root.rstrip('/')}/{name}"
        if not DeltaTable.is_deltatable(uri, storage_options=dict(storage_options or {})):
            continue
        dataset = DeltaTable(uri, storage_options=dict(storage_options or {})).to_pyarrow_dataset()
        if any(True for _ in dataset.get_fragments()):
            con.register(name, dataset)


@dataclass(frozen=True)
class Flush:
    """One flush as written before it is applied: its tables and who made it."""

    flush_id: str
    run_id: str
    #: The app transaction version: the flush's sequence number within its run.
    version: int
    now: datetime
    tables: dict[str, pa.Table]
    #: Outcomes by count as the flush was built (before any race with another run was lost).
    outcomes: dict[str, int] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        """One Parquet file: a row per table, each an Arrow IPC stream; the rest in metadata."""
        blobs = []
        for name in COMMIT_ORDER:
            sink = io.BytesIO()
            with pa.ipc.new_stream(sink, self.tables[name].schema) as writer:
                writer.write_table(self.tables[name])
            blobs.append(sink.getvalue())
        meta = {
            "flush_id": self.flush_id,
            "run_id": self.run_id,
            "version": self.version,
            "now": self.now.isoformat(),
            "outcomes": self.outcomes,
        }
        table = pa.table({"table": list(COMMIT_ORDER), "ipc": pa.array(blobs, pa.large_binary())})
        table = table.replace_schema_metadata({"newsflow.flush": json.dumps(meta)})
        sink = io.BytesIO()
        pq.write_table(table, sink)
        return sink.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Flush":
        table = pq.read_table(pa.BufferReader(data))
        meta = json.loads((table.schema.metadata or {})[b"newsflow.flush"])
        tables = {
            name: pa.ipc.open_stream(blob.as_py()).read_all()
            for name, blob in zip(table.column("table").to_pylist(), table.column("ipc"), strict=True)
        }
        now = datetime.fromisoformat(meta["now"])
        return cls(meta["flush_id"], meta["run_id"], meta["version"], now, tables, meta.get("outcomes", {}))


class DeltaDataset:
    """The Delta dataset at ``root`` (``s3://bucket/prefix`` or a directory); create one per run
    and call :meth:`open` first."""

    def __init__(self, root: str, options: DeltaOptions | None = None) -> None:
        self.root = root.rstrip("/")
        self.options = options or DeltaOptions()
        self._storage = dict(self.options.storage_options)
        self._fs_and_base: tuple[pafs.FileSystem, str] | None = None
        # The local part: this machine's scratch spool, and the dedup index with its claim logic
        # (shared with the plain Parquet dataset, so both answer "already there?" the same way).
        self._work = Dataset(self.options.cache_dir)
        self._seen: dict[str, set[str]] = {name: set() for name in INDEX_COLUMNS}
        #: flush id -> its app transaction version (a retried flush keeps its number).
        self._versions: dict[str, int] = {}
        self._pending: dict[str, Flush] = {}
        self._writer = WriterProperties(
            compression="ZSTD", compression_level=COMPRESSION_LEVEL, max_row_group_size=ROW_GROUP_ROWS
        )

    @property
    def _fs(self) -> pafs.FileSystem:
        return self._filesystem()[0]

    @property
    def _base(self) -> str:
        return self._filesystem()[1]

    def _filesystem(self) -> tuple[pafs.FileSystem, str]:
        """pyarrow's filesystem for the root (S3: endpoint, keys and region from the AWS
        variables) and the root's path in it; made on first use (no I/O in the constructor)."""
        if self._fs_and_base is None:
            if "://" not in self.root:
                self._fs_and_base = pafs.LocalFileSystem(), str(Path(self.root).resolve())
            else:
                fs = pafs.S3FileSystem(
                    endpoint_override=self._storage.get("endpoint_url"), region=self._storage.get("region")
                )
                self._fs_and_base = fs, self.root.split("://", 1)[1]
        return self._fs_and_base

    @property
    def index(self) -> Index:
        """What the dataset holds, as far as deduplication and skipping need to know."""
        return self._work.index

    # -- tables ----------------------------------------------------------------------------------

    def table_uri(self, name: str) -> str:
        """Where table ``name`` lives."""
        return f"{self.root}/{name}"

    def table(self, name: str) -> DeltaTable:
        """Table ``name`` at its latest version."""
        return DeltaTable(self.table_uri(name), storage_options=self._storage)

    def _create_tables(self) -> None:
        for name in TABLES:
            for _ in range(self.options.max_attempts):
                try:
                    DeltaTable.create(
                        self.table_uri(name),
                        schema=delta_schema(name),
                        partition_by=[PARTITION_COLUMN],
                        mode="ignore",
                        storage_options=self._storage,
                    )
                    break
                except CommitFailedError:  # another run created it at the same moment
                    if DeltaTable.is_deltatable(self.table_uri(name), storage_options=self._storage):
                        break

    # -- opening and recovery ----------------------------------------------------------------------

    def open(self) -> list[str]:
        """Create the tables if needed, apply the flushes a killed run left (by any machine),
        remove this machine's dead scratch directories, load the index. Returns the flushes
        completed."""
        self._create_tables()
        completed = []
        for flush_id in self._flush_ids():
            flush = self._read_flush(flush_id)
            if flush is not None:  # None: its owner finished it meanwhile
                self._apply(flush)
                completed.append(flush_id)
        self._work._remove_dead_scratch()
        self._refresh()
        return completed

    def _flush_ids(self) -> list[str]:
        selector = pafs.FileSelector(f"{self._base}/_newsflow/flushes", allow_not_found=True)
        infos = self._fs.get_file_info(selector)
        return sorted(Path(i.path).stem for i in infos if i.type == pafs.FileType.File and i.path.endswith(".parquet"))

    def _flush_path(self, flush_id: str) -> str:
        return f"{self._base}/_newsflow/flushes/{flush_id}.parquet"

    def _read_flush(self, flush_id: str) -> Flush | None:
        try:
            with self._fs.open_input_stream(self._flush_path(flush_id)) as fh:
                return Flush.from_bytes(fh.read())
        except FileNotFoundError:
            return None

    def _refresh(self) -> None:
        """Absorb the index columns of data files not read yet (after a compaction rewrote
        files, their rows again: harmless, the index is made of sets)."""
        for name, columns in INDEX_COLUMNS.items():
            dataset = self.table(name).to_pyarrow_dataset()
            new = [f for f in dataset.get_fragments() if f.path not in self._seen[name]]
            if new:
                part = ds.FileSystemDataset(new, dataset.schema, dataset.format, dataset.filesystem)
                self.index.absorb(name, part.to_table(columns=columns))
                self._seen[name].update(f.path for f in new)

    # -- what is already there -----------------------------------------------------------------

    def claim(self, digest: str, *, url: str | None = None) -> Outcome | None:
        """As :meth:`storage.dataset.Dataset.claim`."""
        return self._work.claim(digest, url=url)

    @contextmanager
    def scratch(self, run_id: str) -> Iterator[Path]:
        """A local directory of this run's own (fetched pages, WARC records) under the cache
        directory, removed when the block ends (see :meth:`storage.dataset.Dataset.scratch`)."""
        with self._work.scratch(run_id) as path:
            yield path

    # -- commits ---------------------------------------------------------------------------------

    def commit(self, items: Sequence[ItemResult], *, run_id: str, flush_id: str, now: datetime) -> CommitStats:
        """Record ``items`` (see the module's docstring for the protocol). Calling it again with
        the same ``flush_id`` after it raised re-applies the same flush: nothing is doubled."""
        flush = self._pending.get(flush_id)
        if flush is None:
            self._refresh()
            tables, outcomes = self._work._build_tables(items, run_id=run_id, now=now)
            version = self._versions.setdefault(flush_id, len(self._versions))
            flush = Flush(flush_id, run_id, version, now, tables, {str(k): v for k, v in outcomes.items()})
            self._put(self._flush_path(flush_id), flush.to_bytes())
            self._pending[flush_id] = flush
        owned, mentions = self._apply(flush)
        del self._pending[flush_id]
        return _stats(items, flush, owned, mentions)

    def _apply(self, flush: Flush) -> tuple[set[str], int]:
        """Apply ``flush`` to the tables (idempotent); returns the article ids it owns and the
        number of their mentions."""
        articles = flush.tables["articles"]
        self._step("articles", flush, articles, partial(self._merge, predicate="t.article_id = s.article_id"))
        owned = self._owned(flush)
        mentions = flush.tables["entity_mentions"]
        mentions = mentions.filter(pc.is_in(mentions.column("article_id"), pa.array(sorted(owned), pa.string())))
        self._step("entity_mentions", flush, mentions, self._append)
        failures = flush.tables["failures"]
        self._step("failures", flush, failures, partial(self._merge, predicate=_FAILURE_KEY))
        inputs = _ledger(flush.tables["inputs"], owned)
        self._step("inputs", flush, inputs, self._append)
        for name in INDEX_COLUMNS:
            self.index.absorb(name, flush.tables[name] if name != "inputs" else inputs)
        with suppress(FileNotFoundError):  # whoever applied it first may have deleted it already
            self._fs.delete_file(self._flush_path(flush.flush_id))
        return owned, mentions.num_rows

    def _step(
        self, name: str, flush: Flush, rows: pa.Table, write: Callable[[DeltaTable, pa.Table, CommitProperties], None]
    ) -> None:
        """Run one step of ``flush`` on table ``name`` once: skipped when the table already holds
        the flush's app transaction id (or there is nothing to write); retried while other
        writers' commits conflict with it."""
        if rows.num_rows == 0:
            return
        rows = laid_out(name, rows)  # the same row order as local files (date ranges prune)
        for attempt in range(self.options.max_attempts):
            dt = self.table(name)
            done = dt.transaction_version(flush.run_id)
            if done is not None and done >= flush.version:
                return
            props = CommitProperties(app_transactions=[Transaction(flush.run_id, flush.version)])
            try:
                write(dt, rows, props)
                return
            except CommitFailedError:
                # Someone else committed first: back off a little (jittered) and look again.
                time.sleep(random.uniform(0.05, 0.2) * min(attempt + 1, 5))
        raise CommitFailedError(f"{self.table_uri(name)}: still conflicting after {self.options.max_attempts} attempts")

    def _merge(self, dt: DeltaTable, rows: pa.Table, props: CommitProperties, *, predicate: str) -> None:
        merger = dt.merge(
            _with_partition(rows),
            predicate=predicate,
            source_alias="s",
            target_alias="t",
            writer_properties=self._writer,
            commit_properties=props,
        )
        merger.when_not_matched_insert_all().execute()

    def _append(self, dt: DeltaTable, rows: pa.Table, props: CommitProperties) -> None:
        write_deltalake(
            dt,
            _with_partition(rows),
            mode="append",
            writer_properties=self._writer,
            commit_properties=props,
        )

    def _owned(self, flush: Flush) -> set[str]:
        """The flush's articles that the table holds as written by it (same run, same commit
        time). Files are skipped on their run_id/ingested_at statistics."""
        ids = flush.tables["articles"].column("article_id")
        if len(ids) == 0:
            return set()
        now = pa.scalar(flush.now, TABLES["articles"].field("ingested_at").type)
        condition = (pc.field("run_id") == flush.run_id) & (pc.field("ingested_at") == now)
        found = self.table("articles").to_pyarrow_dataset().to_table(columns=["article_id"], filter=condition)
        return set(found.column("article_id").to_pylist()) & set(ids.to_pylist())

    # -- runs, state, compaction -------------------------------------------------------------------

    def record_run(self, row: dict[str, Any], *, now: datetime) -> str:
        """Append one ``runs`` row."""
        table = _table("runs", [None], {"ingested_at": now}, **{k: [v] for k, v in row.items()})
        for attempt in range(self.options.max_attempts):
            try:
                self._append(self.table("runs"), table, CommitProperties())
                break
            except CommitFailedError:
                time.sleep(random.uniform(0.05, 0.2) * min(attempt + 1, 5))
        return self.table_uri("runs")

    def load_state(self, name: str) -> dict[str, Any]:
        """A small state map (see :meth:`storage.dataset.Dataset.load_state`): every object saved
        under its name, merged oldest first."""
        merged: dict[str, Any] = {}
        for path in self._state_objects(name):
            merged.update(self._read_json(path))
        return merged

    def save_state(self, name: str, entries: dict[str, Any]) -> None:
        """Merge ``entries`` into the state map ``name``. Each save is an object of its own (no
        read-modify-write, so runs saving at once lose nothing); past a few objects they are
        merged into one and the merged ones deleted (only those: a concurrent save survives)."""
        self._put(self._state_path(name), json.dumps(entries, sort_keys=True).encode())
        objects = self._state_objects(name)
        if len(objects) > _STATE_OBJECTS:
            merged: dict[str, Any] = {}
            for path in objects:
                merged.update(self._read_json(path))
            self._put(self._state_path(name), json.dumps(merged, sort_keys=True).encode())
            for path in objects:
                self._fs.delete_file(path)

    def _state_path(self, name: str) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        return f"{self._base}/_newsflow/state/{name}/{stamp}-{uuid.uuid4().hex[:8]}.json"

    def _state_objects(self, name: str) -> list[str]:
        selector = pafs.FileSelector(f"{self._base}/_newsflow/state/{name}", allow_not_found=True)
        return sorted(i.path for i in self._fs.get_file_info(selector) if i.type == pafs.FileType.File)

    def _read_json(self, path: str) -> dict[str, Any]:
        try:
            with self._fs.open_input_stream(path) as fh:
                data = json.loads(fh.read())
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def compact(self, *, only_if_files_above: int = 1) -> CompactStats:
        """Rewrite small files into large ones (Delta ``optimize``), then delete files no version
        has referenced for ``vacuum_hours``. Readers stay consistent: they read a version, and a
        version's files stay until vacuumed. Ingest runs go on meanwhile (a MERGE that read
        replaced files conflicts and retries). Duplicates cannot be there to drop: MERGE kept
        them out."""
        stats = CompactStats()
        for name in TABLES:
            dt = self.table(name)
            files = len(dt.file_uris())
            rows = dt.count()
            stats.rows_before[name] = stats.rows_after[name] = rows
            stats.files_before += files
            if files > only_if_files_above:
                metrics = self._optimize(name)
                stats.partitions += int(metrics.get("partitionsOptimized", 0))
            dt = self.table(name)
            dt.vacuum(retention_hours=self.options.vacuum_hours, dry_run=False, enforce_retention_duration=False)
            dt.create_checkpoint()
            dt.cleanup_metadata()
            stats.files_after += len(self.table(name).file_uris())
        return stats

    def _optimize(self, name: str) -> dict[str, Any]:
        for attempt in range(self.options.max_attempts):
            try:
                return self.table(name).optimize.compact(writer_properties=self._writer)
            except CommitFailedError:
                time.sleep(random.uniform(0.05, 0.2) * min(attempt + 1, 5))
        raise CommitFailedError(f"{self.table_uri(name)}: optimize kept conflicting")

    # -- objects ---------------------------------------------------------------------------------

    def _put(self, path: str, data: bytes) -> None:
        """Write one object whole or not at all (an S3 PUT; locally a rename)."""
        if isinstance(self._fs, pafs.LocalFileSystem):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            tmp = f"{path}.{uuid.uuid4().hex}.tmp"
            with self._fs.open_output_stream(tmp) as fh:
                fh.write(data)
            self._fs.move(tmp, path)
        else:
            with self._fs.open_output_stream(path) as fh:
                fh.write(data)


def _with_partition(rows: pa.Table) -> pa.Table:
    """``rows`` with the partition column: the UTC day of their commit time (as on local disk)."""
    days = pc.cast(rows.column("ingested_at"), pa.date32())  # the UTC day: the column is UTC
    return rows.append_column(pa.field(PARTITION_COLUMN, pa.date32(), nullable=False), days)


def _ledger(inputs: pa.Table, owned: set[str]) -> pa.Table:
    """The flush's ledger rows, ``ingested`` turned ``duplicate`` where another run's copy of the
    article won."""
    outcome = inputs.column("outcome")
    ids = inputs.column("article_id")
    lost = pc.and_(pc.equal(outcome, "ingested"), pc.invert(pc.is_in(ids, pa.array(sorted(owned), pa.string()))))
    fixed = pc.if_else(pc.fill_null(lost, False), pa.scalar("duplicate"), outcome)
    return inputs.set_column(inputs.schema.get_field_index("outcome"), inputs.schema.field("outcome"), fixed)


def _stats(items: Sequence[ItemResult], flush: Flush, owned: set[str], mentions: int) -> CommitStats:
    """What the commit recorded: the flush's outcomes, with the articles another run's copy beat
    (a race lost in the MERGE) moved from ``ingested`` to ``duplicate``."""
    outcomes: Counter[str] = Counter(flush.outcomes)
    lost = flush.tables["articles"].num_rows - len(owned)
    if lost:
        outcomes["ingested"] -= lost
        outcomes["duplicate"] += lost
    reasons = Counter(
        item.failure.reason for item in items if item.failure is not None and worker_outcome(item) == "failed"
    )
    return CommitStats(
        outcomes={cast(Outcome, k): v for k, v in outcomes.items() if v},
        reasons=dict(reasons),
        files=(),
        articles=len(owned),
        mentions=mentions,
        failures=flush.tables["failures"].num_rows,
        written=frozenset(owned),
    )
