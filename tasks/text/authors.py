"""Author strings as pages give them -> person names, with organisations told apart.

Pages state authors in many shapes: ``Von Vanessa Franke``, ``By A and B``, ``Por A y B``,
``'A, B'``, ``Smith, John``, ``Jane Roe, Chief Technology Officer and head of ...``,
``Jane Roe | Reporter``, ``USA Today``, ``dpa``. :func:`parse_authors` turns any of them into a
list of person names and a list of organisations (the site itself, news agencies, newsrooms),
which must never be filed as people.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from html import unescape

import pytz

from tasks.text.words import without_soft_hyphens

#: "By", "Von", "Por", ... at the start of a byline, in the languages of the pages we ingest.
_LABELS = r"""(?:text|words|story|reporting|report|written|posted|post|published|submitted|photos?|
    words\ and\ photos|text\ und\ fotos?|texto|testo|tekst|texte|veröffentlicht|eingestellt|geschrieben|
    verfasst|gepostet|erstellt|publié|publicado|pubblicato|scritto|escrito|interview|fotos?|bilder?)"""
_PREFIX = re.compile(
    rf"""^(?:
        {_LABELS}\s*:\s*
        |
        (?:{_LABELS}\s*)?
        (?:©|\(c\)|by|from|von|vom|por|par|di|da|door|av|af|przez|od|autor(?:in|es|a)?|author(?:s)?|
           auteur(?:s)?|redacci[oó]n|reportage|記者|撰文|文|作者|編集部|기자)
        (?=[\s:：|/\-–—]|$)[\s:：|/\-–—]*
    )+""",
    re.IGNORECASE | re.VERBOSE,
)
# Several labels before one colon ("Text und Interview: Jane Roe", "Words and photos: ..."): taken
# off before the list is split, whose "und" would cut the label in two.
_LABEL_LIST = re.compile(rf"^{_LABELS}(?:\s*(?:und|and|&|y|et|e|,|/)\s*{_LABELS})+\s*:\s*", re.IGNORECASE | re.VERBOSE)
# A date before the byline's "by" ("Posted on September 21, 2020 by Jane Roe", "12.03.2024 von
# Jane Roe"): all of it goes, or the trailing-date rule would take the name with the date.
_DATED_BY = re.compile(r"^\D{0,30}\d[^;|]{0,30}?\s(?:by|von|par|por|door|di)\s+(?=[^\W\d_])", re.IGNORECASE)
# A name list's separators: ";", "|", "/", "&", "+", "·" and the word "and" in those languages.
_LIST_SPLIT = re.compile(
    # An interview's byline names both sides: "A im Gespräch mit B", "A in conversation with B".
    # (the phrases first: " en " alone is Dutch "and")
    r"\s*(?:[;|/&+·•、，]|\s(?:im\ gespräch\ mit|in\ conversation\ with|en\ conversation\ avec|"
    r"in\ conversazione\ con|en\ conversación\ con|und\ von|and\ by|and|und|y|et|en|og|och|ja|és|ve|и|oraz)\s"
    # One-letter conjunctions (Italian and Portuguese "e", Catalan and Polish "i", Czech "a")
    # only in lower case: "John A Smith" has an initial, not a list.
    r"|\s(?-i:e|i|a)\s)\s*",
    re.IGNORECASE,
)
_COMMA = re.compile(r"\s*,\s*")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_TAGS = re.compile(r"<[^>]+>")
# Dates and times glued to a byline ("Nathan Willis March 25, 2015", "22 Dec 2016 651").
_MONTHS = (
    r"jan(?:uary|uar|vier|eiro)?|feb(?:ruary|ruar)?|mar(?:ch)?|märz|apr(?:il)?|may|mai|jun[ei]?|juli?|"
    r"aug(?:ust)?|sep(?:t(?:ember)?)?|o[ck]t(?:ober)?|nov(?:ember)?|de[cz](?:ember)?|enero|febrero|marzo|"
    r"abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|janvier|février|mars|avril|juin|"
    r"juillet|août|septembre|octobre|novembre|décembre"
)
_TRAILING_DATE = re.compile(
    rf"\s*(?:\b(?:updated|aktualisiert|actualizado|mis à jour|published|veröffentlicht|am|um|on|at|le|el|à|alle)\b\s*)?"
    rf"(?:\b(?:{_MONTHS})\b\.?\s*\d|\d{{1,4}}[./-]\d|\d{{1,2}}:\d\d|\b\d{{1,2}}\.?\s+(?:{_MONTHS})\b|(?<!\w)\d{{3,}}).*$",
    re.IGNORECASE,
)
# A role or place after the name: "Jane Roe, Chief Technology Officer", "Jane Roe - Reporter",
# "Jane Roe in Berlin", "Jane Roe (dpa)".
_AFTER_NAME = re.compile(r"\s+(?:[-–—|:]\s+|\b(?:in|aus|en|à|em|from|for|für|für\ die)\s+[A-Z]).*$")
_PARENS = re.compile(r"\s*[(\[][^)\]]*[)\]]")
# A role after the name ("Ben Silverman Games Editor", "Christoph Hein Chefredakteur"): the
# name is kept, the role dropped.
_ROLE_WORDS = re.compile(
    r"""(?i)\b(?:editor|editora?|redakteur(?:in)?|chefredakteur(?:in)?|redaktor|reporter(?:in)?|correspondent|
    korrespondent(?:in)?|journalist(?:in)?|columnist|kolumnist(?:in)?|writer|contributor|staff|officer|
    director|head|chief|senior|junior|manager|president|founder|analyst|professor|researcher|fellow|
    producer|photographer|fotograf(?:in)?|expert[ei]?|expertin|intern|chef|leiter(?:in)?|mitarbeiter(?:in)?|periodista|
    redactora?|corresponsal|rédacteur|rédactrice|journaliste|giornalista|inviato|phd|ph\.d|md|msc|mba|rd|
    # weekdays and "as of" after a byline ("Sara Roe Stand", "Tomas Spahn Freitag")
    stand|montag|dienstag|mittwoch|donnerstag|freitag|
    samstag|sonntag|monday|tuesday|wednesday|thursday|friday|saturday|sunday|über|about)\b""",
    re.VERBOSE,
)
# Words that make a byline no name at all: links, labels and placeholders of the byline box.
_JUNK_WORDS = re.compile(
    r"""(?i)\b(?:follow|twitter|email|e-mail|contact|kontakt|profile|profil|more|mehr|articles?|artikel|
    artikelübersicht|übersicht|autorenseite|posts?|share|teilen|write|photos?|fotos?|photograph|autor(?:in)?|
    autoren|authors|unsere|our|no\ author|unknown|anonymous|anonym|an[óoô]nimo|admin|administrator|redaktion|
    publisher|courtesy|cortes[íi]a|
    gesponsert\w*|sponsored|anzeige|advertisement|jobs?|hire|veröffentlicht|published|updated|aktualisiert|
    cc|by-sa|licen[cs]e|posted|publiziert|gepostet|publicado|publié|username|benutzername|sign\ in|log\ ?in|
    anmelden|einloggen|registrieren|subscribe|abonnieren|
    # a comment link beside the byline ("Hinterlasse einen Kommentar", "Leave a comment")
    kommentar\w*|comments?|commentaires?|comentarios?|reply|antworten)\b""",
    re.VERBOSE,
)
# Legal forms end a company's name: "Acme GmbH", "Acme S.A." (not "James S.A. Corey"). Not "Co":
# it is a surname too ("Emily Co"; measured: 1 dev page gained, none lost).
_LEGAL_FORM = re.compile(r"(?i)\s(?:ag|inc|ltd|llc|plc|corp|s\.\s?a|e\.\s?v|s\.\s?l|s\.\s?p\.\s?a)\.?$")
# An acronym alone ("AFP", "CNN", "NDR"): an agency or a broadcaster.
_ACRONYM = re.compile(r"^[A-Z]{3,5}$")
_DOMAIN = re.compile(r"(?i)\b[\w-]+\.(?:com|org|net|de|at|ch|it|fr|es|co|uk|info|news|media|online|tv|eu|io)\b")
#: The ends of German compounds that name an organisation ("Landesanstalt", "Bundesministerium").
_ORG_COMPOUND_ENDS = "anstalt|verband|ministerium|behörde|gesellschaft|kammer|akademie|institut|hochschule"
#: Words that make a byline an organisation, not a person (newsrooms, agencies, legal forms).
_ORG_WORDS = re.compile(
    rf"""(?i)(?:^|\b)(?:
        redaktion|redazione|redacción|redaccion|rédaction|redactie|redakcja|redakce|redaksjon|redaktionen|
        redação|redacao|redaktori|redakcia|redakcija|uredništvo|
        newsroom|editorial|editors|editorial\ (?:staff|board|team)|staff\ writer|staff\ reports?|
        news(?:\ (?:desk|service|agency|wire|staff))?|wire|nachrichten|noticias|notizie|nouvelles|nieuws|
        agencia|agencias|agence|agentur|agenturen|agenzia|agencies|agency|
        associated\ press|reuters|afp|dpa|apa|epa|efe|ansa|kna|epd|sid|ap|upi|xinhua|yonhap|kyodo|jiji|
        tass|ria|anadolu|bernama|pti|ians|aap|ccp|
        press|presse|prensa|stampa|media|medien|médias|
        gmbh|verlag|publishing|publications|group|gruppe|
        zeitung|magazin|magazine|journal|times|post|tribune|herald|gazette|daily|weekly|today|online|
        tv|radio|television|fernsehen|rundfunk|channel|network|broadcasting|
        university|universität|universidad|université|institut[e]?|ministerium|ministry|department|
        council|association|verband|foundation|stiftung|company|
        # German compounds: "Landesanstalt", "Bundesministerium", "Landesjagdverband"
        \w+(?:{_ORG_COMPOUND_ENDS}))(?:\b|$)""",
    re.VERBOSE,
)
#: An organisation's name that goes on with what it is of or for ("Bayerische Landesanstalt für
#: Wald und Forstwirtschaft", "Institute for Health and Welfare", "Ministerio de Salud y ..."): one
#: name, whose "und", "and", "y" join no list of people.
_ORG_OF = re.compile(
    rf"(?i)\b(?:\w*(?:{_ORG_COMPOUND_ENDS})"
    r"|institute|university|universität|universidad|université|universit[àa]|ministry|ministerio|ministère"
    r"|department|council|association|foundation|stiftung|agency|agencia|agence|office|centre|center|society"
    r"|commission|bureau|federation|föderation|union)\s+(?:für|for|of|de|del|des|du|di|della|do|da|pour|per|zur|zum)\s"
)
#: The article no person's name starts with ("The Reporters", "The Hollywood Reporter" cut at
#: its role word): a publication's or a team's. Not German "Der", "Die": bloggers sign as "Der
#: Michel" (measured: 2 dev pages lost, 1 gained); nor "Le", "La", "El": "Le Pen", "La Toya".
_ARTICLES_NO_NAME_STARTS_WITH = frozenset({"the"})
#: A bracketed addition to a name: "(www.dw.com)", "(dpa)".
_BRACKETED = re.compile(r"\s*\([^)]*\)")
_NAME_PARTICLES = frozenset(
    {"van", "von", "de", "da", "del", "der", "den", "di", "du", "la", "le", "des", "dos", "das", "do"}
    | {"ten", "ter", "zu", "bin", "ibn", "al", "el", "mac", "mc", "y", "e", "st", "st."}
)
_MAX_NAME_WORDS = 5
_MAX_NAME_CHARS = 60


@dataclass(frozen=True, slots=True)
class ParsedAuthors:
    """What an author string names: people, and organisations credited as authors."""

    persons: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()


def fold(text: str) -> str:
    """Comparison key for names and site names: NFKC, case-folded, letters and digits only."""
    folded = unicodedata.normalize("NFKC", without_soft_hyphens(text)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


def parse_authors(raws: Iterable[str], *, sitenames: Iterable[str] = (), personal_site: bool = False) -> ParsedAuthors:
    """Person names and organisations in ``raws`` (each a byline or one name), deduplicated.

    ``sitenames`` are the page's own names (``og:site_name``, publisher, host): a byline that is
    one of them is the site, not a person, unless the site is a person's (``personal_site``: a
    blog on a blogging platform, named after its author).
    """
    # A site's name with what it adds in brackets ("Deutsche Welle (www.dw.com)") is its name too.
    sites = {key for name in sitenames for key in (fold(name), fold(_BRACKETED.sub("", name))) if key}
    site_words = {key.replace(" ", "") for key in sites}
    persons: dict[str, str] = {}
    orgs: dict[str, str] = {}
    for raw in raws:
        prepared = _prepare(raw)
        whole = _ORG_OF.search(prepared)
        for name in [prepared.strip(_PIECE_EDGES)] if whole else _split(prepared):
            key = fold(name)
            if not key or key in _ARTICLES_NO_NAME_STARTS_WITH:
                continue
            # (With an article before it: "Die FURCHE" on furche.at.)
            first, _, rest = key.partition(" ")
            bare = rest if rest and first in _LEADING_ARTICLES else key
            is_site = not personal_site and any(k in sites or k.replace(" ", "") in site_words for k in (key, bare))
            # The site's own name is an organisation (on a blogging platform it is the blogger's).
            if (
                _ORG_WORDS.search(name)
                or _DOMAIN.search(name)
                or _LEGAL_FORM.search(name)
                or _ACRONYM.match(name)
                or name.split(maxsplit=1)[0].lower() in _ARTICLES_NO_NAME_STARTS_WITH
                or is_site
            ):
                orgs.setdefault(key, name)
            elif _plausible_person(name):
                persons.setdefault(key, name)
    # A bare first name also given in full ("Nils" and "Nils Pickert") is the same person.
    keys = list(persons)
    kept = [k for k in keys if not any(k != other and (other.startswith(k + " ")) for other in keys)]
    return ParsedAuthors(persons=tuple(persons[k] for k in kept), organisations=tuple(orgs.values()))


def _prepare(raw: str) -> str:
    text = without_soft_hyphens(unescape(_TAGS.sub(" ", raw)) if ("<" in raw or "&" in raw) else raw)
    text = _EMAIL.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    # A date or time after the names ("von lupa am 26/10/13, 03:48 pm") goes before the list is
    # split: its slashes and commas are no separators between names.
    text = _LABEL_LIST.sub("", " ".join(text.split()))
    text = _DATED_BY.sub("", text)
    return _TRAILING_DATE.sub("", text)


#: What is stripped from the ends of a byline's part: separators and punctuation left by a split.
_PIECE_EDGES = " .,;:-–—|"


def _split(text: str) -> list[str]:
    names: list[str] = []
    for part in _LIST_SPLIT.split(text):
        part = _PREFIX.sub("", part.strip(_PIECE_EDGES)).strip(_PIECE_EDGES)
        if not part:
            continue
        pieces = [p for p in _COMMA.split(part) if p]
        placed = len(pieces) >= 2 and fold(pieces[-1]) in _COUNTRIES
        if placed:
            # A place, not a name: "Munich, Germany" (a dateline, an address given as the
            # author) is a city and its country, and so is a one-word piece before a country in
            # a longer list ("Süddeutsche.de GmbH, Munich, Germany"); in "Jane Roe, Germany"
            # and "Jane Roe, John Doe, Germany" only the country goes.
            pieces = pieces[:-1]
            if len(pieces[-1].split()) == 1:
                pieces = pieces[:-1]
        elif len(pieces) == 2 and all(len(p.split()) == 1 for p in pieces) and _is_word_name(pieces[1]):
            # "Smith, John": one name written family name first.
            pieces = [f"{pieces[1]} {pieces[0]}"]
        for at, piece in enumerate(pieces):
            if at and names and _names_an_organisation(piece):
                # "Jane Roe, ACLU Speech, Privacy, and Technology Project": the name's
                # affiliation, and the rest of the byline is the affiliation's too.
                return names
            name = _clean_name(piece)
            if name:
                names.append(name)
            elif names or len(pieces) > 1:
                # "Jane Roe, Chief Technology Officer ...": what follows a name is a role.
                continue
    return names


#: Countries' English names ("Germany", "United States"; pytz's, without its "(UK)" glosses).
_COUNTRIES = frozenset(fold(re.sub(r"\s*\(.*\)", "", name)) for name in pytz.country_names.values())


def _names_an_organisation(piece: str) -> bool:
    """Whether a part of a byline holds an organisation's name (a newsroom, a legal form, an
    acronym beside words in lower case: not "JOHN DOE"), as an affiliation after a name does."""
    if _ORG_WORDS.search(piece) or _LEGAL_FORM.search(piece):
        return True
    return not piece.isupper() and any(map(_ACRONYM.match, piece.split()))


def _is_word_name(word: str) -> bool:
    return word[:1].isupper() and not _ROLE_WORDS.fullmatch(word)


_CREDITED = re.compile(r"\S\s+(?:by|par|por|(?-i:von(?=\s+[A-ZÀ-Þ]\S*\s+[A-ZÀ-Þ])))\s+(\S.*)$", re.IGNORECASE)
# "Edited by", "Photograph by": someone credited, not the author.
_OTHER_CREDIT = re.compile(
    r"(?i)\b(?:edit\w*|photo\w*|foto\w*|illustrat\w*|images?|bild\w*|video\w*|graphics?|grafik\w*|"
    r"translat\w*|übersetz\w*|review\w*|produc\w*|cartoons?)\s+\S+\s+$"
)
_HONORIFIC = re.compile(
    r"(?i)^(?:(?:dr|prof|mag|dipl|ing|mr|mrs|ms|sir|dame|rechtsanw[aä]lt(?:in)?|fachanw[aä]lt(?:in)?)\.?(?:-\w+\.?)?\s+)+"
)


def _clean_name(piece: str) -> str | None:
    name = _PARENS.sub("", piece)
    name = _HONORIFIC.sub("", name)
    name = _PREFIX.sub("", name)
    name = _TRAILING_DATE.sub("", name)
    name = _AFTER_NAME.sub("", name)
    name = name.strip(" .,;:-–—|'\"“”‘’«»()[]")
    words = name.split()
    half = len(words) // 2
    if half and len(words) % 2 == 0 and words[:half] == words[half:]:
        name = " ".join(words[:half])  # "Jane Roe Jane Roe": a name printed twice (a link and its label)
    if not name or len(name) > _MAX_NAME_CHARS:
        return None
    # A section or a teaser before the name: "Tech Industry by Steven Musil", "Alles von Martin
    # Junker" ("von" only before a first and a last name: "Walter von Aachen" is one name).
    credited = _CREDITED.search(name)
    if credited and not _OTHER_CREDIT.search(name[: credited.start(1)]) and _plausible_person(credited.group(1)):
        name = credited.group(1)
    words = name.split()
    # A role compound before the name: "FOCUS-Online-Experte Robin Tschöpe", "dpa-Korrespondentin
    # Jane Roe" (the outlet in it would make the whole byline an organisation).
    if len(words) >= 3 and "-" in words[0] and _ROLE_WORDS.fullmatch(words[0].rsplit("-", 1)[1]):
        words = words[1:]
        name = " ".join(words)
    # Role words after the name ("Ben Silverman Games Editor"): keep the words before them.
    for i, word in enumerate(words):
        if i >= 1 and _ROLE_WORDS.fullmatch(word.strip(".,")):
            # A word before the role is the role's too ("Games Editor", "Senior Writer") when a
            # full name is left without it.
            words = words[: i - 1] if i >= 3 else words[:i]
            while words and not words[-1][:1].isupper():
                words.pop()
            break
    return " ".join(words) or None


#: Words a publication's name starts with ("Le Monde", "El Universal", "Die Tagespresse", "The
#: Big Bone"); a person's name does not start with a capitalised article.
_LEADING_ARTICLES = frozenset({"the", "le", "la", "les", "el", "los", "las", "il", "lo", "die", "der", "das", "het"})


def named_like_a_publication(name: str) -> bool:
    """Whether a name that spells the site's own host reads as the publication's rather than a
    person's: written all in capitals (``LA NACION``, ``EAT SMARTER``), holding an acronym
    (``ARD Mediathek``, ``Die FURCHE``), opening with an article (``Le Monde``), holding a
    lower-case word that is no name particle (``Courrier international``), or three words and
    more besides particles (``Stardew Valley Wiki``; not ``Jan de Vries``).

    Only for that test: "Moritz Meyer" on moritz-meyer.net is the blogger, and no rule here tells
    "Statistics Globe" from a person without a list of names."""
    name = _HONORIFIC.sub("", name)  # ("Dr. Alexander Klier" on alexander-klier.net is the blogger)
    words = name.split()
    if len(words) < 2:
        return False
    if name.isupper() or any(len(w) >= 2 and w.isupper() for w in words):
        return True
    if words[0].lower() in _LEADING_ARTICLES:
        return True
    if any(w[:1].islower() and w.lower() not in _NAME_PARTICLES for w in words[1:]):
        return True
    return sum(w.lower() not in _NAME_PARTICLES for w in words) >= 3


#: A user name with a number ("freeman1984", "happyface313"): a person's handle, signed as such.
_USER_NAME = re.compile(r"[^\W\d_]{3,}\d{1,4}")


def _plausible_person(name: str) -> bool:
    words = name.split()
    if not words or len(words) > _MAX_NAME_WORDS:
        return False
    if (any(c.isdigit() for c in name) and not _USER_NAME.fullmatch(name)) or _ROLE_WORDS.search(name):
        return False
    if _JUNK_WORDS.search(name):
        return False
    if not any(c.isalpha() for c in name):
        return False
    # Latin, Greek or Cyrillic names start their words with capitals (particles excepted); a
    # lower-case phrase is a sentence fragment, not a name. Other scripts have no case.
    cased = [w for w in words if w[:1].isalpha() and w[:1].lower() != w[:1].upper()]
    lower = [w for w in cased if not w[:1].isupper() and w.lower() not in _NAME_PARTICLES]
    # Names typed by their owners may lack a capital ("Mobasir hassan"); a phrase has several
    # lower-case words, or starts with one.
    return len(words) == 1 or not lower or (len(lower) == 1 and cased[:1] != lower[:1])
