"""Entity tagging in layers: a statistical model, a gazetteer that fills gaps, rule layers, linking.

1. The model (``TagOptions.model``): by default our own small spaCy tok2vec and IOB tagger
   shipped in ``tasks/ner/model`` (trained by ``make train-ner``), or any installed spaCy
   pipeline by name or path, its labels mapped to ours by ``LABEL_MAP``. It finds names nobody
   listed.
2. The gazetteer (vendored reference data plus the user's files) through a PhraseMatcher. It only
   fills gaps: a match overlapping a model span is dropped, except one that merely widens model
   spans it contains ("North Korea" around the model's "Korea").
3. The rule layers of ``tasks.ner.layers`` (titled people, Korean name shapes, surnames, capitals
   as actors, "the North", typos).

Linking: every span whose surface is a gazetteer form gets that entry's id (ROK -> South Korea);
model spans of people are also matched spelling-insensitively against the people registry; the
rest get an ``nf:<kind>:<slug>`` id of their own. Measured reasons for this order (a gazetteer
that overrides the model loses ~0.2 F1) are in tasks/ner/model/README.md.

The tagger is built once per process (``get_tagger``): loading the model and tokenizing every
gazetteer form takes a moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.core.errors import ModelError
from tasks.core.records import Mention
from tasks.ner.gazetteer import Entry, default_files, load_entries, name_id
from tasks.ner.layers import Linker, MentionSet, apply_layers

# spaCy is imported where a tagger is built, not here: the flow's parent process imports this
# module for its options and checks only, and importing spaCy would add ~0.8 s to every start.
if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

#: The model shipped with newsflow (see its README.md for data, licences and scores).
DEFAULT_MODEL = Path(__file__).parent / "model"
#: A backend's labels -> ours. Labels not listed (DATE, MONEY, MISC, ...) are dropped.
LABEL_MAP: dict[str, str] = {
    "PER": "PERSON",
    "PERSON": "PERSON",
    "ORG": "ORG",
    "LOC": "LOC",
    "GPE": "GPE",
    "NORP": "NORP",
    "FAC": "LOC",
}
#: Which gazetteer labels may link a model span of each of our labels (same surface form).
_COMPATIBLE: dict[str, frozenset[str]] = {
    "PERSON": frozenset({"PERSON"}),
    # Models call a government by its country's name an ORG ("the DPRK rejected"); and a
    # place or organisation label on a demonym ("North Korean", "Chinese" navy) is the demonym.
    "ORG": frozenset({"ORG", "GPE", "NORP"}),
    "LOC": frozenset({"LOC", "GPE", "NORP"}),
    "GPE": frozenset({"GPE", "LOC", "NORP"}),
    "NORP": frozenset({"NORP"}),
}
#: Registry kinds whose full names outrank the model's type guess.
_CURATED = frozenset({"person", "organisation"})
_ID_KIND = {"PERSON": "person", "ORG": "org", "LOC": "loc", "GPE": "loc", "NORP": "norp"}
#: Leading words a model may fold into a person's span ("Minister Cho Tae-yul"); trimmed off.
_TITLE_WORDS = frozenset(
    [
        "President",
        "Vice",
        "Prime",
        "Minister",
        "Foreign",
        "Defense",
        "Defence",
        "Secretary",
        "Deputy",
        "Ambassador",
        "Envoy",
        "Sen.",
        "Senator",
        "Rep.",
        "Gen.",
        "General",
        "Adm.",
        "Admiral",
        "Mr.",
        "Ms.",
        "Mrs.",
        "Dr.",
        "Chairman",
        "Chairwoman",
        "Premier",
        "Chancellor",
        "Spokesperson",
        "Spokesman",
        "Spokeswoman",
        "Governor",
        "Gov.",
        "Mayor",
        "King",
        "Queen",
        "Pope",
        "Former",
        "former",
        "State",
        "of",
        "Unification",
        "Finance",
        "Acting",
        "First",
        "Lt.",
        "Col.",
        "Capt.",
        "Sgt.",
    ]
)
#: Title words a model may leave at the end of a place or demonym ("South Korean Foreign").
_TRAILING_TITLE_WORDS = frozenset(
    [
        "Foreign",
        "Defense",
        "Defence",
        "Minister",
        "Ministers",
        "President",
        "Prime",
        "Secretary",
        "Vice",
        "Deputy",
        "Unification",
        "Finance",
    ]
)
_PARTICLES = frozenset({"al", "el", "bin", "ibn", "van", "von", "de", "da", "di", "du", "del", "der", "le", "la"})
_POSSESSIVES = ("’s.", "'s.", "’s", "'s")


@dataclass(frozen=True, slots=True)
class TagOptions:
    """What the tagger uses: its model, its gazetteer files and extra label mappings."""

    files: tuple[str, ...] = ()
    #: A user's own gazetteer files, added to the defaults (registries of people, agencies...).
    extra_files: tuple[str, ...] = ()
    #: Also match the ALL-CAPS form of every alias at least this long (caps headlines, echoes).
    upper_min_chars: int = 4
    #: ``"default"`` (the model shipped in tasks/ner/model), ``"none"`` (gazetteer and rules
    #: only), or an installed spaCy pipeline by package name or path (``en_core_web_md``).
    model: str = "default"
    #: Extra ``(backend label, our label)`` pairs for a custom pipeline, e.g. ``(("POLITICIAN",
    #: "PERSON"),)``; they extend ``LABEL_MAP``.
    labels: tuple[tuple[str, str], ...] = ()


def load_model(name: str) -> Language | None:
    """The spaCy pipeline ``name`` with only NER (and what it listens to) enabled; ``None`` for
    ``"none"``. Never downloads anything: a package must be installed or a path must exist."""
    if name == "none":
        return None
    import spacy

    from tasks.ner.components import FACTORY  # registers the factory our model's config names

    target: str | Path = DEFAULT_MODEL if name == "default" else name
    try:
        nlp = spacy.load(target)
    except (OSError, ValueError) as exc:  # spaCy's "can't find model" is an OSError
        raise ModelError(f"cannot load entity model {str(target)!r}: {exc}") from exc
    if "ner" in nlp.pipe_names:
        needed = {"ner", "tok2vec", "transformer"}
    elif FACTORY in nlp.pipe_names:  # ours: a tagger over IOB tags, then the tags to doc.ents
        needed = {"tok2vec", "tagger", FACTORY}
    else:
        raise ModelError(f"entity model {str(target)!r} has no 'ner' component: {nlp.pipe_names}")
    # A user's pipeline may also tag, parse and lemmatize: not needed here, and not cheap.
    nlp.select_pipes(enable=[n for n in nlp.pipe_names if n in needed])
    return nlp


def check_model(options: TagOptions) -> None:
    """Fail early, and cheaply, on a model setting that cannot work (before workers start)."""
    ours = set(_COMPATIBLE)
    for backend, target in options.labels:
        if target not in ours:
            raise ModelError(f"label mapping {backend}={target}: {target} is not one of {sorted(ours)}")
    name = options.model
    if name in ("default", "none") or Path(name).is_dir():
        return
    import spacy

    if spacy.util.is_package(name):
        return
    raise ModelError(f"entity model {name!r} is neither an installed spaCy package nor a directory")


class Tagger:
    """Finds entities in text (model, gazetteer, rules) and links each to a stable id."""

    source = "gazetteer"

    def __init__(
        self, entries: Sequence[Entry], options: TagOptions | None = None, nlp: Language | None = None
    ) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher
        from spacy.util import compile_infix_regex

        opts = options or TagOptions()
        self.model = nlp
        self.nlp = nlp if nlp is not None else spacy.blank("en")
        check_model(opts)
        self.label_map = {**LABEL_MAP, **dict(opts.labels)}
        # spaCy keeps "U.S.-led" and "U.N.-backed" as one token; split the hyphen after a dot.
        infixes = [*list(self.nlp.Defaults.infixes or ()), r"(?<=\.)-(?=[A-Za-z])"]
        tokenizer: Any = self.nlp.tokenizer
        tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.linker = Linker.build(entries)
        self.entries: list[Entry] = []
        #: Every surface form the matcher knows -> its entry: links the model's spans too.
        self.by_form: dict[str, Entry] = {}
        for entry in entries:
            forms = []
            for form in entry.forms:
                variants = {form}
                if len(form) >= opts.upper_min_chars:
                    variants.add(form.upper())
                if entry.kind in ("country", "region") and form.count(" ") == 1:
                    variants.add(form.replace(" ", "-"))  # "North-Korea", as scraped text has it
                for variant in variants:
                    if variant not in self.by_form:  # entries arrive by priority: first claim wins
                        self.by_form[variant] = entry
                        forms.append(variant)
            if forms:
                key = str(len(self.entries))
                self.entries.append(entry)
                self.matcher.add(key, [self.nlp.make_doc(form) for form in forms])

    def tag(self, text: str) -> tuple[Mention, ...]:
        """Mentions in ``text`` in document order."""
        doc = self.model(text) if self.model is not None else self.nlp.make_doc(text)
        return self._tag_doc(doc, text)

    def tag_many(self, texts: Sequence[str]) -> list[tuple[Mention, ...]]:
        """``tag`` of each text; the model reads them as one batch (measured ~20 % cheaper per
        article than one call each: the network runs on bigger matrices)."""
        if self.model is None:
            return [self.tag(text) for text in texts]
        # Eight at a time: as fast as bigger batches here, and the network's intermediate arrays
        # stay small (they grow with the batch).
        docs = self.model.pipe(texts, batch_size=8)
        return [self._tag_doc(doc, text) for doc, text in zip(docs, texts, strict=True)]

    def _tag_doc(self, doc: Doc, text: str) -> tuple[Mention, ...]:
        found = self._model_mentions(doc, text)
        found = self._fill_from_gazetteer(doc, found)
        return tuple(apply_layers(text, found, self.linker))

    def _model_mentions(self, doc: Doc, text: str) -> list[Mention]:
        out = []  # (``doc.text`` would rebuild the whole string on every access)
        for ent in doc.ents if self.model is not None else ():
            label = self.label_map.get(ent.label_)
            if label is None:
                continue
            span = _trim(ent, leading=label == "PERSON", trailing=label != "ORG")
            if len(span) == 0 or not any(c.isalpha() for c in span.text):
                continue  # nothing left, or "2022": a name has letters
            start, end = span.start_char, span.end_char
            for tail in _POSSESSIVES:  # "DPRK’s", "NIS’s.": the tokenizer keeps some together
                if text.endswith(tail, start, end):
                    end -= len(tail)
                    break
            mention = self._link(text[start:end], label, start, end, "model")
            if mention is not None and not mention.text.islower():  # a name in English has a capital
                out.append(mention)
        return out

    def _link(self, text: str, label: str, start: int, end: int, source: str) -> Mention | None:
        """A mention of ``text`` linked to its gazetteer entry, or to an ``nf:`` id of its own;
        ``None`` for an unknown ALL-CAPS span (see below)."""
        entry = self.by_form.get(text)
        if entry is None and label == "PERSON":
            entry = self.linker.person(text)  # "Yoon Suk-yeol" = "Yoon Suk Yeol"
        # A curated person or organisation named in full is that entity, whatever type the model
        # guessed ("Mori Takeo" as LOC). Place names stay with the model: "Washington" may be a
        # person, "Jordan" a player, and a model that says so is usually right.
        if entry is not None and (
            entry.label in _COMPATIBLE.get(label, frozenset()) or (entry.kind in _CURATED and " " in text)
        ):
            return Mention(text, entry.label, start, end, entry.entity_id, entry.name, source)
        if _shouting(text):
            # Unknown ALL-CAPS spans are headline echoes ("ALLIES MOSCOW", "HYPERSONIC") far more
            # often than names: the model saw few capitals in training. Dropped, so the
            # gazetteer can match the known names inside.
            return None
        return Mention(text, label, start, end, name_id(_ID_KIND.get(label, "misc"), text), text, source)

    def _fill_from_gazetteer(self, doc: Doc, found: list[Mention]) -> list[Mention]:
        from spacy.tokens import Span
        from spacy.util import filter_spans

        matches = [Span(doc, start, end, label=match_id) for match_id, start, end in self.matcher(doc)]
        out = MentionSet(found)
        for span in filter_spans(matches):
            entry = self.entries[int(self.nlp.vocab.strings[span.label])]
            start, end = span.start_char, span.end_char
            overlapping = out.overlapping(start, end)
            # Widening is not overriding: the model saw part of a name the gazetteer knows whole,
            # and the whole name decides the type ("North Korea" around "Korea"; "Munich Security
            # Conference" around the LOC "Munich"; "Mori Takeo" around the ORG "Mori";
            # "Northern Limit Line" around the ORG "Limit Line").
            widens = overlapping and all(
                start <= m.start and m.end <= end and (m.start, m.end) != (start, end) for m in overlapping
            )
            if overlapping and not widens:
                continue  # the model's span stands: the gazetteer never overrides it
            for m in overlapping:
                out.remove(m)
            out.add(Mention(span.text, entry.label, start, end, entry.entity_id, entry.name, self.source))
        return list(out)


def _shouting(text: str) -> bool:
    """ALL-CAPS text longer than an acronym ("CIC" and "KCNA" are names; "HYPERSONIC" is not)."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 5 and text.upper() == text


def _trim(span: Span, leading: bool, trailing: bool) -> Span:
    """``span`` without what a model runs on into: title words ("Minister Cho" -> "Cho", people
    only; "South Korean Foreign" -> "South Korean", not ORG: "Department of State" is a name),
    and at either end lowercase words and punctuation ("Washington accuse" -> "Washington",
    "North Korea of" -> "North Korea", "Self-" -> "Self"): English names begin and end with a
    capitalised word, a number or an abbreviation."""
    doc, start, end = span.doc, span.start, span.end

    def loose(token: Token) -> bool:
        return token.is_punct or token.is_space or token.text[:1].islower()

    # "bin Laden", "al-Qaida", "van Rompuy": particles that begin names are not run-ons.
    while (
        start < end
        and doc[start].text not in _PARTICLES
        and (loose(doc[start]) or (leading and doc[start].text in _TITLE_WORDS))
    ):
        start += 1
    while end > start and (loose(doc[end - 1]) or (trailing and doc[end - 1].text in _TRAILING_TITLE_WORDS)):
        end -= 1
    return doc[start:end]


_TAGGERS: dict[TagOptions, Tagger] = {}


def get_tagger(options: TagOptions | None = None) -> Tagger:
    """The process-wide tagger for ``options``, built on first use (model loaded once)."""
    opts = options or TagOptions()
    tagger = _TAGGERS.get(opts)
    if tagger is None:
        files = list(opts.files) or [str(p) for p in default_files()]
        files += list(opts.extra_files)  # a missing user file is an error, not a silent no-op
        tagger = _TAGGERS[opts] = Tagger(load_entries(files), opts, load_model(opts.model))
    return tagger
