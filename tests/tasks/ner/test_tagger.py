import itertools
import json
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc

from tasks.core.errors import ModelError
from tasks.core.records import Mention
from tasks.ner.components import FACTORY, iob_spans
from tasks.ner.tagger import DEFAULT_MODEL, TagOptions, check_model, get_tagger


def _tag(text: str) -> tuple[Mention, ...]:
    mentions = get_tagger().tag(text)
    for m in mentions:
        assert text[m.start : m.end] == m.text
    return mentions


def _by_text(text: str) -> dict[str, Mention]:
    return {m.text: m for m in _tag(text)}


def test_south_korea_aliases_link_to_one_entity() -> None:
    found = _by_text("Officials of the ROK, formally the Republic of Korea, said South Korea would respond.")
    assert set(found) == {"ROK", "Republic of Korea", "South Korea"}
    ids = {m.entity_id for m in found.values()}
    assert len(ids) == 1 and None not in ids
    assert {m.label for m in found.values()} == {"GPE"}
    assert found["ROK"].entity_name == "South Korea"


def test_north_korea_aliases_link_to_one_entity() -> None:
    found = _by_text("The DPRK fired a missile; North Korea said it was a test.")
    assert set(found) == {"DPRK", "North Korea"}
    assert found["DPRK"].entity_id == found["North Korea"].entity_id is not None
    assert found["DPRK"].entity_name == "North Korea"


def test_the_two_koreas_are_different_entities() -> None:
    found = _by_text("North Korea and South Korea")
    assert found["North Korea"].entity_id != found["South Korea"].entity_id


def test_united_states_aliases_link_to_one_entity() -> None:
    found = _by_text("The U.S. envoy said the United States would stay.")
    assert set(found) == {"U.S.", "United States"}
    assert found["U.S."].entity_id == found["United States"].entity_id is not None
    assert found["U.S."].entity_name == "United States"


def test_longest_match_wins() -> None:
    text = "The U.N. Security Council met on Friday; the U.N. chief spoke later."
    mentions = _tag(text)
    assert [(m.text, m.label) for m in mentions] == [("U.N. Security Council", "ORG"), ("U.N.", "ORG")]
    council, un = mentions
    assert council.start == text.index("U.N. Security Council")
    assert council.entity_id != un.entity_id


def test_demonym_is_norp_with_its_own_name_and_its_countrys_code() -> None:
    found = _by_text("A South Korean diplomat met officials in South Korea.")
    norp, country = found["South Korean"], found["South Korea"]
    assert (norp.label, country.label) == ("NORP", "GPE")
    # One id, one canonical name: "South Korean" is not "South Korea"; the code ties them.
    assert (norp.entity_id, norp.entity_name) == ("nf:norp:south-korean", "South Korean")
    assert (country.entity_id, country.entity_name) == ("nf:country:KR", "South Korea")
    assert norp.country_code == country.country_code == "KR"


def test_offsets_point_into_the_text_in_document_order() -> None:
    text = "“The U.S.’s commitment,” Cho said in Seoul, “is ironclad,” as Pyongyang’s envoy left Tokyo."
    mentions = get_tagger(TagOptions(model="none")).tag(text)
    assert [m.text for m in mentions] == ["U.S.", "Seoul", "Pyongyang", "Tokyo"]
    # "Pyongyang’s envoy": the capital stands for its country (the actor layer relinks it).
    assert [m.source for m in mentions] == ["gazetteer", "gazetteer", "actor", "gazetteer"]
    assert mentions[1].start == text.index("Seoul")
    with_model = get_tagger().tag(text)
    assert {"U.S.", "Seoul", "Pyongyang", "Tokyo"} <= {m.text for m in with_model}
    for found in (mentions, with_model):
        assert all(text[m.start : m.end] == m.text for m in found)
        assert [m.start for m in found] == sorted(m.start for m in found)
        assert all(a.end <= b.start for a, b in itertools.pairwise(found))  # no overlaps


def test_all_caps_forms_are_matched() -> None:
    found = _by_text("SEOUL WARNS PYONGYANG OVER LAUNCH")
    assert set(found) == {"SEOUL", "PYONGYANG"}
    assert found["PYONGYANG"].entity_id == _by_text("the talks in Pyongyang")["Pyongyang"].entity_id


@pytest.mark.parametrize("text", ["Let us know who wins the vote.", "They told us who was there and why."])
def test_lowercase_common_words_are_not_matched(text: str) -> None:
    assert _tag(text) == ()


def test_case_matters_for_short_forms() -> None:
    found = _by_text("Officials at WHO told the US mission.")
    assert set(found) == {"WHO", "US"}
    assert found["WHO"].label == "ORG"


def test_abbreviation_in_hyphenated_compound_is_matched() -> None:
    assert [m.text for m in _tag("U.S.-led drills and a U.N.-backed plan")] == ["U.S.", "U.N."]


def _write_gazetteer(path: Path, rows: list[dict[str, object]]) -> str:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return str(path)


def test_extra_gazetteer_file_adds_an_entity(tmp_path: Path) -> None:
    extra = _write_gazetteer(
        tmp_path / "mine.jsonl",
        [
            {
                "id": "test:org:avalon-harbour-board",
                "label": "ORG",
                "kind": "organisation",
                "name": "Avalon Harbour Board",
                "aliases": ["AHB"],
            }
        ],
    )
    text = "The Avalon Harbour Board, or AHB, met in Seoul."
    assert "Avalon Harbour Board" not in [m.text for m in get_tagger().tag(text)]
    mentions = get_tagger(TagOptions(extra_files=(extra,))).tag(text)
    found = {m.text: m for m in mentions}
    assert set(found) == {"Avalon Harbour Board", "AHB", "Seoul"}
    assert found["AHB"].entity_id == found["Avalon Harbour Board"].entity_id == "test:org:avalon-harbour-board"
    assert found["AHB"].entity_name == "Avalon Harbour Board"
    assert found["AHB"].label == "ORG"


def test_extra_file_cannot_take_over_a_vendored_form(tmp_path: Path) -> None:
    extra = _write_gazetteer(
        tmp_path / "mine.jsonl",
        [{"id": "test:city:seoul", "label": "GPE", "kind": "city", "name": "Seoul", "aliases": []}],
    )
    default_id = get_tagger().tag("Seoul")[0].entity_id
    (mention,) = get_tagger(TagOptions(extra_files=(extra,))).tag("Seoul")
    assert mention.entity_id == default_id != "test:city:seoul"


def test_missing_extra_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        get_tagger(TagOptions(extra_files=(str(tmp_path / "missing.jsonl"),)))


def test_bad_extra_file_raises_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "label": "ORG", "name": "Ok Org"}\n{"id": "y"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:2"):
        get_tagger(TagOptions(extra_files=(str(bad),)))


def test_the_default_model_finds_people_nobody_listed() -> None:
    # Neither name is in the registries, and no title or name-shape rule applies.
    text = "Hannah Keller met Erik Lund on Friday. Keller said the talks went well."
    assert get_tagger(TagOptions(model="none")).tag(text) == ()
    found = {m.text: m for m in get_tagger().tag(text)}
    assert (found["Hannah Keller"].label, found["Hannah Keller"].source) == ("PERSON", "model")
    assert found["Hannah Keller"].entity_id == "nf:person:hannah-keller"
    assert found["Keller"].entity_id == "nf:person:hannah-keller"  # the surname layer links it
    assert found["Erik Lund"].entity_id == "nf:person:erik-lund"


def _ruler_pipeline(path: Path) -> str:
    """A spaCy pipeline with a rule-based "ner": a stand-in for a user's own model, deterministic."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", name="ner")
    ruler.add_patterns(  # type: ignore[attr-defined]
        [
            {"label": "POLITICIAN", "pattern": "Anna Berg"},
            {"label": "PERSON", "pattern": "Washington"},  # the model says person: it stands
            {"label": "GPE", "pattern": "Korea"},  # inside "North Korea": the gazetteer widens it
            {"label": "GPE", "pattern": "ROK"},
            {"label": "DATE", "pattern": "Monday"},
        ]
    )
    nlp.to_disk(path)
    return str(path)


def test_a_users_spacy_pipeline_is_mapped_and_linked_and_the_gazetteer_never_overrides_it(tmp_path: Path) -> None:
    options = TagOptions(model=_ruler_pipeline(tmp_path / "ner"), labels=(("POLITICIAN", "PERSON"),))
    text = "Anna Berg met Washington on Monday in North Korea, and the ROK protested."
    found = {m.text: m for m in get_tagger(options).tag(text)}
    assert (found["Anna Berg"].label, found["Anna Berg"].source) == ("PERSON", "model")
    assert found["Washington"].label == "PERSON"  # not the gazetteer's city
    assert found["North Korea"].entity_id == "nf:country:KP"  # widened, and not South Korea
    assert "Korea" not in found
    assert (found["ROK"].entity_id, found["ROK"].source) == ("nf:country:KR", "model")  # linked
    assert "Monday" not in found  # DATE is not one of our labels


def test_a_model_that_cannot_load_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="neither an installed spaCy package nor a directory"):
        check_model(TagOptions(model="en_no_such_model"))
    with pytest.raises(ModelError, match="not one of"):
        check_model(TagOptions(labels=(("POLITICIAN", "POLITICIAN"),)))
    spacy.blank("en").to_disk(tmp_path / "empty")
    with pytest.raises(ModelError, match="has no 'ner' component"):
        get_tagger(TagOptions(model=str(tmp_path / "empty")))


def test_the_shipped_model_loads_from_the_package_once_per_process() -> None:
    assert (DEFAULT_MODEL / "meta.json").is_file() and (DEFAULT_MODEL / "README.md").is_file()
    tagger = get_tagger()
    assert tagger.model is not None and tagger.model.pipe_names == ["tok2vec", "tagger", FACTORY]
    labels = set(tagger.model.get_pipe("tagger").labels)  # type: ignore[attr-defined]
    assert labels == {"O"} | {f"{p}-{label}" for p in "BI" for label in ("PER", "ORG", "LOC")}
    assert get_tagger() is tagger


def test_iob_tags_become_entity_spans() -> None:
    nlp = spacy.blank("en")
    words = ["Cho", "Tae-yul", "met", "Rubio", "Marco", "in", "New", "York", "and", "the", "Korea", "Coast", "Guard"]
    tags = ["B-PER", "I-PER", "O", "B-PER", "B-PER", "O", "I-LOC", "I-LOC", "O", "O", "B-LOC", "I-LOC", "I-ORG"]
    doc = Doc(nlp.vocab, words=words, tags=tags)
    # Adjacent B- tags are two entities; a stray I- starts one; an I- of another type continues
    # the name and gives it its type (the head comes last).
    assert [(s.text, s.label_) for s in iob_spans(doc)] == [
        ("Cho Tae-yul", "PER"),
        ("Rubio", "PER"),
        ("Marco", "PER"),
        ("New York", "LOC"),
        ("Korea Coast Guard", "ORG"),
    ]
    biluo = Doc(nlp.vocab, words=["Kim", "met", "Park", "Jin"], tags=["U-PER", "O", "B-PER", "L-PER"])
    assert [(s.text, s.label_) for s in iob_spans(biluo)] == [("Kim", "PER"), ("Park Jin", "PER")]


def test_organisation_names_the_model_mistyped_or_cut_short_are_made_whole(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", name="ner")
    ruler.add_patterns(  # type: ignore[attr-defined]
        [
            {"label": "LOC", "pattern": "Carter Center"},  # typed as a place
            {"label": "ORG", "pattern": "Council"},  # cut at "on"
            {"label": "ORG", "pattern": "Foreign Relations"},
            {"label": "LOC", "pattern": "Bank of Freedonia"},
            {"label": "LOC", "pattern": "Atlanta"},
        ]
    )
    nlp.to_disk(tmp_path / "ner")
    text = (
        "The Carter Center in Atlanta, the Council on Foreign Relations and the Bank of Freedonia met. "
        "The Council on Monday said so."
    )
    found = {m.text: m for m in get_tagger(TagOptions(model=str(tmp_path / "ner"))).tag(text)}
    assert {name: m.label for name, m in found.items()} == {
        "Carter Center": "ORG",
        "Atlanta": "GPE",  # "Center in Atlanta": "in" is where, not part of the name (a GeoNames city)
        "Council on Foreign Relations": "ORG",
        "Bank of Freedonia": "ORG",
        "Council": "ORG",  # "The Council on Monday": a date is not part of the name
    }
    assert found["Council on Foreign Relations"].entity_id == "nf:org:council-on-foreign-relations"


def test_a_text_longer_than_spacy_reads_at_once_is_read_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    # (spaCy refuses texts over max_length, 1,000,000 characters: such an article failed as internal_error.)
    tagger = get_tagger(TagOptions())
    model = tagger.models["en"]
    monkeypatch.setattr(model, "max_length", 2_000)
    para = "Officials in Seoul met Foreign Minister Cho Tae-yul on Monday to discuss North Korea.\n"
    text = para * 60  # ~5,200 characters: three pieces
    whole = tagger.tag(text, None, "en")
    assert len(whole) >= 60 * 3
    assert all(text[m.start : m.end] == m.text for m in whole)
    assert {m.text for m in whole if m.start > 4_000} >= {"Seoul", "North Korea"}  # the last piece was read too


def test_a_long_article_is_read_in_pieces_with_the_mentions_of_one_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    # The model's memory grows with what it reads at once: a long article is cut after line
    # breaks (MODEL_PIECE_CHARS), and a call reads at most MODEL_CALL_CHARS.
    import tasks.ner.tagger as tagger_module

    tagger = get_tagger(TagOptions())
    paragraphs = [
        f"Officials in Seoul met Foreign Minister Cho Tae-yul on day {i} to discuss North Korea with "
        f"the European Union and Acme Corp. in Nairobi, Kenya; Emmanuel Macron was in Paris.\n"
        for i in range(40)
    ]
    texts = ["".join(paragraphs), "A short one: Jacinda Ardern spoke in Wellington.", "".join(paragraphs[:15])]
    titles = [None, "Ardern in Wellington", None]
    monkeypatch.setattr(tagger_module, "MODEL_PIECE_CHARS", 1_000_000)
    monkeypatch.setattr(tagger_module, "MODEL_CALL_CHARS", 10_000_000)
    whole = tagger.tag_many(texts, titles, ["en"] * 3)
    # In pieces of at most a third, and calls of at most the first article's length.
    monkeypatch.setattr(tagger_module, "MODEL_PIECE_CHARS", len(texts[0]) // 3 + 100)
    monkeypatch.setattr(tagger_module, "MODEL_CALL_CHARS", len(texts[0]))
    assert len(tagger_module._pieces(texts[0], tagger_module.MODEL_PIECE_CHARS)) >= 3
    assert tagger.tag_many(texts, titles, ["en"] * 3) == whole
    assert len(whole[0]) >= 40 * 5 and {m.text for m in whole[0][-5:]} >= {"Nairobi", "Paris"}


def test_long_texts_are_cut_after_line_breaks_and_calls_are_bounded() -> None:
    from tasks.ner.tagger import MODEL_CALL_CHARS, MODEL_CALL_PIECES, _model_calls, _pieces

    text = "".join(f"Line {i} of a long article.\n" for i in range(300))
    pieces = _pieces(text, 1_000)
    assert "".join(pieces) == text
    assert all(len(p) <= 1_000 and p.endswith("\n") for p in pieces) and len(pieces) > 1
    assert _pieces("x" * 2_500, 1_000) == ["x" * 1_000, "x" * 1_000, "x" * 500]  # no line break to cut at
    assert _pieces(text, len(text)) == [text]

    sizes = [5_000] * 20 + [MODEL_CALL_CHARS] + [100] * 3
    calls = _model_calls([(i, n, None) for i, n in enumerate(sizes)])  # type: ignore[misc]
    assert [i for call in calls for i, _, _ in call] == list(range(len(sizes)))  # in order, all
    assert all(len(call) <= MODEL_CALL_PIECES for call in calls)
    assert all(sum(n for _, n, _ in call) <= MODEL_CALL_CHARS for call in calls)
    assert [len(call) for call in calls] == [8, 8, 4, 1, 3]


def test_the_model_multiplies_with_numpy_and_tags_as_with_blis() -> None:
    from thinc.api import NumpyOps

    from tasks.ner.tagger import load_model

    nlp = load_model("default")
    assert nlp is not None
    models = [getattr(pipe, "model", None) for _, pipe in nlp.pipeline]
    nodes = [node for model in models if model is not None for node in model.walk()]
    assert nodes and all(not node.ops.use_blis for node in nodes)
    text = (
        "Prime Minister Jacinda Ardern met Emmanuel Macron in Paris on Tuesday. The European Union "
        "and the World Health Organization said Acme Corp. would open an office in Nairobi, Kenya."
    )
    ours = [(t.text, t.tag_) for t in nlp(text)]
    with_blis = NumpyOps(use_blis=True)
    for node in nodes:
        node.ops = with_blis
    assert [(t.text, t.tag_) for t in nlp(text)] == ours
    assert any(tag != "O" for _, tag in ours)
