"""What a dataset root is, checked without opening anything (no DuckDB, no pyarrow): the CLI asks
before it starts a server, and names the path when the answer is no."""

from pathlib import Path

from storage.schema import TABLES

#: URI schemes of object stores: a dataset there is Delta tables (storage.delta).
REMOTE_SCHEMES = ("s3://", "s3a://")


def is_remote(root: str | Path) -> bool:
    """Whether ``root`` names an object store rather than a local directory."""
    return str(root).lower().startswith(REMOTE_SCHEMES)


class NotADataset(ValueError):
    """A path given as a dataset that holds no newsflow dataset."""


def is_dataset(root: str | Path) -> bool:
    """Whether ``root`` holds a newsflow dataset (its state directory or any table)."""
    path = Path(root)
    return (path / ".newsflow").is_dir() or any((path / table).is_dir() for table in TABLES)


def has_tables(root: str | Path) -> bool:
    """Whether any table of the local dataset at ``root`` exists: before a run has committed
    to it (its state directory alone, as ``newsflow ingest`` creates it), it holds no input a
    run could skip."""
    path = Path(root)
    return any((path / table).is_dir() for table in TABLES)


def require_dataset(root: str | Path) -> Path:
    """``root`` as a Path; raises :class:`NotADataset` (one line, naming it) when it holds none."""
    path = Path(root)
    if not path.exists():
        raise NotADataset(f"{root}: no such directory (give the --out of an ingest)")
    if not is_dataset(path):
        raise NotADataset(f"{root}: not a newsflow dataset (no tables and no .newsflow/ in it)")
    return path
