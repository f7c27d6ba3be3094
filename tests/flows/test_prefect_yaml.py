"""Every deployment in prefect.yaml must point at a flow that imports, with valid parameters."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import ROOT

pytestmark = pytest.mark.slow  # imports prefect


def test_every_entrypoint_imports_and_declared_parameters_validate() -> None:
    from prefect.flows import load_flow_from_entrypoint

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    names = {(d["entrypoint"], d["name"]) for d in config["deployments"]}
    assert {n for _, n in names} == {"poll-feeds", "backfill", "daily"}
    for deployment in config["deployments"]:
        flow: Any = load_flow_from_entrypoint(str(ROOT / deployment["entrypoint"]))
        params = dict(deployment.get("parameters", {}))
        if deployment["name"] == "backfill":
            params["sources"] = ["examples/articles"]  # required at trigger time
        flow.validate_parameters(params)


def test_runner_deployments_are_built_from_the_same_file() -> None:
    from flows.deployments import runner_deployments

    built = {d.name: d for d in runner_deployments(ROOT / "prefect.yaml")}
    assert set(built) == {"poll-feeds", "backfill", "daily"}
    assert [getattr(s.schedule, "cron", None) for s in built["daily"].schedules or []] == ["15 3 * * *"]
    assert built["backfill"].schedules == []
    for deployment in built.values():
        assert deployment.concurrency_limit == 1
        assert deployment.concurrency_options is not None
        assert deployment.concurrency_options.collision_strategy == "ENQUEUE"


@pytest.mark.parametrize("bad", [{"sources": []}, {"sources": ["x"], "batch_size": 0}, {"sources": "not-a-list"}])
def test_bad_parameters_are_rejected(bad: dict[str, object]) -> None:
    from prefect.exceptions import ParameterTypeError

    from flows.ingest import ingest

    with pytest.raises(ParameterTypeError):
        ingest.validate_parameters(bad)


def test_served_deployments_take_paths_from_the_file_and_overrides_from_outside(tmp_path: Path) -> None:
    from flows.deployments import runner_deployments

    overrides = tmp_path / "params.yaml"
    overrides.write_text("poll-feeds:\n  sources: [feeds.txt, 'https://x.example/rss']\n", encoding="utf-8")
    built = {d.name: d for d in runner_deployments(ROOT / "prefect.yaml", overrides)}
    assert built["daily"].parameters["out"] == str(ROOT / "data" / "news")  # not the working directory's
    assert built["poll-feeds"].parameters["sources"] == [str(tmp_path / "feeds.txt"), "https://x.example/rss"]
    assert built["poll-feeds"].parameters["out"] == str(ROOT / "data" / "news")
