"""The ``newsflow`` command line.

Prefect is imported only inside the commands that need it, after the settings module has set
newsflow's defaults, so ``newsflow --help`` is instant and worker processes stay prefect-free.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from flows.settings import apply_prefect_defaults, load_settings
from tasks.errors import SourceError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newsflow`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "command"):
        parser.print_help()
        return 2
    return int(args.command(args))


def _parser() -> argparse.ArgumentParser:
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="newsflow", description="News ingestion into partitioned Parquet.")
    sub = parser.add_subparsers(metavar="COMMAND")

    ingest = sub.add_parser(
        "ingest",
        help="ingest files and directories into a dataset",
        description="Run the Prefect flow 'ingest' (embedded server unless PREFECT_API_URL "
        "is set) over SOURCEs: .html/.htm pages, .txt articles, .jsonl records.",
    )
    ingest.add_argument("sources", nargs="+", metavar="SOURCE", help="file or directory")
    ingest.add_argument("--out", default=settings.out, help="dataset directory (default: %(default)s)")
    ingest.add_argument(
        "--batch-size", type=int, default=settings.batch_size, help="inputs per task (default: %(default)s)"
    )
    ingest.add_argument("--workers", type=int, default=settings.workers, help="worker processes, 0 = one per core")
    ingest.add_argument(
        "--flush-rows",
        type=int,
        default=settings.flush_rows,
        help="articles buffered before each commit (default: %(default)s)",
    )
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    ingest.set_defaults(command=_ingest)

    show = sub.add_parser("show", help="print what a dataset holds, queried with DuckDB")
    show.add_argument("out", nargs="?", default=settings.out, help="dataset directory (default: %(default)s)")
    show.set_defaults(command=_show)
    return parser


def _ingest(args: argparse.Namespace) -> int:
    apply_prefect_defaults()
    missing = [s for s in args.sources if not Path(s).exists()]
    if missing:
        print(f"newsflow: source not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    from flows.pool import prestart
    from flows.settings import pipeline_options

    settings = load_settings()
    # Workers start importing trafilatura and spaCy now, while Prefect starts its server.
    prestart(args.workers if args.workers > 0 else settings.worker_count, pipeline_options(settings))
    from flows.ingest import ingest

    try:
        summary = ingest(
            sources=list(args.sources),
            out=args.out,
            batch_size=args.batch_size,
            workers=args.workers,
            flush_rows=args.flush_rows,
        )
    except SourceError as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        from flows.report import format_summary

        print(format_summary(summary))
    return 0


def _show(args: argparse.Namespace) -> int:
    from storage.query import describe

    print(describe(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
