"""Every environment variable newsflow reads, read here and nowhere else, once per process.

``Settings`` holds each setting's default and bounds, in one place: the CLI's option defaults, the
flows' parameter defaults (a flow parameter left unset takes the setting) and the checks all come
from it. A bad value is one line naming the variable and what it accepts (:class:`SettingsError`),
reported before any server or worker starts.

``apply_prefect_defaults`` must run before prefect is imported: Prefect reads its settings at
import time. It only fills in variables the user has not set.
"""

import functools
import hashlib
import importlib.util
import os
import re
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tasks.core.vocabulary import ENTITY_LABELS

if TYPE_CHECKING:  # importing the pipeline loads spaCy and trafilatura: not for `newsflow --help`
    from storage.delta import DeltaOptions
    from tasks.ner.tagger import TagOptions
    from tasks.pipeline import PipelineOptions
    from tasks.sources.web.fetch import FetchOptions

#: How long to wait for a Prefect server's first start (migrations on a fresh PREFECT_HOME take
#: ~30 s here; Prefect's own default of 20 s fails the first run).
STARTUP_TIMEOUT_SECONDS = 180

#: Prefect defaults we ship.
PREFECT_DEFAULTS: dict[str, str] = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(STARTUP_TIMEOUT_SECONDS),
    "PREFECT_LOGGING_LEVEL": "INFO",
    # Keep the terminal readable: one "Finished in state Completed()" line per batch drowns the
    # progress lines (failures are still logged at WARNING and above).
    "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "WARNING",
}


#: Inputs per batch on Dask when ``batch_size`` is not set (see ``Settings.batch_inputs``).
DASK_BATCH_SIZE = 100

#: What ``--runner`` / NEWSFLOW_RUNNER accept (the flow's ``runner`` parameter too).
RUNNER_ACCEPTS = "local or dask://HOST:PORT (a Dask scheduler)"
RUNNER_PATTERN = r"^(local|dask://[^\s/:]+:\d{1,5})$"


class SettingsError(ValueError):
    """A setting that cannot work; the message is one line naming the variable."""


def default_prefect_home(env: Mapping[str, str] = os.environ) -> str:
    """Where Prefect keeps its database when the user has not chosen: ``~/.newsflow/prefect``."""
    return str(Path(env.get("HOME") or Path.home()) / ".newsflow" / "prefect")


def apply_prefect_defaults(env: MutableMapping[str, str] = os.environ) -> None:
    """Fill in newsflow's Prefect defaults where the environment does not set them."""
    for key, value in PREFECT_DEFAULTS.items():
        env.setdefault(key, value)
    if "PREFECT_HOME" not in env and "PREFECT_API_URL" not in env:
        env["PREFECT_HOME"] = default_prefect_home(env)
    if "PREFECT_HOME" in env:
        # Prefect creates only the last path component and then fails on a missing parent.
        Path(env["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)


def _env(name: str, accepts: str) -> Any:
    """Field metadata: the variable a setting is read from, and what it accepts (for errors)."""
    return {"env": name, "accepts": accepts}


class Settings(BaseModel):
    """newsflow's settings, with their defaults and bounds (pydantic checks every value)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    out: Annotated[
        str, Field(min_length=1, json_schema_extra=_env("NEWSFLOW_OUT", "a directory or s3://bucket/prefix"))
    ] = "data/news"
    #: Where batches run: ``local`` (worker processes of this machine) or ``dask://HOST:PORT``
    #: (a Dask scheduler; its workers run the pipeline, see docs/scaling.md).
    runner: Annotated[
        str,
        Field(json_schema_extra=_env("NEWSFLOW_RUNNER", RUNNER_ACCEPTS)),
    ] = "local"
    #: Table format of a local ``out``: ``auto`` (plain Parquet, or Delta where the directory
    #: already holds Delta tables), ``parquet`` or ``delta``. An ``s3://`` out is always Delta.
    table_format: Annotated[
        Literal["auto", "parquet", "delta"],
        Field(json_schema_extra=_env("NEWSFLOW_TABLE_FORMAT", "auto, parquet or delta")),
    ] = "auto"
    #: Local working area for datasets on object stores (fetch spool, WARC records).
    cache_dir: Annotated[str, Field(json_schema_extra=_env("NEWSFLOW_CACHE_DIR", "a directory"))] = ""
    #: Worker processes for extract/clean/tag; 0 means one per CPU core.
    workers: Annotated[
        int, Field(ge=0, le=256, json_schema_extra=_env("NEWSFLOW_WORKERS", "0 (one per core) to 256"))
    ] = 0
    #: CPU priority of the worker processes, as ``nice`` adds it (0 = the flow's own). Below the
    #: flow's process and Prefect's server, which feed the workers and would otherwise wait for a
    #: core behind them (paired runs of 368 real pages on two cores: median 0.975x the wall time
    #: of nice 0, 0.84-1.06).
    worker_nice: Annotated[
        int, Field(ge=0, le=19, json_schema_extra=_env("NEWSFLOW_WORKER_NICE", "0 (no change) to 19"))
    ] = 5
    #: Inputs per batch task. Each task run costs the Prefect server ~45 ms of CPU (its events,
    #: recorded), taken from the workers on a small machine: on 1,473 real pages and two cores,
    #: 100 against 40 took 0.6 s off a 22 s run (3 paired runs; 150 gained nothing more). The
    #: end of a run is cut finer anyway (``flows.runners.next_batch_size``).
    batch_size: Annotated[int, Field(ge=1, le=10_000, json_schema_extra=_env("NEWSFLOW_BATCH_SIZE", "1 to 10000"))] = (
        100
    )
    #: Inputs buffered before a flush makes them visible (and safe from a crash); also bounds the
    #: parent's memory, whatever the corpus size.
    flush_rows: Annotated[
        int, Field(ge=1, le=1_000_000, json_schema_extra=_env("NEWSFLOW_FLUSH_ROWS", "1 to 1000000"))
    ] = 500
    #: ``compact`` rewrites a partition when one of its tables has at least this many files.
    compact_min_files: Annotated[
        int, Field(ge=1, le=100_000, json_schema_extra=_env("NEWSFLOW_COMPACT_MIN_FILES", "1 to 100000"))
    ] = 2
    #: Extra gazetteer files, added to the vendored reference data.
    gazetteers: Annotated[
        tuple[str, ...], Field(json_schema_extra=_env("NEWSFLOW_GAZETTEERS", f"files separated by {os.pathsep!r}"))
    ] = ()
    #: ``default`` (shipped), ``none`` (gazetteer and rules only), or an installed spaCy
    #: pipeline by name or path (``en_core_web_md``, ``/models/my-ner``).
    ner_model: Annotated[
        str,
        Field(
            min_length=1,
            json_schema_extra=_env("NEWSFLOW_NER_MODEL", "default, none, an installed spaCy package or a directory"),
        ),
    ] = "default"
    #: Entity models for other languages than English, from ``NEWSFLOW_NER_MODEL_DE=de_core_news_md``
    #: and the like: ``(("de", "de_core_news_md"),)``. A language without one gets reference data only.
    ner_models: Annotated[
        tuple[tuple[str, str], ...],
        Field(json_schema_extra=_env("NEWSFLOW_NER_MODEL_<LANG>", "an installed spaCy package or pipeline directory")),
    ] = ()
    #: Extra label mappings for a custom model: ``POLITICIAN=PERSON,FAC=LOC``.
    ner_labels: Annotated[
        tuple[tuple[str, str], ...],
        Field(
            json_schema_extra=_env("NEWSFLOW_NER_LABELS", f"THEIRS=OURS,... with OURS one of {'/'.join(ENTITY_LABELS)}")
        ),
    ] = ()
    #: A Prefect server to use; when unset, ``newsflow serve`` starts its own, and ``ingest``
    #: and ``compact`` the embedded one.
    prefect_api_url: Annotated[
        str | None, Field(json_schema_extra=_env("PREFECT_API_URL", "an http(s) URL ending in /api"))
    ] = None
    prefect_startup_timeout: Annotated[
        float,
        Field(
            gt=0,
            json_schema_extra=_env("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "a number of seconds > 0"),
        ),
    ] = STARTUP_TIMEOUT_SECONDS
    #: Where ``newsflow serve``'s own server keeps its SQLite database and log.
    server_home: Annotated[str, Field(json_schema_extra=_env("NEWSFLOW_SERVER_HOME", "a directory"))] = ""
    #: Per-deployment parameter overrides for ``newsflow serve`` (YAML), kept outside the checkout.
    deployment_params: Annotated[
        str | None,
        Field(json_schema_extra=_env("NEWSFLOW_DEPLOYMENT_PARAMS", "a YAML file of deployment: {parameter: value}")),
    ] = None
    server_port: Annotated[
        int, Field(ge=1, le=65535, json_schema_extra=_env("NEWSFLOW_SERVER_PORT", "a port, 1 to 65535"))
    ] = 4200
    #: Fetching: private/loopback hosts are refused unless this is set (tests, intranets).
    allow_private_hosts: Annotated[
        bool, Field(json_schema_extra=_env("NEWSFLOW_ALLOW_PRIVATE_HOSTS", "1/0, true/false, yes/no, on/off"))
    ] = False
    user_agent: Annotated[
        str | None, Field(min_length=1, json_schema_extra=_env("NEWSFLOW_USER_AGENT", "a user agent string"))
    ] = None
    fetch_timeout: Annotated[
        float | None, Field(gt=0, le=3600, json_schema_extra=_env("NEWSFLOW_FETCH_TIMEOUT", "seconds, > 0"))
    ] = None
    fetch_retries: Annotated[
        int | None, Field(ge=0, le=20, json_schema_extra=_env("NEWSFLOW_FETCH_RETRIES", "0 to 20"))
    ] = None
    fetch_delay: Annotated[
        float | None, Field(ge=0, le=600, json_schema_extra=_env("NEWSFLOW_FETCH_DELAY", "seconds, >= 0"))
    ] = None
    fetch_concurrency: Annotated[
        int | None, Field(ge=1, le=1024, json_schema_extra=_env("NEWSFLOW_FETCH_CONCURRENCY", "1 to 1024"))
    ] = None

    @field_validator("gazetteers", mode="before")
    @classmethod
    def _paths(cls, value: object) -> object:
        return tuple(p for p in value.split(os.pathsep) if p) if isinstance(value, str) else value

    @field_validator("ner_labels", mode="before")
    @classmethod
    def _pairs(cls, value: object) -> object:
        """``"A=B,C=D"`` -> ``(("A", "B"), ("C", "D"))``; OURS must be one of our labels."""
        if not isinstance(value, str):
            return value
        pairs = []
        for item in filter(None, (part.strip() for part in value.split(","))):
            key, sep, target = (s.strip() for s in item.partition("="))
            if not sep or not key or not target:
                raise ValueError(f"expected LABEL=OURS, got {item!r}")
            if target not in ENTITY_LABELS:
                raise ValueError(f"in {item!r}, {target} is not one of {', '.join(ENTITY_LABELS)}")
            pairs.append((key, target))
        return tuple(pairs)

    @field_validator("runner")
    @classmethod
    def _runner(cls, value: str) -> str:
        if re.match(RUNNER_PATTERN, value):
            return value
        raise ValueError(f"{value!r} is not a runner")

    @field_validator("ner_model")
    @classmethod
    def _model(cls, value: str) -> str:
        """An entity model that can load: checked here, cheaply (spaCy is not imported), so a typo
        fails before any server or worker starts."""
        if value in ("default", "none") or _loadable(value):
            return value
        raise ValueError("neither an installed spaCy package nor a spaCy pipeline directory")

    @property
    def batch_inputs(self) -> int:
        """Inputs per batch task: ``batch_size`` where it is set; else 100 on the local pool and
        on Dask, where a task costs ~0.1-0.6 s (Prefect serialises its context for each one;
        measured by tests/bench/bench_dask.py): at 100 pages of ~45 ms, a few per cent."""
        if "batch_size" in self.model_fields_set or self.dask_address is None:
            return self.batch_size
        return DASK_BATCH_SIZE

    @property
    def dask_address(self) -> str | None:
        """The Dask scheduler's address (``tcp://HOST:PORT``) when batches run on Dask."""
        return "tcp://" + self.runner.removeprefix("dask://") if self.runner.startswith("dask://") else None

    @property
    def worker_count(self) -> int:
        """Workers to start: the setting, or the CPU count."""
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)

    def resolved_server_home(self, env: Mapping[str, str] = os.environ) -> Path:
        """``newsflow serve``'s server directory: the setting, or ``~/.newsflow/server``."""
        return Path(self.server_home or Path(env.get("HOME") or Path.home()) / ".newsflow" / "server")


def _loadable(model: str) -> bool:
    """Whether spaCy could load ``model``: a pipeline directory, or an installed package."""
    if (Path(model).expanduser() / "config.cfg").is_file():
        return True
    # find_spec imports a dotted name's parents: only plain package names are looked up.
    return model.isidentifier() and importlib.util.find_spec(model) is not None


#: ``NEWSFLOW_NER_MODEL_<LANG>``: one variable per language, an ISO 639 code in capitals.
_PER_LANGUAGE_MODEL = re.compile(r"^NEWSFLOW_NER_MODEL_([A-Z]{2,3})$")


def _language_models(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    models = []
    for name, value in sorted(env.items()):
        match = _PER_LANGUAGE_MODEL.match(name)
        if match is None or not value.strip():
            continue
        if not _loadable(value.strip()):
            raise SettingsError(
                f"{name}={value!r}: neither an installed spaCy package nor a spaCy pipeline directory "
                f"(accepts the model for {match.group(1).lower()!r} articles: a package name or a directory)"
            )
        models.append((match.group(1).lower(), value.strip()))
    return tuple(models)


#: The defaults, for flow signatures and CLI help (never read from the environment).
DEFAULTS = Settings()


def env_name(field: str) -> str:
    """The environment variable a setting is read from."""
    extra = Settings.model_fields[field].json_schema_extra
    assert isinstance(extra, dict)
    return str(extra["env"])


def load_settings(env: Mapping[str, str] = os.environ) -> Settings:
    """Settings from ``env``; unset or empty variables keep their defaults. Raises
    :class:`SettingsError` (one line: the variable, its value, what it accepts) for a bad one."""
    values: dict[str, Any] = {
        name: env[env_name(name)].strip() for name in Settings.model_fields if env.get(env_name(name), "").strip()
    }
    values["ner_models"] = _language_models(env)
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0])
        extra = Settings.model_fields[field].json_schema_extra
        assert isinstance(extra, dict)
        message = str(error["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{env_name(field)}={values[field]!r}: {message} (accepts {extra['accepts']})") from None


@functools.cache
def current_settings() -> Settings:
    """This process's settings, read from the environment once (CLI and flow share them)."""
    return load_settings()


def fetch_options(settings: Settings) -> "FetchOptions":
    """Fetch options: the defaults, overridden by whatever the settings set."""
    from tasks.sources.web.fetch import FetchOptions

    base = FetchOptions()
    return FetchOptions(
        user_agent=settings.user_agent or base.user_agent,
        read_timeout=settings.fetch_timeout or base.read_timeout,
        connect_timeout=min(base.connect_timeout, settings.fetch_timeout or base.connect_timeout),
        total_timeout=max(base.total_timeout, 3 * (settings.fetch_timeout or 0)),
        retries=base.retries if settings.fetch_retries is None else settings.fetch_retries,
        min_delay=base.min_delay if settings.fetch_delay is None else settings.fetch_delay,
        concurrency=settings.fetch_concurrency or base.concurrency,
        allow_private=settings.allow_private_hosts,
    )


#: deltalake storage option -> the AWS variable it comes from (keys stay in the environment:
#: deltalake and pyarrow read them there themselves).
_AWS_OPTIONS = {"endpoint_url": "AWS_ENDPOINT_URL", "region": "AWS_REGION", "allow_http": "AWS_ALLOW_HTTP"}


def delta_options(settings: Settings, env: Mapping[str, str] = os.environ) -> "DeltaOptions":
    """How to reach a Delta dataset: endpoint and keys come from the usual AWS variables
    (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``), read
    by deltalake and pyarrow themselves; an ``http://`` endpoint (a test or intranet server) is
    allowed unless ``AWS_ALLOW_HTTP`` says otherwise. The scratch spool goes under
    ``NEWSFLOW_CACHE_DIR`` (default ``~/.cache/newsflow``), one directory per dataset."""
    from storage.delta import DeltaOptions

    storage = {key: env[name] for key, name in _AWS_OPTIONS.items() if env.get(name)}
    if storage.get("endpoint_url", "").startswith("http://") and not env.get("AWS_ALLOW_HTTP"):
        storage["allow_http"] = "true"
    base = Path(
        settings.cache_dir or Path(env.get("XDG_CACHE_HOME") or Path(env.get("HOME") or Path.home()) / ".cache")
    )
    cache = base / "newsflow" if not settings.cache_dir else base
    key = hashlib.sha256(settings.out.encode()).hexdigest()[:16]
    return DeltaOptions(storage_options=storage, cache_dir=cache / key)


def use_prefect_api(url: str, env: MutableMapping[str, str] = os.environ, ui: bool = True) -> None:
    """Point this process (and the flow runs it starts) at the Prefect server at ``url``;
    ``ui=False`` for a server without the UI (no "View at <url>" links to nowhere in the log).

    Must run before prefect is imported.
    """
    env["PREFECT_API_URL"] = url
    if not ui:
        env["PREFECT_UI_URL"] = ""  # Prefect would derive one from the API URL


def tag_options(settings: Settings) -> "TagOptions":
    """The tagger's options, from settings."""
    from tasks.ner.tagger import TagOptions

    return TagOptions(
        extra_files=settings.gazetteers,
        model=settings.ner_model,
        labels=settings.ner_labels,
        models=settings.ner_models,
    )


def pipeline_options(settings: Settings) -> "PipelineOptions":
    """Options for the pipeline steps, from settings (the rest keep their measured defaults)."""
    from tasks.pipeline import PipelineOptions

    return PipelineOptions(tag=tag_options(settings))
