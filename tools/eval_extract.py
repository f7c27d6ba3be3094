"""newsflow's extraction on the development set, side by side with bare trafilatura, in one run.

    python -m tools.eval_extract [--devset ../shared/devset] [--limit N] [--no-baseline] [--json] [--dump FILE]

newsflow runs the real per-item path (load -> extract -> clean -> language: ``process_one`` with
tagging off), in this process, on a JSONL file materialized from the dev set exactly as
``score.py materialize`` writes it, so the figures agree with ``newsflow ingest`` of that file
scored by ``score.py dataset``. The baseline is ``trafilatura.bare_extraction`` with metadata and
the page URL, as ``score.py trafilatura`` runs it. Both are scored by the dev set's own
``score()``, per suite and field; CPU time (``time.process_time``) is measured per page around
each. The dev set is not part of the repository: without it the tool says so and exits 0.
"""

import argparse
import importlib.util
import json
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEVSET = ROOT.parent / "shared" / "devset"
COLUMNS = ("pages", "matched", "title", "date", "authors", "body_snippets", "body_words")

Pred = dict[str, Any]


def load_scorer(devset: Path) -> ModuleType:
    """The dev set's ``score.py``, imported by path (it is not a package)."""
    spec = importlib.util.spec_from_file_location("devset_score", devset / "score.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {devset / 'score.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def materialize(scorer: ModuleType, gold: list[dict[str, Any]], path: Path) -> None:
    """The pages as one JSONL input, one ``{"url", "html"}`` per line in gold order (as score.py does)."""
    with path.open("w", encoding="utf-8") as out:
        for record in gold:
            page = {"url": scorer.page_url(record), "html": scorer.page_html(record)}
            out.write(json.dumps(page, ensure_ascii=False) + "\n")


def _newsflow_pred(article: Any) -> Pred:
    """What ``score.from_dataset`` reads from an articles row."""
    raw = article.published_at_raw or ""
    published = article.published_at
    return {
        "title": article.title,
        "authors": list(article.authors),
        "text": article.text,
        "date": published.date().isoformat() if published else None,
        "date_local": raw[:10] if published and re.match(r"\d{4}-\d\d-\d\d", raw) else None,
    }


def _trafilatura_pred(doc: Any) -> Pred:
    """What ``score.from_trafilatura`` reads from a bare_extraction result."""
    fields = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    authors = [a.strip() for a in (fields.get("author") or "").split(";") if a.strip()]
    return {"title": fields.get("title"), "authors": authors, "text": fields.get("text"), "date": fields.get("date")}


def run(
    scorer: ModuleType, gold: list[dict[str, Any]], path: Path, keep: set[int], systems: tuple[str, ...]
) -> tuple[dict[str, dict[int, Pred]], dict[str, list[float]], dict[str, float], dict[int, int]]:
    """Every system on every kept page, page by page: the CPU time of each is measured back to
    back on the same page, so a busy machine slows all of them alike and their ratio holds.

    Returns predictions per system, CPU seconds per page per system, newsflow's wall seconds
    per stage, and the pages newsflow took for a copy of an earlier page's article (copy ->
    the page it copies).
    """
    import trafilatura

    from tasks.pipeline import PipelineOptions, process_one
    from tasks.sources.discover import discover
    from tasks.text import selectors

    options = PipelineOptions()
    now = datetime.now(UTC)
    preds: dict[str, dict[int, Pred]] = {s: {} for s in systems}
    cpu: dict[str, list[float]] = {s: [] for s in systems}
    stages: dict[str, float] = {}
    # Dedup as the dataset does: an article whose canonical URL or text was already written is
    # not written again, so it has no row of its own (score.py then counts the page as missed).
    first: dict[str, int] = {}
    copies: dict[int, int] = {}
    for ref in discover([str(path)]):
        index = (ref.line or 0) - 1
        if index not in keep:
            continue
        record = gold[index]
        for system in systems:
            if system == "newsflow":
                start = time.process_time()
                item = process_one(ref, options, now, stages, tag=False)
                cpu[system].append(time.process_time() - start)
                article = item.article
                if article is not None:
                    keys = (article.article_id, article.content_hash)
                    original = next((first[k] for k in keys if k in first), None)
                    if original is None:
                        first.update(dict.fromkeys(keys, index))
                        preds[system][index] = _newsflow_pred(article)
                    else:
                        copies[index] = original
                continue
            html = scorer.page_html(record)
            doc: Any
            # trafilatura as it ships: without the faster selectors newsflow installs in it.
            with selectors.originals():
                start = time.process_time()
                if system == "trafilatura":
                    doc = trafilatura.bare_extraction(html, url=record.get("url"), with_metadata=True)
                else:  # "extract": the plain text-extraction loop, the reference of the CPU budget
                    doc = trafilatura.extract(html, url=record.get("url"))
                cpu[system].append(time.process_time() - start)
            if system == "trafilatura" and doc is not None:
                preds[system][index] = _trafilatura_pred(doc)
    return preds, cpu, stages, copies


#: The result line where a deduplicated copy is scored as the article it copies.
COPIES_CREDITED = "newsflow*"


def render(results: dict[str, dict[str, Any]], cpu: dict[str, float]) -> str:
    """One block per suite, one line per system; then CPU ms per page."""
    lines = [f"{'suite':<13}{'system':<13}" + "".join(f"{c:>14}" for c in COLUMNS)]
    suites = sorted(next(iter(results.values())), key=lambda s: (s == "all", s))
    for suite in suites:
        for system, result in results.items():
            row = result.get(suite, {})
            lines.append(f"{suite:<13}{system:<13}" + "".join(f"{row.get(c, '-')!s:>14}" for c in COLUMNS))
    lines.append("")
    lines.extend(f"CPU ms/page  {system:<13}{ms:>8.1f}" for system, ms in cpu.items())
    if "extract" in cpu:
        ratio = cpu["newsflow"] / cpu["extract"]
        lines.append(f"newsflow (no tagging) / trafilatura.extract: {ratio:.2f}")
    return "\n".join(lines)


def _subset(preds: dict[int, Pred], keep: list[int]) -> dict[int, Pred]:
    return {new: preds[old] for new, old in enumerate(keep) if old in preds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET, help="the dev set directory")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (a quick check)")
    parser.add_argument("--every", type=int, default=1, help="only every Nth page (a quick CPU measurement)")
    parser.add_argument("--suite", default=None, help="only pages of this suite (trafilatura, htmldate, ...)")
    parser.add_argument("--no-baseline", action="store_true", help="skip bare trafilatura")
    parser.add_argument(
        "--budget", action="store_true", help="also time a plain trafilatura.extract loop (the CPU budget's yardstick)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--dump", type=Path, default=None, help="write per-page predictions and gold as JSONL")
    args = parser.parse_args(argv)

    if not (args.devset / "gold.jsonl").is_file():
        print(f"eval-extract: no dev set at {args.devset} (gold.jsonl missing): nothing to measure", file=sys.stderr)
        return 0
    scorer = load_scorer(args.devset)
    gold: list[dict[str, Any]] = scorer.load_gold()
    keep = [i for i, g in enumerate(gold) if args.suite is None or args.suite in g["sources"]]
    keep = keep[:: args.every][: args.limit]
    kept = set(keep)
    subset_gold = [gold[i] for i in keep]

    systems = ("newsflow",) + (() if args.no_baseline else ("trafilatura",)) + (("extract",) if args.budget else ())
    with tempfile.TemporaryDirectory(prefix="eval-extract-") as tmp:
        jsonl = Path(tmp) / "devset.jsonl"
        materialize(scorer, gold, jsonl)
        all_preds, cpu, stages, copies = run(scorer, gold, jsonl, kept, systems)
    cpu_ms = {system: 1000 * sum(times) / max(1, len(times)) for system, times in cpu.items()}
    all_preds.pop("extract", None)

    results = {system: scorer.score(subset_gold, _subset(preds, keep)) for system, preds in all_preds.items()}
    if copies:
        # The same figures with a deduplicated copy scored as the article it copies: the dev set
        # holds a few articles twice, which a dataset rightly writes once.
        credited = dict(all_preds["newsflow"])
        credited.update({copy: credited[original] for copy, original in copies.items()})
        results[COPIES_CREDITED] = scorer.score(subset_gold, _subset(credited, keep))
    pages = max(1, len(keep))
    stage_ms = {name: round(1000 * secs / pages, 2) for name, secs in stages.items()}
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for i in keep:
                row = {"index": i, "gold": gold[i], **{s: p.get(i) for s, p in all_preds.items()}}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps({"results": results, "cpu_ms_per_page": cpu_ms, "newsflow_stage_ms": stage_ms}, indent=1))
    else:
        print(render(results, cpu_ms))
        if copies:
            print(f"{COPIES_CREDITED}: the {len(copies)} pages that copy an earlier page's article scored as it")
        print("newsflow stages (wall ms/page): " + ", ".join(f"{k} {v}" for k, v in stage_ms.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
