"""Entity tagging in layers: a statistical model, a gazetteer that fills gaps, rule layers, linking.

Each article is tagged in its own language (``articles.language``), title and text together:

1. The model of that language, if there is one (``TagOptions.model`` for ``model_language``,
   English: by default our own small spaCy tok2vec and IOB tagger shipped in
   ``tasks/ner/model``; ``TagOptions.models`` for others), its labels mapped to ours by
   ``LABEL_MAP``. It finds names nobody listed. No model ever reads a language it was not
   trained on.
2. The gazetteer (vendored reference data plus the user's files), its forms in every language
   and the names it has in the article's language, found by ``tasks.ner.matcher``. It only
   fills gaps: a match overlapping a model span is dropped, except one that merely widens model
   spans it contains ("North Korea" around the model's "Korea").
3. The rule layers of ``tasks.ner.layers`` trusted in that language (titled people, Korean name
   shapes, surnames, capitals as actors, "the North", typos, acronyms).

Linking: every span whose surface is a gazetteer form gets that entry's id (ROK -> South Korea);
model spans of people are also matched spelling-insensitively against the people registry; the
rest get an ``nf:<kind>:<slug>`` id of their own. Every mention then takes its id's canonical
name, and a place its coordinates and country, from the reference data. Measured reasons for
this order (a gazetteer that overrides the model loses ~0.2 F1) are in
tasks/ner/model/README.md.

The tagger is built once per process (``get_tagger``): loading the models takes a moment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from tasks.core.errors import ModelError
from tasks.core.records import Mention
from tasks.core.timing import Laps
from tasks.core.vocabulary import EntityLabel, MentionField
from tasks.ner.gazetteer import Entry, default_files, load_entries, name_id
from tasks.ner.layers import Linker, MentionSet, apply_layers
from tasks.ner.matcher import FormMatcher
from tasks.ner.places import load_places
from tasks.ner.vocabulary import VocabularyBound

# spaCy is imported where a tagger is built, not here: the flow's parent process imports this
# module for its options and checks only, and importing spaCy would add ~0.8 s to every start.
if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

#: The model shipped with newsflow (see its README.md for data, licences and scores).
DEFAULT_MODEL = Path(__file__).parent / "model"
#: A backend's labels -> ours. Labels not listed (DATE, MONEY, MISC, ...) are dropped.
LABEL_MAP: dict[str, EntityLabel] = {
    "PER": "PERSON",
    "PERSON": "PERSON",
    "ORG": "ORG",
    "LOC": "LOC",
    "GPE": "GPE",
    "NORP": "NORP",
    "FAC": "LOC",
}
#: Which gazetteer labels may link a model span of each of our labels (same surface form).
_COMPATIBLE: dict[EntityLabel, frozenset[str]] = {
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
    """What the tagger uses: its models, its gazetteer files and extra label mappings."""

    files: tuple[str, ...] = ()
    #: A user's own gazetteer files, added to the defaults (registries of people, agencies...).
    extra_files: tuple[str, ...] = ()
    #: Also match the ALL-CAPS form of every alias at least this long (caps headlines, echoes).
    upper_min_chars: int = 4
    #: The model for articles in ``model_language``: ``"default"`` (the model shipped in
    #: tasks/ner/model, trained on English), ``"none"`` (gazetteer and rules only), or an
    #: installed spaCy pipeline by package name or path (``en_core_web_md``).
    model: str = "default"
    #: The language ``model`` reads (ISO 639-1). It never runs on articles in another language:
    #: on Russian text the English model made persons of common words.
    model_language: str = "en"
    #: Installed spaCy pipelines for other languages, by name or path:
    #: ``(("de", "de_core_news_md"), ("fr", "/models/fr"))``. An article in a language with no
    #: model gets the reference data (with its names in that language) and the rules trusted
    #: in every language only.
    models: tuple[tuple[str, str], ...] = ()
    #: Extra ``(backend label, our label)`` pairs for a custom pipeline, e.g. ``(("POLITICIAN",
    #: "PERSON"),)``; they extend ``LABEL_MAP``.
    labels: tuple[tuple[str, str], ...] = ()
    #: Link places the model finds to GeoNames cities and US states the gazetteer does not
    #: match (``tasks/ner/places.py``).
    places: bool = True

    def model_names(self) -> dict[str, str]:
        """Language -> model name or path, ``"none"`` left out."""
        names = {self.model_language: self.model, **dict(self.models)}
        return {language: name for language, name in names.items() if name != "none"}


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
    _multiply_with_numpy(nlp)
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex

    from tasks.ner.tokens import CachedTokenizer

    tokenizer: Any = nlp.tokenizer
    if isinstance(tokenizer, Tokenizer):
        # spaCy keeps "U.S.-led" and "U.N.-backed" as one token; split the hyphen after a dot.
        infixes = [*list(nlp.Defaults.infixes or ()), r"(?<=\.)-(?=[A-Za-z])"]
        tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
        # Its cache is the same tokens, cheaper; only for a tokenizer that splits each chunk
        # between spaces on its own (spaCy's rule-based one, without exceptions that span
        # spaces), not for one that segments whole texts (Japanese, Chinese).
        if not any(not rule.isspace() and any(c.isspace() for c in rule) for rule in tokenizer.rules or {}):
            nlp.tokenizer = CachedTokenizer(tokenizer, nlp.vocab)
    return nlp


def _multiply_with_numpy(nlp: Language) -> None:
    """Let the pipeline's CPU layers multiply matrices with numpy's BLAS instead of thinc's
    bundled blis: the same products (the same mentions on the dev set's 408 English articles),
    and the tagger ~20 % cheaper per English article (17.1 -> 13.5 ms), because blis's kernel
    for this CPU ran the tok2vec's products at ~25 GFLOPS against OpenBLAS's ~68. Layers on
    another backend (a GPU) keep theirs."""
    from thinc.api import NumpyOps

    ops = NumpyOps(use_blis=False)
    for _, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is None:
            continue
        for node in model.walk():
            if type(node.ops) is NumpyOps:
                node.ops = ops


def check_model(options: TagOptions) -> None:
    """Fail early, and cheaply, on a model setting that cannot work (before workers start)."""
    ours = set(_COMPATIBLE)
    for backend, target in options.labels:
        if target not in ours:
            raise ModelError(f"label mapping {backend}={target}: {target} is not one of {sorted(ours)}")
    for language, name in options.model_names().items():
        if not re.fullmatch(r"[a-z]{2,3}", language):
            raise ModelError(f"entity model for {language!r}: a language is an ISO 639-1 code such as 'de'")
        if name == "default" or Path(name).is_dir():
            continue
        import spacy

        if not spacy.util.is_package(name):
            raise ModelError(f"entity model {name!r} is neither an installed spaCy package nor a directory")


def language_code(language: str | None) -> str | None:
    """``articles.language`` as the tagger keys it: ``"en-US"`` -> ``"en"``, ``"no"`` -> ``"nb"``."""
    if not language:
        return None
    code = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
    return _LANGUAGE_ALIASES.get(code, code) or None


#: Codes some pages and py3langid use for languages the vendored data keys otherwise.
_LANGUAGE_ALIASES = {"no": "nb", "iw": "he", "in": "id"}
#: Between title and text when both are tagged as one string: a paragraph break, so no rule
#: reads a name across it (a mention that still crosses it is dropped).
_TITLE_BREAK = "\n\n"


class Tagger:
    """Finds entities in text (model, gazetteer, rules) and links each to a stable id."""

    def __init__(
        self,
        entries: Sequence[Entry],
        options: TagOptions | None = None,
        nlp: Language | None = None,
        models: Mapping[str, Language] | None = None,
    ) -> None:
        opts = options or TagOptions()
        check_model(opts)
        self.options = opts
        #: The model of ``model_language`` (None: none), and every language's model.
        self.model = nlp
        self.models: dict[str, Language] = {**({opts.model_language: nlp} if nlp is not None else {}), **(models or {})}
        # (check_model has made sure every extra mapping ends in one of our labels)
        self.label_map: dict[str, EntityLabel] = {**LABEL_MAP, **{k: cast(EntityLabel, v) for k, v in opts.labels}}
        self.entries = list(entries)
        self.linker = Linker.build(self.entries)
        #: Canonical entry of each id: names, coordinates and countries of mentions come from it.
        self.by_id: dict[str, Entry] = {}
        for entry in self.entries:
            if entry.entity_id is not None:
                self.by_id.setdefault(entry.entity_id, entry)
        #: Places the model may find that no gazetteer form names (GeoNames cities, US states).
        self.places = load_places() if opts.places else {}
        for place in self.places.values():
            if place.entity_id is not None:
                self.by_id.setdefault(place.entity_id, place)
        self._matchers: dict[str | None, FormMatcher] = {}
        #: Languages the reference data has names in; any other shares one matcher (pages
        #: declare all sorts of codes, and each matcher holds every form).
        self._named_languages = {language for entry in self.entries for language in entry.local_forms}
        self.matcher(opts.model_language)  # built now: most articles are in it
        #: The words the models may add, bounded (a worker reads for as long as a run lasts).
        self.vocabulary = VocabularyBound(self.models.values())

    def matcher(self, language: str | None) -> FormMatcher:
        """The surface forms of ``language`` (its own names of places, plus every language's),
        built on first use."""
        key = language if language in self._named_languages else None
        found = self._matchers.get(key)
        if found is None:
            found = self._matchers[key] = FormMatcher(self.entries, key, self.options.upper_min_chars)
        return found

    def tag(self, text: str, title: str | None = None, language: str | None = "en") -> tuple[Mention, ...]:
        """Mentions in ``title`` (``field="title"``) and ``text``, in that order; ``language`` is
        the article's (ISO 639-1, or None when unknown: then no model runs)."""
        return self._tag_batch([text], [title], [language_code(language)], Laps(None))[0]

    def tag_many(
        self,
        texts: Sequence[str],
        titles: Sequence[str | None] | None = None,
        languages: Sequence[str | None] | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[tuple[Mention, ...]]:
        """``tag`` of each article. Each language's model reads its articles as one batch
        (measured ~20 % cheaper per article than one call each: the network runs on bigger
        matrices); title and text are read as one string, so a name in the headline is linked
        like the same name in the body ("Cho" in the title, "Cho Hyun-dong" below).

        ``timings`` (optional) accumulates the CPU seconds of each part, under the keys of
        :data:`TAG_STEPS`."""
        titles = titles if titles is not None else [None] * len(texts)
        codes = [language_code(x) for x in languages] if languages is not None else ["en"] * len(texts)
        return self._tag_batch(texts, titles, codes, Laps(timings))

    def _tag_batch(
        self, texts: Sequence[str], titles: Sequence[str | None], codes: Sequence[str | None], laps: Laps
    ) -> list[tuple[Mention, ...]]:
        joined = [f"{title}{_TITLE_BREAK}{text}" if title else text for text, title in zip(texts, titles, strict=True)]
        self.vocabulary.before_batch()  # (the Docs below live only in this call)
        # Each article's model reading: its pieces (:func:`_pieces`), each with the offset of its
        # first character. They are not joined back into one ``Doc``: ``Doc.from_docs`` builds
        # a Python object per token (~2.5 us each: 0.43 s for the dev set's 25 English articles
        # over 20,000 characters, against 2.4 s for their tokenizing and model), and a model's
        # mention never crosses a piece's edge anyway.
        docs: list[list[tuple[int, Doc]] | None] = [None] * len(texts)
        for language, model in self.models.items():
            batch = [i for i, code in enumerate(codes) if code == language]
            laps.start()
            limit = min(MODEL_PIECE_CHARS, model.max_length)
            pieces = [(i, len(piece), model.make_doc(piece)) for i in batch for piece in _pieces(joined[i], limit)]
            laps.lap("tag.tokenizer")
            offsets: dict[int, int] = {}
            for call in _model_calls(pieces):
                done = model.pipe([words for _, _, words in call], batch_size=len(call))
                for (i, chars, _), doc in zip(call, done, strict=True):
                    read = docs[i]
                    if read is None:
                        read = docs[i] = []
                    read.append((offsets.get(i, 0), doc))
                    offsets[i] = offsets.get(i, 0) + chars
            laps.lap("tag.model")
        out = []
        for i, text in enumerate(joined):
            body = len(text) - len(texts[i])  # where the body starts in the joined string
            out.append(self._tag_one(text, docs[i], codes[i], body, laps))
        return out

    def _tag_one(
        self, text: str, read: list[tuple[int, Doc]] | None, language: str | None, body: int, laps: Laps
    ) -> tuple[Mention, ...]:
        laps.start()
        forms = self.matcher(language)
        found = [m for offset, doc in read or () for m in self._model_mentions(doc, offset, text, forms, body)]
        laps.lap("tag.linking")
        found = self._fill_from_gazetteer(text, found, forms)
        mentions = apply_layers(text, found, self.linker, language)
        laps.lap("tag.layers")
        out = tuple(self._finish(m, body) for m in mentions if m.end <= body - len(_TITLE_BREAK) or m.start >= body)
        laps.lap("tag.linking")
        return out

    def _finish(self, m: Mention, body: int) -> Mention:
        """``m`` with its id's canonical name, coordinates and country, and its offsets into the
        field it is in. A place the model found that no gazetteer form names is linked here, after
        the rules, to a GeoNames city or US state of that name: the rules still saw the model's
        guess, which a name rule may replace ("Governor Austin Reed", not the city)."""
        entity_id, label = m.entity_id, m.label
        if m.source == "model" and entity_id is not None and entity_id.startswith("nf:loc:"):
            place = self.places.get(m.text)
            if place is not None:
                entity_id, label = place.entity_id, "GPE"
        entry = self.by_id.get(entity_id) if entity_id is not None else None
        name = entry.name if entry is not None else (m.entity_name if entity_id is not None else None)
        field: MentionField = "text" if m.start >= body else "title"
        shift = body if field == "text" else 0
        return Mention(
            m.text,
            label,
            m.start - shift,
            m.end - shift,
            entity_id,
            name,
            m.source,
            field,
            entry.latitude if entry is not None else None,
            entry.longitude if entry is not None else None,
            entry.country if entry is not None else None,
        )

    def _model_mentions(self, doc: Doc, offset: int, text: str, forms: FormMatcher, body: int) -> list[Mention]:
        """The model's mentions in ``doc``, the reading of ``text`` from character ``offset`` on."""
        out = []  # (``doc.text`` would rebuild the whole string on every access)
        for ent in doc.ents:
            label = self.label_map.get(ent.label_)
            if label is None:
                continue
            span = _trim(ent, leading=label == "PERSON", trailing=label != "ORG")
            if len(span) == 0 or not any(c.isalpha() for c in span.text):
                continue  # nothing left, or "2022": a name has letters
            start, end = offset + span.start_char, offset + span.end_char
            for tail in _POSSESSIVES:  # "DPRK’s", "NIS’s.": the tokenizer keeps some together
                if text.endswith(tail, start, end):
                    end -= len(tail)
                    break
            mention = self._link(text[start:end], label, start, end, forms)
            if mention is None or mention.text.islower():  # a name in English has a capital
                continue
            # A headline capitalises every word: a guess there stands only if the reference
            # data knows the name or the body names it too.
            if end <= body and mention.entity_id not in self.by_id and mention.text not in text[body:]:
                continue
            out.append(mention)
        return out

    def _link(self, text: str, label: EntityLabel, start: int, end: int, forms: FormMatcher) -> Mention | None:
        """A model mention of ``text`` linked to its gazetteer entry, or to an ``nf:`` id of its
        own; ``None`` for an unknown ALL-CAPS span (see below)."""
        entry = forms.by_form.get(text)
        if entry is None and label == "PERSON":
            entry = self.linker.person(text)  # "Yoon Suk-yeol" = "Yoon Suk Yeol"
        # A curated person or organisation named in full is that entity, whatever type the model
        # guessed ("Mori Takeo" as LOC). Place names stay with the model: "Washington" may be a
        # person, "Jordan" a player, and a model that says so is usually right.
        if entry is not None and (
            entry.label in _COMPATIBLE.get(label, frozenset()) or (entry.kind in _CURATED and " " in text)
        ):
            return Mention(text, entry.label, start, end, entry.entity_id, entry.name, "model")
        if _shouting(text):
            # Unknown ALL-CAPS spans are headline echoes ("ALLIES MOSCOW", "HYPERSONIC") far more
            # often than names: the model saw few capitals in training. Dropped, so the
            # gazetteer can match the known names inside.
            return None
        return Mention(text, label, start, end, name_id(_ID_KIND.get(label, "misc"), text), text, "model")

    def _fill_from_gazetteer(self, text: str, found: list[Mention], forms: FormMatcher) -> list[Mention]:
        out = MentionSet(found)
        for start, end, entry in forms.find(text):
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
            out.add(Mention(text[start:end], entry.label, start, end, entry.entity_id, entry.name, "gazetteer"))
        return list(out.items)


#: The parts of tagging that ``Tagger.tag_many`` times: the tokenizer; the model (tok2vec,
#: tagger, tags to spans); linking (the model's spans to reference entries or ``nf:`` ids, and
#: each mention's canonical name); the layers (gazetteer matches, name rules).
TAG_STEPS = ("tag.tokenizer", "tag.model", "tag.linking", "tag.layers")


#: The most characters the model reads in one piece. Its intermediate arrays grow with what it
#: reads at once (a 117,000-character article alone took a worker's peak RSS from 321 to 407 MiB,
#: and it read eight articles at a time), so a longer text is read in pieces cut after a line
#: break, and one call reads at most MODEL_CALL_CHARS of text in at most MODEL_CALL_PIECES
#: pieces: a worker's memory no longer follows the longest article of a corpus.
MODEL_PIECE_CHARS = 20_000
MODEL_CALL_CHARS = 40_000
#: Eight at a time: as fast as bigger calls here (the network runs on bigger matrices than one
#: article's, ~20 % cheaper per article than one call each).
MODEL_CALL_PIECES = 8


def _pieces(text: str, limit: int) -> list[str]:
    """``text`` cut after line breaks into pieces of at most ``limit`` characters (where a piece
    holds no line break, at ``limit``): the same characters, so offsets hold."""
    if len(text) <= limit:
        return [text]
    pieces, start = [], 0
    while start < len(text):
        end = min(len(text), start + limit)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        pieces.append(text[start:end])
        start = end
    return pieces


def _model_calls(pieces: list[tuple[int, int, Doc]]) -> list[list[tuple[int, int, Doc]]]:
    """``pieces`` (article index, characters, words) in order, grouped into model calls of at most
    :data:`MODEL_CALL_PIECES` pieces and :data:`MODEL_CALL_CHARS` characters."""
    calls: list[list[tuple[int, int, Doc]]] = []
    size = 0
    for piece in pieces:
        chars = piece[1]
        if not calls or len(calls[-1]) >= MODEL_CALL_PIECES or size + chars > MODEL_CALL_CHARS:
            calls.append([])
            size = 0
        calls[-1].append(piece)
        size += chars
    return calls


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
        check_model(opts)
        loaded = {language: load_model(name) for language, name in opts.model_names().items()}
        models = {language: nlp for language, nlp in loaded.items() if nlp is not None}
        tagger = _TAGGERS[opts] = Tagger(load_entries(files), opts, models.pop(opts.model_language, None), models)
    return tagger
