"""``newsflow trigger``: start a run of a deployment, checked against what the deployment accepts.

Prefect's ``run_deployment`` takes any parameter name and, given an idempotency key it has seen,
quietly returns the earlier run. Here an unknown name is refused (naming the ones the deployment
takes), and a returned earlier run is said to be one, with its state.
"""

import functools
import time
from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterIdempotencyKey
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

from flows.deployments import trigger_key


class TriggerError(Exception):
    """A trigger that cannot be made: one line, naming what is wrong."""


def deployment_parameters(name: str) -> set[str]:
    """The parameter names deployment ``name`` (``FLOW/DEPLOYMENT``) accepts."""
    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(name)
        except ObjectNotFound:
            flows = {flow.id: flow.name for flow in client.read_flows()}
            known = sorted(f"{flows.get(d.flow_id, '?')}/{d.name}" for d in client.read_deployments())
            raise TriggerError(f"no deployment {name!r} on the server (known: {', '.join(known) or 'none'})") from None
    schema = deployment.parameter_openapi_schema or {}
    return set(schema.get("properties", {}))


def trigger(name: str, parameters: dict[str, Any], *, key: str | None = None) -> str:
    """Create (or find, by idempotency key) a run of ``name``; returns the line to print."""
    if "/" not in name:
        raise TriggerError(f"deployment {name!r}: give it as FLOW/DEPLOYMENT, e.g. ingest/backfill")
    accepted = deployment_parameters(name)
    unknown = sorted(set(parameters) - accepted)
    if unknown:
        raise TriggerError(
            f"{name} has no parameter {', '.join(map(repr, unknown))} (it takes: {', '.join(sorted(accepted))})"
        )
    runs_under = functools.cache(_runs_with_key)  # one request per key, for this trigger
    if key is None:
        key = trigger_key(
            name,
            parameters,
            now=time.time(),
            created_under=lambda k: [run.created.timestamp() for run in runs_under(k) if run.created is not None],
        )
    earlier = {run.id for run in runs_under(key)}
    try:
        run = run_deployment(name, parameters=parameters, idempotency_key=key, timeout=0)
    except PrefectHTTPStatusError as exc:
        try:
            detail = str(exc.response.json().get("detail", exc.response.text))
        except ValueError:
            detail = exc.response.text
        raise TriggerError(f"{name} rejected the run: {' '.join(detail.split())}") from None
    assert isinstance(run, FlowRun)  # sync call: not a coroutine
    line = f"flow run {run.id} ({run.name}) of {name}: {run.state_name}"
    if run.id in earlier:
        created = f" (created {run.created:%H:%M:%S} UTC)" if run.created else ""
        line += (
            f" -- an earlier run with the same deployment and parameters{created} was returned, not a new"
            " one; pass --idempotency-key NEW to start another"
        )
    return line


def _runs_with_key(key: str) -> list[FlowRun]:
    """Flow runs the server already holds under idempotency key ``key``."""
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(idempotency_key=FlowRunFilterIdempotencyKey(any_=[key]))
        )
