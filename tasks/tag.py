"""Entity tagging: spaCy's tokenizer and a PhraseMatcher over the gazetteer, plus alias linking,
then the rule layers of ``tasks.ner.layers`` (titled people, surnames, capitals as actors, typos).

Each surface form maps to one gazetteer entry, so linking (ROK -> South Korea, DPRK -> North
Korea, U.S. -> United States) falls out of the match. The tagger is built once per process
(``get_tagger``); building it tokenizes every pattern, which takes a moment.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import spacy
from spacy.matcher import PhraseMatcher
from spacy.tokens import Span
from spacy.util import compile_infix_regex, filter_spans

from tasks.models import Mention
from tasks.ner.gazetteer import Entry, default_files, load_entries
from tasks.ner.layers import Linker, apply_layers


@dataclass(frozen=True, slots=True)
class TagOptions:
    """Which gazetteer files to use; ``extra_files`` adds a user's own entries to the defaults."""

    files: tuple[str, ...] = ()
    extra_files: tuple[str, ...] = ()
    #: Also match the ALL-CAPS form of every alias at least this long (caps headlines, echoes).
    upper_min_chars: int = 4


class Tagger:
    """Finds gazetteer entities in text and links each to its entry's id."""

    source = "gazetteer"

    def __init__(self, entries: Sequence[Entry], options: TagOptions | None = None) -> None:
        opts = options or TagOptions()
        self.nlp = spacy.blank("en")
        # spaCy keeps "U.S.-led" and "U.N.-backed" as one token; split the hyphen after a dot.
        infixes = [*list(self.nlp.Defaults.infixes or ()), r"(?<=\.)-(?=[A-Za-z])"]
        tokenizer: Any = self.nlp.tokenizer
        tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.linker = Linker.build(entries)
        self.entries: list[Entry] = []
        claimed: set[str] = set()
        for entry in entries:
            forms = []
            for form in entry.forms:
                variants = {form}
                if len(form) >= opts.upper_min_chars:
                    variants.add(form.upper())
                if entry.kind in ("country", "region") and form.count(" ") == 1:
                    variants.add(form.replace(" ", "-"))  # "North-Korea", as scraped text has it
                for variant in variants:
                    if variant not in claimed:  # entries arrive by priority: first claim wins
                        claimed.add(variant)
                        forms.append(variant)
            if forms:
                key = str(len(self.entries))
                self.entries.append(entry)
                self.matcher.add(key, [self.nlp.make_doc(form) for form in forms])

    def tag(self, text: str) -> tuple[Mention, ...]:
        """Mentions in ``text`` in document order; overlapping matches keep the longest."""
        doc = self.nlp.make_doc(text)
        spans = [Span(doc, start, end, label=match_id) for match_id, start, end in self.matcher(doc)]
        mentions = []
        for span in filter_spans(spans):
            entry = self.entries[int(self.nlp.vocab.strings[span.label])]
            mentions.append(
                Mention(
                    text=span.text,
                    label=entry.label,
                    start=span.start_char,
                    end=span.end_char,
                    entity_id=entry.entity_id,
                    entity_name=entry.name,
                    source=self.source,
                )
            )
        return tuple(apply_layers(text, mentions, self.linker))


_TAGGERS: dict[TagOptions, Tagger] = {}


def get_tagger(options: TagOptions | None = None) -> Tagger:
    """The process-wide tagger for ``options``, built on first use."""
    opts = options or TagOptions()
    tagger = _TAGGERS.get(opts)
    if tagger is None:
        files = list(opts.files) or [str(p) for p in default_files()]
        files += list(opts.extra_files)  # a missing user file is an error, not a silent no-op
        tagger = _TAGGERS[opts] = Tagger(load_entries(files), opts)
    return tagger
