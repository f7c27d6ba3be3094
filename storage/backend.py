"""Where a dataset lives, behind one interface: the flows never know which backend they write.

- a local directory (``--out DIR``): plain hive-partitioned Parquet (:class:`storage.dataset.Dataset`),
  unless it already holds Delta tables or Delta is asked for;
- ``s3://bucket/prefix``: Delta Lake tables (:class:`storage.delta.DeltaDataset`), the only format
  that stays consistent without a lock or a rename on an object store.
"""

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from storage.compact import CompactStats
from storage.dataset import CommitStats, Dataset
from storage.delta import DeltaDataset, DeltaOptions
from storage.root import is_remote
from tasks.core.records import ItemResult
from tasks.core.vocabulary import Outcome

TableFormat = Literal["auto", "parquet", "delta"]


class Store(Protocol):
    """What flows and collection ask of a dataset, whatever its backend."""

    @property
    def root(self) -> Path | str:
        """Where it lives (for messages)."""
        ...

    def open(self) -> Sequence[Path | str]:
        """Recover from crashed writers and load the dedup index; returns what was recovered."""
        ...

    def claim(self, digest: str, *, url: str | None = None) -> Outcome | None:
        """``unchanged``/``duplicate`` for an input that needs no work, else None (claimed now)."""
        ...

    def scratch(self, run_id: str) -> AbstractContextManager[Path]:
        """A local directory of the run's own, removed when the block ends."""
        ...

    def commit(self, items: Sequence[ItemResult], *, run_id: str, flush_id: str, now: datetime) -> CommitStats:
        """Record one flush of results, deduplicated against everything committed."""
        ...

    def record_run(self, row: dict[str, Any], *, now: datetime) -> Path | str:
        """Write one ``runs`` row."""
        ...

    def load_state(self, name: str) -> dict[str, Any]:
        """A small state map kept beside the tables."""
        ...

    def save_state(self, name: str, entries: dict[str, Any]) -> None:
        """Merge ``entries`` into a state map."""
        ...

    def compact(self, *, only_if_files_above: int = 1) -> CompactStats:
        """Merge small files (and drop duplicate rows where there can be any)."""
        ...


def open_dataset(out: str, *, table_format: TableFormat = "auto", delta: DeltaOptions | None = None) -> Store:
    """The dataset at ``out`` (call ``open()`` on it before use). ``auto``: Delta for an object
    store or a directory that already holds Delta tables, plain Parquet for any other directory."""
    if table_format == "parquet" and is_remote(out):
        raise ValueError(f"{out}: an object store holds Delta tables only (table format 'parquet' is local)")
    if table_format == "delta" or is_remote(out) or (table_format == "auto" and holds_delta(out)):
        return DeltaDataset(out, delta)
    return Dataset(out)


def holds_delta(out: str | Path) -> bool:
    """Whether ``out`` is (or will be, being remote) a dataset of Delta tables."""
    return is_remote(str(out)) or (Path(out) / "articles" / "_delta_log").is_dir()
