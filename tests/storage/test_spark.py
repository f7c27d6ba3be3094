"""Spark reads every backend offline, as docs/data-dictionary.md and docs/scaling.md say: plain
Parquet (the table directory), a local Delta table (its current files only, after a compaction
left replaced files on disk) and a Delta table on a real S3 server (SeaweedFS on loopback), each
agreeing with DuckDB row for row. Skipped where Java or pyspark is missing (Spark runs on a JVM;
`make test` installs pyspark when it finds `java`)."""

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from storage.dataset import Dataset
from storage.delta import DeltaDataset, DeltaOptions
from storage.query import connect, spark_table
from tests.support.records import article_item, failure_item
from tests.support.s3 import seaweedfs

pytestmark = pytest.mark.slow  # starts a JVM (and a server)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java: no `java` on PATH and no JAVA_HOME")
    sql = pytest.importorskip("pyspark.sql", reason="pyspark is installed by `make test` where Java is found")
    session = (
        sql.SparkSession.builder.master("local[1]")
        .appName("newsflow-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def commit_three_flushes(dataset: Dataset | DeltaDataset) -> None:
    for i in range(3):
        items = [article_item(f"a{i}"), article_item(f"b{i}"), failure_item(f"f{i}")]
        dataset.commit(items, run_id="r1", flush_id=f"r1-{i}", now=NOW)


def agree_with_duckdb(spark: Any, root: str, **options: Any) -> None:
    """Every table Spark reads has DuckDB's rows; the partition column is a date; a join works."""
    con = connect(root, **options)
    for table in ("articles", "entity_mentions", "failures", "inputs"):
        frame = spark_table(spark, root, table, **options)
        assert (frame.count(),) == con.execute(f"SELECT count(*) FROM {table}").fetchone(), table
        assert dict(frame.dtypes)["ingest_date"] == "date", table
    articles = spark_table(spark, root, "articles", **options)
    assert sorted(r.article_id for r in articles.select("article_id").collect()) == sorted(
        f"id-{p}{i}" for p in "ab" for i in range(3)
    )
    assert {r.ingest_date for r in articles.select("ingest_date").distinct().collect()} == {date(2026, 1, 2)}
    mentions = spark_table(spark, root, "entity_mentions", **options)
    joined = mentions.join(articles, "article_id").select("title", mentions["text"]).collect()
    assert sorted(r.title for r in joined) == sorted(f"Title {p}{i}" for p in "ab" for i in range(3))
    assert {r.text for r in joined} == {"Seoul"}


def test_spark_reads_a_plain_parquet_dataset(spark: Any, tmp_path: Path) -> None:
    dataset = Dataset(tmp_path / "ds")
    dataset.open()
    commit_three_flushes(dataset)
    agree_with_duckdb(spark, str(tmp_path / "ds"))
    assert spark.read.parquet(str(tmp_path / "ds" / "articles")).count() == 6  # the data dictionary's line
    assert spark_table(spark, str(tmp_path / "ds"), "runs").count() == 0  # no files yet: empty, typed


def test_spark_reads_a_local_delta_tables_current_version_only(spark: Any, tmp_path: Path) -> None:
    dataset = DeltaDataset(str(tmp_path / "ds"), DeltaOptions(cache_dir=tmp_path / "cache"))
    dataset.open()
    commit_three_flushes(dataset)
    dataset.compact()  # the replaced files stay on disk until vacuumed
    articles = tmp_path / "ds" / "articles"
    assert spark.read.parquet(str(articles)).count() > 6  # why a glob (or a plain read) is wrong
    agree_with_duckdb(spark, str(tmp_path / "ds"))


def test_spark_reads_a_delta_dataset_on_s3(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with seaweedfs(tmp_path / "seaweedfs") as s3:
        for key, value in s3.env.items():
            monkeypatch.setenv(key, value)  # deltalake reads the AWS variables itself
        uri = "s3://newsflow/spark"
        storage = {"endpoint_url": s3.endpoint, "allow_http": "true"}
        dataset = DeltaDataset(uri, DeltaOptions(storage_options=storage, cache_dir=tmp_path / "cache"))
        dataset.open()
        commit_three_flushes(dataset)
        dataset.compact()
        agree_with_duckdb(spark, uri, storage_options={"AWS_ENDPOINT_URL": s3.endpoint, "AWS_ALLOW_HTTP": "true"})
