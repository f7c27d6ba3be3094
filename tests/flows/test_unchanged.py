"""A re-run with nothing new is answered without Prefect; anything new goes to the flow."""

from datetime import UTC, datetime
from pathlib import Path

from flows.settings import DEFAULTS
from flows.unchanged import unchanged_run
from storage.dataset import Dataset
from tasks.core.records import InputRef
from tasks.pipeline import PipelineOptions, process_batch
from tasks.sources.collect import Collector
from tests.support import counts

PAGE = (
    "<html><body><article><h1>T</h1>"
    + "<p>Seoul and Tokyo held talks again on Monday.</p>" * 20
    + "</article></body></html>"
)


def ingest_in_process(sources: list[str], out: Path) -> None:
    dataset = Dataset(out)
    dataset.open()
    refs = [i for i in Collector(sources, dataset, lambda *a: None, out / "spool") if isinstance(i, InputRef)]  # type: ignore[arg-type]
    items = process_batch(refs, PipelineOptions(), datetime.now(UTC)).items
    dataset.commit(items, run_id="r1", flush_id="r1-0", now=datetime.now(UTC))


def test_nothing_new_is_recorded_without_a_flow_and_anything_new_is_not(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.html").write_text(PAGE, encoding="utf-8")
    out = tmp_path / "out"
    settings = DEFAULTS.model_copy(update={"out": str(out)})
    assert unchanged_run([str(tmp_path / "in")], settings) is None  # no dataset yet
    ingest_in_process([str(tmp_path / "in")], out)
    summary = unchanged_run([str(tmp_path / "in")], settings)
    assert summary is not None and summary["outcomes"]["unchanged"] == 1 and summary["discovered"] == 1
    assert counts(out)["runs"] == (1, 1, 1)
    (tmp_path / "in" / "b.html").write_text(PAGE.replace("Monday", "Tuesday"), encoding="utf-8")
    assert unchanged_run([str(tmp_path / "in")], settings) is None  # one new page: the flow runs
    assert unchanged_run(["https://news.example/feed"], settings) is None  # the web: always the flow
    assert counts(out)["runs"] == (1, 1, 1)
