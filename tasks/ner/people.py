"""People across articles: a lone surname linked to the one full name met in an earlier article.

Within an article the ``surname`` layer links "Keller" to the "Hannah Keller" of the same text. A
follow-up story may say only "Keller": then the person is whoever of that surname the dataset has
met in full before, *if it has met exactly one*; with two ("Hannah Keller", "Tom Keller") or none,
the surname stays as the tagger left it. The memory is the dataset's (a small state map of
surname -> the ids of the full names seen with it, at most two: two already means ambiguous), and
articles are taken in the order they are committed, so a run links the same way however its
batches were spread over workers.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from tasks.core.records import ItemResult, Mention
from tasks.ner.gazetteer import name_id

#: Ids kept per surname: one links, two is ambiguous for good, more adds nothing.
_KEEP = 2


@dataclass
class KnownPeople:
    """Surname -> {entity_id: full name} of the people met in full so far."""

    by_surname: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> "KnownPeople":
        """From the dataset's state map (as :meth:`to_state` wrote it); malformed entries are ignored."""
        people = cls()
        for surname, ids in state.items():
            if isinstance(ids, dict):
                people.by_surname[str(surname)] = {str(k): str(v) for k, v in list(ids.items())[:_KEEP]}
        return people

    def to_state(self) -> dict[str, dict[str, str]]:
        """The state map to store (merged with other runs' by the dataset)."""
        return self.by_surname

    def learn(self, mentions: Iterable[Mention]) -> None:
        """Remember the full names (two words or more, linked) among ``mentions``."""
        for m in mentions:
            if m.label != "PERSON" or m.entity_id is None or m.entity_name is None or " " not in m.text.strip():
                continue
            ids = self.by_surname.setdefault(surname_of(m.text), {})
            if m.entity_id not in ids and len(ids) < _KEEP:
                ids[m.entity_id] = m.entity_name

    def person(self, surname: str) -> tuple[str, str] | None:
        """(entity_id, name) of the only person of ``surname`` met so far, or None."""
        ids = self.by_surname.get(surname)
        return next(iter(ids.items())) if ids is not None and len(ids) == 1 else None


def surname_of(full_name: str) -> str:
    """The family name of a full name: the last word, or the first in the Korean order of a
    one-syllable surname and a hyphenated given name ("Cho Tae-yul"). A given name alone is too
    common to stand for one person across articles, so only the surname is remembered."""
    parts = full_name.split()
    if len(parts) == 2 and "-" in parts[1] and len(parts[0]) <= 4:
        return parts[0]
    return parts[-1]


def link_lone_surnames(items: Iterable[ItemResult], people: KnownPeople) -> Iterator[ItemResult]:
    """``items`` in order, each article's lone surnames linked to people of earlier articles; then
    its own full names learnt for the articles after it."""
    for item in items:
        if item.article is not None and item.mentions:
            mentions = _relinked(item.mentions, people)
            if mentions is not item.mentions:
                item = replace(item, mentions=mentions)
            people.learn(item.mentions)
        yield item


def _relinked(mentions: tuple[Mention, ...], people: KnownPeople) -> tuple[Mention, ...]:
    # Names of the full names in this article: the in-article layer already decided those.
    in_play = {part for m in mentions if m.label == "PERSON" and " " in m.text for part in m.text.split()}
    changed = False
    out = []
    for m in mentions:
        word = m.text.strip()
        # Only a lone word the tagger could not tie to anyone: no id, or the id of its own spelling.
        unlinked = m.entity_id is None or m.entity_id == name_id("person", word)
        if m.label == "PERSON" and " " not in word and unlinked and word not in in_play:
            known = people.person(word)
            if known is not None and known[0] != m.entity_id:
                m = replace(m, entity_id=known[0], entity_name=known[1], source="surname")
                changed = True
        out.append(m)
    return tuple(out) if changed else mentions
