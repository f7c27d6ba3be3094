"""Golden-file corpus for extraction and cleanup: inputs, hand-written truth, output snapshots.

``cases/NAME.html|.txt``     the input (written for this project, in the style of real pages)
``cases/NAME.truth.json``    what a perfect extractor outputs, written by hand: title, body
                             paragraphs, authors, editors, published_at, language, and ``noise``
                             strings that must not survive into the body
``expected/NAME.json``       newsflow's output, regenerated only on purpose by
                             ``python -m tests.golden.regenerate`` (review the diff)

Body quality is scored with shingle F1 as in the public article-extraction benchmark: 4-token
shingles of ``\\w+`` tokens, per-document TP/FP/FN normalised to 1, then mean precision and mean
recall over documents, and F1 of those means.
"""

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tasks.pipeline import PipelineOptions, process_one
from tasks.sources.discover import discover

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
EXPECTED = HERE / "expected"
#: Fixed reference time, so a regenerated snapshot does not depend on the day it is made.
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    """One golden input and its hand-written truth."""

    name: str
    path: Path
    truth: dict[str, Any]

    @property
    def truth_body(self) -> str:
        return "\n".join(self.truth["body"])


def load_cases() -> list[Case]:
    """Every case under ``cases/``, by name."""
    cases = []
    for truth_path in sorted(CASES.glob("*.truth.json")):
        name = truth_path.name.removesuffix(".truth.json")
        inputs = [p for p in CASES.glob(f"{name}.*") if not p.name.endswith(".truth.json")]
        if len(inputs) != 1:
            raise ValueError(f"{name}: expected one input file, found {inputs}")
        cases.append(Case(name, inputs[0], json.loads(truth_path.read_text(encoding="utf-8"))))
    return cases


def run_newsflow(case: Case, options: PipelineOptions | None = None) -> dict[str, Any]:
    """The fields newsflow produces for ``case`` (the snapshot format)."""
    (ref,) = discover([str(case.path)])
    item = process_one(ref, options or PipelineOptions(), NOW, {})
    if item.article is None:
        assert item.failure is not None
        return {"failure": item.failure.reason, "detail": item.failure.detail}
    article = item.article
    return {
        "title": article.title,
        "text": article.text,
        "authors": list(article.authors),
        "editors": list(article.editors),
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "published_at_raw": article.published_at_raw,
        "date_source": article.date_source,
        "language": article.language,
        "url": article.url,
        "word_count": article.word_count,
        "rule_hits": {k: v for k, v in sorted(item.rule_hits.items()) if v},
        "entities": sorted({m.entity_name for m in item.mentions if m.entity_name}),
    }


def expected_path(case: Case) -> Path:
    return EXPECTED / f"{case.name}.json"


_TOKEN = re.compile(r"\w+", re.UNICODE)


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def shingle_match(true: str, pred: str) -> tuple[float, float, float]:
    """(tp, fp, fn) over 4-token shingles, normalised so that every document weighs the same."""
    t, p = _shingles(true), _shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def f1_score(matches: Iterable[tuple[float, float, float]]) -> dict[str, float]:
    """Mean precision, mean recall and their F1 over documents (the benchmark's definition)."""
    precisions, recalls = [], []
    for tp, fp, fn in matches:
        if fp == fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
