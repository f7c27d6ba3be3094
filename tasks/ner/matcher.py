"""Finding the gazetteer's surface forms in raw text: one Aho-Corasick pass per article.

A form matches where it occurs case-sensitively and is not part of a longer word: the letters
or digits either side of it must not run on into it. Scripts written without spaces between
words (Han, Thai, ...) have no such edge, so their forms match anywhere, except that a
katakana name must be a whole katakana run; a Korean form may be followed by Hangul (particles
attach to the noun: 서울에서, "in Seoul").

Why not spaCy's PhraseMatcher, as before: it needs a tokenized ``Doc``, and tokenizing was about
a third of the tagger's cost on articles that need no model (every language but English by
default); it matches whole tokens only, so nothing written without spaces (Japanese, Chinese)
was ever found. The automaton (pyahocorasick, C) scans the string itself; overlapping matches
are resolved as spaCy's ``filter_spans`` does (longest first, then leftmost).
"""

import re
from collections.abc import Iterable, Sequence

import ahocorasick

from tasks.ner.gazetteer import Entry

#: Letters of scripts written without spaces between words: a form in them has no word edges.
_UNSPACED = re.compile(
    r"[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
#: Hangul: a particle may follow a name without a space.
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
#: Katakana (with the prolonged sound mark ー): a word written in it is one unbroken run, so a
#: name that is only part of a run is another word ("マレ", Malé, in "マレーシア", Malaysia).
_KATAKANA = re.compile(r"[\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]")


#: Languages whose place names take a genitive -s ("Deutschlands Grenzen"). Not Dutch: its
#: "Nederlands" is the language and the adjective, not the country's genitive.
_GENITIVE_S = frozenset({"de", "sv", "da", "nb"})
_PLACE_KINDS = frozenset({"country", "city", "region"})


def _spaced_letter(ch: str) -> bool:
    return ch.isalnum() and _UNSPACED.match(ch) is None


class FormMatcher:
    """Every surface form of ``entries`` one language uses, and where they occur in a text.

    ``by_form`` maps each form to its entry (the first entry to claim a form keeps it; entries
    arrive by kind priority). Forms are an entry's own (matched in every language), their
    ALL-CAPS spelling when at least ``upper_min_chars`` long (caps headlines), "North-Korea" for
    two-word countries and regions (as scraped text has them), and the entry's forms in
    ``language`` after all of those.
    """

    def __init__(self, entries: Sequence[Entry], language: str | None, upper_min_chars: int) -> None:
        self.language = language
        self.by_form: dict[str, Entry] = {}
        for entry in entries:
            self._claim(entry, entry.forms, upper_min_chars, hyphenate=entry.kind in ("country", "region"))
        if language is not None:
            for entry in entries:
                self._claim(entry, entry.local_forms.get(language, ()), upper_min_chars, hyphenate=False)
        if language in _GENITIVE_S:
            # "Deutschlands", "Chinas", "Sveriges": the genitive of a place name adds an -s.
            for form, entry in list(self.by_form.items()):
                if entry.kind in _PLACE_KINDS and form[-1:].isalpha() and not form.isupper():
                    self.by_form.setdefault(form + "s", entry)
        self._automaton = ahocorasick.Automaton()
        for form in self.by_form:
            self._automaton.add_word(form, form)
        if self.by_form:
            self._automaton.make_automaton()

    def _claim(self, entry: Entry, forms: Iterable[str], upper_min_chars: int, hyphenate: bool) -> None:
        for form in forms:
            variants = [form]
            if len(form) >= upper_min_chars:
                variants.append(form.upper())
            if hyphenate and form.count(" ") == 1:
                variants.append(form.replace(" ", "-"))
            for variant in variants:
                self.by_form.setdefault(variant, entry)

    def find(self, text: str) -> list[tuple[int, int, Entry]]:
        """Non-overlapping ``(start, end, entry)`` matches in ``text``, in document order."""
        if not self.by_form:
            return []
        candidates = []
        for last, form in self._automaton.iter(text):
            end = last + 1
            start = end - len(form)
            if _edges_ok(text, start, end):
                candidates.append((start, end, form))
        if len(candidates) > 1:
            candidates.sort(key=lambda c: (c[0] - c[1], c[0]))  # longest first, then leftmost
            taken: list[tuple[int, int, str]] = []
            used = bytearray(len(text))
            for start, end, form in candidates:
                if not any(used[start:end]):
                    used[start:end] = b"\x01" * (end - start)
                    taken.append((start, end, form))
            candidates = sorted(taken)
        return [(start, end, self.by_form[form]) for start, end, form in candidates]


def _edges_ok(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is not the middle of a longer word."""
    if start > 0 and _spaced_letter(text[start - 1]) and _spaced_letter(text[start]):
        return False
    if _KATAKANA.match(text[start]) and (
        (start > 0 and _KATAKANA.match(text[start - 1])) or (end < len(text) and _KATAKANA.match(text[end]))
    ):
        return False
    if end < len(text):
        after = text[end]
        if _spaced_letter(after) and _spaced_letter(text[end - 1]) and _HANGUL.match(after) is None:
            return False
    return True
