"""Golden tests: snapshots must match exactly; against the hand-written truth, noise must be
gone, fields right, and the body close (shingle F1) with nothing of a clean page lost."""

import json
from collections import Counter
from datetime import datetime

import pytest
import trafilatura

from tasks.sources.load import decode
from tasks.text.words import count_words
from tests.golden.golden import Case, expected_path, load_cases, run_newsflow, shingle_match

CASES = load_cases()
IDS = [c.name for c in CASES]


def test_corpus_is_there() -> None:
    assert len(CASES) >= 12


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_output_matches_snapshot(case: Case) -> None:
    expected = json.loads(expected_path(case).read_text(encoding="utf-8"))
    assert run_newsflow(case) == expected, "run `python -m tests.golden.regenerate` if the change is intended"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_output_matches_hand_written_truth(case: Case) -> None:
    out = run_newsflow(case)
    truth = case.truth
    assert "failure" not in out, out
    for noise in truth["noise"]:
        assert noise not in out["text"], f"noise survived: {noise!r}"
    assert out["title"] == truth["title"]
    assert out["authors"] == truth["authors"]
    assert out["editors"] == truth["editors"]
    if truth["published_at"] is not None:
        assert out["published_at"] == datetime.fromisoformat(truth["published_at"]).isoformat()
    assert out["language"] == truth["language"]
    tp, fp, fn = shingle_match(case.truth_body, out["text"])
    assert tp / (tp + fp) >= 0.95 and tp / (tp + fn) >= 0.95, (tp, fp, fn)


def _bare(case: Case) -> str:
    return trafilatura.extract(decode(case.path.read_bytes()), include_comments=False) or ""


def _noise_free(case: Case) -> bool:
    text = _bare(case)
    if not text:
        return False  # trafilatura finds no article (a page newsflow's fallback rescues): no baseline
    long_lines = [line for line in text.splitlines() if len(line) >= 40]
    return not any(n in text for n in case.truth["noise"]) and len(set(long_lines)) == len(long_lines)


#: HTML pages whose trafilatura output holds none of the case's noise and no repeated paragraph:
#: nothing for cleanup to remove.
CLEAN_HTML = [c for c in CASES if c.path.suffix != ".txt" and _noise_free(c)]


def test_there_are_clean_pages_to_check() -> None:
    assert len(CLEAN_HTML) >= 2


@pytest.mark.parametrize("case", CLEAN_HTML, ids=[c.name for c in CLEAN_HTML])
def test_clean_pages_lose_nothing(case: Case) -> None:
    """On a page without noise, cleanup keeps >= 99 % of the words trafilatura extracted."""
    base = Counter(_bare(case).split())
    kept = Counter(run_newsflow(case)["text"].split())
    assert count_words(_bare(case)) > 50  # words as tasks.text.words counts them (Japanese has no spaces)
    assert (base & kept).total() >= 0.99 * base.total()
