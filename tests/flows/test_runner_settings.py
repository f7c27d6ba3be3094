"""Settings of where batches run and where the dataset lives (no Prefect, no servers)."""

from pathlib import Path

import pytest

from flows.cli import UsageError, _check_runner
from flows.settings import DASK_BATCH_SIZE, SettingsError, delta_options, load_settings


def test_the_runner_is_local_or_a_dask_scheduler() -> None:
    assert load_settings({}).dask_address is None
    assert load_settings({"NEWSFLOW_RUNNER": "dask://10.0.0.5:8786"}).dask_address == "tcp://10.0.0.5:8786"
    with pytest.raises(SettingsError, match=r"^NEWSFLOW_RUNNER='ray://a:1': .*dask://HOST:PORT"):
        load_settings({"NEWSFLOW_RUNNER": "ray://a:1"})


def test_batches_are_larger_on_dask_unless_set() -> None:
    assert load_settings({}).batch_inputs == 100
    assert load_settings({"NEWSFLOW_RUNNER": "dask://h:1"}).batch_inputs == DASK_BATCH_SIZE
    assert load_settings({"NEWSFLOW_RUNNER": "dask://h:1", "NEWSFLOW_BATCH_SIZE": "7"}).batch_inputs == 7
    given = load_settings({"NEWSFLOW_RUNNER": "dask://h:1"}).model_copy(update={"batch_size": 9})
    assert given.batch_inputs == 9  # a flow parameter counts as set


def test_delta_options_come_from_the_aws_variables(tmp_path: Path) -> None:
    env = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_REGION": "eu-west-1", "HOME": str(tmp_path)}
    a = delta_options(load_settings({"NEWSFLOW_OUT": "s3://news/a"}), env)
    b = delta_options(load_settings({"NEWSFLOW_OUT": "s3://news/b"}), env)
    assert a.storage_options == {"endpoint_url": "http://127.0.0.1:9000", "region": "eu-west-1", "allow_http": "true"}
    assert a.cache_dir.parent == tmp_path / ".cache" / "newsflow" and a.cache_dir != b.cache_dir
    secure = delta_options(load_settings({}), {"AWS_ENDPOINT_URL": "https://s3.example.org", "HOME": "/h"})
    assert "allow_http" not in secure.storage_options
    chosen = delta_options(load_settings({"NEWSFLOW_CACHE_DIR": str(tmp_path / "c")}), {})
    assert chosen.cache_dir.parent == tmp_path / "c"


def test_the_cli_names_what_a_dask_runner_needs() -> None:
    _check_runner("local", load_settings({}))
    _check_runner("dask://h:1", load_settings({"PREFECT_API_URL": "http://h:4200/api"}))
    with pytest.raises(UsageError, match=r"^--runner dask://h:1 needs a Prefect server .*: set PREFECT_API_URL$"):
        _check_runner("dask://h:1", load_settings({}))


@pytest.mark.slow  # flows.runners imports prefect
def test_the_last_batches_of_a_run_are_cut_finer() -> None:
    from flows.runners import TAIL_BATCH_MIN, next_batch_size

    # Far from the end, and with an estimate already passed: full batches.
    assert next_batch_size(40, left=1473, slots=2) == 40
    assert next_batch_size(40, left=0, slots=2) == 40
    assert next_batch_size(40, left=-12, slots=2) == 40
    # Near the end: a quarter of what is left with two workers, never below the floor.
    assert next_batch_size(40, left=100, slots=2) == 25
    assert next_batch_size(40, left=9, slots=2) == TAIL_BATCH_MIN
    # A batch size set below the floor is kept.
    assert next_batch_size(2, left=3, slots=2) == 2
    # The sizes a run of 1,473 inputs takes still cover every input, ending in small batches.
    left, sizes = 1473, []
    while left > 0:
        sizes.append(min(left, next_batch_size(40, left, 2)))
        left -= sizes[-1]
    assert sum(sizes) == 1473 and sizes[0] == 40 and sizes[-1] <= TAIL_BATCH_MIN


def test_only_a_dataset_with_tables_can_hold_inputs_already(tmp_path: Path) -> None:
    from storage.root import has_tables

    (tmp_path / ".newsflow").mkdir()
    assert not has_tables(tmp_path)  # what `newsflow ingest` creates before its first commit
    (tmp_path / "inputs").mkdir()
    assert has_tables(tmp_path)
