"""A newsflow dataset on disk: tables, the writer lock, crash recovery, dedup index, commits.

Layout under the root (``--out``)::

    articles/ingest_date=YYYY-MM-DD/part-<flush>.parquet     (one file per table per flush)
    entity_mentions/...  failures/...  inputs/...
    .newsflow/lock       writers serialise their commits on this file (flock)
    .newsflow/staging/   files being written; never inside a table directory
    .newsflow/scratch/   one directory per running ingest (fetched pages, WARC records), removed
                         when the run ends and, after a crash, by the next run
    .newsflow/*.json     small state maps (file fingerprints, HTTP validators); not data
    READ-ONE-TABLE-...   not Parquet on purpose: a reader pointed at the root fails, told why

A *flush* makes its files visible in ``COMMIT_ORDER``; the ``inputs`` file goes last and is the
commit marker. Files of a flush without a marker are orphans of a crash: the next writer deletes
them under the lock before doing anything else, then re-processes their inputs (the ledger never
recorded them), so a kill -9 at any point loses nothing and duplicates nothing.

"Is it already there?" is answered here and only here: :meth:`Dataset.claim` before an input is
processed (``unchanged``: an earlier run finished it; ``duplicate``: the same bytes earlier in this
run), and :meth:`Dataset.commit` for the articles themselves (``duplicate``: same canonical URL or
same text). Deduplication happens under the lock against everything committed so far, by any run:
the index is refreshed from files committed since it last looked, so two runs writing at once
cannot both add the same article.
"""

import fcntl
import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from storage.compact import CompactStats, compact
from storage.compact import recover as recover_compactions
from storage.parquet import part_files, write_atomic
from storage.schema import COMMIT_ORDER, PARTITION_COLUMN, ROOT_GUARD, ROOT_GUARD_TEXT, TABLES
from tasks.core.errors import EmptyExtraction
from tasks.core.identity import canonical_url
from tasks.core.records import Article, Failure, ItemResult, Mention
from tasks.core.vocabulary import Outcome


@dataclass
class Index:
    """What is already in the dataset, as far as deduplication and skipping need to know."""

    #: Digests of inputs that need no further work (all outcomes but retryable failures).
    done_digests: set[str] = field(default_factory=set)
    article_ids: set[str] = field(default_factory=set)
    content_hashes: set[str] = field(default_factory=set)
    #: Canonical URLs of the articles: a page already here is not fetched again.
    article_urls: set[str] = field(default_factory=set)
    #: (source_uri, input_digest, reason) of recorded failures: a retried input that fails the
    #: same way again is not recorded twice.
    failure_keys: set[tuple[str, str | None, str]] = field(default_factory=set)
    seen_files: set[Path] = field(default_factory=set)

    def absorb(self, table_name: str, table: pa.Table) -> None:
        """Add the keys of committed rows of ``table_name`` to the index."""
        if table_name == "inputs":
            digests = table.column("input_digest").to_pylist()
            retryable = table.column("retryable").to_pylist()
            self.done_digests.update(d for d, r in zip(digests, retryable, strict=True) if not r)
        elif table_name == "articles":
            self.article_ids.update(table.column("article_id").to_pylist())
            self.content_hashes.update(table.column("content_hash").to_pylist())
            self.article_urls.update(u for u in table.column("url").to_pylist() if u)
        elif table_name == "failures":
            self.failure_keys.update(
                zip(
                    table.column("source_uri").to_pylist(),
                    table.column("input_digest").to_pylist(),
                    table.column("reason").to_pylist(),
                    strict=True,
                )
            )


@dataclass(frozen=True)
class CommitStats:
    """How the items of one commit were recorded."""

    outcomes: dict[Outcome, int]
    #: Failure reasons of the items recorded as ``failed``, by count.
    reasons: dict[str, int]
    files: tuple[Path, ...]
    articles: int
    mentions: int
    failures: int
    #: Ids of the articles this commit wrote (not the duplicates it dropped).
    written: frozenset[str] = frozenset()


class Dataset:
    """The dataset rooted at ``root``; create one per run and call :meth:`open` first."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.state_dir = self.root / ".newsflow"
        self.staging_dir = self.state_dir / "staging"
        self.scratch_root = self.state_dir / "scratch"
        self.index = Index()
        #: Input digests claimed by this run (see :meth:`claim`).
        self._claimed: set[str] = set()

    # -- locking and recovery ------------------------------------------------------------------

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the dataset's writer lock (released by the OS if the process dies)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / "lock", "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def open(self) -> list[Path]:
        """Recover from any crashed writer, then load the index. Returns the orphans removed."""
        with self.lock():
            recover_compactions(self.root)
            removed = self._remove_orphans()
            self._remove_dead_scratch()
            self._guard_root()
            self._refresh()
        return removed

    def _guard_root(self) -> None:
        guard = self.root / ROOT_GUARD
        if not guard.exists():
            tmp = self.state_dir / f"{ROOT_GUARD}.{os.getpid()}.tmp"
            tmp.write_text(ROOT_GUARD_TEXT, encoding="utf-8")
            os.replace(tmp, guard)

    # -- what is already there -------------------------------------------------------------------

    def claim(self, digest: str, *, url: str | None = None) -> Outcome | None:
        """Whether an input needs work: ``unchanged`` if an earlier run finished it (its digest is
        in the ledger with a final outcome, or its page URL is already an article's), ``duplicate``
        if this run already claimed the same digest, else None, and the digest is claimed now."""
        canonical = canonical_url(url)
        if digest in self.index.done_digests or (canonical is not None and canonical in self.index.article_urls):
            return "unchanged"
        if digest in self._claimed:
            return "duplicate"
        self._claimed.add(digest)
        return None

    # -- scratch space for a run -----------------------------------------------------------------

    @contextmanager
    def scratch(self, run_id: str) -> Iterator[Path]:
        """A directory of this run's own (fetched pages, WARC records), removed when the block
        ends. It is locked while in use, so a later run removes it only if this one died."""
        path = self.scratch_root / run_id
        path.mkdir(parents=True, exist_ok=True)
        with open(self.scratch_root / f"{run_id}.lock", "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield path
            finally:
                shutil.rmtree(path, ignore_errors=True)
                (self.scratch_root / f"{run_id}.lock").unlink(missing_ok=True)

    def _remove_dead_scratch(self) -> None:
        if not self.scratch_root.is_dir():
            return
        for entry in self.scratch_root.iterdir():
            if entry.suffix == ".lock" or not entry.is_dir():
                continue
            lock = self.scratch_root / f"{entry.name}.lock"
            with open(lock, "a+b") as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a running ingest's
                shutil.rmtree(entry, ignore_errors=True)
            lock.unlink(missing_ok=True)

    def compact(self, *, only_if_files_above: int = 1) -> CompactStats:
        """Merge small files and drop duplicate rows, partition by partition (see storage.compact)."""
        with self.lock():
            recover_compactions(self.root)
            self._remove_orphans()
            return compact(self.root, only_if_files_above=only_if_files_above)

    def _remove_orphans(self) -> list[Path]:
        if self.staging_dir.exists():
            for stale in self.staging_dir.iterdir():
                stale.unlink(missing_ok=True)
        committed = {flush for flush, _ in self._parts("inputs")}
        removed = []
        for name in COMMIT_ORDER:
            for flush, path in self._parts(name):
                if flush not in committed:
                    path.unlink(missing_ok=True)
                    removed.append(path)
        return removed

    def _parts(self, table_name: str) -> Iterator[tuple[str, Path]]:
        table_dir = self.root / table_name
        if not table_dir.is_dir():
            return
        for partition in sorted(table_dir.iterdir()):
            yield from part_files(partition)

    def files(self, table_name: str) -> list[Path]:
        """Every data file of a table, in partition and name order."""
        return [path for _, path in self._parts(table_name)]

    def _refresh(self) -> None:
        columns = {
            "inputs": ["input_digest", "retryable"],
            "articles": ["article_id", "content_hash", "url"],
            "failures": ["source_uri", "input_digest", "reason"],
        }
        for name, cols in columns.items():
            for path in self.files(name):
                if path not in self.index.seen_files:
                    self.index.absorb(name, pq.read_table(path, columns=cols))
                    self.index.seen_files.add(path)

    # -- commits -------------------------------------------------------------------------------

    def commit(self, items: Sequence[ItemResult], *, run_id: str, flush_id: str, now: datetime) -> CommitStats:
        """Record ``items`` atomically enough: dedup under the lock, then write all four tables."""
        with self.lock():
            self._refresh()
            tables, outcomes = self._build_tables(items, run_id=run_id, now=now)
            written: list[Path] = []
            partition = f"{PARTITION_COLUMN}={now.strftime('%Y-%m-%d')}"
            try:
                for name in COMMIT_ORDER:
                    table = tables[name]
                    if table.num_rows == 0:
                        continue
                    final = self.root / name / partition / f"part-{flush_id}.parquet"
                    written.append(write_atomic(table, final, self.staging_dir, table_name=name))
            except BaseException:
                # Never leave a half-committed flush behind for readers: take back what we wrote.
                for path in written:
                    path.unlink(missing_ok=True)
                raise
            for name in ("inputs", "articles", "failures"):
                self.index.absorb(name, tables[name])
            self.index.seen_files.update(written)
        reasons = Counter(
            item.failure.reason for item in items if item.failure is not None and worker_outcome(item) == "failed"
        )
        return CommitStats(
            outcomes=outcomes,
            reasons=dict(reasons),
            files=tuple(written),
            articles=tables["articles"].num_rows,
            mentions=tables["entity_mentions"].num_rows,
            failures=tables["failures"].num_rows,
            written=frozenset(tables["articles"].column("article_id").to_pylist()),
        )

    def load_state(self, name: str) -> dict[str, Any]:
        """A small JSON state map kept beside the tables (not data): e.g. ``http-validators``
        (ETag / Last-Modified of web sources, for conditional GET) or ``fingerprints``."""
        try:
            data = json.loads((self.state_dir / f"{name}.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save_state(self, name: str, entries: dict[str, Any]) -> None:
        """Merge ``entries`` into the state map ``name`` (under the lock: runs may overlap)."""
        with self.lock():
            merged = {**self.load_state(name), **entries}
            path = self.state_dir / f"{name}.json"
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(merged, sort_keys=True), encoding="utf-8")
            os.replace(tmp, path)

    def record_run(self, row: dict[str, Any], *, now: datetime) -> Path:
        """Write one ``runs`` row (its own small file; compaction merges them)."""
        table = _table("runs", [None], {"ingested_at": now}, **{k: [v] for k, v in row.items()})
        partition = f"{PARTITION_COLUMN}={now.strftime('%Y-%m-%d')}"
        final = self.root / "runs" / partition / f"part-{row['run_id']}-{row['flow']}.parquet"
        with self.lock():  # not while a compaction swaps partitions
            return write_atomic(table, final, self.staging_dir, table_name="runs")

    def _build_tables(
        self, items: Sequence[ItemResult], *, run_id: str, now: datetime
    ) -> tuple[dict[str, pa.Table], dict[Outcome, int]]:
        stamp = {"run_id": run_id, "ingested_at": now}
        outcomes: dict[Outcome, int] = {}
        index = self.index
        # What this commit adds; the index itself is updated only once the files are in place.
        # (Copying the index instead would cost O(dataset) on every flush.)
        ids: set[str] = set()
        hashes: set[str] = set()
        failure_keys: set[tuple[str, str | None, str]] = set()
        articles: list[Article] = []
        mentions: list[Mention] = []
        mention_article_ids: list[str] = []
        failures: list[Failure] = []
        ledger: dict[str, list[Any]] = {
            name: [] for name in ("source_uri", "input_digest", "outcome", "article_id", "reason", "retryable")
        }
        for item in items:
            outcome, reason, retryable, article_id = worker_outcome(item), None, False, None
            on_record = False
            if item.article is not None:
                article_id = item.article.article_id
                content = item.article.content_hash
                seen_id = article_id in index.article_ids or article_id in ids
                if seen_id or content in index.content_hashes or content in hashes:
                    outcome = "duplicate"
                else:
                    ids.add(article_id)
                    hashes.add(content)
                    articles.append(item.article)
                    mentions.extend(item.mentions)
                    mention_article_ids.extend([article_id] * len(item.mentions))
            elif item.failure is not None:
                reason, retryable = item.failure.reason, item.failure.retryable
                key = (item.failure.source_uri, item.failure.input_digest, reason)
                on_record = key in index.failure_keys or key in failure_keys
                if not on_record:
                    failures.append(item.failure)
                    failure_keys.add(key)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if on_record:
                continue  # retried and failed the same way again: already on record, add no row
            for name, value in (
                ("source_uri", item.ref.source_uri),
                ("input_digest", item.ref.digest),
                ("outcome", outcome),
                ("article_id", article_id),
                ("reason", reason),
                ("retryable", retryable),
            ):
                ledger[name].append(value)
        tables = {
            "articles": _table("articles", articles, stamp),
            "entity_mentions": _table("entity_mentions", mentions, stamp, article_id=mention_article_ids),
            "failures": _table("failures", failures, stamp),
            # One ledger row per item not already on record (a repeated failure adds none).
            "inputs": _table("inputs", [None] * len(ledger["outcome"]), stamp, **ledger),
        }
        return tables, outcomes


def worker_outcome(item: ItemResult) -> Outcome:
    """What a worker's result is, before deduplication against the dataset (which may make an
    ``ingested`` article a ``duplicate``)."""
    if item.article is not None:
        return "ingested"
    if item.failure is not None and item.failure.reason == EmptyExtraction.reason:
        return "empty"
    return "failed"


def _table(table_name: str, records: Sequence[object], stamp: dict[str, Any], **columns: list[Any]) -> pa.Table:
    """Build ``table_name`` column by column; names come from its schema, never re-typed here.

    A column is taken from ``columns`` if given, else is a constant from ``stamp``, else is the
    attribute of that name on each record.
    """
    schema = TABLES[table_name]
    arrays = []
    for column in schema:
        if column.name in columns:
            values = columns[column.name]
        elif column.name in stamp:
            values = [stamp[column.name]] * len(records)
        else:
            values = [getattr(record, column.name) for record in records]
        arrays.append(pa.array(values, type=column.type))
    return pa.Table.from_arrays(arrays, schema=schema)
