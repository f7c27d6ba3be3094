"""The CLI's refusals, in-process: one line naming the option or variable, exit 2, nothing started
(no Prefect is imported by any of these paths, so they run in the fast tier)."""

import contextlib
import gc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import flows.cli
import flows.server
import flows.settings
from flows.cli import _prefect_server, main
from storage.dataset import Dataset
from tests.support import EXAMPLES
from tests.support.records import article_item, failure_item


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("NEWSFLOW_WORKERS", "NEWSFLOW_OUT", "PREFECT_API_URL"):
        monkeypatch.delenv(name, raising=False)
    flows.settings.current_settings.cache_clear()
    yield
    flows.settings.current_settings.cache_clear()


def refused(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    return _one_line(capsys)


def failed(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(args) == 2
    return _one_line(capsys)


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_options_are_not_abbreviated_and_bounds_are_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert "unrecognized arguments: --worker" in refused(["ingest", str(EXAMPLES), "--worker", "2"], capsys)
    err = refused(["ingest", str(EXAMPLES), "--workers", "999"], capsys)
    assert "argument --workers: '999'" in err and "accepts 0 (one per core) to 256" in err
    assert "argument --batch-size" in refused(["ingest", str(EXAMPLES), "--batch-size", "0"], capsys)


def test_a_bad_variable_breaks_no_help_but_every_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFLOW_WORKERS", "abc")
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0 and "COMMAND" in capsys.readouterr().out
    assert "NEWSFLOW_WORKERS='abc'" in failed(["ingest", str(EXAMPLES)], capsys)


def test_out_is_checked_before_anything_starts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert "is a file, not a directory" in failed(["ingest", str(EXAMPLES), "--out", str(tmp_path / "file")], capsys)
    assert "a local directory or s3://" in failed(["ingest", str(EXAMPLES), "--out", "gs://bucket/x"], capsys)
    assert "source not found" in failed(["ingest", str(tmp_path / "missing"), "--out", str(tmp_path / "o")], capsys)
    assert not (tmp_path / "o").exists()


def test_a_path_that_is_no_dataset_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "no such directory" in failed(["compact", "/typo/path"], capsys)
    assert "not a newsflow dataset" in failed(["show", str(tmp_path)], capsys)
    assert "not a newsflow dataset" in failed(["sql", "SELECT 1", "--out", str(tmp_path)], capsys)
    assert not any(tmp_path.iterdir())  # nothing created


def test_a_dead_prefect_api_url_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    err = failed(["ingest", str(EXAMPLES), "--out", str(tmp_path / "o")], capsys)
    assert "no Prefect server answers at PREFECT_API_URL=http://127.0.0.1:9/api" in err


@pytest.mark.parametrize("fails", [False, True])
def test_the_collector_is_paused_for_start_up_only(monkeypatch: pytest.MonkeyPatch, fails: bool) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setattr(flows.server, "answers", lambda url: True)
    monkeypatch.setattr(flows.cli, "_preload_prefect", lambda: None)
    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))  # (the runner's heap stays as it is)
    try:
        with (
            pytest.raises(RuntimeError) if fails else contextlib.nullcontext(),
            _prefect_server(flows.settings.current_settings()) as ready,
        ):
            assert not gc.isenabled()  # the imports before the flow
            if fails:
                raise RuntimeError("a start-up error")
            ready()
            assert gc.isenabled()  # the flow itself
        assert gc.isenabled()
        assert frozen == [True]
    finally:
        gc.enable()


def test_sql_runs_over_the_tables_and_reports_bad_sql_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = Dataset(tmp_path)
    dataset.open()
    dataset.commit([article_item("a"), failure_item("b")], run_id="r", flush_id="r-0", now=datetime.now(UTC))
    assert main(["sql", "SELECT count(*) AS n FROM mentions", "--out", str(tmp_path), "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["n", "1"]
    assert main(["sql", "SELECT reason FROM failures", "--out", str(tmp_path), "--format", "json"]) == 0
    assert capsys.readouterr().out.strip() == '{"reason": "not_html"}'
    assert "syntax error" in failed(["sql", "SELEC 1", "--out", str(tmp_path)], capsys)
