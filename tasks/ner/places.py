"""GeoNames places that link what the model found, without being matched in text themselves.

``tasks/ner/data/places.tsv`` (built by ``make gazetteer``) lists the cities of 100,000+ that
the matched reference data does not have, and the US states: one row per name, its GeoNames id,
country and coordinates. A place name the model tagged that is none of the gazetteer's forms
("Las Vegas", "Cork", "California") takes that row's id. These names are not matched on their
own: thousands of town names are also words or surnames, and only the model knows which use a
sentence makes of one.
"""

import csv
from pathlib import Path

from tasks.ner.gazetteer import DATA_DIR, Entry

PLACES_FILE = DATA_DIR / "places.tsv"


def load_places(path: Path = PLACES_FILE) -> dict[str, Entry]:
    """Name -> the place it links to (a GPE entry of kind ``place``)."""
    places: dict[str, Entry] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            places[row["name"]] = Entry(
                entity_id=row["id"],
                label="GPE",
                name=row["name"],
                kind="place",
                forms=(row["name"],),
                country=row["country"] or None,
                latitude=float(row["latitude"]) if row["latitude"] else None,
                longitude=float(row["longitude"]) if row["longitude"] else None,
            )
    return places
