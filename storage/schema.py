"""The data contract: one pyarrow schema per table, declared here and nowhere else.

Every writer and every test derives column names from these objects (``ARTICLES.names``),
so a column is renamed or added in exactly one place. docs/data-dictionary.md documents
them for consumers; ``tests/storage/test_schema.py`` checks the two agree.

All tables are hive-partitioned by ``ingest_date=YYYY-MM-DD`` (UTC); the partition column
lives in the directory name only, never inside the files.
"""

import pyarrow as pa

#: Timestamps are microseconds in UTC: Spark cannot read nanosecond Parquet timestamps.
TIMESTAMP = pa.timestamp("us", tz="UTC")

#: The hive partition key of every table.
PARTITION_COLUMN = "ingest_date"

ARTICLES = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("source_kind", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("title", pa.string()),
        pa.field("text", pa.string(), nullable=False),
        pa.field("authors", pa.list_(pa.string()), nullable=False),
        pa.field("editors", pa.list_(pa.string()), nullable=False),
        pa.field("byline_raw", pa.string()),
        pa.field("published_at", TIMESTAMP),
        pa.field("published_at_raw", pa.string()),
        pa.field("date_source", pa.string(), nullable=False),
        pa.field("language", pa.string()),
        pa.field("sitename", pa.string()),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("word_count", pa.int32(), nullable=False),
        pa.field("ingested_at", TIMESTAMP, nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
    ]
)

ENTITY_MENTIONS = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("start", pa.int32(), nullable=False),
        pa.field("end", pa.int32(), nullable=False),
        pa.field("entity_id", pa.string()),
        pa.field("entity_name", pa.string()),
        pa.field("source", pa.string(), nullable=False),
        # Which articles column start/end point into: "title" or "text".
        pa.field("field", pa.string(), nullable=False),
        pa.field("latitude", pa.float64()),
        pa.field("longitude", pa.float64()),
        pa.field("country_code", pa.string()),
        pa.field("ingested_at", TIMESTAMP, nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
    ]
)

FAILURES = pa.schema(
    [
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
        pa.field("retryable", pa.bool_(), nullable=False),
        pa.field("input_digest", pa.string()),
        pa.field("ingested_at", TIMESTAMP, nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
    ]
)

#: The ledger: one row per input a run finished with, whatever the outcome. It is what makes
#: a re-run over unchanged input close to free, and its file is the commit marker of a flush.
INPUTS = pa.schema(
    [
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("input_digest", pa.string(), nullable=False),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("article_id", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("retryable", pa.bool_(), nullable=False),
        pa.field("ingested_at", TIMESTAMP, nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
    ]
)

#: One row per flow run (ingest or compact), written when the run ends: freshness and outcome
#: counts for consumers who never look at Prefect.
RUNS = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("flow", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("started_at", TIMESTAMP, nullable=False),
        pa.field("finished_at", TIMESTAMP, nullable=False),
        pa.field("sources", pa.list_(pa.string()), nullable=False),
        pa.field("discovered", pa.int64(), nullable=False),
        pa.field("ingested", pa.int64(), nullable=False),
        pa.field("duplicate", pa.int64(), nullable=False),
        pa.field("unchanged", pa.int64(), nullable=False),
        pa.field("empty", pa.int64(), nullable=False),
        pa.field("failed", pa.int64(), nullable=False),
        pa.field("error", pa.string()),
        pa.field("report", pa.string(), nullable=False),
        pa.field("ingested_at", TIMESTAMP, nullable=False),
    ]
)

#: Table name (directory under the dataset root) -> schema.
TABLES: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "entity_mentions": ENTITY_MENTIONS,
    "failures": FAILURES,
    "inputs": INPUTS,
    "runs": RUNS,
}

#: The order in which a flush makes its files visible. ``inputs`` goes last: its file is the
#: commit marker, so files of a flush that never got one are orphans of a crash.
COMMIT_ORDER: tuple[str, ...] = ("articles", "entity_mentions", "failures", "inputs")

#: Tables that compaction merges: the flushed ones and ``runs``.
COMPACTED: tuple[str, ...] = (*COMMIT_ORDER, "runs")

#: Columns every writer stamps on every row of a flush, whatever the table.
STAMP_COLUMNS: tuple[str, ...] = ("ingested_at", "run_id")

#: Rows of a table file are sorted by this column (nulls last), and files hold row groups of at most
#: ``ROW_GROUP_ROWS`` rows: each file and row group then carries narrow min/max statistics, so a
#: ``published_at`` range skips whole row groups and files (docs/data-dictionary.md shows the plan).
SORT_KEYS: dict[str, str] = {"articles": "published_at"}
ROW_GROUP_ROWS = 10_000

#: A file at the dataset root that is deliberately not Parquet: a reader pointed at the root by
#: mistake (``pd.read_parquet(DIR)``, ``read_parquet('DIR/**/*.parquet')``) fails on it, its name
#: saying what to do, instead of silently stacking the five tables into one.
ROOT_GUARD = "READ-ONE-TABLE-DIRECTORY-NOT-THE-DATASET-ROOT.parquet"
ROOT_GUARD_TEXT = (
    "This directory is a newsflow dataset: five tables, each a directory of hive-partitioned Parquet\n"
    "files (articles/, entity_mentions/, failures/, inputs/, runs/). Read one table directory, e.g.\n"
    "DIR/articles or read_parquet('DIR/articles/**/*.parquet'), never the root. See docs/data-dictionary.md.\n"
)
