"""Rule layers after the gazetteer: unseen people by their titles and name shapes, surnames
resolved to the full name met earlier in the article, capitals used as actors, "the North" in
Korea stories, and obvious typos of known places. Each layer only fills gaps: it never changes
or overrides a span an earlier layer found (except relinking a capital used as an actor).

Every mention records its layer in ``source``: ``gazetteer``, ``pattern``, ``surname``,
``actor`` (a capital linked to its country), ``context`` ("the North"), ``typo``.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from tasks.models import Mention
from tasks.ner.gazetteer import Entry, ascii_fold, slugify

_NAME_WORD = r"[A-Z][a-z]+(?:-[a-z]+)?"
_TITLES = (
    r"(?:First\s+|Deputy\s+|Vice\s+|Acting\s+|Former\s+|former\s+)*"
    r"(?:President|Prime\s+Minister|Premier|Chancellor|Foreign\s+Minister|Defen[cs]e\s+Minister|"
    r"Vice\s+Foreign\s+Minister|Unification\s+Minister|Finance\s+Minister|Minister|Secretary\s+of\s+State|"
    r"Defen[cs]e\s+Secretary|Secretary|Deputy\s+Secretary|Ambassador|Envoy|Senator|Sen\.|Rep\.|Gen\.|General|"
    r"Adm\.|Admiral|Chairman|Chairwoman|Governor|Mayor|Spokesperson|Spokesman|Spokeswoman|leader|"
    r"minister|envoy|spokesperson|spokesman|spokeswoman)"
)
#: "Foreign Minister Cho Tae-yul", "U.S. Secretary of State Marco Rubio": the name after a title.
_TITLED = re.compile(rf"\b{_TITLES}\s+(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}})")
#: Korean name shape: a one-syllable surname and a hyphenated given name ("Kang Sun-nam").
_KOREAN = re.compile(
    r"\b(?P<name>(?:Kim|Lee|Park|Choi|Cho|Jung|Kang|Yoon|Jang|Lim|Han|Oh|Seo|Shin|Kwon|Hwang|"
    r"Ahn|Song|Yoo|Hong|Jeon|Ko|Moon|Yang|Son|Bae|Baek|Heo|Nam|Noh|Ha|Kwak|Sung|Cha|Ryu|"
    r"Chung|Jeong|Rhee|Yun|Chun|Roh|Ri|Pak|Choe|Jo)\s+[A-Z][a-z]+-[a-z]+)\b"
)
_WORD = re.compile(r"\b[A-Z][A-Za-z]+\b")
_ACTOR_AFTER = re.compile(
    r"^(?:[’']s\b|\s+(?:has\s+|had\s+|have\s+|is\s+|was\s+|will\s+|would\s+|also\s+|then\s+|later\s+)?"
    r"(?:condemned|said|says|warned|warns|accused|accuses|denied|denies|rejected|rejects|urged|urges|"
    r"demanded|demands|announced|announces|protested|responded|vowed|vows|called|claimed|threatened|"
    r"insisted|criticized|criticised|slammed|blasted|fired|launched|sent|agreed|refused|welcomed|"
    r"expressed|issued|stated|maintained|asserted|hit\s+back|pushed\s+back)\b)"
)
#: A place after one of these (in its sentence) is where something happens, not who acts:
#: "officials in Seoul and Tokyo said" is not Tokyo speaking.
_PLACE_CUES = frozenset(
    {
        "in",
        "at",
        "from",
        "to",
        "into",
        "of",
        "near",
        "for",
        "via",
        "toward",
        "towards",
        "across",
        "between",
        "outside",
        "inside",
        "visit",
        "visited",
        "visiting",
        "around",
    }
)
_SENTENCE_END = re.compile(r"[.!?]\s")
_THE_NORTH = re.compile(r"\bthe North\b(?!\s+(?:Atlantic|Pole|Sea|American|Face|Star))")
_TYPO_CANDIDATE = re.compile(r"\b[A-Za-z]{6,}\b")


def _key(name: str) -> str:
    """Spelling-insensitive key of a name: "Yoon Suk-yeol" and "Yoon Suk Yeol" agree."""
    return re.sub(r"[^a-z]", "", ascii_fold(name).lower())


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True)
class Linker:
    """Lookup tables the layers need, built once from the gazetteer entries."""

    people: dict[str, Entry]
    capital_country: dict[str, Entry]
    north_korea: Entry | None
    #: Place names (countries, capitals) and their one-deletion variants -> entry, for typos.
    places: dict[str, Entry]
    place_deletions: dict[str, Entry]

    @classmethod
    def build(cls, entries: Iterable[Entry]) -> "Linker":
        entries = list(entries)
        countries = {e.country: e for e in entries if e.kind == "country" and e.country}
        people: dict[str, Entry] = {}
        places: dict[str, Entry] = {}
        for e in entries:
            if e.kind == "person":
                for form in e.forms:
                    people.setdefault(_key(form), e)
            if e.kind == "country" or (e.kind == "city" and e.capital):
                for form in e.forms:
                    if len(form) >= 6 and form.isalpha():
                        places.setdefault(form.lower(), e)
        deletions: dict[str, Entry] = {}
        for name, e in places.items():
            for variant in _deletions(name):
                deletions.setdefault(variant, e)
        capitals = {
            e.entity_id: countries[e.country]
            for e in entries
            if e.kind == "city" and e.capital and e.country in countries and e.entity_id
        }
        return cls(people, capitals, countries.get("KP"), places, deletions)

    def typo(self, word: str) -> Entry | None:
        """The place ``word`` misspells by one letter (inserted, dropped or changed), if any."""
        low = word.lower()
        if low in self.places:
            return None  # spelled right (just not matched in this case form)
        found = self.place_deletions.get(low)  # a letter dropped from the name
        if found is None:
            for variant in _deletions(low):  # a letter inserted, or changed
                found = self.places.get(variant) or self.place_deletions.get(variant)
                if found is not None:
                    break
        return found


def apply_layers(text: str, mentions: Sequence[Mention], linker: Linker) -> list[Mention]:
    """Run every rule layer over the gazetteer's ``mentions`` of ``text``."""
    out = list(mentions)
    taken = bytearray(len(text))  # 1 where a character already belongs to a mention
    for m in out:
        taken[m.start : m.end] = b"\x01" * (m.end - m.start)

    def free(start: int, end: int) -> bool:
        return not any(taken[start:end])

    def add(mention: Mention) -> None:
        out.append(mention)
        taken[mention.start : mention.end] = b"\x01" * (mention.end - mention.start)

    # 1. People the gazetteer does not know, by title or by Korean name shape.
    for pattern in (_TITLED, _KOREAN):
        for match in pattern.finditer(text):
            start, end = match.span("name")
            if free(start, end):
                name = match.group("name")
                known = linker.people.get(_key(name))
                # The registry's own slug rule: the id stays when the person is added to it.
                entity_id = known.entity_id if known else f"nf:person:{slugify(name)}"
                add(Mention(name, "PERSON", start, end, entity_id, known.name if known else name, "pattern"))
    # 2. A surname (or a Korean surname, which comes first) after the full name in this article.
    by_name: dict[str, list[Mention]] = {}
    for m in sorted((m for m in out if m.label == "PERSON" and " " in m.text), key=lambda m: m.start):
        parts = m.text.split()
        for part in {parts[0], parts[-1]}:
            by_name.setdefault(part, []).append(m)
    for match in _WORD.finditer(text) if by_name else ():
        word = match.group()
        start, end = match.span()
        candidates = by_name.get(word)
        if not candidates or not free(start, end):
            continue
        earlier = [p for p in candidates if p.end <= start]
        if earlier:
            person = earlier[-1]  # the nearest: two Chos in one article stay apart by position
            add(Mention(word, "PERSON", start, end, person.entity_id, person.entity_name, "surname"))
    # 3. Capitals used as actors ("Pyongyang condemned ...") stand for their country.
    for i, m in enumerate(out):
        country = linker.capital_country.get(m.entity_id or "")
        if country is not None and m.source == "gazetteer" and _ACTOR_AFTER.match(text[m.end : m.end + 40]):
            before = _SENTENCE_END.split(text[max(0, m.start - 60) : m.start])[-1]
            if not _PLACE_CUES.intersection(re.findall(r"[a-z]+", before.lower())[-3:]):
                out[i] = replace(m, entity_id=country.entity_id, entity_name=country.name, source="actor")
    # 4. "the North" in a story about North Korea.
    nk = linker.north_korea
    if nk is not None and any(m.entity_id == nk.entity_id for m in out):
        for match in _THE_NORTH.finditer(text):
            start, end = match.start() + 4, match.end()
            if free(start, end):
                add(Mention(text[start:end], "GPE", start, end, nk.entity_id, nk.name, "context"))
    # 5. Obvious typos of countries and capitals ("BEINJING"), capitalised words only.
    for match in _TYPO_CANDIDATE.finditer(text):
        word = match.group()
        start, end = match.span()
        if word[0].isupper() and free(start, end):
            place = linker.typo(word)
            if place is not None:
                add(Mention(word, place.label, start, end, place.entity_id, place.name, "typo"))
    return sorted(out, key=lambda m: m.start)
