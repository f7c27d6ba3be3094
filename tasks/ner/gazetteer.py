"""Load the vendored reference data (``tasks/ner/data/*.jsonl``) and users' own entries.

Every file has one JSON object per line: ``id``, ``label``, ``name``, ``aliases`` (list), and
``kind``; optionally ``names`` (language code -> that language's forms), ``country`` or
``iso2``, ``capital``, ``latitude`` and ``longitude``; other fields are kept but unused here.
See tasks/ner/data/README.md.
"""

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import cast, get_args

from anyascii import anyascii

from tasks.core.vocabulary import EntityLabel

DATA_DIR = Path(__file__).with_name("data")

_ASCII_MAP = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "ʻ": "'",
        "ʼ": "'",
        "ı": "i",
        "İ": "I",
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "ð": "d",
        "–": "-",
        "—": "-",
    }
)


def ascii_fold(text: str) -> str:
    """``text`` without diacritics and with typographic apostrophes and dashes made ASCII."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_MAP))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def slugify(text: str) -> str:
    """Lowercase ASCII slug of ``text``: apostrophes and dots vanish ("U.S." -> "us"), other runs of
    non-alphanumerics become one hyphen."""
    folded = re.sub(r"['.]", "", ascii_fold(text).lower())
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


@lru_cache(maxsize=65536)  # the same names recur across a batch's articles
def name_id(kind: str, name: str) -> str:
    """``nf:<kind>:<slug of name>``: the id of a name reference data does not list, and of a
    curated registry row, by the same rule, so an id stays when its name is added to a registry.

    Letters ASCII folding cannot keep (Cyrillic, Greek, Arabic, CJK, Devanagari...) are
    transliterated first (anyascii: "Путин" -> ``putin``, "習近平" -> ``xijinping``); a name
    with nothing left even then (symbols, emoji) is ``h-`` and a hash of its normalised
    spelling. Either way no two different names share an id by losing their letters.
    """
    folded = ascii_fold(name)
    slug = slugify(folded if folded.isascii() else anyascii(folded))
    if not slug:
        normalised = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
        slug = "h-" + hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]
    return f"nf:{kind}:{slug}"


#: When two entries claim one surface form, the earlier kind wins.
KIND_PRIORITY: tuple[str, ...] = ("person", "organisation", "country", "demonym", "city", "region")


#: Labels an entry may carry (the labels of mentions).
LABELS: frozenset[str] = frozenset(get_args(EntityLabel))


@dataclass(frozen=True, slots=True)
class Entry:
    """One entity of the gazetteer and the surface forms that name it."""

    entity_id: str | None
    label: EntityLabel
    name: str
    kind: str
    #: Forms matched in every language (the English name, aliases, ASCII spellings).
    forms: tuple[str, ...]
    #: ISO 3166 alpha-2 code of the country (countries, cities, the demonyms of one country), and
    #: whether a city is a capital.
    country: str | None = None
    capital: bool = False
    #: Coordinates of a place (cities: GeoNames), WGS84 degrees.
    latitude: float | None = None
    longitude: float | None = None
    #: Forms matched only in articles of one language: ISO 639-1 code -> forms ("de" -> "Südkorea").
    local_forms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def default_files() -> list[Path]:
    """The vendored data files, in a stable order."""
    return sorted(DATA_DIR.glob("*.jsonl"))


def load_entries(paths: Iterable[str | os.PathLike[str]]) -> list[Entry]:
    """Entries from every file in ``paths``, ordered by kind priority, then file order."""
    entries = [entry for path in paths for entry in _read(Path(path))]
    rank = {kind: i for i, kind in enumerate(KIND_PRIORITY)}
    return sorted(entries, key=lambda e: rank.get(e.kind, len(rank)))


def _read(path: Path) -> Iterator[Entry]:
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                label = str(row["label"])
                if label not in LABELS:
                    raise ValueError(f"label {label!r} is not one of {sorted(LABELS)}")
                local = {str(lang): _forms(forms) for lang, forms in (row.get("names") or {}).items()}
                yield Entry(
                    entity_id=row.get("id"),
                    label=cast(EntityLabel, label),
                    name=str(row["name"]),
                    kind=str(row.get("kind", "")),
                    forms=_forms([row["name"], *row.get("aliases", [])]),
                    country=row.get("iso2") or row.get("country"),
                    capital=bool(row.get("capital", False)),
                    latitude=_coordinate(row.get("latitude")),
                    longitude=_coordinate(row.get("longitude")),
                    local_forms={lang: forms for lang, forms in local.items() if forms},
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: bad gazetteer entry: {exc}") from exc


def _forms(values: Iterable[object]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f.strip() for f in values if isinstance(f, str) and f.strip()))


def _coordinate(value: object) -> float | None:
    return None if value is None else float(cast(float, value))
