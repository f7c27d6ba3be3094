"""The rule layers after the gazetteer (tasks/ner/layers.py), through the real tagger."""

from pathlib import Path

from tasks.core.records import Mention
from tasks.ner.tagger import TagOptions, get_tagger

#: The layers alone, so each test sees what its rule does (the model is tested in test_tag.py).
RULES_ONLY = TagOptions(model="none")


def tag(text: str) -> list[Mention]:
    return list(get_tagger(RULES_ONLY).tag(text))


def by_text(text: str) -> dict[str, list[Mention]]:
    found: dict[str, list[Mention]] = {}
    for m in tag(text):
        found.setdefault(m.text, []).append(m)
    return found


def test_titled_people_the_gazetteer_does_not_know() -> None:
    found = by_text("Foreign Ministry spokesperson Lin Jian said so, and U.S. Ambassador Philip Goldberg agreed.")
    assert [(m.label, m.entity_id, m.source) for m in found["Lin Jian"]] == [
        ("PERSON", "nf:person:lin-jian", "pattern")
    ]
    assert found["Philip Goldberg"][0].entity_id == "nf:person:philip-goldberg"


def test_korean_name_shapes_keep_hyphenated_given_names_in_one_span() -> None:
    found = by_text("The envoy Kim Hong-kyun met his counterpart on Friday.")
    assert found["Kim Hong-kyun"][0].label == "PERSON"
    assert "Kim" not in found and "Hong" not in found


def test_spelling_variants_of_known_people_share_one_id() -> None:
    a = by_text("President Yoon Suk-yeol spoke.")["Yoon Suk-yeol"][0]
    b = by_text("President Yoon Suk Yeol spoke.")["Yoon Suk Yeol"][0]
    assert a.entity_id == b.entity_id == "nf:person:yoon-suk-yeol"


def test_a_surname_links_only_when_one_person_of_that_name_is_in_play() -> None:
    text = (
        "Foreign Minister Cho Tae-yul met Secretary of State Marco Rubio. Rubio and Cho spoke. "
        "Later, Vice Minister Cho Min-ho arrived; Cho said little."
    )
    mentions = [m for m in tag(text) if m.text in ("Rubio", "Cho")]
    # Two Chos in play: neither lone "Cho" is guessed at, by position or otherwise.
    assert [(m.text, m.label, m.entity_id, m.entity_name, m.source) for m in mentions] == [
        ("Rubio", "PERSON", "nf:person:marco-rubio", "Marco Rubio", "surname"),
        ("Cho", "PERSON", None, None, "surname"),
        ("Cho", "PERSON", None, None, "surname"),
    ]
    one = [m for m in tag("Foreign Minister Cho Tae-yul spoke. Cho left.") if m.text == "Cho"]
    assert [m.entity_id for m in one] == ["nf:person:cho-tae-yul"]
    assert "Rubio" not in by_text("Rubio spoke first.")  # no full name, no model: no guess


def test_two_unseen_chos_in_two_articles_get_two_ids() -> None:
    first = by_text("Deputy Minister Cho Hee-jin said. Cho left.")["Cho"][0]
    second = by_text("Ambassador Cho Sung-min said. Cho left.")["Cho"][0]
    assert first.entity_id != second.entity_id


def test_capitals_as_actors_link_to_their_country_but_places_stay_cities() -> None:
    actor = by_text("Pyongyang condemned the drills.")["Pyongyang"][0]
    place = by_text("The talks in Pyongyang ended.")["Pyongyang"][0]
    listed = by_text("Officials in Seoul and Tokyo said the talks went well.")["Tokyo"][0]
    assert (actor.entity_name, actor.source) == ("North Korea", "actor")
    assert (place.entity_name, place.source) == ("Pyongyang", "gazetteer")
    assert listed.entity_name == "Tokyo"


def test_the_north_only_in_stories_about_north_korea() -> None:
    korea = by_text("North Korea fired a missile. The South said the North had been warned.")
    assert [(m.entity_name, m.source) for m in korea["North"]] == [("North Korea", "context")]
    assert "North" not in by_text("Storms hit the North of England on Monday.")


def test_obvious_typos_of_places_are_corrected_and_flagged() -> None:
    found = by_text("ITS KEY ALLIES MOSCOW AND BEINJING, and also Tokio.")
    assert [(m.entity_name, m.source) for m in found["BEINJING"]] == [("Beijing", "typo")]
    assert "Monday" not in by_text("On Monday, officials met.")  # no place within one letter


def test_hyphenated_country_names_as_scrapers_leave_them() -> None:
    assert by_text("congratulating North-Korea on its anniversary")["North-Korea"][0].entity_name == "North Korea"


def test_a_surname_before_the_only_full_name_of_the_article_is_that_person() -> None:
    found = by_text("Rubio and Cho met on Friday. Secretary of State Marco Rubio said the talks went well.")
    assert [m.entity_id for m in found["Rubio"]] == ["nf:person:marco-rubio"]
    two = by_text("Cho spoke first. Foreign Minister Cho Tae-yul and Ambassador Cho Sung-min attended.")
    assert [m.entity_id for m in two["Cho"]] == [None]  # two Chos in play: a person, but unlinked


def test_an_acronym_defined_in_parentheses_is_the_name_wherever_the_article_uses_it(tmp_path: Path) -> None:
    extra = tmp_path / "parties.jsonl"
    extra.write_text(
        '{"id": "nf:org:democratic-unionist-party", "label": "ORG", "kind": "organisation",'
        ' "name": "Democratic Unionist Party", "aliases": []}\n'
    )
    options = TagOptions(model="none", extra_files=(str(extra),))
    text = "The DUP gained. The Democratic Unionist Party (DUP) won 10 seats; the DUP's leader spoke. DUPONT fell."
    acronyms = [m for m in get_tagger(options).tag(text) if m.source == "acronym"]
    assert [(text[m.start : m.end], m.entity_id, m.label) for m in acronyms] == [
        ("DUP", "nf:org:democratic-unionist-party", "ORG")
    ] * 3
    # Not an abbreviation of the name before it: left alone.
    mentions = get_tagger(options).tag("The Democratic Unionist Party (UUP) split.")
    assert [m.source for m in mentions] == ["gazetteer"]


def test_abbreviation_check() -> None:
    from tasks.ner.layers import _abbreviates

    assert _abbreviates("SDKPiL", "Social Democracy of the Kingdom of Poland and Lithuania")
    assert _abbreviates("U.C.V.", "United Confederate Veterans")
    assert not _abbreviates("USPD", "Independent Social Democratic Party of Germany")
    assert not _abbreviates("K", "Korea")
