"""Every query README.md and docs/data-dictionary.md show runs, against a dataset of the demo articles.

The dataset is made the way ingest makes it (collection, the pipeline, the dataset's commits), in
this process and without Prefect, so the fast tier checks the docs on every run.
"""

import re
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset
import pytest

import storage.query
from storage.dataset import Dataset
from storage.query import connect
from tasks.core.records import InputRef
from tasks.pipeline import PipelineOptions, process_batch
from tasks.sources.collect import Collector
from tests.support import EXAMPLES, ROOT, query

DOCS = (ROOT / "README.md", ROOT / "docs" / "data-dictionary.md")
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    dataset = Dataset(out)
    dataset.open()
    collector = Collector([str(EXAMPLES)], dataset, _no_fetch, out / "spool")
    refs = [item for item in collector if isinstance(item, InputRef)]
    items = process_batch(refs, PipelineOptions(), NOW).items
    dataset.commit(items, run_id="docs", flush_id="docs-0", now=NOW)
    dataset.record_run(
        {
            "run_id": "docs",
            "flow": "ingest",
            "status": "completed",
            "started_at": NOW,
            "finished_at": NOW,
            "sources": [str(EXAMPLES)],
            "discovered": len(refs),
            "ingested": len(refs),
            "duplicate": 0,
            "unchanged": 0,
            "empty": 0,
            "failed": 0,
            "error": None,
            "report": "",
        },
        now=NOW,
    )
    return out


def _no_fetch(*args: object) -> Any:
    raise AssertionError("the demo articles are local")


def _blocks(language: str) -> list[tuple[Path, str]]:
    found = []
    for doc in DOCS:
        for block in re.findall(rf"```{language}\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S):
            found.append((doc, block))
    return found


def _local(text: str, root: Path) -> str:
    return text.replace("data/demo", str(root)).replace("DIR", str(root))


def test_the_docs_show_queries_at_all() -> None:
    assert len(_blocks("sql")) >= 3 and any("newsflow sql" in block for _, block in _blocks("sh"))


def test_every_sql_block_runs_and_returns_rows(demo: Path) -> None:
    for doc, block in _blocks("sql"):
        for statement in filter(str.strip, block.split(";")):
            sql = _local("\n".join(line for line in statement.splitlines() if not line.startswith("--")), demo)
            relation = duckdb.sql(sql)
            assert relation is not None and relation.fetchall(), f"{doc.name}: no rows from {sql}"


def test_every_newsflow_sql_command_runs(demo: Path) -> None:
    con = connect(demo)
    commands = [line for _, block in _blocks("sh") for line in block.splitlines() if "newsflow sql" in line]
    assert commands
    for line in commands:
        words = shlex.split(line.split("#")[0])
        if words[words.index("sql") + 1].startswith('"QUERY') or words[words.index("sql") + 1] == "QUERY":
            continue  # the usage line
        query = words[words.index("sql") + 1]
        assert con.sql(query).fetchall(), f"no rows from {query}"


def test_the_python_readers_of_the_data_dictionary_work(demo: Path) -> None:
    (block,) = [b for doc, b in _blocks("python") if doc.name == "data-dictionary.md"]
    names = {"pl": pl, "pyarrow": pyarrow, "pd": pd, "storage": storage}
    for line in block.splitlines():
        code = _local(line.split("#")[0].strip(), demo)
        if not code or code.startswith("spark."):
            continue  # Spark needs a JVM: tests/storage/test_spark.py runs this line
        result = eval(code, names)
        rows = result.collect() if isinstance(result, pl.LazyFrame) else result
        if isinstance(rows, pyarrow.dataset.Dataset):
            rows = rows.to_table()
        assert len(rows) > 0, code
        if isinstance(rows, pd.DataFrame) and "date_as_object=False" in code:
            assert (rows["ingest_date"] >= "2020-01-01").all(), code  # datetime64: compares with a string
        elif isinstance(rows, pd.DataFrame) and "partitioning=" in code:
            assert isinstance(rows["ingest_date"].tolist()[0], type(NOW.date())), code


def test_the_mentions_view_carries_article_fields_and_a_snippet(demo: Path) -> None:
    con = connect(demo)
    surface = "CASE m.field WHEN 'title' THEN a.title ELSE a.text END"
    rows = con.execute(
        "SELECT m.text, m.snippet, m.url, m.published_at, m.language, "
        f'substr({surface}, m.start + 1, m."end" - m.start) FROM mentions m JOIN articles a USING (article_id)'
    ).fetchall()
    assert rows
    for text, snippet, _url, _published, _language, surface in rows:
        assert surface == text and text in snippet


def test_date_filters_reach_the_parquet_scan_and_files_are_sorted(demo: Path) -> None:
    glob = f"{demo}/articles/**/*.parquet"
    ((middle,),) = query(f"SELECT median(published_at) FROM read_parquet('{glob}')")
    plan = query(f"EXPLAIN SELECT count(*) FROM read_parquet('{glob}') WHERE published_at >= TIMESTAMPTZ '{middle}'")
    text = "\n".join(str(part) for row in plan for part in row)
    assert re.search(r"Read Parquet.*Filters:\W*published_at\s*>=", text, flags=re.S), text
    for path in (demo / "articles").glob("*/*.parquet"):
        dates = pa.parquet.read_table(path, columns=["published_at"]).column(0).to_pylist()
        known = [d for d in dates if d is not None]
        assert known == sorted(known) and dates[: len(known)] == known  # sorted, nulls last


def test_reading_the_dataset_root_fails_naming_the_mistake(demo: Path) -> None:
    with pytest.raises(Exception, match="READ-ONE-TABLE-DIRECTORY-NOT-THE-DATASET-ROOT"):
        pd.read_parquet(demo)
    with pytest.raises(duckdb.Error, match="READ-ONE-TABLE-DIRECTORY-NOT-THE-DATASET-ROOT"):
        query(f"SELECT count(*) FROM read_parquet('{demo}/**/*.parquet')")
