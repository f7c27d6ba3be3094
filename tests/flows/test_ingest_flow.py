"""The ingest flow and CLI against a real Prefect server (prefect_test_harness)."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from storage.query import table_glob
from tests.support import EXAMPLES, NEWSFLOW, ROOT, counts, query
from tests.support.corpus import write_corpus

pytestmark = pytest.mark.flow


def newsflow(args: list[str], api_url: str, **kwargs: object) -> subprocess.Popen[str]:
    """The real console script, talking to the test server instead of an embedded one."""
    env = {**os.environ, "PREFECT_API_URL": api_url}
    return subprocess.Popen(  # type: ignore[no-any-return]
        [NEWSFLOW, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        **kwargs,
    )  # type: ignore[call-overload]


def run_ok(args: list[str], api_url: str, timeout: float = 300) -> str:
    proc = newsflow(args, api_url)
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out
    return out


def test_flow_on_examples_counts_outcomes_and_leaves_an_artifact(prefect_server: str, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.ingest import ingest

    summary = ingest(sources=[str(EXAMPLES)], out=str(tmp_path), batch_size=4)
    outcomes = summary["outcomes"]
    assert outcomes["failed"] == 3 and outcomes["empty"] == 1 and outcomes["duplicate"] == 1
    assert outcomes["ingested"] == summary["discovered"] - 5
    assert summary["failure_reasons"] == {"invalid_record": 2, "not_html": 1}
    # The flow thread's CPU by step; its own total covers its parts.
    parent = summary["parent_seconds"]
    assert {"flow", "collect", "commit", "surnames"} <= set(parent)
    assert parent["commit"] > 0 and parent["flow"] + 0.002 >= parent["collect"] + parent["commit"]
    seen = counts(tmp_path)
    assert seen["articles"] == (outcomes["ingested"],) * 3
    assert seen["inputs"] == (summary["discovered"],) * 3
    assert seen["failures"] == (4,) * 3  # 3 failed + 1 empty
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-summary"]))
        )
    assert any(f"ingested | {outcomes['ingested']}" in str(a.data) for a in artifacts)


def test_cli_demo_twice_adds_no_rows_and_readers_agree(prefect_server: str, tmp_path: Path) -> None:
    out_dir = tmp_path / "demo"
    first = run_ok(["ingest", str(EXAMPLES), "--out", str(out_dir)], prefect_server)
    assert f"output: {out_dir}" in first
    assert first.count("top entities:") == 1, first  # printed once, not also in the log
    before = counts(out_dir)
    assert all(len(set(v)) == 1 for v in before.values()), before  # DuckDB, Polars, pyarrow agree
    second = run_ok(["ingest", str(EXAMPLES), "--out", str(out_dir)], prefect_server)
    assert "ingested 0" in second and "unchanged" in second
    after = counts(out_dir)
    assert after.pop("runs") == (2, 2, 2)  # each run leaves its report row
    before.pop("runs")
    assert after == before
    shown = run_ok(["show", str(out_dir)], prefect_server)
    assert "entity_mentions" in shown and "top entities" in shown


def test_cli_rejects_a_missing_source(prefect_server: str, tmp_path: Path) -> None:
    proc = newsflow(["ingest", str(tmp_path / "missing"), "--out", str(tmp_path / "o")], prefect_server)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "source not found" in out


@pytest.mark.slow
def test_kill_9_mid_run_leaves_readable_files_and_the_next_run_completes(prefect_server: str, tmp_path: Path) -> None:
    pages = write_corpus(tmp_path / "corpus", 240, seed=7)
    out_dir = tmp_path / "out"
    args = ["ingest", str(tmp_path / "corpus"), "--out", str(out_dir), "--batch-size", "6", "--flush-rows", "12"]
    proc = newsflow(args, prefect_server)
    deadline = time.monotonic() + 240
    # Wait until some flushes are committed, then kill the whole process group (workers too).
    while len(list((out_dir / "inputs").glob("*/*.parquet"))) < 3:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)

    committed = counts(out_dir)["articles"][0]
    assert 0 < committed < len(pages)
    for path in out_dir.glob("*/*/*.parquet"):
        pq.read_metadata(path)  # every visible file is whole
    # A write cut short stays in the hidden staging directory, named *.tmp, never in a table's.
    staging = out_dir / ".newsflow" / "staging"
    assert not [p for p in out_dir.rglob("*.tmp") if p.parent != staging]

    recorded = counts(out_dir)["inputs"][0]  # inputs of fully committed flushes
    log = run_ok(args, prefect_server)
    assert not list(staging.glob("*.tmp"))  # the next writer clears what the killed one left
    assert f"unchanged {recorded}," in log  # no re-work for what was committed before the kill
    ids = query(f"SELECT article_id, count(*) AS n FROM read_parquet('{table_glob(out_dir, 'articles')}') GROUP BY ALL")
    assert len(ids) == len(pages) and all(n == 1 for _, n in ids)
    digests = query(
        f"SELECT input_digest, count(*) FROM read_parquet('{table_glob(out_dir, 'inputs')}') "
        "GROUP BY ALL HAVING count(*) > 1"
    )
    assert digests == []
    mentions = query(
        f"SELECT count(DISTINCT article_id) FROM read_parquet('{table_glob(out_dir, 'entity_mentions')}')"
    )[0][0]
    assert mentions == len(pages)


@pytest.mark.slow
def test_two_concurrent_runs_on_overlapping_input_write_each_article_once(prefect_server: str, tmp_path: Path) -> None:
    # Each run must last longer than the other's start-up can lag behind (two CLIs starting
    # Prefect on two cores: ~2 s apart here), or the runs do not overlap and nothing concurrent is
    # tested: at 60 pages a run took 1.6 s and the other began after it had finished.
    total, shared = 360, 120
    pages = write_corpus(tmp_path / "all", total, seed=11)
    halves = (("a", pages[: (total + shared) // 2]), ("b", pages[(total - shared) // 2 :]))
    for name, chunk in halves:  # `shared` pages in both
        (tmp_path / name).mkdir()
        for page in chunk:
            (tmp_path / name / page.name).write_bytes(page.read_bytes())
    out_dir = tmp_path / "out"
    procs = [
        newsflow(
            [
                "ingest",
                str(tmp_path / name),
                "--out",
                str(out_dir),
                "--batch-size",
                "5",
                "--flush-rows",
                "5",
                "--workers",
                "1",
            ],
            prefect_server,
        )
        for name in ("a", "b")
    ]
    logs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], logs
    ids = query(f"SELECT article_id, count(*) FROM read_parquet('{table_glob(out_dir, 'articles')}') GROUP BY ALL")
    assert len(ids) == total and all(n == 1 for _, n in ids)
    mentions = query(
        f"SELECT article_id, start, count(*) FROM read_parquet('{table_glob(out_dir, 'entity_mentions')}')"
        " GROUP BY ALL HAVING count(*) > 1"
    )
    assert mentions == []
    outcomes = query(f"SELECT outcome, count(*) FROM read_parquet('{table_glob(out_dir, 'inputs')}') GROUP BY ALL")
    # The shared pages: a duplicate when both runs processed one at once, unchanged (skipped, no
    # ledger row) when the other run had already committed it before this one looked.
    assert dict(outcomes)["ingested"] == total and set(dict(outcomes)) <= {"ingested", "duplicate"}
    spans = query(f"SELECT max(started_at) < min(finished_at) FROM read_parquet('{table_glob(out_dir, 'runs')}')")
    assert spans == [(True,)]  # the two runs really overlapped in time
