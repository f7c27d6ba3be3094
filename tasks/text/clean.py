"""Cleanup after extraction: small named rules, each a pure function that counts its hits.

trafilatura drops chrome that lives in the page structure; what sits inside the article
container, or in text that was flattened before we got it, survives: title echoes, counters,
"LEAVE A REPLY" forms, credit lines, a body printed twice. Each rule below removes one such
thing from a list of paragraphs. Rules never drop information silently: credit lines become
``authors``/``editors`` and the lines themselves are kept in ``CleanResult.credits`` (the
``byline_raw`` column).

Rules run in ``RULES`` order; ``clean`` returns per-rule hit counts so a regression shows up in
the run summary.
"""

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import ftfy
import ftfy.badness

from tasks.core.identity import normalise
from tasks.core.vocabulary import InputKind
from tasks.text.authors import parse_authors
from tasks.text.dates import date_line

# ---------------------------------------------------------------------------------------------
# State threaded through the rules


@dataclass(frozen=True, slots=True)
class Draft:
    """The text under cleanup, as paragraphs, plus what rules moved out of it."""

    paragraphs: tuple[str, ...]
    title: str | None
    kind: InputKind
    authors: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    credits: tuple[str, ...] = ()
    #: Raw date strings found in removed chrome lines (e.g. ``17/2 20:44``), for date parsing.
    date_hints: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CleanResult:
    """Cleaned text and metadata moved out of the body, with hits per rule."""

    text: str
    title: str | None
    authors: tuple[str, ...]
    editors: tuple[str, ...]
    credits: tuple[str, ...]
    date_hints: tuple[str, ...]
    rule_hits: dict[str, int] = field(default_factory=dict)


Rule = Callable[[Draft], tuple[Draft, int]]

# ---------------------------------------------------------------------------------------------
# Helpers

_WS = re.compile(r"\s+")
_MARKERS = "▼▲►▶•·»«|"


#: ``normalise`` of a paragraph, cached: three rules compare every paragraph by it (the key was
#: computed three times per paragraph, ~2 % of a worker's CPU).
_key = functools.lru_cache(maxsize=4096)(normalise)


@functools.lru_cache(maxsize=4096)  # rules compare the same paragraphs several times
def _strip_marker(line: str) -> str:
    return line.lstrip(_MARKERS + " \t").strip()


def _is_caps(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 8 and all(c.isupper() for c in letters)


# ---------------------------------------------------------------------------------------------
# Rules


# The trace of UTF-8 read as Latin-1/cp1252: a lead-byte character (Â, Ã, â, ì, ...) followed by a
# continuation-byte character. Cheap to test; ftfy's own check runs only where it matches.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
    "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030"
    "\u2039\u203a\u20ac\u2122]"
)


def mojibake(draft: Draft) -> tuple[Draft, int]:
    """Repair UTF-8 text that was decoded with the wrong code page (``Seoulâ€™s`` -> ``Seoul’s``).

    ftfy's ``fix_encoding`` only undoes mis-decoding (quotes and dashes stay as written), and it
    runs only on paragraphs its cheap badness check flags.
    """
    fixed = []
    hits = 0
    for paragraph in draft.paragraphs:
        if _MOJIBAKE_HINT.search(paragraph) and ftfy.badness.is_bad(paragraph):
            repaired = ftfy.fix_encoding(paragraph)
            hits += repaired != paragraph
            paragraph = repaired
        fixed.append(paragraph)
    bad_title = draft.title and _MOJIBAKE_HINT.search(draft.title) and ftfy.badness.is_bad(draft.title)
    title = ftfy.fix_encoding(draft.title) if bad_title and draft.title else draft.title
    return replace(draft, paragraphs=tuple(fixed), title=title), hits


_CHROME = re.compile(
    r"""^(?:
        loading(?:\.\.\.|…)?|search|menu|home|skip\ to\ (?:main\ )?content|advertisement|sponsored|
        share(?:\ this(?:\ article|\ story)?)?|print|email|tweet|subscribe|sign\ in|log\ in|sign\ up|
        read\ more|related(?:\ articles|\ stories)?|most\ read|trending|top\ stories|
        (?:-\s*)?(?:category|kategorien?)\s*:.*|(?:-\s*)?tags?\s*:.*|
        (?:-\s*)?comments?\s*\(\d+\)|(?:-\s*)?trackbacks?\s*\(\d+\)|\d+\s+comments?|
        (?:copyright\s+)?©.*|copyright\s*:.{0,80}|all\ rights\ reserved\.?|
        # A reading-time note: "Lesezeit: 2 Minuten", "Temps de lecture : 4 min", "5 min read".
        (?:-\s*)?(?:estimated\ )?(?:reading\ time|lesezeit|lesedauer|temps\ de\ lecture|tiempo\ de\ lectura|
            tempo\ di\ lettura|tempo\ de\ leitura|leestijd|czas\ czytania|lästid|läsningstid|lukuaika|lesetid|
            læsetid)\s*:?\s*(?:etwa|ca\.?|about|approx\.?|environ|circa|unos)?\s*<?\s*\d+\s*
            (?:min(?:ute)?s?|minuten|minuti|minutos|minut[ey]?|minuter|minuttia?)?\.?|
        \d+\s*(?:-\s*)?min(?:ute)?s?\.?\ read|ten\ tekst\ przeczytasz\ w\ .{0,30}|
        # Credit and furniture lines around the story: photo credits, "last updated", ad labels.
        \(?(?:photos?|fotos?|bild(?:quelle)?|titelbild|beitragsbild|image(?:\ illustrative)?|
            crédits?\ photos?|credits?)\s*:\s*\S.{0,80}|categories|kategorien|
        (?:aktualisiert\ am|letzte\ änderung|last\ (?:updated|modified)(?:\ on)?|updated(?:\ on)?)\s*:?\s*
            \d[\d./:,\s-]*(?:uhr|am|pm)?\.?|
        anzeige(?:\s*[-:,].{0,100})?|
        follow\ us\ on\ .{0,100}|(?:sign\ up|subscribe)\ (?:for|to)\ (?:our|the)\ .{0,40}newsletters?.{0,80}|
        # A link to another story inside the body, in the languages of the pages we ingest:
        # "Read also: <headline>", "Lesen Sie auch: ...", "Lea también: ...", "Czytaj też: ...";
        # the English label alone too (other bare labels, "Auch interessant:", open a related block).
        (?:read|see)\ (?:more|also)\s*:|
        (?:(?:also\ )?read(?:\ (?:more|also))?|see\ also|
            lesen\ sie\ (?:auch|mehr|hier)|auch\ (?:interessant|lesen)|mehr\ zum\ thema|
            (?:à\ )?lire(?:\ aussi|\ également)?|voir\ aussi|
            (?:lea|lee|vea|ver)(?:\ también)?|lea\ más|puedes\ ver|mire|mira|(?:le|te)\ puede\ interesar|
            leia(?:\ também)?|veja\ também|leggi\ anche|
            (?:czytaj|zobacz)\ (?:też|także|również)|przeczytaj\ (?:też|także))\s*[:»]\s*\S.{0,150}|
        # A paywall's or a subscription's notice where the rest of the story would be.
        (?:to\ (?:view|read)\ the\ full\ story|subscribe\ now\b|if\ you.{1,3}re\ seeing\ this\ message|
            pour\ (?:lire\ la\ suite|accéder\ en\ illimité)|um\ (?:den\ artikel\ )?weiterzulesen).{0,150}|
        (?:this\ (?:web)?site|we)\ uses?\ cookies.*|accept(?:\ all)?(?:\ cookies)?|cookie\ settings|
        # Share and like widgets, in the languages of the pages we ingest (WordPress's among them).
        (?:teilen|teile|share|partager|compartir|condividi|compartilhe|udostępnij|delen)
            (?:\ (?:sie\ )?(?:dies|this|this\ post|mit|with|con|avec|on))*\s*:?.{0,80}|
        (?:gefällt\ mir|like\ this|j'aime|me\ gusta|mi\ piace)\s*:?.{0,60}|
        (?:wird\ geladen|lade|chargement|cargando|caricamento)\ ?(?:\.\.\.|…)|
        alle\ rechte\ vorbehalten\.?.{0,80}|tous\ droits\ réservés\.?|todos\ los\ derechos\ reservados\.?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_DATE_LINE = re.compile(r"^-?\s*(\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?(?:\s+\d{1,2}:\d{2})?)\s*$")
_SIGN_UP = r"\b(?:sign(?:ing)?\ up|subscribe|anmelden|abonnieren|suscr[ií]b|inscri)\w*\b"
#: A one-line promotion, anywhere in a short line (SHORT_LINE_CHARS): a newsletter's sign-up
#: ("Jetzt zum Newsletter anmelden ...", "PC Gamer Newsletter"), "Sign up here", an app's
#: advertisement ("... download the Nationnews apps for iOS and Android"). Searched apart from
#: _CHROME, whose patterns match from the line's start: as ``.*`` alternatives there they cost
#: cleanup a third more CPU.
_PROMO = re.compile(
    rf"""{_SIGN_UP}.*\bnewsletters?\b|\bnewsletters?\b.*{_SIGN_UP}|^.{{0,40}}\bnewsletter$|
        \bsign\ up\ here[.!]?$|\bdownload\ (?:the|our)\ .{{0,60}}\bapps?\b""",
    re.IGNORECASE | re.VERBOSE,
)
#: The longest line the substring-first rules (_is_promotion, _must_log_in) look at.
SHORT_LINE_CHARS = 160


def _is_promotion(line: str) -> bool:
    if len(line) > SHORT_LINE_CHARS:
        return False
    low = line.lower()  # (substrings first: a search of every line costs more than the rule saves)
    return ("newsletter" in low or "sign up here" in low or "download" in low) and bool(_PROMO.search(line))


def page_chrome(draft: Draft) -> tuple[Draft, int]:
    """Drop navigation, search, category, counter and share lines; keep bare date lines as hints."""
    kept: list[str] = []
    hints = list(draft.date_hints)
    for line in draft.paragraphs:
        bare = _strip_marker(line) if line[:1] in _MARKERS else line
        if _CHROME.match(bare) or _is_promotion(bare):
            continue
        date = _DATE_LINE.match(line)
        if date:
            hints.append(date.group(1))
            continue
        written = date_line(line)
        if written:
            hints.append(written)
            continue
        kept.append(line)
    return replace(draft, paragraphs=tuple(kept), date_hints=tuple(hints)), len(draft.paragraphs) - len(kept)


_CONSENT_TERMS = re.compile(
    r"(?i)\b(cookies?|consent(?:ing)?|personal data|partners|preferences|privacy policy|"
    r"personali[sz]ed (?:ads|advertising|content)|geolocation|legitimate interest|unique identifiers|"
    r"device scanning|opt[ -]out)\b"
)
_CONSENT_FORM = re.compile(r"(?:s|ing)$")


# A heading that opens the links to other stories after an article ("Auch interessant:",
# "Read more", "À lire aussi", "Czytaj też", ...): everything from it on is not the article.
_RELATED = re.compile(
    r"""^(?:
        (?:das\ )?(?:könnte|koennte)\ (?:sie|dich|euch)\ (?:auch\ )?interessieren|auch\ interessant|
        (?:das\ thema\ )?könnte\ dich\ auch\ interessieren|diese\ artikel\ könnten\ .{0,40}interessieren|
        weitere\ (?:aktuelle\ )?(?:themen|artikel|beiträge|nachrichten|informationen|news)\b.{0,40}|
        mehr\ (?:zum\ thema|themen).{0,40}|schon\ gelesen\??|zum\ weiterlesen|
        lesen\ sie\ (?:auch|mehr|hier)(?:\ die\ folgenden\ (?:beiträge|artikel))?|
        empfohlene\ (?:beiträge|artikel)|ähnliche\ (?:beiträge|artikel)|
        verwandte\ (?:beiträge|artikel)|meistgelesen|
        related(?:\ (?:posts|articles|stories|content|news|reading))?|you\ (?:may|might)\ also\ like|
        more\ (?:from|stories|on\ this|news)\b.{0,40}|(?:also\ )?in\ this\ (?:issue|section)|
        recommended(?:\ for\ you|\ stories|\ articles)?|
        (?:à\ )?lire\ (?:aussi|également)|sur\ le\ même\ sujet|
        (?:lee|leer)\ (?:también|más)|te\ puede\ interesar|
        (?:noticias|notas|artículos|contenido|contenidos)\ relacionad[oa]s?|temas(?:\ relacionados)?|
        # The readers' comments under the story open the same way.
        comments|kommentare|comentarios|comentar|commentaires|commenti|komentarze|reacties|
        leggi\ anche|potrebbe\ interessarti|leia\ (?:também|mais)|
        czytaj\ (?:też|także|również)|zobacz\ (?:też|także|również)|przeczytaj\ (?:też|także)
    )\s*[:.…»>]*$""",
    re.IGNORECASE | re.VERBOSE,
)
#: The related-links heading must come after this share of the text: an early "Read more" is
#: a link inside the story, not its end.
RELATED_AFTER = 0.5


def related_tail(draft: Draft) -> tuple[Draft, int]:
    """Drop a "related stories" block at the end: its heading and every line after it."""
    total = sum(len(p) for p in draft.paragraphs)
    seen = 0
    for i, paragraph in enumerate(draft.paragraphs):
        if seen >= RELATED_AFTER * total and len(paragraph) <= 80 and _RELATED.match(_strip_marker(paragraph)):
            return replace(draft, paragraphs=draft.paragraphs[:i]), len(draft.paragraphs) - i
        seen += len(paragraph)
    return draft, 0


#: A substring each consent term holds, in lower case: a paragraph with fewer than three of
#: them holds fewer than three terms, and is no banner without the regex's scan (cookie_banner
#: 0.31 -> 0.10 ms a page on the dev set's texts).
_CONSENT_ANCHORS = (
    "cookie",
    "consent",
    "personal data",
    "partners",
    "preferences",
    "privacy policy",
    "personali",
    "geolocation",
    "legitimate interest",
    "unique identifiers",
    "device scanning",
    "opt",
)


def _may_hold_three_terms(paragraph: str) -> bool:
    lowered = paragraph.lower()
    return sum(anchor in lowered for anchor in _CONSENT_ANCHORS) >= 3


def _consent_concepts(paragraph: str) -> set[str]:
    # "opt out" and "opt-out", "cookie" and "cookies" are one term: an article about tracking
    # says each of them several ways without being a banner.
    return {_CONSENT_FORM.sub("", m.lower().replace("-", " ")) for m in _CONSENT_TERMS.findall(paragraph)}


def cookie_banner(draft: Draft) -> tuple[Draft, int]:
    """Drop consent-banner paragraphs: three or more distinct consent terms in one paragraph.

    One term is not enough: news text says "consent" or "partners" too.
    """
    kept = tuple(p for p in draft.paragraphs if not _may_hold_three_terms(p) or len(_consent_concepts(p)) < 3)
    return replace(draft, paragraphs=kept), len(draft.paragraphs) - len(kept)


_COMMENT_FORM = re.compile(
    r"""^(?:leave\ a\ (?:reply|comment)|post\ (?:a\ )?comment|add\ (?:a\ )?comment|
        please\ enter\ your\ (?:comment|name\ here|email(?:\ address)?\ here)!?|
        you\ have\ entered\ an\ incorrect\ email\ address!?|
        save\ my\ name,?\ email.*|your\ email\ address\ will\ not\ be\ published.*|
        required\ fields\ are\ marked.*|cancel\ reply|notify\ me\ of\ .*|
        comment:?|name:?\*?|email:?\*?|website:?|
        # The same in German ("Keine Kommentare"; see also _must_log_in).
        sie\ sind\ (?:aktuell\ )?nicht\ eingeloggt\.?|keine\ kommentare\b.{0,80}|kommentare\ insgesamt\s*:\s*\d+)$""",
    re.IGNORECASE | re.VERBOSE,
)


def comment_form(draft: Draft) -> tuple[Draft, int]:
    """Drop comment-form prompts ("LEAVE A REPLY", "Please enter your comment!")."""
    kept = tuple(p for p in draft.paragraphs if not (_COMMENT_FORM.match(p) or _must_log_in(p)))
    return replace(draft, paragraphs=kept), len(draft.paragraphs) - len(kept)


def _must_log_in(line: str) -> bool:
    # "Sie müssen eingeloggt sein, um einen Kommentar zu schreiben": tested with substrings, as
    # a regex needs a look-ahead over every line for it (a tenth of cleanup's CPU).
    if len(line) > SHORT_LINE_CHARS:
        return False
    low = line.lower()
    return "kommentar" in low and ("eingeloggt" in low or "angemeldet" in low)


_COUNTER = re.compile(r"^\d{1,4}$")


def stray_counter(draft: Draft) -> tuple[Draft, int]:
    """Drop lines that are a bare number (comment or share counters such as ``0``)."""
    kept = tuple(p for p in draft.paragraphs if not _COUNTER.match(p))
    return replace(draft, paragraphs=kept), len(draft.paragraphs) - len(kept)


def _looks_like_headline(line: str) -> bool:
    words = line.split()
    if not 3 <= len(words) <= 40 or len(line) > 300:
        return False
    return _is_caps(line) or not line.rstrip().endswith((".", "!", "?", ":", "”", '"'))


def headline(draft: Draft) -> tuple[Draft, int]:
    """Flat text without a title: take the first line when it looks like a headline."""
    if draft.title or draft.kind == "html" or not draft.paragraphs:
        return draft, 0
    first = draft.paragraphs[0]
    marked = first[:1] in _MARKERS
    candidate = _strip_marker(first)
    # A flat article whose first line is a full sentence has no headline: leave the title null.
    if not (marked or _looks_like_headline(candidate)) or len(draft.paragraphs) < 2:
        return draft, 0
    return replace(draft, title=candidate.rstrip("."), paragraphs=draft.paragraphs[1:]), 1


#: A line near the top that is the title after this many words or fewer is the headline with its
#: kicker ("Schifffahrt Neue Fähre ..." for the title "Neue Fähre ...").
KICKER_WORDS = 5
#: ... when the title has this many words or more: a line that ends with a title of one or two
#: words ("Autokredit", "Muffin Grundrezept") is as often the body's own subheading.
KICKER_TITLE_WORDS = 3
#: How many of the first lines are looked at for a headline with its kicker.
KICKER_LINES = 3


def title_echo(draft: Draft) -> tuple[Draft, int]:
    """Drop lines that repeat the title, in any case, with or without a marker or full stop, and
    near the top, the title after a short kicker."""
    if not draft.title:
        return draft, 0
    key = normalise(draft.title)
    if not key:
        return draft, 0
    kickers = len(key.split()) >= KICKER_TITLE_WORDS

    def echoes(index: int, paragraph: str) -> bool:
        line = _key(_strip_marker(paragraph))
        if line == key:
            return True
        kicker = line[: -len(key)]
        return kickers and index < KICKER_LINES and line.endswith(" " + key) and len(kicker.split()) <= KICKER_WORDS

    kept = tuple(p for i, p in enumerate(draft.paragraphs) if not echoes(i, p))
    return replace(draft, paragraphs=kept), len(draft.paragraphs) - len(kept)


#: Paragraphs shorter than this are never treated as repeats (short lines repeat legitimately).
MIN_REPEAT_CHARS = 40


def _repeat_mask(paragraphs: tuple[str, ...]) -> list[bool]:
    seen: set[str] = set()
    mask = []
    for p in paragraphs:
        if len(p) < MIN_REPEAT_CHARS:  # its key is shorter still: never a repeat, never repeated
            mask.append(False)
            continue
        key = _key(p)
        repeat = len(key) >= MIN_REPEAT_CHARS and key in seen
        mask.append(repeat)
        seen.add(key)
    return mask


def repeated_body(draft: Draft) -> tuple[Draft, int]:
    """Drop a second printing of the body: a run of 3+ paragraphs that all appeared before.

    A paragraph repeated on its own stays: on real pages it is content (a program's output line
    in a tutorial, a running header of a standard, a chorus), and dropping every repeat cost
    words on 5 dev-set pages while it removed no snippet that must not appear.
    """
    mask = _repeat_mask(draft.paragraphs)
    drop = [False] * len(mask)
    runs = 0
    i = 0
    while i < len(mask):
        if mask[i]:
            j = i
            while j < len(mask) and mask[j]:
                j += 1
            if j - i >= 3:
                drop[i:j] = [True] * (j - i)
                runs += 1
            i = j
        else:
            i += 1
    kept = tuple(p for p, d in zip(draft.paragraphs, drop, strict=True) if not d)
    return replace(draft, paragraphs=kept), runs


_ROLES = r"(?:additional\s+)?(?:reporting|editing|edited|writing|written|reported|compiled|translated|produced|photos?)"
_CREDIT_START = re.compile(rf"^{_ROLES}\s+by\s+", re.IGNORECASE)
_SEGMENT = re.compile(rf"(?:^|[;.]\s*)({_ROLES})\s+by\s+", re.IGNORECASE)
_BYLINE = re.compile(r"^(?:By|BY|by)\s+(?P<names>.+?)\.?$")
_TEAM = re.compile(r"^[A-Z0-9&.' -]{2,60}\b(?:TEAM|DESK|STAFF|BUREAU|NEWSROOM|REPORTERS?|CORRESPONDENTS?)$")
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b)\s*", re.IGNORECASE)
_PLACE_SUFFIX = re.compile(r"\s+in\s+[A-Z][\w .'-]*$")
# A person's name: one to five capitalised words (particles such as "van", "de" allowed).
_NAME = re.compile(
    r"^(?:[A-Z][\w.'’-]*|van|von|de|da|del|der|bin|al)(?:\s+(?:[A-Z][\w.'’-]*|van|von|de|da|del|der|bin|al)){0,4}$"
)


def _names(raw: str) -> list[str] | None:
    """The names in a credit's name list, or None when it is not a list of names (a sentence)."""
    names = [_PLACE_SUFFIX.sub("", n.strip(" .")) for n in _NAME_SPLIT.split(raw.strip(" .;")) if n.strip(" .")]
    return names if names and all(_NAME.match(n) for n in names) else None


def _credit(line: str) -> tuple[list[str], list[str]] | None:
    """(authors, editors) named by a credit line, or None when the line is not one."""
    if _CREDIT_START.match(line):
        parts = _SEGMENT.split(line)  # ["", role, names, role, names, ...]
        authors: list[str] = []
        editors: list[str] = []
        for role, raw in zip(parts[1::2], parts[2::2], strict=True):
            names = _names(raw)
            if names is None:
                return None
            if role.lower().startswith("additional"):
                continue  # contributors the byline does not name ("Additional reporting by ..."): in byline_raw only
            (editors if role.lower().startswith("edit") else authors).extend(names)
        return authors, editors
    byline = _BYLINE.match(line)
    if byline:
        names = _names(byline.group("names"))
        return (names, []) if names else None
    return None


# A byline line in other languages ("Von Cosima Künzel", "Por Ana Díaz", "Par Léa Roux"): the
# word "by" and a first and last name, nothing else. Only at the body's edges, where bylines
# stand: inside the text "Von Anfang An" or "Par Avion" could pass for one.
_LOCAL_BYLINE = re.compile(
    r"^(?i:von|por|par|door|av|af|di|przez)\s+(?P<names>[^\W\d_][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*){1,3})\.?$"
)
#: How many lines at the start and at the end of the body are searched for such a byline.
BYLINE_EDGE_LINES = 3


# A labelled author line, anywhere in the body: "Autorin: A B", "Text: A B", "Written by: A B".
_LABELLED_BYLINE = re.compile(
    r"^(?i:autor|autorin|autore|autora|auteur|auteure|author|text|texto|testo|tekst|written\ by)"
    r"\s*[:：]\s*(?P<names>\S.*)$"
)
# Where a labelled line's name ends: a role or a date follows a comma or a parenthesis.
_ROLE_AFTER = re.compile(r"\s*[,(]")


def _persons(raw: str) -> list[str] | None:
    """The persons ``raw`` names, when it reads as a list of names and holds a person."""
    if _names(raw) is None:
        return None
    persons = parse_authors([raw]).persons
    return list(persons) if persons else None


def _local_byline(line: str) -> list[str] | None:
    """The persons a byline line in another language names, or None when it is not one."""
    found = _LOCAL_BYLINE.match(line.strip())
    return _persons(found.group("names")) if found else None


def _labelled_byline(line: str) -> list[str] | None:
    """The person an "Autor: …" line names, or None. What follows a comma or a parenthesis is
    a role or a date ("Autorin: A B, Projektleiterin in Tunis", "Autor: A B (Oktober 2008)")."""
    found = _LABELLED_BYLINE.match(line.strip())
    return _persons(_ROLE_AFTER.split(found.group("names"), maxsplit=1)[0]) if found else None


def credit_line(draft: Draft) -> tuple[Draft, int]:
    """Move byline and credit lines out of the body: "By A", "Edited by A and B", "CIC PRESS
    TEAM", a labelled "Autorin: A B" anywhere, and at the body's edges "Von A B", "Por A B".

    The lines name the authors only of a page that names none elsewhere (structured data, meta
    tags, a byline element): where it does, "By" lines in its text are other stories' teasers or
    a quoted piece's credit (on the dev set: 3 pages right, 1 wrong). They are moved all the same."""
    declared = bool(draft.authors)
    authors, editors, credits = list(draft.authors), list(draft.editors), list(draft.credits)
    kept: list[str] = []
    last = len(draft.paragraphs)
    for i, line in enumerate(draft.paragraphs):
        credit = _credit(line) if len(line) <= 160 else None
        if credit is None and len(line) <= 100:
            at_edge = i < BYLINE_EDGE_LINES or i >= last - BYLINE_EDGE_LINES
            names = _labelled_byline(line) or (_local_byline(line) if at_edge else None)
            credit = (names, []) if names else None
        if credit is not None:
            if not declared:
                authors.extend(credit[0])
            editors.extend(credit[1])
            credits.append(line)
        elif len(line) <= 160 and _TEAM.match(line.strip()):
            if not declared:
                authors.append(line.strip())
            credits.append(line)
        else:
            kept.append(line)
    moved = len(draft.paragraphs) - len(kept)
    return (
        replace(draft, paragraphs=tuple(kept), authors=tuple(authors), editors=tuple(editors), credits=tuple(credits)),
        moved,
    )


#: The rules, in the order they run. Names are what the run summary reports.
RULES: tuple[tuple[str, Rule], ...] = (
    ("mojibake", mojibake),
    ("page_chrome", page_chrome),
    ("related_tail", related_tail),
    ("cookie_banner", cookie_banner),
    ("comment_form", comment_form),
    ("stray_counter", stray_counter),
    ("headline", headline),
    ("title_echo", title_echo),
    ("repeated_body", repeated_body),
    ("credit_line", credit_line),
)

# ---------------------------------------------------------------------------------------------
# Authors

_JUNK_AUTHOR = re.compile(
    r"(?i)^(?:by|from|and|staff|admin|administrator|editor|email(?: the author)?|contact|follow|"
    r"share|updated|posted|published|\d.*|.*@.*|https?://.*|.*\bago|.*\d\s*(?:am|pm|a\.m\.|p\.m\.))$"
)


def clean_authors(names: tuple[str, ...]) -> tuple[str, ...]:
    """Drop junk author strings ("By", "Email the author", dates, e-mail addresses); dedupe."""
    out: dict[str, None] = {}
    for name in names:
        value = re.sub(r"(?i)^by\s+", "", name).strip(" ,.;|")
        if value and len(value) <= 80 and not _JUNK_AUTHOR.match(value):
            out.setdefault(value, None)
    return tuple(out)


def split_paragraphs(text: str) -> tuple[str, ...]:
    """Paragraphs of ``text``: its non-blank lines, with inner whitespace collapsed."""
    return tuple(_WS.sub(" ", line).strip() for line in text.splitlines() if line.strip())


def clean(text: str, *, title: str | None, kind: InputKind, authors: tuple[str, ...] = ()) -> CleanResult:
    """Run every rule over ``text`` and return the result with hits per rule."""
    draft = Draft(paragraphs=split_paragraphs(text), title=title, kind=kind, authors=authors)
    hits: dict[str, int] = {}
    for name, rule in RULES:
        draft, count = rule(draft)
        hits[name] = count
    return CleanResult(
        text="\n".join(draft.paragraphs),
        title=draft.title,
        authors=clean_authors(draft.authors),
        editors=clean_authors(draft.editors),
        credits=draft.credits,
        date_hints=draft.date_hints,
        rule_hits=hits,
    )
