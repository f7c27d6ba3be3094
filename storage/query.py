"""Read a dataset back with DuckDB: the queries ``newsflow show`` and ``make demo`` print."""

from collections.abc import Mapping
from pathlib import Path

import duckdb

from storage.backend import holds_delta
from storage.delta import register_views
from storage.schema import TABLES


def table_glob(root: str | Path, table: str) -> str:
    """The glob that reads every file of ``table`` (hive partitions included)."""
    return str(Path(root) / table / "**" / "*.parquet")


def connect(root: str | Path, *, storage_options: Mapping[str, str] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per table that has files (for a Delta dataset, local or
    ``s3://``, the tables' current versions; ``storage_options`` as for deltalake)."""
    con = duckdb.connect()
    if holds_delta(root):
        register_views(con, str(root), storage_options)
        return con
    for table in TABLES:
        if any((Path(root) / table).glob("*/*.parquet")):
            source = f"read_parquet('{table_glob(root, table)}', hive_partitioning = true)"
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM {source}")
    return con


QUERIES: tuple[tuple[str, str], ...] = (
    ("rows per table", "SELECT '{t}' AS tbl, count(*) AS n FROM {t}"),
    (
        "articles",
        "SELECT ingest_date, left(title, 60) AS title, published_at, date_source, language, word_count "
        "FROM articles ORDER BY published_at NULLS LAST LIMIT 20",
    ),
    (
        "top entities",
        "SELECT entity_name, label, count(*) AS mentions, count(DISTINCT article_id) AS articles "
        "FROM entity_mentions WHERE entity_id IS NOT NULL GROUP BY ALL ORDER BY mentions DESC LIMIT 10",
    ),
    ("failures", "SELECT source_uri, stage, reason, left(detail, 50) AS detail FROM failures ORDER BY source_uri"),
)


def describe(root: str | Path, *, storage_options: Mapping[str, str] | None = None) -> str:
    """A printable report of what the dataset at ``root`` holds."""
    con = connect(root, storage_options=storage_options)
    views = {row[0] for row in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    if not views:
        return f"{root}: no newsflow tables yet"
    out = [f"dataset {root}"]
    for title, sql in QUERIES:
        if title == "rows per table":
            sql = " UNION ALL ".join(sql.format(t=t) for t in TABLES if t in views)
        try:
            out += ["", f"-- {title}", str(con.sql(sql))]
        except duckdb.CatalogException:
            continue  # that table has no files yet
    return "\n".join(out)
