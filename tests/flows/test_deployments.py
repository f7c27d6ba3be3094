"""prefect.yaml read as data, and the trigger's idempotency key (no Prefect needed)."""

from pathlib import Path

import pytest

from flows.deployments import idempotency_key, load_overrides, load_specs, resolve_paths, trigger_key
from tests.support import ROOT


def test_the_key_is_one_per_deployment_parameters_and_minute() -> None:
    params = {"out": "/data", "sources": ["/in"]}
    key = idempotency_key("ingest/backfill", params, now=120.0)
    assert idempotency_key("ingest/backfill", dict(reversed(params.items())), now=179.9) == key  # same minute
    assert idempotency_key("ingest/backfill", params, now=180.0) != key  # the next minute
    assert idempotency_key("ingest/poll-feeds", params, now=120.0) != key
    assert idempotency_key("ingest/backfill", {**params, "out": "/other"}, now=120.0) != key


def test_a_second_click_across_a_window_boundary_returns_the_first_run() -> None:
    params = {"out": "/data"}
    first = idempotency_key("ingest/backfill", params, now=179.5)  # 1 s before the boundary at 180
    runs: dict[str, list[float]] = {first: [179.5]}  # what the server holds: the first click's run

    def created_under(key: str) -> list[float]:
        return runs.get(key, [])

    second = trigger_key("ingest/backfill", params, now=180.5, created_under=created_under)
    assert second == first  # the same run, though the clock is in the next window
    # A window after the first run, a click starts a new one.
    later = trigger_key("ingest/backfill", params, now=240.0, created_under=created_under)
    assert later == idempotency_key("ingest/backfill", params, now=240.0) != first
    # With no earlier run, a click takes its own window's key.
    assert trigger_key("ingest/backfill", params, now=180.5, created_under=lambda key: []) == idempotency_key(
        "ingest/backfill", params, now=180.5
    )


def test_prefect_yaml_declares_the_three_deployments() -> None:
    specs = {spec.name: spec for spec in load_specs(ROOT / "prefect.yaml")}
    assert set(specs) == {"poll-feeds", "backfill", "daily"}
    assert specs["poll-feeds"].schedules and not specs["backfill"].schedules
    assert all(spec.entrypoint.startswith("flows/") for spec in specs.values())


def test_relative_paths_resolve_against_the_deployments_file(tmp_path: Path) -> None:
    params = {"sources": ["in", "/abs", "https://x.example/feed"], "out": "data", "batch_size": 5}
    assert resolve_paths(params, tmp_path) == {
        "sources": [str(tmp_path / "in"), "/abs", "https://x.example/feed"],
        "out": str(tmp_path / "data"),
        "batch_size": 5,
    }


def test_overrides_come_from_a_file_of_mappings(tmp_path: Path) -> None:
    good = tmp_path / "params.yaml"
    good.write_text("poll-feeds:\n  sources: [https://x.example/rss]\n", encoding="utf-8")
    assert load_overrides(good) == {"poll-feeds": {"sources": ["https://x.example/rss"]}}
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected 'deployment-name"):
        load_overrides(bad)
    assert load_overrides(None) == {}
