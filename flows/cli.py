"""The ``newsflow`` command line.

Prefect is imported only inside the commands that need it, after the settings module has set
newsflow's defaults, so ``newsflow --help`` is instant and worker processes stay prefect-free.
"""

import argparse
import json
import re
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from flows.settings import DASK_BATCH_SIZE, Settings, SettingsError, current_settings
from tasks.core.errors import ModelError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newsflow`` console script."""
    try:
        parser = _parser()
    except SettingsError as exc:  # a malformed NEWSFLOW_* variable: before anything starts
        print(f"newsflow: {exc}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    if not hasattr(args, "command"):
        parser.print_help()
        return 2
    return int(args.command(args))


def _parser() -> argparse.ArgumentParser:
    settings = current_settings()
    parser = argparse.ArgumentParser(prog="newsflow", description="News ingestion into partitioned Parquet.")
    sub = parser.add_subparsers(metavar="COMMAND")

    ingest = sub.add_parser(
        "ingest",
        help="ingest files, directories and web sources into a dataset",
        description="Run the Prefect flow 'ingest' (embedded server unless PREFECT_API_URL is set) over "
        "SOURCEs: files or directories (.html/.htm pages, .txt articles or URL lists, .jsonl records, "
        ".warc/.warc.gz archives) and http(s) URLs (a page, an RSS/Atom/JSON feed, a sitemap or sitemap "
        "index, a URL list).",
    )
    ingest.add_argument("sources", nargs="+", metavar="SOURCE", help="file, directory or http(s) URL")
    ingest.add_argument(
        "--out", default=settings.out, help="dataset directory or s3://bucket/prefix (default: %(default)s)"
    )
    ingest.add_argument(
        "--batch-size",
        type=int,
        default=settings.batch_size if "batch_size" in settings.model_fields_set else None,
        help=f"inputs per task (default: {settings.batch_size}; {DASK_BATCH_SIZE} with --runner dask://)",
    )
    ingest.add_argument("--workers", type=int, default=settings.workers, help="worker processes, 0 = one per core")
    ingest.add_argument(
        "--flush-rows",
        type=int,
        default=settings.flush_rows,
        help="articles buffered before each commit (default: %(default)s)",
    )
    ingest.add_argument(
        "--runner",
        default=settings.runner,
        help="where batches run: local worker processes, or dask://HOST:PORT (default: %(default)s)",
    )
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    ingest.set_defaults(command=_ingest)

    compact = sub.add_parser(
        "compact",
        help="merge small files and drop duplicate rows in a dataset",
        description="Run the Prefect flow 'compact' (embedded server unless PREFECT_API_URL is set).",
    )
    compact.add_argument("out", nargs="?", default=settings.out, help="dataset directory (default: %(default)s)")
    compact.add_argument(
        "--min-files",
        type=int,
        default=settings.compact_min_files,
        help="rewrite a partition when a table has at least this many files (default: %(default)s)",
    )
    compact.set_defaults(command=_compact)

    serve = sub.add_parser(
        "serve",
        help="run the deployments of prefect.yaml on their schedules until Ctrl-C",
        description="Start a persistent Prefect server on loopback (unless PREFECT_API_URL "
        "points to one) and serve every deployment of prefect.yaml in this process.",
    )
    serve.add_argument("--file", default="prefect.yaml", help="deployments file (default: %(default)s)")
    serve.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
    serve.add_argument("--port", type=int, default=settings.server_port, help="server port (default: %(default)s)")
    serve.set_defaults(command=_serve)

    trigger = sub.add_parser(
        "trigger",
        help="start a run of a deployment (FLOW/DEPLOYMENT), once per double-click",
        description="Create a flow run of a deployment on the Prefect server at PREFECT_API_URL. "
        "The same deployment and parameters within one minute make one run.",
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
    trigger.set_defaults(command=_trigger)

    show = sub.add_parser("show", help="print what a dataset holds, queried with DuckDB")
    show.add_argument("out", nargs="?", default=settings.out, help="dataset directory (default: %(default)s)")
    show.set_defaults(command=_show)
    return parser


def _ingest(args: argparse.Namespace) -> int:
    web = ("http://", "https://")
    missing = [s for s in args.sources if not s.lower().startswith(web) and not Path(s).exists()]
    if missing:
        print(f"newsflow: source not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    problem = _runner_problem(args.runner, current_settings())
    if problem:
        print(f"newsflow: {problem}", file=sys.stderr)
        return 2
    with _prefect_server(current_settings()) as ready:
        from flows.ingest import ingest  # (its imports overlap the server's start)

        ready()
        try:
            summary = ingest(
                sources=list(args.sources),
                out=args.out,
                batch_size=args.batch_size,
                workers=args.workers,
                flush_rows=args.flush_rows,
                runner=args.runner,
            )
        except ModelError as exc:
            print(f"newsflow: {exc}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        from flows.report import format_summary

        print(format_summary(summary))
    return 0


def _compact(args: argparse.Namespace) -> int:
    with _prefect_server(current_settings()) as ready:
        from flows.compact import compact

        ready()
        summary = compact(out=args.out, min_files=args.min_files)
    print(json.dumps(summary, indent=2))
    return 0


@contextmanager
def _prefect_server(settings: Settings) -> Iterator[Callable[[], None]]:
    """Start the embedded server for this command, unless PREFECT_API_URL names a server;
    yields the wait for it to answer. Entered before Prefect is imported (see flows.server)."""
    if settings.prefect_api_url:
        yield lambda: None
        return
    from flows.server import start_embedded_server

    yield start_embedded_server(settings.prefect_startup_timeout).wait_healthy


def _serve(args: argparse.Namespace) -> int:
    from flows.server import local_server
    from flows.settings import use_prefect_api

    settings = current_settings()
    project = Path(args.file)
    if not project.is_file():
        print(f"newsflow: no deployments file {project}", file=sys.stderr)
        return 2
    # SIGTERM (systemd, docker stop) stops as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        if settings.prefect_api_url:
            _serve_deployments(project)
        else:
            home = settings.resolved_server_home()
            print(f"starting Prefect server on {args.host}:{args.port} (PREFECT_HOME={home}, log in {home}/server.log)")
            with local_server(home, args.host, args.port, startup_timeout=settings.prefect_startup_timeout) as api_url:
                use_prefect_api(api_url)
                print(f"Prefect server ready: UI at {api_url.removesuffix('/api')}")
                _serve_deployments(project)
    except KeyboardInterrupt:
        pass
    print("newsflow serve: stopped")
    return 0


def _serve_deployments(project: Path) -> None:
    from prefect import serve

    from flows.deployments import runner_deployments

    deployments = runner_deployments(project)
    # Schedules stay active when we stop: starting `newsflow serve` again resumes them.
    serve(*deployments, pause_on_shutdown=False)


def _trigger(args: argparse.Namespace) -> int:
    parameters = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"newsflow: parameter {item!r} is not KEY=VALUE", file=sys.stderr)
            return 2
        try:
            parameters[key] = json.loads(value)
        except ValueError:
            parameters[key] = value
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment
    from prefect.exceptions import PrefectHTTPStatusError

    from flows.deployments import idempotency_key

    key = args.idempotency_key or idempotency_key(args.deployment, parameters)
    try:
        run = run_deployment(args.deployment, parameters=parameters, idempotency_key=key, timeout=0)
        assert isinstance(run, FlowRun)  # sync call: not a coroutine
    except PrefectHTTPStatusError as exc:
        print(f"newsflow: rejected: {exc.response.text}", file=sys.stderr)
        return 2
    print(f"flow run {run.id} ({run.name}) of {args.deployment}: {run.state_name}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from flows.settings import delta_options
    from storage.query import describe

    storage = delta_options(current_settings().model_copy(update={"out": args.out})).storage_options
    print(describe(args.out, storage_options=storage))
    return 0


def _runner_problem(runner: str, settings: Settings) -> str | None:
    """Why ``--runner`` cannot work, in one line, or None."""
    from flows.settings import RUNNER_ACCEPTS, RUNNER_PATTERN

    if not re.match(RUNNER_PATTERN, runner):
        return f"--runner {runner!r}: expected {RUNNER_ACCEPTS}"
    if runner != "local" and not settings.prefect_api_url:
        # With the embedded server, each Dask worker would start a server of its own.
        return f"--runner {runner} needs a Prefect server every Dask worker reaches: set PREFECT_API_URL"
    return None


if __name__ == "__main__":
    sys.exit(main())
