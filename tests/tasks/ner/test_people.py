"""Lone surnames linked across articles, only to the one full name of that surname met before."""

from dataclasses import replace

from tasks.core.records import ItemResult, Mention
from tasks.ner.gazetteer import name_id
from tasks.ner.people import KnownPeople, link_lone_surnames, surname_of
from tests.support.records import article_item


def person(text: str, start: int = 0, entity_id: str | None = None, source: str = "model") -> Mention:
    entity = entity_id or name_id("person", text)
    return Mention(text, "PERSON", start, start + len(text), entity, text, source)  # type: ignore[arg-type]


def article(name: str, *mentions: Mention) -> ItemResult:
    return replace(article_item(name), mentions=mentions)


def linked(items: list[ItemResult], people: KnownPeople | None = None) -> list[list[tuple[str, str | None, str]]]:
    out = link_lone_surnames(items, people if people is not None else KnownPeople())
    return [[(m.text, m.entity_id, m.source) for m in item.mentions] for item in out]


def test_a_lone_surname_is_the_one_person_of_that_name_met_earlier() -> None:
    first = article("a", person("Hannah Keller"))
    later = article("b", person("Keller", 40))
    assert linked([first, later])[1] == [("Keller", "nf:person:hannah-keller", "surname")]


def test_two_people_of_one_surname_leave_it_unlinked() -> None:
    items = [article("a", person("Hannah Keller")), article("b", person("Tom Keller")), article("c", person("Keller"))]
    assert linked(items)[2] == [("Keller", "nf:person:keller", "model")]


def test_a_full_name_in_the_article_itself_is_for_the_in_article_layer() -> None:
    items = [article("a", person("Hannah Keller")), article("b", person("Tom Keller"), person("Keller", 30))]
    assert linked(items)[1][1] == ("Keller", "nf:person:keller", "model")


def test_korean_order_and_given_names() -> None:
    items = [
        article("a", person("Cho Tae-yul"), person("Hannah Keller", 20)),
        article("b", person("Cho", 5), person("Hannah", 20)),
    ]
    assert linked(items)[1] == [("Cho", "nf:person:cho-tae-yul", "surname"), ("Hannah", "nf:person:hannah", "model")]
    assert surname_of("Cho Tae-yul") == "Cho" and surname_of("Marco Rubio") == "Rubio"


def test_a_surname_linked_elsewhere_stays_and_the_memory_round_trips() -> None:
    people = KnownPeople()
    list(link_lone_surnames([article("a", person("Hannah Keller"))], people))
    again = KnownPeople.from_state(people.to_state())
    # A lone surname the reference data already linked to someone is not relinked.
    registry = article("b", person("Keller", entity_id="nf:person:ada-keller", source="surname"))
    assert linked([registry], again)[0] == [("Keller", "nf:person:ada-keller", "surname")]
    assert linked([article("c", person("Keller"))], again)[0] == [("Keller", "nf:person:hannah-keller", "surname")]
