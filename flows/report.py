"""The run summary: counts by outcome and reason, cleanup-rule hits, top entities, timings.

One object feeds the terminal, the Prefect markdown artifact and the flow's return value, so the
three never disagree.
"""

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flows.progress import console_handlers
from storage.dataset import CommitStats
from tasks.core.records import BatchResult, ItemResult
from tasks.core.vocabulary import OUTCOMES, Outcome
from tasks.sources.discover import DiscoverOptions

_suffixes = DiscoverOptions()
#: What a directory SOURCE contributes, for the warning about one that contributed nothing.
EMPTY_SOURCE_HINT = (
    "directories contribute files named "
    + " ".join(
        (*_suffixes.html_suffixes, *_suffixes.text_suffixes, *_suffixes.jsonl_suffixes, *_suffixes.warc_suffixes)
    )
    + " (hidden files and folders are skipped); name other files explicitly"
)

#: ``extra`` of the summary's log record: a caller that prints the summary itself keeps that
#: record off the console (``summary_printed_by_caller``), and the API's log still has it.
_SUMMARY_ATTRIBUTE = "newsflow_summary"
SUMMARY_LOG_EXTRA = {_SUMMARY_ATTRIBUTE: True}


@contextmanager
def summary_printed_by_caller() -> Iterator[None]:
    """While the block runs, Prefect's console handlers drop the summary's log record: the CLI
    prints the summary on stdout, and a cron log taking both streams would hold it twice."""

    def keep(record: logging.LogRecord) -> bool:
        return not getattr(record, _SUMMARY_ATTRIBUTE, False)

    consoles = console_handlers()
    for handler in consoles:
        handler.addFilter(keep)
    try:
        yield
    finally:
        for handler in consoles:
            handler.removeFilter(keep)


@dataclass
class RunSummary:
    """Accumulated while a run goes on; rendered at the end."""

    run_id: str
    out: str
    discovered: int = 0
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    failure_reasons: Counter[str] = field(default_factory=Counter)
    rule_hits: Counter[str] = field(default_factory=Counter)
    entities: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: CPU seconds the workers spent per stage (``tasks.pipeline``; ``tag.*``: parts of ``tag``).
    stage_seconds: Counter[str] = field(default_factory=Counter)
    #: CPU seconds the flow's own thread spent per step: ``collect`` (discovery, hashing, the
    #: ledger's lookups), ``commit`` (Parquet writes, dedup, state), ``surnames`` (lone surnames
    #: linked across articles), ``flow`` (all of the thread's run, these included).
    parent_seconds: dict[str, float] = field(default_factory=dict)
    orphans_removed: int = 0
    files_written: int = 0
    elapsed: float = 0.0
    error: str | None = None
    cancelled: bool = False
    #: Directory SOURCEs in which no file had a known suffix (said in the summary, not an error).
    empty_sources: list[str] = field(default_factory=list)

    def add_batch(self, result: BatchResult) -> None:
        """Count what the workers reported for one batch: cleanup hits and timings."""
        self.stage_seconds.update(result.timings)
        for item in result.items:
            self.rule_hits.update(item.rule_hits)

    def add_commit(self, stats: CommitStats, items: Sequence[ItemResult] = ()) -> None:
        """Count the outcomes and failure reasons the dataset recorded for one commit, and the
        entities of the articles it wrote (a duplicate's mentions are not in the dataset)."""
        self.outcomes.update(stats.outcomes)
        self.failure_reasons.update(stats.reasons)
        self.files_written += len(stats.files)
        counted: set[str] = set()  # the first item of an article id is the one written
        for item in items:
            if item.article is None or item.article.article_id not in stats.written - counted:
                continue
            counted.add(item.article.article_id)
            for mention in item.mentions:
                if mention.entity_name:
                    self.entities[(mention.entity_name, mention.label)] += 1

    def add_skip(self, outcome: Outcome, count: int = 1) -> None:
        """Count inputs that needed no work (``unchanged``, ``duplicate``)."""
        self.outcomes[outcome] += count

    @property
    def processed(self) -> int:
        """Inputs with a final outcome so far."""
        return sum(self.outcomes.values())

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the flow's return value and JSON output."""
        return {
            "run_id": self.run_id,
            "out": self.out,
            "discovered": self.discovered,
            "outcomes": {k: self.outcomes.get(k, 0) for k in OUTCOMES},
            "failure_reasons": dict(self.failure_reasons.most_common()),
            "rule_hits": dict(sorted(self.rule_hits.items())),
            "top_entities": [
                {"entity": name, "label": label, "mentions": n} for (name, label), n in self.entities.most_common(10)
            ],
            "stage_seconds": {k: round(v, 2) for k, v in sorted(self.stage_seconds.items())},
            "parent_seconds": {k: round(v, 3) for k, v in sorted(self.parent_seconds.items())},
            "orphans_removed": self.orphans_removed,
            "files_written": self.files_written,
            "elapsed_seconds": round(self.elapsed, 2),
            "status": "cancelled" if self.cancelled else "failed" if self.error else "completed",
            "error": self.error,
            "empty_sources": list(self.empty_sources),
        }

    def run_row(self) -> dict[str, Any]:
        """The counts for this run's row in the ``runs`` table (timing columns added by the caller)."""
        return {
            "discovered": self.discovered,
            **{k: self.outcomes.get(k, 0) for k in OUTCOMES},
            "report": self.to_markdown(),
        }

    def to_markdown(self) -> str:
        """The report left as a Prefect artifact."""
        data = self.as_dict()
        status = f"**failed**: `{self.error}`" if self.error else data["status"]
        lines = [
            f"# newsflow ingest `{self.run_id}`",
            "",
            f"Output: `{self.out}`; {status}",
            "",
            "| outcome | inputs |",
            "|---|---:|",
        ]
        lines += [f"| {k} | {v} |" for k, v in data["outcomes"].items()]
        if self.failure_reasons:
            lines += ["", "| failure reason | inputs |", "|---|---:|"]
            lines += [f"| {k} | {v} |" for k, v in data["failure_reasons"].items()]
        lines += ["", "| cleanup rule | hits |", "|---|---:|"]
        lines += [f"| {k} | {v} |" for k, v in data["rule_hits"].items()]
        if data["top_entities"]:
            lines += ["", "| entity | label | mentions |", "|---|---|---:|"]
            lines += [f"| {e['entity']} | {e['label']} | {e['mentions']} |" for e in data["top_entities"]]
        lines += [
            "",
            f"{self.discovered} inputs in {data['elapsed_seconds']} s; "
            f"{self.files_written} files written; worker CPU seconds by stage: {data['stage_seconds']}; "
            f"the flow's: {data['parent_seconds']}",
        ]
        return "\n".join(lines)

    def to_text(self) -> str:
        """The summary printed at the end of ``newsflow ingest``."""
        return format_summary(self.as_dict())


def format_summary(data: dict[str, Any]) -> str:
    """Render a summary dict (``RunSummary.as_dict()``, the flow's return value) for a terminal."""
    counts = ", ".join(f"{k} {v}" for k, v in data["outcomes"].items())
    stopped = " (stopped early: the rest is done by the next run)" if data.get("status") == "cancelled" else ""
    lines = [f"{data['discovered']} inputs in {data['elapsed_seconds']} s: {counts}{stopped}"]
    if data["failure_reasons"]:
        lines.append("failures: " + ", ".join(f"{k} {v}" for k, v in data["failure_reasons"].items()))
    hits = {k: v for k, v in data["rule_hits"].items() if v}
    if hits:
        lines.append("cleanup hits: " + ", ".join(f"{k} {v}" for k, v in hits.items()))
    if data["top_entities"]:
        lines.append("top entities: " + ", ".join(f"{e['entity']} ({e['mentions']})" for e in data["top_entities"][:6]))
    for source in data.get("empty_sources", ()):
        lines.append(f"warning: no inputs in {source}: {EMPTY_SOURCE_HINT}")
    lines.append(f"output: {data['out']}")
    return "\n".join(lines)
