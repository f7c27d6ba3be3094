"""The gazetteer feature table the default model reads as static vectors (tools/ner/features.py)."""

import pytest
import spacy

from tasks.ner.tagger import DEFAULT_MODEL, load_model
from tools.ner.features import COLUMNS, feature_table, feature_vectors


@pytest.fixture(scope="module")
def table() -> dict[str, tuple[float, ...]]:
    return feature_table(spacy.blank("en").tokenizer)


def test_places_are_marked_by_their_position_in_the_name(table: dict[str, tuple[float, ...]]) -> None:
    whole, first, later = 0, 1, 2
    assert table["Leeuwarden"][whole] == 1.0  # a GeoNames city of 15,000+ not in the gazetteer layer
    assert table["Dhabi"][later] == 1.0 and table["Dhabi"][whole] == 0.0  # "Abu Dhabi"
    assert table["Abu"][first] == 1.0
    assert table["Korea"][COLUMNS.index("country name or alias")] == 1.0
    assert table["Korean"][COLUMNS.index("demonym")] == 1.0
    assert table["Ontario"][COLUMNS.index("state, province or other subdivision")] == 1.0
    # Lowercase words carry nothing, whatever place names they appear in ("les Escaldes").
    assert "of" not in table and "les" not in table
    assert "Party" not in table  # not a place word at all


def test_every_spelling_of_a_word_shares_its_row(table: dict[str, tuple[float, ...]]) -> None:
    nlp = spacy.blank("en")
    vectors = feature_vectors(nlp)
    data = vectors.data

    def features(word: str) -> tuple[float, ...] | None:
        row = int(vectors.find(key=nlp.vocab.strings.add(word)))
        return tuple(float(x) for x in data[row]) if row >= 0 else None

    assert features("Leeuwarden") == features("LEEUWARDEN") == pytest.approx(table["Leeuwarden"])
    assert features("MÜNSTER") == pytest.approx(table["Münster"])
    assert table["Munster"] != table["Münster"]
    assert features("Munster") == pytest.approx(table["Munster"])  # its own entry, not "Münster" folded
    assert features("dinner") is None  # not a name: no features (a zero vector)


def test_the_shipped_model_reads_the_feature_table() -> None:
    nlp = load_model("default")
    assert nlp is not None and (DEFAULT_MODEL / "vocab" / "vectors").is_file()
    assert nlp.vocab.vectors.shape[1] == len(COLUMNS)
    doc = nlp.make_doc("Talks in Leeuwarden went well")
    assert doc[2].has_vector and not doc[0].has_vector
