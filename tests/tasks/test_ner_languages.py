"""Language-aware tagging, headlines, ids in any script, places on the map (tasks/ner/tagger.py,
tasks/ner/matcher.py, tasks/ner/gazetteer.py). Texts are written for these tests."""

from pathlib import Path

import pytest
import spacy

from tasks.core.records import Mention
from tasks.ner.gazetteer import name_id
from tasks.ner.tagger import TagOptions, get_tagger, language_code

#: Capitalised common words and a capitalised German noun: what the English model made
#: persons and organisations of on real Russian and German pages.
RUSSIAN = "Банально. Поставить цель. Быстро и точно. Россия и Южная Корея подписали соглашение в Москва-Сити."
GERMAN = "Vor zwei Jahren reiste der Minister nach Moskau. Südkorea und Deutschland verhandeln. Irakische Quellen."


def _check_offsets(text: str, mentions: tuple[Mention, ...], title: str | None = None) -> None:
    for m in mentions:
        field = title if m.field == "title" else text
        assert field is not None and field[m.start : m.end] == m.text


def test_the_english_model_never_reads_another_language() -> None:
    tagger = get_tagger()
    assert tagger.model is not None
    for text, language in ((RUSSIAN, "ru"), (GERMAN, "de")):
        mentions = tagger.tag(text, language=language)
        _check_offsets(text, mentions)
        assert not [m for m in mentions if m.source == "model"]
        assert {m.text for m in mentions}.isdisjoint({"Банально", "Поставить", "Быстро", "Jahren", "Vor"})
    # The same German text read as English gets the model's guesses: the language decides.
    assert any(m.source == "model" for m in tagger.tag(GERMAN, language="en"))


def test_names_in_the_articles_language_link_to_the_same_ids() -> None:
    tagger = get_tagger()
    ru = {m.text: m for m in tagger.tag(RUSSIAN, language="ru")}
    de = {m.text: m for m in tagger.tag(GERMAN, language="de")}
    assert (ru["Россия"].entity_id, ru["Россия"].entity_name) == ("nf:country:RU", "Russia")
    assert ru["Южная Корея"].entity_id == de["Südkorea"].entity_id == "nf:country:KR"
    assert de["Moskau"].entity_id == tagger.tag("Talks in Moscow.")[0].entity_id
    assert (de["Moskau"].country_code, de["Moskau"].latitude is not None) == ("RU", True)
    # A name inside a longer word is no mention ("Irak" in "Irakische"); a German name in an
    # English article is none either (the names of a language are matched in that language).
    assert "Irak" not in de and "Irakische" not in de
    assert "Südkorea" not in {m.text for m in tagger.tag(GERMAN, language="en")}
    # German genitives of places, and CLDR's names of continents and of the EU.
    found = {
        m.text: m.entity_id
        for m in tagger.tag("Deutschlands Rolle in Europa und der Europäischen Union.", language="de")
    }
    assert found["Deutschlands"] == "nf:country:DE" and found["Europa"] == "nf:region:europe"
    assert "Deutschlands" not in {m.text for m in tagger.tag("Deutschlands Rolle.", language="nl")}


def test_scripts_without_spaces_and_korean_particles() -> None:
    tagger = get_tagger()
    ja = "東京都の知事は北朝鮮とロシアについて話した。"
    found = {m.text: m.entity_id for m in tagger.tag(ja, language="ja")}
    assert found["北朝鮮"] == "nf:country:KP" and found["ロシア"] == "nf:country:RU"
    assert any(text.startswith("東京") and entity_id == "nf:geonames:1850147" for text, entity_id in found.items())
    # A katakana name inside a longer katakana word is not that name (マレ, Malé, in マレー半島).
    assert [m.text for m in tagger.tag("マレー半島とマレで会った。", language="ja")] == ["マレ"]
    ko = "서울에서 열린 회담에서 러시아는 침묵했다."
    found = {m.text: m.entity_id for m in tagger.tag(ko, language="ko")}
    assert found["서울"] == "nf:geonames:1835848" and found["러시아"] == "nf:country:RU"


def test_an_article_of_unknown_language_gets_no_model() -> None:
    text = "Hannah Keller met Erik Lund in Seoul."
    assert {m.source for m in get_tagger().tag(text, language=None)} == {"gazetteer"}
    assert language_code("en-US") == language_code("EN") == "en" and language_code("no") == "nb"
    # Codes the reference data has no names in share one matcher, however many a crawl meets.
    tagger = get_tagger()
    assert tagger.matcher("xx") is tagger.matcher("qq") is tagger.matcher(None) is not tagger.matcher("de")


def test_headline_mentions_point_into_the_title_and_link_like_the_body() -> None:
    title = "CHO WARNS PYONGYANG AS SEOUL AND TOKYO WATCH"
    text = "Foreign Minister Cho Tae-yul said on Monday that North Korea would pay. Cho left for Tokyo."
    mentions = get_tagger().tag(text, title=title)
    _check_offsets(text, mentions, title)
    in_title = {m.text: m for m in mentions if m.field == "title"}
    assert {"PYONGYANG", "SEOUL", "TOKYO"} <= set(in_title)
    assert in_title["SEOUL"].entity_id == "nf:geonames:1835848"
    assert [m.start for m in mentions if m.field == "title"] == sorted(m.start for m in mentions if m.field == "title")
    body = [m for m in mentions if m.field == "text"]
    assert body[0].text == "Cho Tae-yul" and body[0].start == text.index("Cho Tae-yul")
    # Without the title the body's mentions are the same.
    assert [(m.text, m.start, m.entity_id) for m in get_tagger().tag(text)] == [
        (m.text, m.start, m.entity_id) for m in body
    ]


def test_entity_name_is_the_ids_canonical_name_or_null() -> None:
    text = "The Koreans and the ROK met. Japanese envoys visited Pyongyang, Tokyo and Osaka."
    for m in get_tagger().tag(text):
        if m.entity_id is None:
            assert m.entity_name is None
    found = {m.text: m for m in get_tagger().tag(text)}
    assert (found["ROK"].entity_name, found["Japanese"].entity_name) == ("South Korea", "Japanese")
    assert found["Koreans"].entity_id == "nf:norp:korean" and found["Koreans"].country_code is None


@pytest.mark.parametrize(
    "names",
    [
        # Cyrillic, Greek, Arabic, CJK, Devanagari: each folded to nothing by ASCII folding alone.
        ("Владимир Путин", "Дмитрий Медведев"),
        ("Κυριάκος Μητσοτάκης", "Αλέξης Τσίπρας"),
        ("محمد بن سلمان", "عبد الفتاح السيسي"),
        ("習近平", "李強"),
        ("नरेंद्र मोदी", "राहुल गांधी"),
    ],
)
def test_ids_of_names_in_any_script_are_never_empty_and_never_shared(names: tuple[str, str]) -> None:
    first, second = (name_id("person", name) for name in names)
    for entity_id in (first, second):
        assert entity_id.startswith("nf:person:") and len(entity_id) > len("nf:person:")
        assert entity_id.isascii()
    assert first != second
    assert name_id("person", names[0]) == first  # stable


def test_ids_of_latin_names_are_unchanged_and_symbols_get_a_hash() -> None:
    assert name_id("person", "Hannah Keller") == "nf:person:hannah-keller"
    assert name_id("person", "Ignacy Mościcki") == "nf:person:ignacy-moscicki"
    stars, hearts = name_id("org", "★★★"), name_id("org", "♥♥")
    assert stars.startswith("nf:org:h-") and stars != hearts


def test_a_model_per_language(tmp_path: Path) -> None:
    nlp = spacy.blank("de")
    ruler = nlp.add_pipe("entity_ruler", name="ner")
    ruler.add_patterns([{"label": "PER", "pattern": "Anna Berg"}])  # type: ignore[attr-defined]
    nlp.to_disk(tmp_path / "de")
    options = TagOptions(model="none", models=(("de", str(tmp_path / "de")),))
    text = "Anna Berg traf Vertreter in Moskau."
    found = {m.text: m for m in get_tagger(options).tag(text, language="de")}
    assert (found["Anna Berg"].source, found["Anna Berg"].entity_id) == ("model", "nf:person:anna-berg")
    assert found["Moskau"].source == "gazetteer"
    assert "Anna Berg" not in {m.text for m in get_tagger(options).tag(text, language="en")}


def _ruler(path: Path, patterns: list[dict[str, str]]) -> str:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", name="ner")
    ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    nlp.to_disk(path)
    return str(path)


def test_a_model_guess_in_a_headline_stands_only_if_the_body_or_the_reference_data_knows_it(tmp_path: Path) -> None:
    # Headlines capitalise every word: a model that reads "Crisis Talks" as a name there is
    # believed only when the body names it too, or the name is in the reference data.
    model = _ruler(
        tmp_path / "ner", [{"label": "ORG", "pattern": "Crisis Talks"}, {"label": "GPE", "pattern": "Seoul"}]
    )
    tagger = get_tagger(TagOptions(model=model))
    title = "Crisis Talks Resume In Seoul"
    alone = {m.text for m in tagger.tag("Officials met again on Monday.", title=title) if m.field == "title"}
    assert alone == {"Seoul"}
    echoed = {m.text for m in tagger.tag("The Crisis Talks went on.", title=title) if m.field == "title"}
    assert echoed == {"Crisis Talks", "Seoul"}


def test_labels_and_languages_outside_the_vocabulary_are_refused(tmp_path: Path) -> None:
    from tasks.core.errors import ModelError
    from tasks.ner.tagger import check_model

    bad = tmp_path / "people.jsonl"
    bad.write_text('{"id": "x:1", "label": "POLITICIAN", "kind": "person", "name": "Anna Berg"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"people\.jsonl:1: .*POLITICIAN"):
        get_tagger(TagOptions(extra_files=(str(bad),)))
    with pytest.raises(ModelError, match="ISO 639-1"):
        check_model(TagOptions(models=(("German", "de_core_news_md"),)))


def test_places_the_model_finds_link_to_geonames_after_the_rules(tmp_path: Path) -> None:
    model = _ruler(
        tmp_path / "ner",
        [
            {"label": "LOC", "pattern": "Tacoma"},
            {"label": "LOC", "pattern": "Austin"},
            {"label": "LOC", "pattern": "Iowa"},
        ],
    )
    text = "Officials in Tacoma and Iowa met Governor Austin Reed."
    found = {m.text: m for m in get_tagger(TagOptions(model=model)).tag(text)}
    tacoma = found["Tacoma"]
    assert (tacoma.label, tacoma.entity_name, tacoma.country_code) == ("GPE", "Tacoma", "US")
    assert tacoma.entity_id.startswith("nf:geonames:") and tacoma.latitude is not None  # type: ignore[union-attr]
    assert found["Iowa"].entity_id.startswith("nf:geonames:")  # type: ignore[union-attr]
    # The name rule still replaces the model's guess: a person after a title, not the city.
    assert (found["Austin Reed"].label, found["Austin Reed"].source) == ("PERSON", "pattern")
    # Place names of that list are never matched without the model (many are words too).
    assert [m.text for m in get_tagger(TagOptions(model="none")).tag(text)] == ["Austin Reed"]
    assert get_tagger(TagOptions(model=model, places=False)).tag(text)[0].entity_id == "nf:loc:tacoma"
