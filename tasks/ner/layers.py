"""Rule layers after the model and the gazetteer, as a registry (:data:`LAYERS`) of small
functions run in order, each trusted in the languages it was written for: organisation names
made whole, unseen people by their titles and name shapes, lone surnames linked to the one
person of that name in play, capitals used as actors, "the North" in Korea stories, obvious
typos of known places, and acronyms defined in parentheses. Each layer only fills gaps: it
never overrides a span an earlier layer found. The exceptions: a capital used as an actor and
a lone surname are relinked, and a model guess not linked to reference data gives way to a
name rule that contradicts it ("Ambassador Cho Sung" as LOC -> the person "Cho Sung-min").

Every mention records its layer in ``source`` (``tasks.core.vocabulary.MentionSource``): ``model``,
``gazetteer``, ``pattern``, ``surname``, ``actor`` (a capital linked to its country),
``context`` ("the North"), ``typo``, ``acronym``.
"""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise

from tasks.core.records import Mention
from tasks.ner.gazetteer import Entry, ascii_fold, name_id

#: A capitalised name word in any script's letters: "McAdoo" and "Mościcki" are not cut short.
_NAME_WORD = r"[A-Z][^\W\d_]+(?:-[^\W\d_]+)?"
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
#: Korean name shape: a one-syllable surname and a hyphenated given name ("Kang Sun-nam"). No
#: leading ``\b``: the engine then skips ahead to the surnames' first letters (5x faster); the
#: word edge before it is checked on each match instead.
_KOREAN = re.compile(
    r"(?P<name>(?:Kim|Lee|Park|Choi|Cho|Jung|Kang|Yoon|Jang|Lim|Han|Oh|Seo|Shin|Kwon|Hwang|"
    r"Ahn|Song|Yoo|Hong|Jeon|Ko|Moon|Yang|Son|Bae|Baek|Heo|Nam|Noh|Ha|Kwak|Sung|Cha|Ryu|"
    r"Chung|Jeong|Rhee|Yun|Chun|Roh|Ri|Pak|Choe|Jo)\s+[A-Z][a-z]+-[a-z]+)\b"
)
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
#: Ids from reference data (not made up from a surface form): a rule never relinks these.
_LINKED = ("nf:country:", "nf:geonames:", "nf:region:", "nf:norp:")
#: Typo candidates: ALL-CAPS words, and the shape of a word that may misspell a place.
_SHOUTED_WORD = re.compile(r"\b[A-Z]{6,}\b")
_TYPO_SHAPE = re.compile(r"[A-Z][A-Za-z]{5,}")
#: Last words that make a name an organisation's, whatever the model typed it ("Carter Center",
#: "Kim Dae Jung Library"), and that may take an "of"/"for"/"on" complement ("Council on Foreign
#: Relations").
_ORG_HEADS = frozenset(
    {
        "Academy",
        "Agency",
        "Alliance",
        "Army",
        "Assembly",
        "Association",
        "Bank",
        "Board",
        "Bureau",
        "Center",
        "Centre",
        "Coalition",
        "College",
        "Command",
        "Commission",
        "Committee",
        "Corporation",
        "Corps",
        "Council",
        "Court",
        "Department",
        "Federation",
        "Force",
        "Forces",
        "Foundation",
        "Fund",
        "Guard",
        "Institute",
        "League",
        "Library",
        "Ministry",
        "Movement",
        "Navy",
        "Office",
        "Organisation",
        "Organization",
        "Parliament",
        "Party",
        "Society",
        "Union",
        "University",
    }
)
#: The complement an organisation's name may run on with: "of the Kingdom of Poland", "for
#: Constitutional Rights" (capitalised words, at most four, in the same sentence); not a date
#: ("the Party on Monday", "the Ministry on March 3").
_ORG_COMPLEMENT = re.compile(
    r" (?:of|for|on) (?:the )?"
    r"(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|"
    r"June|July|August|September|October|November|December)\b)"
    r"[A-Z][\w'’-]*(?: [A-Z][\w'’-]*){0,3}\b"
)
#: "Korea Coast Guard (KCG)": an acronym in parentheses right after a name.
_ACRONYM_AFTER = re.compile(r"\s*\(\s*(?P<acronym>[A-Z](?:[A-Za-z&]|\.(?=[A-Za-z]))*\.?)\s*\)")


def _abbreviates(acronym: str, name: str) -> bool:
    """Whether ``acronym``'s capitals are the capitals of ``name`` in order, from its first
    ("SDKPiL" for "Social Democracy of the Kingdom of Poland and Lithuania", "U.C.V." for
    "United Confederate Veterans"; not "KPD" for "Independent Social Democratic Party")."""
    letters = [c for c in acronym if c.isupper()]
    capitals = iter(c for c in name if c.isupper())
    return len(letters) >= 2 and letters[0] == name[:1] and all(c in capitals for c in letters)


@lru_cache(maxsize=65536)  # every model span of a person is looked up; names recur
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
    #: First and last words of the registry's people's names -> the one person they name (words
    #: shared by two people of the registry, "Kim", are left out).
    surnames: dict[str, Entry]

    @classmethod
    def build(cls, entries: Iterable[Entry]) -> "Linker":
        entries = list(entries)
        countries = {e.country: e for e in entries if e.kind == "country" and e.country}
        people: dict[str, Entry] = {}
        places: dict[str, Entry] = {}
        by_word: dict[str, dict[str, Entry]] = {}
        for e in entries:
            if e.kind == "person":
                for form in e.forms:
                    people.setdefault(_key(form), e)
                    parts = form.split()
                    for part in {parts[0], parts[-1]} if len(parts) > 1 else ():
                        by_word.setdefault(part, {})[e.entity_id or e.name] = e
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
        surnames = {word: next(iter(named.values())) for word, named in by_word.items() if len(named) == 1}
        return cls(people, capitals, countries.get("KP"), places, deletions, surnames)

    def person(self, name: str) -> Entry | None:
        """The registry's person ``name`` spells, ignoring case, spaces and hyphens."""
        return self.people.get(_key(name))

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


class MentionSet:
    """Non-overlapping mentions kept in document order, with overlap queries in O(log n).

    Articles carry hundreds of mentions; scanning them all for every candidate word made
    tagging quadratic in article length.
    """

    def __init__(self, mentions: Iterable[Mention] = ()) -> None:
        self.items: list[Mention] = sorted(mentions, key=lambda m: m.start)
        self._starts = [m.start for m in self.items]

    def __iter__(self) -> Iterator[Mention]:
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def overlapping(self, start: int, end: int) -> list[Mention]:
        """Mentions sharing at least one character with ``[start, end)``."""
        i = max(0, bisect_right(self._starts, start) - 1)
        found = []
        while i < len(self.items) and self.items[i].start < end:
            if self.items[i].end > start:
                found.append(self.items[i])
            i += 1
        return found

    def add(self, mention: Mention) -> None:
        i = bisect_right(self._starts, mention.start)
        self.items.insert(i, mention)
        self._starts.insert(i, mention.start)

    def remove(self, mention: Mention) -> None:
        i = self.items.index(mention, bisect_left(self._starts, mention.start))
        del self.items[i]
        del self._starts[i]

    def free(self, start: int, end: int) -> bool:
        """Whether no mention overlaps ``[start, end)``."""
        return not self.overlapping(start, end)

    def claimable(self, start: int, end: int) -> tuple[bool, Mention | None]:
        """Free, or exactly one unlinked model span (the model saw a name, the rule knows whose):
        whether a rule may put a mention there, and the model span it would replace."""
        same = self.overlapping(start, end)
        if not same:
            return True, None
        only = same[0] if len(same) == 1 else None
        if only is not None and (only.start, only.end) == (start, end) and _guess(only):
            return True, only
        return False, None

    def put(self, mention: Mention, replacing: Mention | None) -> None:
        """Add ``mention`` in place of ``replacing`` (if any)."""
        if replacing is not None:
            self.remove(replacing)
        self.add(mention)

    def overrule(self, start: int, end: int) -> bool:
        """Free, or overlapping only model guesses not linked to reference data: those give way
        to a name rule, which is precise where the model is not ("Cho Hee" from the model
        inside "Deputy Minister Cho Hee-jin", "Ambassador Cho Sung" tagged LOC). Clears the
        way and says whether it did."""
        overlapping = self.overlapping(start, end)
        if not all(_guess(m) for m in overlapping):
            return False
        if any((m.start, m.end, m.label) == (start, end, "PERSON") for m in overlapping):
            return False  # the model already has exactly this person
        for m in overlapping:
            self.remove(m)
        return True


def _guess(mention: Mention) -> bool:
    """A model span not linked to reference data: a rule that knows better may replace it."""
    return mention.source == "model" and not (mention.entity_id or "").startswith(_LINKED)


@dataclass(frozen=True, slots=True)
class Article:
    """What a layer reads and changes: the text, its mentions so far, the lookup tables."""

    text: str
    mentions: MentionSet
    linker: Linker


def complete_organisations(a: Article) -> None:
    """Organisation names the model typed as something else or cut at a preposition ("Carter
    Center" as LOC; "Council" + "on Foreign Relations"). Only its unlinked guesses: a name from
    reference data is already whole."""
    out, text = a.mentions, a.text
    for m in list(out):
        if not _guess(m):
            continue
        words = m.text.split()
        inner = any(w in _ORG_HEADS and nxt in ("of", "for", "on") for w, nxt in pairwise(words))
        if not (words[-1] in _ORG_HEADS or inner):
            continue
        tail = _ORG_COMPLEMENT.match(text, m.end) if words[-1] in _ORG_HEADS else None
        end = tail.end() if tail is not None else m.end
        swallowed = [o for o in out.overlapping(m.start, end) if o is not m]
        if (m.label == "ORG" and not tail) or not all(o.start >= m.end and o.end <= end for o in swallowed):
            continue
        for o in [m, *swallowed]:
            out.remove(o)
        name = text[m.start : end]
        out.add(Mention(name, "ORG", m.start, end, name_id("org", name), name, m.source))


def titled_people(a: Article) -> None:
    """People the gazetteer does not know, by title ("Foreign Minister X Y") or Korean name shape."""
    for pattern in (_TITLED, _KOREAN):
        for match in pattern.finditer(a.text):
            start, end = match.span("name")
            if start > 0 and (a.text[start - 1].isalnum() or a.text[start - 1] == "_"):
                continue  # inside a word ("McKim Soo-ah")
            if a.mentions.overrule(start, end):
                name = match.group("name")
                known = a.linker.person(name)
                entity_id = known.entity_id if known else name_id("person", name)
                a.mentions.add(Mention(name, "PERSON", start, end, entity_id, known.name if known else name, "pattern"))


def surnames(a: Article) -> None:
    """A surname alone (or a Korean surname, which comes first) is the person of that name in
    play in the article (a full name anywhere in it), if there is exactly one; with two or more
    ("Cho Tae-yul" and "Cho Min-ho") it stays unlinked. With none, a surname the model took for
    a person is the registry's person of that surname, if the registry has exactly one."""
    out, text = a.mentions, a.text
    in_play: dict[str, dict[str, Mention]] = {}
    for m in out:
        if m.label == "PERSON" and " " in m.text and m.entity_id is not None:
            parts = m.text.split()
            for part in {parts[0], parts[-1]}:
                in_play.setdefault(part, {}).setdefault(m.entity_id, m)
    for word, start, end in _occurrences(text, in_play):
        # The model often finds a lone surname itself; it still needs the full name's id
        # (any label: a lone "Cho" after "Cho Hyun-dong" is him, even if the model said LOC).
        own = [m for m in out.overlapping(start, end) if (m.start, m.end) == (start, end) and m.source == "model"]
        if not own and not out.free(start, end):
            continue
        people = in_play[word]
        person = next(iter(people.values())) if len(people) == 1 else None
        entity_id, name = (person.entity_id, person.entity_name) if person else (None, None)
        out.put(Mention(word, "PERSON", start, end, entity_id, name, "surname"), own[0] if own else None)
    for m in list(out):
        if m.source != "model" or m.label != "PERSON" or " " in m.text or m.text in in_play:
            continue
        known = a.linker.surnames.get(m.text)
        if known is not None:
            out.put(Mention(m.text, "PERSON", m.start, m.end, known.entity_id, known.name, "surname"), m)


def _occurrences(text: str, words: Iterable[str]) -> list[tuple[str, int, int]]:
    """Where each of ``words`` occurs in ``text`` as a whole word, in document order. (A few
    ``str.find`` scans: a regex of the words, new for every article, cost more to compile.)"""
    found = []
    for word in words:
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            if not (at > 0 and _word_char(text[at - 1])) and not (end < len(text) and _word_char(text[end])):
                found.append((word, at, end))
            at = text.find(word, end)
    return sorted(found, key=lambda f: f[1])


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def capitals_as_actors(a: Article) -> None:
    """Capitals used as actors ("Pyongyang condemned ...") stand for their country."""
    out, text, capitals = a.mentions, a.text, a.linker.capital_country
    for i, m in enumerate(out.items):
        country = capitals.get(m.entity_id or "")
        if country is not None and m.source in ("gazetteer", "model") and _ACTOR_AFTER.match(text[m.end : m.end + 40]):
            before = _SENTENCE_END.split(text[max(0, m.start - 60) : m.start])[-1]
            if not _PLACE_CUES.intersection(re.findall(r"[a-z]+", before.lower())[-3:]):
                out.items[i] = replace(m, entity_id=country.entity_id, entity_name=country.name, source="actor")


def the_north(a: Article) -> None:
    """ "the North" in a story about North Korea."""
    nk = a.linker.north_korea
    if nk is None or not any(m.entity_id == nk.entity_id for m in a.mentions.items):
        return
    for match in _THE_NORTH.finditer(a.text):
        start, end = match.start() + 4, match.end()
        ok, replacing = a.mentions.claimable(start, end)
        if ok:
            a.mentions.put(Mention(a.text[start:end], "GPE", start, end, nk.entity_id, nk.name, "context"), replacing)


def typos(a: Article) -> None:
    """Obvious typos of countries and capitals ("BEINJING"): ALL-CAPS words (headline echoes,
    where a typo cannot hide behind a real name: "Allawi" is a person, not Malawi), or words the
    model itself took for a place."""
    out = a.mentions
    candidates = [(m.start, m.end) for m in out.items if m.label in ("LOC", "GPE") and _guess(m)]
    candidates += [match.span() for match in _SHOUTED_WORD.finditer(a.text)]
    for start, end in candidates:
        word = a.text[start:end]
        if not _TYPO_SHAPE.fullmatch(word):
            continue
        ok, replacing = out.claimable(start, end)
        if not ok or (not word.isupper() and replacing is None):
            continue
        place = a.linker.typo(word)
        if place is not None:
            out.put(Mention(word, place.label, start, end, place.entity_id, place.name, "typo"), replacing)


def acronyms(a: Article) -> None:
    """An acronym defined in parentheses ("Democratic Unionist Party (DUP)") is that name, there
    and wherever else the article uses it: one entity, not a second guess of the model's."""
    out, text = a.mentions, a.text
    defined: dict[str, Mention] = {}
    for m in out.items:
        # (cheap test first: most mentions are not followed by a parenthesis at all)
        if m.label not in ("ORG", "GPE", "LOC") or text.find("(", m.end, m.end + 4) < 0:
            continue
        after = _ACRONYM_AFTER.match(text, m.end)
        if after is not None and _abbreviates(after.group("acronym"), m.text):
            defined.setdefault(after.group("acronym"), m)
    for acronym, named in defined.items():
        for use in re.finditer(rf"(?<![\w.]){re.escape(acronym)}(?![\w]|\.\w)", text):
            start, end = use.span()
            ok, replacing = out.claimable(start, end)
            if ok:
                out.put(replace(named, text=acronym, start=start, end=end, source="acronym"), replacing)


#: Languages whose articles a layer is written for: its cue words are English ("Minister",
#: "condemned", "the North", "Council on ..."), or it was only measured on English text (typos).
_ENGLISH = frozenset({"en"})


@dataclass(frozen=True, slots=True)
class Layer:
    """One rule layer: a name, the function that runs it, and the languages it is trusted in
    (``None``: any language)."""

    name: str
    run: Callable[[Article], None]
    languages: frozenset[str] | None = None


#: The rule layers, in the order they run; each sees what the ones before it left.
LAYERS: tuple[Layer, ...] = (
    Layer("organisation", complete_organisations, _ENGLISH),
    Layer("pattern", titled_people, _ENGLISH),
    Layer("surname", surnames),
    Layer("actor", capitals_as_actors, _ENGLISH),
    Layer("context", the_north, _ENGLISH),
    Layer("typo", typos, _ENGLISH),
    Layer("acronym", acronyms),
)


def apply_layers(text: str, mentions: Sequence[Mention], linker: Linker, language: str | None = "en") -> list[Mention]:
    """Run every rule layer trusted in ``language`` over the model's and the gazetteer's
    ``mentions`` of ``text``; the mentions in document order."""
    article = Article(text, MentionSet(mentions), linker)
    for layer in LAYERS:
        if layer.languages is None or language in layer.languages:
            layer.run(article)
    return list(article.mentions.items)
