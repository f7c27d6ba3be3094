"""The real scraped samples in ../shared/samples through the whole per-item pipeline.

Their text stays in ../shared: expectations are derived from the raw files at test time, and only
short marker strings are written here.
"""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.discover import discover
from tasks.models import ItemResult
from tasks.pipeline import PipelineOptions, process_one

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
NOISE = ("LEAVE A REPLY", "Please enter your comment!", "CIC PRESS TEAM", "Loading", "- Category:Other", "Trackback")


def _run(path: Path) -> ItemResult:
    (ref,) = discover([str(path)])
    return process_one(ref, PipelineOptions(), NOW, {})


def _sample(samples: list[Path], prefix: str) -> Path:
    (path,) = [p for p in samples if p.name.startswith(prefix)]
    return path


def _raw_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_samples_are_present(samples: list[Path]) -> None:
    assert [p.name[:4] for p in samples] == ["000_", "001_", "004_"]


def test_every_sample_is_ingested_without_noise(samples: list[Path]) -> None:
    for path in samples:
        item = _run(path)
        assert item.failure is None, f"{path.name}: {item.failure}"
        assert item.article is not None
        lines = item.article.text.splitlines()
        for marker in NOISE:
            assert not [line for line in lines if marker in line], f"{path.name}: {marker!r} left in the text"
        # Nothing is left that is only a number (counters) or blank.
        assert all(line.strip() and not line.strip().isdigit() for line in lines), path.name
        for m in item.mentions:
            assert item.article.text[m.start : m.end] == m.text


def test_sample_000_caps_headline_is_the_title(samples: list[Path]) -> None:
    path = _sample(samples, "000_")
    first = _raw_lines(path)[0]
    item = _run(path)
    assert item.article is not None
    assert item.article.title == first.rstrip(".")
    # Its echo (the same headline again, with a full stop) is gone from the body.
    assert first.rstrip(".") not in item.article.text
    assert "CIC PRESS TEAM" in item.article.authors


def test_sample_001_marked_headline_is_the_title(samples: list[Path]) -> None:
    path = _sample(samples, "001_")
    (marked,) = [line for line in _raw_lines(path) if line.startswith("▼")]
    item = _run(path)
    assert item.article is not None
    assert item.article.title == marked.lstrip("▼ ").strip()


def test_sample_001_body_appears_once(samples: list[Path]) -> None:
    path = _sample(samples, "001_")
    raw = _raw_lines(path)
    repeated = [line for line in raw if raw.count(line) > 1]
    assert repeated, "sample 001 no longer holds a body printed twice"
    first_body_paragraph = repeated[0]
    item = _run(path)
    assert item.article is not None
    text = item.article.text
    assert text.count(first_body_paragraph) == 1
    # The whole body survives, once: every paragraph printed twice is there exactly once.
    for line in dict.fromkeys(repeated):
        assert text.splitlines().count(line) == 1
    assert item.rule_hits["repeated_body"] == 1


def test_sample_001_date_comes_from_its_date_line(samples: list[Path]) -> None:
    item = _run(_sample(samples, "001_"))
    assert item.article is not None and item.article.published_at is not None
    assert (item.article.published_at.month, item.article.published_at.day) == (2, 17)
    assert item.article.date_source == "text"


def test_sample_004_has_no_title_and_its_editors(samples: list[Path]) -> None:
    path = _sample(samples, "004_")
    first = _raw_lines(path)[0]
    item = _run(path)
    assert item.article is not None
    assert item.article.title is None
    assert item.article.text.splitlines()[0] == first
    assert item.article.editors == ("Elaine Chan", "Taejun Kang")
    assert "Edited by" not in item.article.text


@pytest.mark.parametrize(
    ("prefix", "names"),
    [
        ("000_", {"North Korea", "U.S.", "ROK", "South Korea", "Pyongyang"}),
        ("001_", {"DPRK", "North Korea", "South Korea", "Marco Rubio", "Munich Security Conference"}),
        ("004_", {"Republic of Korea", "South Korea", "U.N. Security Council", "Kim Jong Un"}),
    ],
)
def test_samples_mention_key_entities(samples: list[Path], prefix: str, names: set[str]) -> None:
    item = _run(_sample(samples, prefix))
    found = {m.text for m in item.mentions}
    missing = names - found
    assert not missing
