"""Helpers shared by the tests: paths, the console script, and reading a dataset back.

``tests.support.records`` builds pipeline results by hand, ``tests.support.loopback`` is a real
misbehaving news site on 127.0.0.1, ``tests.support.corpus`` generates benchmark pages, and
``tests.support.worker_probes`` holds functions run inside worker processes.
"""

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow.dataset as ds

from storage.query import table_glob
from storage.schema import TABLES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "articles"
SHARED = ROOT.parent / "shared"
SHARED_SAMPLES = SHARED / "samples"
#: The installed console script, as users run it.
NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))


def run_newsflow(args: list[str], env: Mapping[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the console script from the project root with ``env``; a non-zero exit fails the test."""
    proc = subprocess.run([NEWSFLOW, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def counts(root: Path) -> dict[str, tuple[int, int, int]]:
    """Rows per table as DuckDB, Polars and pyarrow see them."""
    out = {}
    for table in TABLES:
        if not (root / table).exists():
            continue
        glob = table_glob(root, table)
        n_duck = query(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning=true)")[0][0]
        n_polars = pl.scan_parquet(glob, hive_partitioning=True).select(pl.len()).collect().item()
        n_arrow = ds.dataset(root / table, format="parquet", partitioning="hive").count_rows()
        out[table] = (n_duck, n_polars, n_arrow)
    return out


def query(sql: str) -> list[tuple[Any, ...]]:
    """Rows of a DuckDB query (over ``read_parquet`` of a test's dataset)."""
    relation = duckdb.sql(sql)
    assert relation is not None, sql
    return relation.fetchall()
