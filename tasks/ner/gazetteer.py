"""Load the vendored reference data (``tasks/ner/data/*.jsonl``) and users' own entries.

Every file has one JSON object per line: ``id``, ``label``, ``name``, ``aliases`` (list), and
``kind``; other fields are kept but unused here. See tasks/ner/data/README.md.
"""

import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

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


def name_id(kind: str, name: str) -> str:
    """``nf:<kind>:<slug of name>``: the id of a name reference data does not list, and of a
    curated registry row, by the same rule, so an id stays when its name is added to a registry."""
    return f"nf:{kind}:{slugify(name)}"


#: When two entries claim one surface form, the earlier kind wins.
KIND_PRIORITY: tuple[str, ...] = ("person", "organisation", "country", "demonym", "city", "region")


@dataclass(frozen=True, slots=True)
class Entry:
    """One entity of the gazetteer and the surface forms that name it."""

    entity_id: str | None
    label: str
    name: str
    kind: str
    forms: tuple[str, ...]
    #: ISO 3166 alpha-2 code of the country (countries and cities), and whether a city is a capital.
    country: str | None = None
    capital: bool = False


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
                forms = [row["name"], *row.get("aliases", [])]
                yield Entry(
                    entity_id=row.get("id"),
                    label=str(row["label"]),
                    name=str(row["name"]),
                    kind=str(row.get("kind", "")),
                    forms=tuple(dict.fromkeys(f.strip() for f in forms if isinstance(f, str) and f.strip())),
                    country=row.get("iso2") or row.get("country"),
                    capital=bool(row.get("capital", False)),
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: bad gazetteer entry: {exc}") from exc
