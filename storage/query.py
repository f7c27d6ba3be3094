"""Read a dataset back: DuckDB views over every table (``newsflow sql``, ``newsflow show``), and
pyarrow tables with their partition column typed (for pandas and Polars users).

Paths never go into SQL text: each view is built from a relation created through DuckDB's Python
API with the path as an argument, so a dataset path with a quote (or worse) in it is just a path.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
from deltalake import DeltaTable

from storage.backend import holds_delta
from storage.delta import read_delta_table, register_views
from storage.root import NotADataset, is_dataset, is_remote, require_dataset
from storage.schema import PARTITION_COLUMN, TABLES

__all__ = [
    "PARTITIONING",
    "NotADataset",
    "connect",
    "describe",
    "is_dataset",
    "read_table",
    "require_dataset",
    "spark_table",
]

#: The hive partitioning of every table, with ``ingest_date`` typed as a date (pyarrow and pandas
#: would otherwise read it as a string category).
PARTITIONING = ds.partitioning(pa.schema([(PARTITION_COLUMN, pa.date32())]), flavor="hive")

#: Characters of article text on each side of a mention in ``mentions.snippet``.
SNIPPET_CONTEXT = 80


def table_glob(root: str | Path, table: str) -> str:
    """The glob that reads every file of ``table`` (hive partitions included)."""
    return str(Path(root) / table / "**" / "*.parquet")


def has_files(root: str | Path, table: str) -> bool:
    """Whether ``table`` has at least one data file."""
    return any((Path(root) / table).glob(f"{PARTITION_COLUMN}=*/*.parquet"))


def read_table(
    root: str | Path, table: str, columns: list[str] | None = None, *, storage_options: Mapping[str, str] | None = None
) -> pa.Table:
    """One table as a pyarrow Table, ``ingest_date`` a date (``.to_pandas()`` for pandas); of a
    Delta dataset, its current version (``storage_options`` as for deltalake)."""
    schema = TABLES[table].append(pa.field(PARTITION_COLUMN, pa.date32()))
    if holds_delta(root):
        return read_delta_table(str(root), table, columns, storage_options)
    if not has_files(root, table):
        return schema.empty_table() if columns is None else schema.empty_table().select(columns)
    dataset = ds.dataset(Path(root) / table, format="parquet", partitioning=PARTITIONING, schema=schema)
    return dataset.to_table(columns=columns)


def spark_table(spark: Any, root: str | Path, table: str, *, storage_options: Mapping[str, str] | None = None) -> Any:
    """One table as a Spark DataFrame (``spark`` a ``SparkSession``), with neither Spark's Delta
    package nor its S3 connector, which come from Maven and cannot be installed offline.

    Plain Parquet: Spark reads the table directory itself. A local Delta table: Spark reads the
    files of its current version (never the replaced files a glob would also find), with the
    table directory as ``basePath`` so that ``ingest_date`` stays a column. A Delta table on S3:
    read through the log with deltalake, then handed to Spark as Arrow (it passes through the
    driver's memory: for tables larger than that, install ``delta-spark`` and ``hadoop-aws``)."""
    location = f"{str(root).rstrip('/')}/{table}"
    if not holds_delta(root):
        if not has_files(root, table):
            return spark.createDataFrame(read_table(root, table))
        return spark.read.parquet(location)
    if is_remote(root):
        return spark.createDataFrame(read_table(root, table, storage_options=storage_options))
    files = DeltaTable(location).file_uris() if DeltaTable.is_deltatable(location) else []
    if not files:
        return spark.createDataFrame(read_table(root, table))
    return spark.read.option("basePath", location).parquet(*files)


def connect(root: str | Path, *, storage_options: Mapping[str, str] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a view per table that has files, plus ``mentions``: every entity
    mention with its article's url, title, published_at, language and a snippet of text around it.
    A Delta dataset (``s3://…``, or a local one) gets views of its tables' current versions
    (``storage_options`` as for deltalake)."""
    con = duckdb.connect()
    if holds_delta(root):
        register_views(con, str(root), storage_options)
    else:
        path = require_dataset(root)
        for table in TABLES:
            if has_files(path, table):
                con.read_parquet(table_glob(path, table), hive_partitioning=True).create_view(table)
    if {"entity_mentions", "articles"} <= set(views(con)):
        # substr is 1-based and "end" a keyword: the offsets are 0-based, end exclusive, into the
        # title or the text as ``field`` says.
        con.execute(
            f"""
            CREATE VIEW mentions AS
            SELECT m.*, a.url, a.title AS article_title, a.published_at, a.language, a.sitename,
                   regexp_replace(
                       substr(CASE m.field WHEN 'title' THEN a.title ELSE a.text END,
                              greatest(1, m.start + 1 - {SNIPPET_CONTEXT}),
                              m."end" - greatest(0, m.start - {SNIPPET_CONTEXT}) + {SNIPPET_CONTEXT}),
                       '\\s+', ' ', 'g') AS snippet
            FROM entity_mentions AS m JOIN articles AS a USING (article_id)
            """
        )
    return con


def views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The views ``connect`` made, by name."""
    return [row[0] for row in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()]


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
    present = set(views(con))
    if not present & set(TABLES):
        return f"{root}: no newsflow tables yet"
    out = [f"dataset {root}"]
    for title, sql in QUERIES:
        if title == "rows per table":
            sql = " UNION ALL ".join(sql.format(t=t) for t in TABLES if t in present)
        try:
            out += ["", f"-- {title}", str(con.sql(sql))]
        except duckdb.CatalogException:
            continue  # that table has no files yet
    return "\n".join(out)
