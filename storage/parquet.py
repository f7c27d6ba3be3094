"""Crash-safe Parquet files: write under a staging name readers never list, fsync, then rename.

Readers (DuckDB, Polars) do list ``_``/``.``-prefixed files *inside* a table directory, so the
staging directory is a sibling of the tables (``<root>/.newsflow/staging``) on the same
filesystem, which makes ``os.replace`` into the table atomic: a reader sees the whole file or none.
"""

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from storage.schema import ROW_GROUP_ROWS, SORT_KEYS

#: zstd level 3: the size/speed sweet spot measured here (snappy 90.8 MB, zstd-3 58.2 MB, zstd-19
#: 46.1 MB at 10x the write time).
COMPRESSION = "zstd"
COMPRESSION_LEVEL = 3


#: A data file of a table partition: ``part-<flush id>.parquet``. Anything else in a partition
#: directory is not data (and not ours).
_PART = re.compile(r"^part-(?P<flush>[A-Za-z0-9_.-]+)\.parquet$")


def part_files(partition: Path) -> Iterator[tuple[str, Path]]:
    """(flush id, path) of every data file in a partition directory, in name order."""
    if not partition.is_dir():
        return
    for path in sorted(partition.iterdir()):
        match = _PART.match(path.name)
        if match:
            yield match.group("flush"), path


def laid_out(table_name: str, table: pa.Table) -> pa.Table:
    """``table``'s rows in the order its files keep them (``SORT_KEYS``)."""
    key = SORT_KEYS.get(table_name)
    return table.sort_by([(key, "ascending", "at_end")]) if key else table


def write_atomic(table: pa.Table, final_path: Path, staging_dir: Path, *, table_name: str | None = None) -> Path:
    """Write ``table`` to ``final_path`` so that no reader ever sees a partial file; with
    ``table_name``, its rows are laid out as that table's files keep them."""
    staging_dir.mkdir(parents=True, exist_ok=True)
    final_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = staging_dir / f"{uuid.uuid4().hex}.parquet.tmp"
    if table_name is not None:
        table = laid_out(table_name, table)
    try:
        pq.write_table(
            table, tmp, compression=COMPRESSION, compression_level=COMPRESSION_LEVEL, row_group_size=ROW_GROUP_ROWS
        )
        _fsync_file(tmp)
        os.replace(tmp, final_path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(final_path.parent)
    return final_path


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    # Makes the rename itself durable; a no-op on filesystems that refuse directory fsync.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
