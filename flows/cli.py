"""The ``newsflow`` command line.

Prefect is imported only inside the commands that need it, after the settings module has set
newsflow's defaults, so ``newsflow --help`` is instant and worker processes stay prefect-free.
Every misuse is reported as one line naming the option or variable at fault, before any server or
worker starts; exit codes: 0 done, 1 the run failed (or, with ``--fail-on-error``, some input
did), 2 a usage or configuration error, 130 stopped by a second Ctrl-C.
"""

import argparse
import importlib
import io
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from flows.settings import DASK_BATCH_SIZE, DEFAULTS, Settings, SettingsError, current_settings, env_name
from storage.root import NotADataset, has_tables, is_remote, require_dataset


class UsageError(Exception):
    """A command that cannot run as given: one line, naming the option at fault."""


class _Parser(argparse.ArgumentParser):
    """argparse, without prefix abbreviations of options, and with errors on one line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _setting(field: str) -> Callable[[str], Any]:
    """An argparse type that checks a value against the bounds of setting ``field``."""

    def parse(value: str) -> Any:
        try:
            return getattr(Settings.model_validate({field: value}), field)
        except ValidationError as exc:
            extra = type(DEFAULTS).model_fields[field].json_schema_extra
            accepts = extra.get("accepts") if isinstance(extra, dict) else "?"
            message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            raise argparse.ArgumentTypeError(f"{value!r}: {message} (accepts {accepts})") from None

    parse.__name__ = field  # argparse names the type in some messages
    return parse


def _keep_going_on_a_closed_pipe() -> None:
    """``newsflow ingest ... | head`` must not stop the ingest when ``head`` exits: rich (which
    writes Prefect's log lines) raises ``SystemExit`` on a broken pipe; here the output goes to
    /dev/null from then on, and the run finishes (its summary is in the ``runs`` table)."""
    from rich.console import Console

    def on_broken_pipe(console: Console) -> None:
        console.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            with suppress(OSError, ValueError):
                os.dup2(devnull, stream.fileno())

    Console.on_broken_pipe = on_broken_pipe  # type: ignore[method-assign,assignment]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newsflow`` console script."""
    try:
        settings, settings_error = current_settings(), None
    except SettingsError as exc:  # still let --help work; a command reports it before starting
        settings, settings_error = DEFAULTS, exc
    parser = _parser(settings)
    args, extra = parser.parse_known_args(argv)
    if extra:  # said by the command's own parser, so the hint is its --help
        getattr(args, "parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    if not hasattr(args, "command"):
        parser.print_help()
        return 2
    _keep_going_on_a_closed_pipe()
    # Each line as it is printed, even into a pipe or a file (a service's log, `| tee`): block
    # buffering held `serve`'s "ready" line back until the buffer filled, which it never did.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    try:
        if settings_error is not None:
            raise UsageError(str(settings_error))
        return int(args.command(args, settings))
    except (UsageError, NotADataset) as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("newsflow: stopped at once; what was committed stays, the next run does the rest", file=sys.stderr)
        return 130


def _parser(settings: Settings) -> argparse.ArgumentParser:
    parser = _Parser(prog="newsflow", description="News ingestion into partitioned Parquet.")
    sub = parser.add_subparsers(metavar="COMMAND", parser_class=_Parser)

    ingest = sub.add_parser(
        "ingest",
        help="ingest files, directories and web sources into a dataset",
        description="Run the Prefect flow 'ingest' (embedded server unless PREFECT_API_URL is set) over "
        "SOURCEs: files or directories (.html/.htm/.xhtml pages, .txt articles or URL lists, .jsonl records, "
        ".warc/.warc.gz archives) and http(s) URLs (a page, an RSS/Atom/JSON feed, a sitemap or sitemap "
        "index, a URL list). Ctrl-C (or SIGTERM) stops after the batches in progress; twice stops at once.",
    )
    ingest.add_argument("sources", nargs="+", metavar="SOURCE", help="file, directory or http(s) URL")
    _out_option(ingest, settings)
    ingest.add_argument(
        "--batch-size",
        type=_setting("batch_size"),
        # Unset, the flow picks Settings.batch_inputs (the Dask default where it differs).
        default=settings.batch_size if "batch_size" in settings.model_fields_set else None,
        help=f"inputs per task (default: {settings.batch_size}"
        + (f", {DASK_BATCH_SIZE} with --runner dask://" if settings.batch_size != DASK_BATCH_SIZE else "")
        + f"; {env_name('batch_size')})",
    )
    ingest.add_argument(
        "--runner",
        type=_setting("runner"),
        default=settings.runner,
        help=f"where batches run: local worker processes, or dask://HOST:PORT, a Dask scheduler "
        f"(default: %(default)s; {env_name('runner')})",
    )
    ingest.add_argument(
        "--workers",
        type=_setting("workers"),
        default=settings.workers,
        help=f"worker processes, 0 = one per core (default: %(default)s; {env_name('workers')})",
    )
    ingest.add_argument(
        "--flush-rows",
        type=_setting("flush_rows"),
        default=settings.flush_rows,
        help=f"inputs buffered before each commit (default: %(default)s; {env_name('flush_rows')})",
    )
    ingest.add_argument(
        "--fail-on-error",
        action="store_true",
        help="exit 1 when any input failed (for cron and CI); without it, only a failed run exits 1",
    )
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    ingest.set_defaults(command=_ingest, parser=ingest)

    compact = sub.add_parser(
        "compact",
        help="merge small files and drop duplicate rows in a dataset",
        description="Run the Prefect flow 'compact' (embedded server unless PREFECT_API_URL is set).",
    )
    _dataset_argument(compact, settings)
    compact.add_argument(
        "--min-files",
        type=_setting("compact_min_files"),
        default=settings.compact_min_files,
        help="rewrite a partition when a table has at least this many files "
        f"(default: %(default)s; {env_name('compact_min_files')})",
    )
    compact.add_argument("--json", action="store_true", help="print the summary as JSON")
    compact.set_defaults(command=_compact, parser=compact)

    serve = sub.add_parser(
        "serve",
        help="run the deployments of prefect.yaml on their schedules until Ctrl-C",
        description="Start a persistent Prefect server on loopback (unless PREFECT_API_URL points to one, "
        "which is then used) and serve every deployment of prefect.yaml in this process. Ctrl-C or "
        "SIGTERM stops both.",
    )
    serve.add_argument("--file", default="prefect.yaml", help="deployments file (default: %(default)s)")
    serve.add_argument(
        "--params",
        default=settings.deployment_params,
        help="YAML file of per-deployment parameter overrides, e.g. poll-feeds' real sources "
        f"(default: {env_name('deployment_params')})",
    )
    serve.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
    serve.add_argument(
        "--port",
        type=_setting("server_port"),
        default=settings.server_port,
        help=f"server port (default: %(default)s; {env_name('server_port')})",
    )
    serve.set_defaults(command=_serve, parser=serve)

    trigger = sub.add_parser(
        "trigger",
        help="start a run of a deployment (FLOW/DEPLOYMENT), once per double-click",
        description="Create a flow run of a deployment on the server of a running `newsflow serve` "
        "(or the one at PREFECT_API_URL). The same deployment and parameters within one minute make "
        "one run: a repeat says which earlier run it returned.",
    )
    trigger.add_argument("deployment", help="e.g. ingest/backfill")
    trigger.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter; VALUE is read as JSON when it parses, else as a string",
    )
    trigger.add_argument("--idempotency-key", help="explicit key: triggers with the same key make one run")
    trigger.set_defaults(command=_trigger, parser=trigger)

    show = sub.add_parser("show", help="print what a dataset holds, queried with DuckDB")
    _dataset_argument(show, settings)
    show.set_defaults(command=_show, parser=show)

    sql = sub.add_parser(
        "sql",
        help="run SQL over a dataset's tables (DuckDB)",
        description="Run a DuckDB query over a dataset: one view per table (articles, entity_mentions, "
        "failures, inputs, runs) and `mentions` (each mention with its article's url, title, "
        "published_at, language and a snippet of text around it).",
    )
    sql.add_argument("query", help='the SQL, e.g. "SELECT count(*) FROM articles"')
    _out_option(sql, settings)
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    sql.add_argument("--max-rows", type=int, default=40, help="rows shown as a table (default: %(default)s)")
    sql.set_defaults(command=_sql, parser=sql)
    return parser


def _out_option(parser: argparse.ArgumentParser, settings: Settings) -> None:
    parser.add_argument(
        "--out",
        default=settings.out,
        help=f"dataset directory or s3://bucket/prefix (default: %(default)s; {env_name('out')})",
    )


def _dataset_argument(parser: argparse.ArgumentParser, settings: Settings) -> None:
    parser.add_argument(
        "out",
        nargs="?",
        default=settings.out,
        help=f"dataset directory or s3://bucket/prefix (default: %(default)s; {env_name('out')})",
    )


def _dataset(out: str) -> str | Path:
    """A dataset to read: a local one must exist (one line naming it otherwise); an object store
    needs credentials (it is only asked when it is read)."""
    if is_remote(out):
        _check_credentials(out)
        return out
    return require_dataset(out)


#: Where an object store's credentials may come from (besides instance metadata, which is not tried).
_AWS_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE")


def _check_credentials(out: str) -> None:
    if (
        not any(os.environ.get(name) for name in _AWS_CREDENTIALS)
        and not (Path.home() / ".aws" / "credentials").is_file()
    ):
        raise UsageError(
            f"--out {out}: no credentials for the object store: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (AWS_ENDPOINT_URL for a store that is not AWS, AWS_REGION if needed)"
        )


def _storage_options(out: str, settings: Settings) -> dict[str, str]:
    """deltalake's storage options for ``out`` (empty for a local dataset)."""
    if not is_remote(out):
        return {}
    from flows.settings import delta_options

    return dict(delta_options(settings.model_copy(update={"out": out})).storage_options)


def _check_runner(runner: str, settings: Settings) -> None:
    """A Dask runner needs a Prefect server every worker reaches (with the embedded server, each
    Dask worker would start a server of its own)."""
    if runner != "local" and not settings.prefect_api_url:
        raise UsageError(f"--runner {runner} needs a Prefect server every Dask worker reaches: set PREFECT_API_URL")


# -- ingest and compact ---------------------------------------------------------------------------


def _check_out(out: str) -> None:
    """``--out`` must be a directory newsflow can create or write, or an object store; checked
    before anything starts."""
    if is_remote(out):
        _check_credentials(out)
        return
    if "://" in out:
        raise UsageError(f"--out {out}: a dataset is a local directory or s3://bucket/prefix")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {out}: is a file, not a directory")
    parent = next((p for p in (path, *path.parents) if p.exists()), Path("."))
    if not parent.is_dir():
        raise UsageError(f"--out {out}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: {parent} is not writable")
    try:  # what access() cannot tell (a read-only or special filesystem): create it now
        (path / ".newsflow").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot be created: {exc.strerror or exc}") from None


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    web = ("http://", "https://")
    missing = [s for s in args.sources if not s.lower().startswith(web) and not Path(s).exists()]
    if missing:
        raise UsageError(f"source not found: {', '.join(missing)}")
    _check_out(args.out)
    _check_runner(args.runner, settings)
    summary = None
    # Only a local dataset with tables can hold every input already. Otherwise nothing is asked:
    # the check's imports (~0.5 s) would delay the server's start, which every run waits for.
    if not any(s.lower().startswith(web) for s in args.sources) and not is_remote(args.out) and has_tables(args.out):
        from flows.unchanged import unchanged_run

        summary = unchanged_run(list(args.sources), settings.model_copy(update={"out": args.out}))
    if summary is None:
        with _prefect_server(settings) as ready:
            if args.runner == "local":  # the workers' warm-up overlaps the server's start too
                from flows.pool import start_fork_server

                start_fork_server()
            from flows.ingest import ingest  # (its imports overlap the server's start)
            from flows.report import summary_printed_by_caller

            ready()
            with summary_printed_by_caller():
                summary = ingest(
                    sources=list(args.sources),
                    out=args.out,
                    batch_size=args.batch_size,
                    workers=args.workers,
                    flush_rows=args.flush_rows,
                    runner=args.runner,
                )
    elif not args.json:
        print("nothing new: every input is already in the dataset (no Prefect run was needed)")
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        from flows.report import format_summary

        print(format_summary(summary))
    failed = summary["outcomes"].get("failed", 0)
    if summary.get("status") == "cancelled":
        return 130
    if args.fail_on_error and failed:
        print(
            f"newsflow: {failed} input(s) failed (exit 1 for --fail-on-error; the reasons are above)", file=sys.stderr
        )
        return 1
    return 0


def _compact(args: argparse.Namespace, settings: Settings) -> int:
    _dataset(args.out)
    with _prefect_server(settings) as ready:
        from flows.compact import compact

        ready()
        summary = compact(out=args.out, min_files=args.min_files)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(
            f"compacted {summary.get('partitions', 0)} partition(s) of {args.out}: "
            f"{summary.get('files_before', 0)} files -> {summary.get('files_after', 0)}, "
            f"{summary.get('duplicates_dropped', 0)} duplicate row(s) dropped"
        )
    return 0


@contextmanager
def _prefect_server(settings: Settings) -> Iterator[Callable[[], None]]:
    """Start the embedded server for this command, unless PREFECT_API_URL names a server (which
    must answer); yields the wait for it. Entered before Prefect is imported (see flows.server)."""
    from flows import collector
    from flows.server import answers, start_embedded_server

    if settings.prefect_api_url and not answers(settings.prefect_api_url):
        raise UsageError(
            f"no Prefect server answers at PREFECT_API_URL={settings.prefect_api_url} "
            "(unset it to use an embedded server, or start one: newsflow serve)"
        )

    def preloaded() -> None:
        _preload_prefect()
        collector.resume()  # the imports are done: collections again, for what the flow builds

    collector.pause()  # for the imports, until the flow is ready to run (flows.collector)
    try:
        if settings.prefect_api_url:
            yield preloaded
            return
        server = start_embedded_server(settings.prefect_startup_timeout)
        with ExitStack() as stack:

            def ready() -> None:
                preloaded()
                server.wait_healthy()
                from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

                # No flow-run heartbeats to a server that lives only as long as this process and
                # runs none of the services that read them; the flow's end waited up to 1 s for
                # their thread (it sleeps in 1 s steps).
                stack.enter_context(temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}))

            yield ready
    finally:
        collector.resume()  # (a no-op once the flow was ready; never left paused by an error)


#: Modules Prefect 3.8 imports inside ``Flow.__call__`` and on creating the first flow run.
_FIRST_CALL_IMPORTS = ("prefect.flow_engine", "prefect.utilities.visualization", "fastapi.encoders")


def _preload_prefect() -> None:
    """Import what Prefect imports lazily on the first flow call (~0.17 s of CPU) while the
    server starts, rather than after it answers: the run waits for the server, then for these."""
    for module in _FIRST_CALL_IMPORTS:
        with suppress(ImportError):  # a later Prefect may have moved them: only a little slower
            importlib.import_module(module)


# -- serve and trigger ----------------------------------------------------------------------------


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from flows.server import answers, local_server, port_in_use
    from flows.serving import serve_deployments
    from flows.settings import use_prefect_api

    project = Path(args.file)
    if not project.is_file():
        raise UsageError(f"--file {project}: no such deployments file")
    overrides = Path(args.params).expanduser() if args.params else None
    if overrides is not None:
        from flows.deployments import load_overrides, load_specs

        if not overrides.is_file():
            raise UsageError(f"--params {overrides}: no such file")
        import yaml

        try:
            unknown = set(load_overrides(overrides)) - {spec.name for spec in load_specs(project)}
        except (ValueError, OSError, yaml.YAMLError) as exc:
            raise UsageError(f"--params {' '.join(str(exc).split())}") from None
        if unknown:
            raise UsageError(f"--params {overrides}: {project} has no deployment {', '.join(sorted(unknown))}")
    if settings.prefect_api_url:
        if not answers(settings.prefect_api_url):
            raise UsageError(f"no Prefect server answers at PREFECT_API_URL={settings.prefect_api_url}")
        print(f"serving against the Prefect server at PREFECT_API_URL={settings.prefect_api_url}")
        _check_parameters(project, overrides)
        serve_deployments(project, overrides)
    else:
        if port_in_use(args.host, args.port):
            url = f"http://{args.host}:{args.port}/api"
            hint = (
                f"a Prefect server already answers there: to serve against it, set PREFECT_API_URL={url}"
                if answers(url)
                else "another program listens there"
            )
            raise UsageError(f"port {args.port} on {args.host} is taken ({hint}; or choose --port)")
        home = settings.resolved_server_home()
        print(f"starting Prefect server on {args.host}:{args.port} (PREFECT_HOME={home}, log in {home}/server.log)")
        with local_server(home, args.host, args.port, startup_timeout=settings.prefect_startup_timeout) as api_url:
            use_prefect_api(api_url)
            _check_parameters(project, overrides)
            print(f"Prefect server ready: UI at {api_url.removesuffix('/api')}")
            serve_deployments(project, overrides)
    print("newsflow serve: stopped")
    return 0


def _check_parameters(project: Path, overrides: Path | None) -> None:
    """Every deployment's parameters, overrides included, against its flow, before serving. (Only
    once this process points at its server: importing Prefect any earlier would tie it to
    another one.)"""
    from flows.deployments import check_parameters

    try:
        check_parameters(project, overrides)
    except ValueError as exc:
        raise UsageError(" ".join(str(exc).split())) from None


def _trigger(args: argparse.Namespace, settings: Settings) -> int:
    parameters: dict[str, Any] = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"-p {item!r}: not KEY=VALUE")
        try:
            parameters[key] = json.loads(value)
        except ValueError:
            parameters[key] = value
    _find_server(settings)
    from flows.triggers import TriggerError, trigger

    try:
        print(trigger(args.deployment, parameters, key=args.idempotency_key))
    except TriggerError as exc:
        raise UsageError(str(exc)) from None
    return 0


def _find_server(settings: Settings) -> None:
    """Point this process at the server to trigger on: PREFECT_API_URL, else a running serve's."""
    from flows.server import ServeNotAnswering, answers, served_url
    from flows.settings import use_prefect_api

    if settings.prefect_api_url:
        if not answers(settings.prefect_api_url):
            raise UsageError(f"no Prefect server answers at PREFECT_API_URL={settings.prefect_api_url}")
        return
    try:
        url = served_url(settings.resolved_server_home())
    except ServeNotAnswering as exc:
        raise UsageError(f"{exc}; try again in a moment") from None
    if url is None:
        raise UsageError("no Prefect server to trigger on: start `newsflow serve` (or set PREFECT_API_URL)")
    use_prefect_api(url)


# -- reading a dataset ----------------------------------------------------------------------------


def _show(args: argparse.Namespace, settings: Settings) -> int:
    from storage.query import describe

    print(describe(_dataset(args.out), storage_options=_storage_options(args.out, settings)))
    return 0


def _sql(args: argparse.Namespace, settings: Settings) -> int:
    import duckdb

    from storage.query import connect

    con = connect(_dataset(args.out), storage_options=_storage_options(args.out, settings))
    try:
        relation = con.sql(args.query)
    except duckdb.Error as exc:
        raise UsageError(" ".join(str(exc).split())) from None
    if relation is None:  # a statement without rows (SET, CREATE VIEW ...)
        return 0
    if args.format == "csv":
        relation.to_df().to_csv(sys.stdout, index=False)
    elif args.format == "json":
        for row in relation.to_df().to_dict(orient="records"):
            print(json.dumps(row, default=str, ensure_ascii=False))
    else:
        relation.show(max_rows=args.max_rows, max_width=200)
    return 0


if __name__ == "__main__":
    sys.exit(main())
