"""prefect.yaml as the one source of truth for deployments: ``prefect deploy`` reads it, and so do
``newsflow serve`` (which builds the same deployments with ``flow.to_deployment``, because
``serve()`` does not read prefect.yaml) and ``newsflow trigger``.
"""

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # prefect is imported where deployments are built: the rest is plain data
    from prefect.client.schemas.objects import ConcurrencyLimitConfig
    from prefect.deployments.runner import RunnerDeployment
    from prefect.schedules import Schedule


@dataclass(frozen=True)
class DeploymentSpec:
    """One ``deployments:`` entry of prefect.yaml, as far as newsflow uses it."""

    name: str
    entrypoint: str
    parameters: dict[str, Any] = field(default_factory=dict)
    schedules: tuple[dict[str, Any], ...] = ()
    concurrency_limit: dict[str, Any] | int | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()


def load_specs(path: Path) -> list[DeploymentSpec]:
    """The deployments declared in the prefect.yaml at ``path``."""
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        DeploymentSpec(
            name=d["name"],
            entrypoint=d["entrypoint"],
            parameters=dict(d.get("parameters") or {}),
            schedules=tuple(d.get("schedules") or ()),
            concurrency_limit=d.get("concurrency_limit"),
            description=d.get("description"),
            tags=tuple(d.get("tags") or ()),
        )
        for d in config.get("deployments") or []
    ]


def _schedule(raw: dict[str, Any]) -> "Schedule":
    from prefect.schedules import Cron, Interval

    common = {"timezone": raw.get("timezone"), "active": raw.get("active", True)}
    if "cron" in raw:
        return Cron(raw["cron"], **common)
    if "interval" in raw:
        return Interval(timedelta(seconds=float(raw["interval"])), **common)
    raise ValueError(f"unsupported schedule (cron or interval): {raw}")


def _concurrency(raw: dict[str, Any] | int | None) -> "ConcurrencyLimitConfig | int | None":
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    if isinstance(raw, dict):
        strategy = ConcurrencyLimitStrategy(raw.get("collision_strategy", "ENQUEUE"))
        return ConcurrencyLimitConfig(limit=int(raw["limit"]), collision_strategy=strategy)
    return raw


#: Parameters that name local paths: relative ones are taken from the deployments file's folder.
_PATH_PARAMETERS = ("out", "sources")


def resolve_paths(parameters: dict[str, Any], base: Path) -> dict[str, Any]:
    """``parameters`` with relative local paths (``out``, entries of ``sources``) made absolute
    against ``base``; URLs and absolute paths stay as they are."""

    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, str) and value and "://" not in value and not Path(value).expanduser().is_absolute():
            return str((base / value).resolve())
        return value

    return {k: resolve(v) if k in _PATH_PARAMETERS else v for k, v in parameters.items()}


def load_overrides(path: Path | None) -> dict[str, dict[str, Any]]:
    """Per-deployment parameter overrides from a YAML file outside the checkout (``name: {param:
    value}``), e.g. the real feed URLs of ``poll-feeds``; ``{}`` without one."""
    if path is None:
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"{path}: expected 'deployment-name: {{parameter: value}}' mappings")
    return {str(k): dict(v) for k, v in data.items()}


def check_parameters(path: Path, overrides: Path | None = None) -> None:
    """Raise ``ValueError`` (one line: the deployment and what is wrong) unless every deployment's
    parameters, with their overrides, are what its flow accepts (required ones may wait for the
    trigger)."""
    from prefect.exceptions import ParameterTypeError, SignatureMismatchError
    from prefect.flows import load_flow_from_entrypoint

    extra = load_overrides(overrides)
    for spec in load_specs(path):
        file, _, func = spec.entrypoint.partition(":")
        flow: Any = load_flow_from_entrypoint(f"{(path.parent / file).resolve()}:{func}")
        parameters = {**spec.parameters, **extra.get(spec.name, {})}
        accepted = set(flow.parameters.properties)
        unknown = sorted(set(parameters) - accepted)
        if unknown:
            raise ValueError(
                f"{spec.name}: no parameter {', '.join(map(repr, unknown))} (it takes: {', '.join(sorted(accepted))})"
            )
        required = set(flow.parameters.required or ())
        quiet = logging.getLogger("prefect.flows")
        level, quiet.level = quiet.level, logging.CRITICAL  # the error is ours to report, in one line
        try:  # a required parameter left for the trigger to give is checked with a stand-in
            flow.validate_parameters({**{name: ["."] for name in required - set(parameters)}, **parameters})
        except (ParameterTypeError, SignatureMismatchError) as exc:
            raise ValueError(f"{spec.name}: {exc}") from None
        finally:
            quiet.setLevel(level)


def runner_deployments(path: Path, overrides: Path | None = None) -> list["RunnerDeployment"]:
    """The deployments of prefect.yaml built for ``serve()``. Entrypoints and relative paths in
    parameters resolve from the file's folder; ``overrides`` (see :func:`load_overrides`) replace
    parameters, their relative paths resolving from the overrides file's folder."""
    from prefect import Flow
    from prefect.deployments.runner import RunnerDeployment
    from prefect.flows import load_flow_from_entrypoint

    extra = load_overrides(overrides)
    unknown = set(extra) - {spec.name for spec in load_specs(path)}
    if unknown:
        raise ValueError(f"{overrides}: no deployment named {', '.join(sorted(unknown))} in {path}")
    deployments = []
    for spec in load_specs(path):
        file, _, func = spec.entrypoint.partition(":")
        flow: Flow[Any, Any] = load_flow_from_entrypoint(f"{(path.parent / file).resolve()}:{func}")
        parameters = resolve_paths(spec.parameters, path.parent.resolve())
        if overrides is not None and spec.name in extra:
            parameters.update(resolve_paths(extra[spec.name], overrides.parent.resolve()))
        deployment = flow.to_deployment(
            name=spec.name,
            parameters=parameters,
            schedules=[_schedule(s) for s in spec.schedules],
            concurrency_limit=_concurrency(spec.concurrency_limit),
            description=spec.description,
            tags=list(spec.tags),
        )
        assert isinstance(deployment, RunnerDeployment)  # sync call: not a coroutine
        deployments.append(deployment)
    return deployments


#: How long a trigger with the same deployment and parameters returns the run already made.
IDEMPOTENCY_WINDOW_SECONDS = 60


def idempotency_key(
    deployment: str,
    parameters: dict[str, Any],
    *,
    now: float | None = None,
    window_seconds: int = IDEMPOTENCY_WINDOW_SECONDS,
) -> str:
    """A key equal for the same deployment and parameters within one time window (``now``: a Unix
    time, the current one by default), so that a double-clicked trigger makes one flow run."""
    window = int((time.time() if now is None else now) // window_seconds)
    payload = json.dumps([deployment, parameters, window], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def trigger_key(
    deployment: str,
    parameters: dict[str, Any],
    *,
    now: float,
    created_under: Callable[[str], list[float]],
    window_seconds: int = IDEMPOTENCY_WINDOW_SECONDS,
) -> str:
    """The idempotency key of a trigger at ``now``: the previous window's key while a run made
    under it is younger than a window, else this window's. Windows are fixed slices of the
    clock, so two clicks a second apart can fall either side of a boundary (12:00:59, 12:01:00):
    with this window's key alone the second click would start a second run.
    ``created_under(key)`` gives the creation times (Unix) of the runs the server holds under a key."""
    previous = idempotency_key(deployment, parameters, now=now - window_seconds, window_seconds=window_seconds)
    if any(now - created < window_seconds for created in created_under(previous)):
        return previous
    return idempotency_key(deployment, parameters, now=now, window_seconds=window_seconds)
