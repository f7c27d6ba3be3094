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
    assert load_settings({}).batch_inputs == 40
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
