"""prefect.yaml read as data, and the trigger's idempotency key (no Prefect needed)."""

from flows.deployments import idempotency_key, load_specs
from tests.support import ROOT


def test_the_key_is_one_per_deployment_parameters_and_minute() -> None:
    params = {"out": "/data", "sources": ["/in"]}
    key = idempotency_key("ingest/backfill", params, now=120.0)
    assert idempotency_key("ingest/backfill", dict(reversed(params.items())), now=179.9) == key  # same minute
    assert idempotency_key("ingest/backfill", params, now=180.0) != key  # the next minute
    assert idempotency_key("ingest/poll-feeds", params, now=120.0) != key
    assert idempotency_key("ingest/backfill", {**params, "out": "/other"}, now=120.0) != key


def test_prefect_yaml_declares_the_three_deployments() -> None:
    specs = {spec.name: spec for spec in load_specs(ROOT / "prefect.yaml")}
    assert set(specs) == {"poll-feeds", "backfill", "daily"}
    assert specs["poll-feeds"].schedules and not specs["backfill"].schedules
    assert all(spec.entrypoint.startswith("flows/") for spec in specs.values())
