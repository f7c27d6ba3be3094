"""Every environment variable newsflow reads, read here and nowhere else.

``apply_prefect_defaults`` must run before prefect is imported: Prefect reads its settings at
import time. It only fills in variables the user has not set.
"""

import os
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing the pipeline loads spaCy and trafilatura: not for `newsflow --help`
    from tasks.fetch import FetchOptions
    from tasks.pipeline import PipelineOptions
    from tasks.tag import TagOptions

#: Prefect defaults we ship. The embedded server's first start on a fresh PREFECT_HOME runs
#: migrations (~30 s here) and Prefect's 20 s default start-up timeout then fails the first run.
PREFECT_DEFAULTS: dict[str, str] = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_LOGGING_LEVEL": "INFO",
    # Keep the terminal readable: one "Finished in state Completed()" line per batch drowns the
    # progress lines (failures are still logged at WARNING and above).
    "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "WARNING",
}


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


@dataclass(frozen=True)
class Settings:
    """newsflow's own settings, from ``NEWSFLOW_*`` variables."""

    out: str = "data"
    #: Worker processes for extract/clean/tag; 0 means one per CPU core.
    workers: int = 0
    batch_size: int = 40
    #: Articles buffered before a flush makes them visible (and safe from a crash); also bounds
    #: the parent's memory, whatever the corpus size.
    flush_rows: int = 500
    #: Extra gazetteer files (os.pathsep-separated), added to the vendored reference data.
    gazetteers: tuple[str, ...] = ()
    #: The entity model: ``default`` (shipped), ``none`` (gazetteer and rules only), or an
    #: installed spaCy pipeline by name or path (``en_core_web_md``, ``/models/my-ner``).
    ner_model: str = "default"
    #: Extra label mappings for a custom model: ``POLITICIAN=PERSON,FAC=LOC``.
    ner_labels: tuple[tuple[str, str], ...] = ()
    #: A Prefect server to use; when unset, ``newsflow serve`` starts its own, and ``ingest``
    #: and ``compact`` the embedded one.
    prefect_api_url: str | None = None
    #: How long to wait for the embedded server (Prefect's own setting, which we default).
    prefect_startup_timeout: float = float(PREFECT_DEFAULTS["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"])
    #: Where ``newsflow serve``'s own server keeps its SQLite database and log.
    server_home: str = ""
    server_port: int = 4200
    #: Fetching: private/loopback hosts are refused unless this is set (tests, intranets).
    allow_private_hosts: bool = False
    user_agent: str | None = None
    fetch_timeout: float | None = None
    fetch_retries: int | None = None
    fetch_delay: float | None = None
    fetch_concurrency: int | None = None

    @property
    def worker_count(self) -> int:
        """Workers to start: the setting, or the CPU count."""
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)


def load_settings(env: Mapping[str, str] = os.environ) -> Settings:
    """Settings from the environment; unset variables keep their defaults."""
    defaults = Settings()
    return Settings(
        out=env.get("NEWSFLOW_OUT", defaults.out),
        workers=int(env.get("NEWSFLOW_WORKERS", defaults.workers)),
        batch_size=int(env.get("NEWSFLOW_BATCH_SIZE", defaults.batch_size)),
        flush_rows=int(env.get("NEWSFLOW_FLUSH_ROWS", defaults.flush_rows)),
        gazetteers=tuple(p for p in env.get("NEWSFLOW_GAZETTEERS", "").split(os.pathsep) if p),
        ner_model=env.get("NEWSFLOW_NER_MODEL") or defaults.ner_model,
        ner_labels=_pairs(env.get("NEWSFLOW_NER_LABELS", "")),
        prefect_api_url=env.get("PREFECT_API_URL") or None,
        prefect_startup_timeout=_float(env, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS")
        or defaults.prefect_startup_timeout,
        server_home=env.get("NEWSFLOW_SERVER_HOME")
        or str(Path(env.get("HOME") or Path.home()) / ".newsflow" / "server"),
        server_port=int(env.get("NEWSFLOW_SERVER_PORT", defaults.server_port)),
        allow_private_hosts=env.get("NEWSFLOW_ALLOW_PRIVATE_HOSTS", "").lower() in ("1", "true", "yes"),
        user_agent=env.get("NEWSFLOW_USER_AGENT") or None,
        fetch_timeout=_float(env, "NEWSFLOW_FETCH_TIMEOUT"),
        fetch_retries=_int(env, "NEWSFLOW_FETCH_RETRIES"),
        fetch_delay=_float(env, "NEWSFLOW_FETCH_DELAY"),
        fetch_concurrency=_int(env, "NEWSFLOW_FETCH_CONCURRENCY"),
    )


def _pairs(value: str) -> tuple[tuple[str, str], ...]:
    """``"A=B,C=D"`` -> ``(("A", "B"), ("C", "D"))``; a malformed item is an error."""
    pairs = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        key, sep, target = item.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise ValueError(f"NEWSFLOW_NER_LABELS: expected LABEL=OURS, got {item!r}")
        pairs.append((key.strip(), target.strip()))
    return tuple(pairs)


def _float(env: Mapping[str, str], key: str) -> float | None:
    value = env.get(key)
    return float(value) if value else None


def _int(env: Mapping[str, str], key: str) -> int | None:
    value = env.get(key)
    return int(value) if value else None


def fetch_options(settings: Settings) -> "FetchOptions":
    """Fetch options: the defaults, overridden by whatever the settings set."""
    from tasks.fetch import FetchOptions

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


def use_prefect_api(url: str, env: MutableMapping[str, str] = os.environ, ui: bool = True) -> None:
    """Point this process (and the flow runs it starts) at the Prefect server at ``url``;
    ``ui=False`` for a server without the UI (no "View at <url>" links to nowhere in the log).

    Must run before prefect is imported.
    """
    env["PREFECT_API_URL"] = url
    if not ui:
        env["PREFECT_UI_URL"] = ""  # Prefect would derive one from the API URL


def tag_options(settings: Settings) -> "TagOptions":
    """The tagger's options, from settings. Cheap to import, unlike the whole pipeline's: the CLI
    checks them before it starts anything."""
    from tasks.tag import TagOptions

    return TagOptions(extra_files=settings.gazetteers, model=settings.ner_model, labels=settings.ner_labels)


def pipeline_options(settings: Settings) -> "PipelineOptions":
    """Options for the pipeline steps, from settings (the rest keep their measured defaults)."""
    from tasks.pipeline import PipelineOptions

    return PipelineOptions(tag=tag_options(settings))
