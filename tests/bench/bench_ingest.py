"""`make bench`: a whole `newsflow ingest` against a bare trafilatura loop, on real pages.

Prints figures, asserts nothing. The pages are the distinct pages of ../shared/devset (real sites,
many languages); where ../shared is absent, the generated corpus of tests/support/corpus.py.

- the bare loop: single-process ``trafilatura.extract`` over every page (default options), wall
  and CPU time;
- ``newsflow ingest`` of the same pages in a fresh process (Prefect's embedded server start-up,
  collection, workers, Parquet commits; entity tagging on), ``--rounds`` times, each round
  followed by a bare loop and measured against the mean of the bare loops either side of it
  (this machine's speed drifts by a quarter within minutes): wall time and its ratio to the bare
  loop per round; for the median round, CPU of the parent and of all worker processes, per page,
  against the bare loop's, and CPU ms/page by stage as the workers and the parent report them
  (``--json`` summary);
- peak RSS of the process tree at a quarter of the corpus and at all of it (flat in corpus size);
- a re-run over the unchanged pages, against the first run.

Usage: python -m tests.bench.bench_ingest [--pages N] [--workdir DIR] [--rounds N]
"""

import argparse
import compileall
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import trafilatura

from flows.server import EMBEDDED_APP
from tests.support import ROOT, SHARED
from tests.support.corpus import write_corpus

DEVSET = SHARED / "devset"


@dataclass
class Run:
    """What one `newsflow ingest` cost."""

    wall: float
    peak_rss: int
    parent_cpu: float
    workers_cpu: float
    server_cpu: float
    summary: dict[str, Any] = field(default_factory=dict)


def real_pages(target: Path, limit: int | None) -> list[Path]:
    """The dev set's distinct pages as plain .html files under ``target`` (written once)."""
    target.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    paths = []
    for source in sorted((DEVSET / "pages").glob("*.html.gz")):
        body = gzip.decompress(source.read_bytes())
        digest = hashlib.sha256(body).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        path = target / source.name.removesuffix(".gz")
        if not path.exists():
            path.write_bytes(body)
        paths.append(path)
        if limit is not None and len(paths) == limit:
            break
    return paths


def bare_loop(paths: list[Path]) -> tuple[float, float]:
    """(wall, CPU) seconds of single-process ``trafilatura.extract`` over every page."""
    wall, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        trafilatura.extract(path.read_text(encoding="utf-8", errors="replace"))
    return time.perf_counter() - wall, time.process_time() - cpu


def timed_ingest(corpus: Path, out: Path) -> Run:
    """One CLI run in a fresh process, sampled for memory and CPU of its whole process tree."""
    cmd = [str(Path(sys.executable).with_name("newsflow")), "ingest", str(corpus), "--out", str(out), "--json"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak, parent_cpu = 0, 0.0
    children_cpu: dict[int, tuple[bool, float]] = {}  # pid -> (is the Prefect server, CPU seconds)
    stop = threading.Event()

    def sample() -> None:
        # Cheap enough not to weigh on the run it measures (the bare loops run unsampled): the
        # process tree is listed again every 0.5 s (psutil walks all of /proc for it), its
        # memory and CPU read every 0.1 s. Sampled every 0.05 s with the tree listed each time,
        # this thread took ~0.9 s of CPU per ingest, ~2 % of the two cores.
        nonlocal peak, parent_cpu
        root = psutil.Process(proc.pid)
        tree: list[psutil.Process] = [root]
        listed = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() - listed >= 0.5:
                    tree, listed = [root, *root.children(recursive=True)], time.monotonic()
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
                times = root.cpu_times()
                parent_cpu = times.user + times.system
                for child in tree[1:]:
                    t = child.cpu_times()
                    server = children_cpu[child.pid][0] if child.pid in children_cpu else _is_server(child)
                    children_cpu[child.pid] = (server, t.user + t.system)  # the last sample before it exits
            except psutil.Error:
                listed = 0.0  # one of them exited: list the tree again
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"newsflow ingest failed (exit {proc.returncode}):\n{output[-2000:]}")
    summary = json.loads(output[output.index("{") :])
    server = sum(cpu for is_server, cpu in children_cpu.values() if is_server)
    workers = sum(cpu for is_server, cpu in children_cpu.values() if not is_server)
    return Run(wall, peak, parent_cpu, workers, server, summary)


def _is_server(process: psutil.Process) -> bool:
    return EMBEDDED_APP in process.cmdline()


#: The workers' stages in pipeline order (``tag.*`` are parts of ``tag``).
STAGE_ORDER = ("load", "extract", "clean", "language", "tag")


def stage_lines(run: Run, n: int) -> str:
    """The run's CPU ms/page by worker stage (tagging's parts indented under it) and the parent's
    own CPU by step; the rest of the parent's CPU is what the flow's thread does not account for:
    its start-up before the flow (imports, settings, the flow run's creation), Prefect's client
    threads, and the threads that hand batches over and unpickle results."""
    stages = run.summary.get("stage_seconds", {})
    ms = {k: 1000 * v / n for k, v in stages.items()}
    order = [k for k in STAGE_ORDER if k in ms] + sorted(k for k in ms if k not in STAGE_ORDER and "." not in k)
    lines = ["CPU ms/page by worker stage: " + ", ".join(f"{k} {ms[k]:.2f}" for k in order)]
    parts = sorted(k for k in ms if k.startswith("tag."))
    if parts:
        lines.append("  of which tag: " + ", ".join(f"{k.removeprefix('tag.')} {ms[k]:.2f}" for k in parts))
    parent = run.summary.get("parent_seconds", {})
    if parent:
        flow = parent.get("flow", 0.0)
        steps = {k: v for k, v in parent.items() if k != "flow"}
        shown = [f"{k} {1000 * v / n:.2f}" for k, v in sorted(steps.items())]
        shown.append(f"rest of the flow's thread {1000 * (flow - sum(steps.values())) / n:.2f}")
        others = 1000 * (run.parent_cpu - flow) / n
        shown.append(f"start-up and other threads (imports, Prefect, batch hand-over) {others:.2f}")
        lines.append("parent CPU ms/page: " + ", ".join(shown))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=None, help="at most this many pages (default: all)")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".bench")
    parser.add_argument("--rounds", type=int, default=2, help="full ingests, each between two bare loops (default: 2)")
    args = parser.parse_args()

    if (DEVSET / "pages").is_dir():
        corpus = args.workdir / "devset-pages"
        paths = real_pages(corpus, args.pages)
        kind = "distinct real pages of ../shared/devset"
    else:
        count = args.pages or 2000
        corpus = args.workdir / f"corpus-{count}"
        if not corpus.is_dir() or len(list(corpus.glob("*.html"))) != count:
            shutil.rmtree(corpus, ignore_errors=True)
            write_corpus(corpus, count, seed=1)
        paths = sorted(corpus.glob("*.html"))
        kind = "generated pages (../shared is absent)"
    n = len(paths)
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    print(f"corpus: {n} {kind}, {size_mb:.0f} MB, {psutil.cpu_count()} cores")

    # Byte-compile newsflow as an install does (the Makefile's install step; sources edited since
    # would otherwise be compiled again in every process when PYTHONDONTWRITEBYTECODE is set).
    for package in ("flows", "tasks", "storage"):
        compileall.compile_dir(ROOT / package, quiet=1)
    # Warm the Prefect home (its first start runs migrations) so the figures are steady-state runs.
    warmup = args.workdir / "warmup"
    if not warmup.is_dir():
        write_corpus(warmup, 20, seed=2)
    timed_ingest(warmup, args.workdir / "out-warmup")

    # Bare loops and full ingests alternate, each ingest measured against the mean of the bare
    # loops either side of it: this machine's speed drifts by a quarter within minutes, and a
    # ratio taken across the drift says more about the machine than about newsflow.
    bare = [bare_loop(paths)]
    print(
        f"bare trafilatura.extract loop: {bare[0][0]:.1f} s, {n / bare[0][0]:.1f} pages/s, "
        f"{1000 * bare[0][1] / n:.1f} CPU ms/page"
    )
    rounds: list[tuple[Run, float, float]] = []  # (the run, the bare loop's wall and CPU around it)
    for i in range(args.rounds):
        out = args.workdir / "out-full"
        shutil.rmtree(out, ignore_errors=True)
        run = timed_ingest(corpus, out)
        bare.append(bare_loop(paths))
        (wall0, cpu0), (wall1, cpu1) = bare[-2], bare[-1]
        rounds.append((run, (wall0 + wall1) / 2, (cpu0 + cpu1) / 2))
        print(
            f"round {i + 1}: newsflow ingest {run.wall:.1f} s, then the bare loop {wall1:.1f} s: "
            f"{run.wall / rounds[-1][1]:.2f}x the mean of the bare loops either side"
        )
    ranked = sorted(rounds, key=lambda r: r[0].wall / r[1])
    ratios = [run.wall / wall for run, wall, _ in ranked]
    # The median round (of two, the slower one): its figures are the ones printed below.
    full, bare_wall, bare_cpu = ranked[len(ranked) // 2]

    quarter = args.workdir / f"{corpus.name}-quarter"
    shutil.rmtree(quarter, ignore_errors=True)
    quarter.mkdir(parents=True)
    for path in paths[: n // 4]:
        # Hard links: a symlink leaving its SOURCE directory is refused (outside_source).
        (quarter / path.name).hardlink_to(path)
    shutil.rmtree(args.workdir / "out-quarter", ignore_errors=True)
    q = timed_ingest(quarter, args.workdir / "out-quarter")
    rerun = timed_ingest(corpus, args.workdir / "out-full")

    outcomes = full.summary["outcomes"]
    spread = f" (rounds: {', '.join(f'{r:.2f}x' for r in ratios)})" if len(ratios) > 1 else ""
    print(
        f"newsflow ingest (fresh process, embedded Prefect server, tagging on), the median round: "
        f"{full.wall:.1f} s, {n / full.wall:.1f} pages/s, {full.wall / bare_wall:.2f}x the bare loop "
        f"(target <= 0.6x){spread}"
    )
    print("  " + ", ".join(f"{k} {v}" for k, v in outcomes.items()))
    print(
        f"CPU per page across all workers: {1000 * full.workers_cpu / n:.1f} ms ({full.workers_cpu / bare_cpu:.2f}x "
        f"the bare loop's {1000 * bare_cpu / n:.1f} ms; target <= 1.1x); the parent's own: "
        f"{1000 * full.parent_cpu / n:.1f} ms/page ({full.parent_cpu:.1f} s); "
        f"the Prefect server's: {full.server_cpu:.1f} s"
    )
    print(stage_lines(full, n))
    print(
        f"peak RSS of the process tree: {q.peak_rss / 2**20:.0f} MiB for {n // 4} pages, "
        f"{full.peak_rss / 2**20:.0f} MiB for {n} pages ({full.peak_rss / q.peak_rss:.2f}x for 4x the pages; "
        "target <= 1.15x)"
    )
    print(
        f"re-run over unchanged input: {rerun.wall:.1f} s "
        f"({rerun.wall / full.wall:.2f}x the first run; target <= 0.2x), "
        + ", ".join(f"{k} {v}" for k, v in rerun.summary["outcomes"].items())
    )


if __name__ == "__main__":
    main()
