"""The real scraped samples in ../shared/samples through the whole per-item pipeline.

Their text stays in ../shared: expectations are derived from the raw files at test time, and only
short marker strings are written here.
"""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.core.records import ItemResult
from tasks.pipeline import PipelineOptions, process_one
from tasks.sources.discover import discover

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
            field = item.article.title if m.field == "title" else item.article.text
            assert field is not None and field[m.start : m.end] == m.text


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


#: Per sample: surface form -> the id every mention of it must carry (people, countries, cities,
#: regions, organisations named in the sample; read off the raw text by hand).
LINKS = {
    "000_": {
        "Cho Hyun-dong": "nf:person:cho-hyun-dong",
        "Wendy Sherman": "nf:person:wendy-sherman",
        "Mori Takeo": "nf:person:mori-takeo",
        "Cho": "nf:person:cho-hyun-dong",
        "North Korea": "nf:country:KP",
        "DPRK": "nf:country:KP",
        "ROK": "nf:country:KR",
        "South Korea": "nf:country:KR",
        "China": "nf:country:CN",
        "Russia": "nf:country:RU",
        "Asia-Pacific": "nf:region:asia-pacific",
        "U.N. Security Council": "nf:org:united-nations-security-council",
        "UN Security Council": "nf:org:united-nations-security-council",
    },
    "001_": {
        "Marco Rubio": "nf:person:marco-rubio",
        "Rubio": "nf:person:marco-rubio",
        "Cho Tae-yul": "nf:person:cho-tae-yul",
        "Cho": "nf:person:cho-tae-yul",
        "Takeshi Iwaya": "nf:person:takeshi-iwaya",
        "Iwaya": "nf:person:takeshi-iwaya",
        "DPRK": "nf:country:KP",
        "Munich Security Conference": "nf:org:munich-security-conference",
        "Korean Peninsula": "nf:region:korean-peninsula",
    },
    "004_": {
        "Antony Blinken": "nf:person:antony-blinken",
        "Blinken": "nf:person:antony-blinken",
        "Yoon Suk Yeol": "nf:person:yoon-suk-yeol",
        "Yoon": "nf:person:yoon-suk-yeol",
        "Park Jin": "nf:person:park-jin",
        "Park": "nf:person:park-jin",
        "Kim Jong Un": "nf:person:kim-jong-un",
        "Vladimir Putin": "nf:person:vladimir-putin",
        "Republic of Korea": "nf:country:KR",
        "Ukraine": "nf:country:UA",
        "Middle East": "nf:region:middle-east",
        "National Intelligence Service": "nf:org:national-intelligence-service",
        "United Nations Security Council": "nf:org:united-nations-security-council",
    },
}


@pytest.mark.parametrize("prefix", sorted(LINKS))
def test_samples_link_every_named_entity(samples: list[Path], prefix: str) -> None:
    item = _run(_sample(samples, prefix))
    assert item.article is not None
    text = item.article.text
    missed = []
    for name, entity_id in LINKS[prefix].items():
        occurrences = [m.start() for m in re.finditer(rf"\b{re.escape(name)}\b", text)]
        assert occurrences, f"{name!r} is not in the sample's text"
        for at in occurrences:
            # Covered by a mention with the right id: itself, or a longer name ("Cho" in
            # "Cho Tae-yul"), never a wrong or unlinked span.
            covering = [m for m in item.mentions if m.field == "text" and m.start <= at < m.end]
            if [m.entity_id for m in covering] != [entity_id]:
                missed.append((name, text[max(0, at - 30) : at + 40], [(m.text, m.entity_id) for m in covering]))
    assert not missed, f"{prefix}: {missed}"


#: Per sample: every place and country of its headline -> its id (sample 004 has no headline).
#: Sample 000's capitals occur only there, in capitals, one of them misspelt.
TITLE_LINKS = {
    "000_": {
        "SEOUL": "nf:geonames:1835848",
        "WASHINGTON": "nf:geonames:4140963",
        "TOKYO": "nf:geonames:1850147",
        "PYONGYANG": "nf:geonames:1871859",
        "MOSCOW": "nf:geonames:524901",
        "BEINJING": "nf:geonames:1816670",
    },
    "001_": {
        "US": "nf:country:US",
        "South Korea": "nf:country:KR",
        "Japan": "nf:country:JP",
        "North Korea": "nf:country:KP",
    },
}


@pytest.mark.parametrize("prefix", sorted(TITLE_LINKS))
def test_samples_link_every_named_entity_of_the_headline(samples: list[Path], prefix: str) -> None:
    item = _run(_sample(samples, prefix))
    assert item.article is not None and item.article.title is not None
    title = item.article.title
    found = {(m.text, m.entity_id) for m in item.mentions if m.field == "title"}
    for name, entity_id in TITLE_LINKS[prefix].items():
        assert re.search(rf"\b{re.escape(name)}\b", title), f"{name!r} is not in the headline"
        assert (name, entity_id) in found, f"{prefix}: {name!r} -> {entity_id} missing from {sorted(found)}"
    # Places carry their coordinates and country, from GeoNames.
    places = [m for m in item.mentions if (m.entity_id or "").startswith("nf:geonames:")]
    assert all(m.latitude is not None and m.longitude is not None and m.country_code for m in places)
