"""What a page says about itself: title, authors, site name, dates, language, canonical URL.

One pass over the parsed page (``<meta>``, JSON-LD, ``<link rel=canonical>``, ``<title>``,
headings, bylines), before the body is extracted from the same tree. Each field is chosen among
all the page's sources by rules measured on real pages (docs/extraction.md):

- **title**: every source (``og:title``, ``twitter:title``, JSON-LD ``headline``, ``<title>``,
  the ``<h1>``) without the site's name (``… | CNN``, ``… - Autoblog``, ``DW – 28.04.2023``);
  the page's own ``<h1>`` when it is the same headline as the declared one (of several, one a
  meta tag declares over one only ``<title>`` holds, then the one that is most of it), or when
  nothing is declared. A masthead ``<h1>`` is the site's name (a logo's class, the part the
  ``<title>`` adds to the declared headline, or the end of a ``<title>`` that does not begin
  with the site, when it is no longer than the segment before), and so never the title; a
  declared site name that is the headline itself is none. A heading's kicker that its markup
  sets apart (a first part classed ``dachzeile``, ``kicker``, ``topic-label``; a part classed
  ``headline``) is no part of the headline. Soft hyphens are taken out.
- **authors**: JSON-LD ``author`` in all its shapes (strings, objects, lists, ``@id``
  references to ``Person`` nodes, ``givenName``/``familyName``), ``<meta>`` authors, else the
  byline in the page; split and cleaned by :mod:`tasks.text.authors`, organisations kept apart.
- **dates**: candidates in order of trust, decided by :func:`tasks.text.dates.decide_published`.
"""

import html
import json
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import lxml.html

from tasks.core.identity import site_host
from tasks.text.authors import fold, named_like_a_publication, parse_authors
from tasks.text.dates import DateCandidate
from tasks.text.names import is_given_name
from tasks.text.words import count_words, without_soft_hyphens

# ---------------------------------------------------------------------------------------------
# What is read where

_PUBLISHED_METAS = frozenset(
    {
        "article:published_time",
        "article:published",
        "og:published_time",
        "og:article:published_time",
        "article.published",
        "datepublished",
        "pubdate",
        "publishdate",
        "publish-date",
        "publish_date",
        "publication_date",
        "original-publish-date",
        "date",
        "dc.date",
        "dc.date.issued",
        "dc.date.created",
        "dcterms.created",
        "dcterms.issued",
        "dcterms.date",
        "citation_publication_date",
        "citation_date",
        "sailthru.date",
        "parsely-pub-date",
        "cxenseparse:recs:publishtime",
        "article:post_date",
        "created",
        "datecreated",
    }
)
_MODIFIED_METAS = frozenset(
    {"article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified", "lastmod"}
)
_AUTHOR_METAS = frozenset(
    {
        "author",
        "article:author",
        "authors",
        "byl",
        "dc.creator",
        "dc:creator",
        "dcterms.creator",
        "citation_author",
        "parsely-author",
        "sailthru.author",
        "cxenseparse:author",
        "article:author_name",
        "og:article:author",
    }
)
_TITLE_METAS = ("og:title", "twitter:title")
_SITE_METAS = frozenset({"og:site_name", "application-name", "twitter:site", "publisher", "dc.publisher"})
_LANG_METAS = frozenset({"content-language", "og:locale", "language", "dc.language", "inlanguage"})
_ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "askpublicnewsarticle",
        "advertisercontentarticle",
        "satiricalarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "discussionforumposting",
        "scholarlyarticle",
        "medicalscholarlyarticle",
        "techarticle",
        "report",
        "webpage",
        "itempage",
        "videoobject",
        "creativework",
    }
)
# Types a site or publisher is named by.
_SITE_TYPES = frozenset({"website", "organization", "newsmediaorganization", "corporation"})
# Microdata properties whose item is another work than the page's (schema.org names, folded).
_OTHER_WORKS = frozenset({"citation", "comment", "review", "mentions", "isbasedon", "itemlistelement", "workexample"})

#: A site name or section glued to a title: `` | CNN``, ``Opinion | ``, `` – DW – 28.04.2023``.
_SEPARATORS = re.compile(r"\s+(?:[|\u2013\u2014\u2012•·»«:/~*⋆]|-{1,2}|::)\s+|\s*[|｜]\s*|\s+[-–—]\s*$")
_DATE_SEGMENT = re.compile(r"^[\d\s./:-]+(?:uhr|h)?$", re.IGNORECASE)
# Byline elements: class/id naming an author or byline, rel/itemprop author. Found by a walk in
# document order that stops at the first byline (it sits above the story): an XPath test of the
# class of every element (contains(), translate()) cost 5-10 ms on a large page.
_BYLINE_TAGS = frozenset(
    {
        "a",
        "address",
        "div",
        "p",
        "span",
        "strong",
        "li",
        "ul",
        "h3",
        "h4",
        "h5",
        "h6",
        "b",
        "em",
        "small",
        "section",
        "dd",
    }
)
_BYLINE_MARKER = re.compile(
    r"(?:^|[\s_/-])(?:author|byline|byl|autor|autore|auteur|writer|journalist|reporter|posted-by|zuozhe|vcard|username)"
    # camelCase and run-together suffixes too: authorName, authorTitle, authorMeta, bylineBlock,
    # German "autorenzeile" (author line)
    r"(?:s|en|es|in)?(?:[\s_/-]|name|box|info|line|zeile|title|meta|link|data|block|wrap|detail|container|text|label|$)",
    re.IGNORECASE,
)
_READ_TAGS = ("meta", "link", "script", "title", "h1", "h2", "time")
# A byline line: "by" in the languages of the pages we ingest (after a label, perhaps), then a
# first name or initials ("J.R.", "J. R.") and a last name (capitalised, perhaps an initial or a
# particle between), nothing else.
_BYLINE_LINE_LABELS = ("text", "texto", "words", "story")
_BYLINE_LINE_BY = ("von", "by", "par", "por", "door", "av", "przez")
_BYLINE_LINE = re.compile(
    rf"^(?:(?:{'|'.join(_BYLINE_LINE_LABELS)})\s+)?(?:{'|'.join(_BYLINE_LINE_BY)})\s+"
    r"(?-i:(?:[A-ZÀ-Þ][^\W\d_]+(?:-[A-ZÀ-Þ][^\W\d_]+)?|[A-ZÀ-Þ]\.\s?[A-ZÀ-Þ]\.)"
    r"(?:\s+(?:[A-ZÀ-Þ]\.|van|von|de|da|del|der|di|du|la|le)){0,2}"
    r"\s+[A-ZÀ-Þ][^\W\d_'’-]+(?:[-'’][A-ZÀ-Þ]?[^\W\d_]+)?)$",
    re.IGNORECASE,
)
#: The words a byline line starts with (a cheap test before the pattern's).
_BYLINE_LINE_STARTS = frozenset(_BYLINE_LINE_LABELS + _BYLINE_LINE_BY)
_BYLINE_DEPTH = 3
#: The most words a byline element's organisation has ("Deutsche Presse-Agentur", "Redaktion
#: Polizeiticker Schweiz"): more is a headline.
_MAX_ORG_WORDS = 5
_BYLINE_DISCARD = re.compile(r"(?i)comment|sidebar|related|widget|share|social|more-|recommend|teaser|menu")
# A wrapper named for both things it holds ("content-sidebar-wrap", the page grid of WordPress's
# Genesis themes) is no sidebar: the article sits inside it.
_LAYOUT_WRAPPER = re.compile(r"(?i)^(?=.*content)(?=.*sidebar).*wrap")


@dataclass(frozen=True, slots=True)
class PageMetadata:
    """The page's statements about itself, each field already chosen among its sources."""

    url: str | None = None
    title: str | None = None
    authors: tuple[str, ...] = ()
    #: Organisations credited as authors (the site, an agency, a newsroom): never people.
    organisations: tuple[str, ...] = ()
    sitename: str | None = None
    #: Every name the site goes by (declared names, its host): never a person, never a title.
    sitenames: tuple[str, ...] = ()
    #: ``sitenames`` without those the page's JSON-LD types as a ``Person`` (a personal site's
    #: name): what a byline is checked against before it is taken for the site.
    author_sitenames: tuple[str, ...] = ()
    #: The person a personal site is named after (``wolfgangmichal.de``, "… | Wolfgang
    #: Michal"): the author of a page that names no other.
    site_author: str | None = None
    #: A blog on a blogging platform: its name is its author's, not a publication's.
    personal_site: bool = False
    #: ISO 639-1 code the page declares (``<html lang>``, ``og:locale``, ...), and its region.
    language: str | None = None
    region: str | None = None
    #: Date strings in order of trust, for :func:`tasks.text.dates.decide_published`.
    dates: tuple[DateCandidate, ...] = ()
    #: The article's text as the page's structured data gives it (JSON-LD or a JSON script's
    #: ``articleBody``): the body of pages that render the story from a script.
    article_body: str | None = None


@dataclass(slots=True)
class _Found:
    """Accumulator for one pass over the page."""

    url: str | None = None
    meta_titles: list[str] = field(default_factory=list)
    jsonld_title: str | None = None
    jsonld_authors: list[str] = field(default_factory=list)
    jsonld_orgs: list[str] = field(default_factory=list)
    #: A ``WebPage``'s authors: the article's when no article node names any.
    jsonld_page_authors: list[tuple[str, bool]] = field(default_factory=list)
    #: Names the JSON-LD types as a ``Person`` (also when typed ``Organization`` as well).
    persons: set[str] = field(default_factory=set)
    meta_authors: list[str] = field(default_factory=list)
    sitenames: list[str] = field(default_factory=list)
    language: str | None = None
    region: str | None = None
    jsonld_published: list[str] = field(default_factory=list)
    jsonld_page_dates: list[str] = field(default_factory=list)
    meta_published: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    article_body: str | None = None

    def declared_titles(self) -> list[str]:
        """The headlines the page declares (meta titles, then JSON-LD's), not ``<title>``."""
        return [t for t in (*self.meta_titles, self.jsonld_title) if t]


def read_metadata(tree: lxml.html.HtmlElement, url: str | None = None) -> PageMetadata:
    """Everything :class:`PageMetadata` holds, from the whole (unpruned) page ``tree``.

    ``url`` is where the page came from, when known; the page's canonical URL is read regardless.
    """
    found = _Found()
    # One walk of the tree for every element read here (each walk costs as much as the next).
    elements: dict[str, list[lxml.html.HtmlElement]] = {tag: [] for tag in _READ_TAGS}
    for element in tree.iter(*_READ_TAGS):
        elements[element.tag].append(element)
    _read_html_lang(tree, found)
    _read_head(elements["link"], elements["meta"], found)
    for script in elements["script"]:
        kind = (script.get("type") or "").strip().lower()
        if kind == "application/ld+json" and script.text:
            _read_jsonld(script.text, found)
        elif (
            kind == "application/json" and script.text and found.article_body is None and '"articleBody"' in script.text
        ):
            # A page that renders its story from a JSON script (Next.js and the like).
            found.article_body = _json_article_body(script.text)
    page_url = url or found.url
    _drop_headlines_named_as_sites(found)
    sitenames = _site_names(found, page_url)
    title = _choose_title(elements["title"], [*elements["h1"], *elements["h2"]], found, sitenames)
    title = without_soft_hyphens(title) if title else title
    personal = _on_blog_platform(page_url)
    if not (found.jsonld_authors or found.jsonld_orgs):
        # Only a WebPage names authors (no article node does): the page's are the article's.
        for name, is_org in found.jsonld_page_authors:
            (found.jsonld_orgs if is_org else found.jsonld_authors).append(name)
    # A site named after a person (its JSON-LD says so) does not make that person the site.
    # (Unless its name reads as a publication's: "Le Monde" typed as a Person is still the site;
    # so is one word that is no first name and no handle, "Makronom": a CMS's user named after
    # the site, not "happyface313".)
    author_sites = tuple(
        s
        for s in sitenames
        if fold(s) not in found.persons
        or named_like_a_publication(s)
        or (len(s.split()) == 1 and not is_given_name(s) and not any(c.isdigit() for c in s))
    )
    parsed = parse_authors(found.jsonld_authors or found.meta_authors, sitenames=author_sites, personal_site=personal)
    organisations = tuple(dict.fromkeys((*found.jsonld_orgs, *parsed.organisations)))
    return PageMetadata(
        url=found.url,
        title=title,
        authors=parsed.persons,
        organisations=organisations,
        sitename=found.sitenames[0] if found.sitenames else None,
        sitenames=sitenames,
        author_sitenames=author_sites,
        site_author=_site_author(elements["title"], found, page_url),
        personal_site=personal,
        language=found.language,
        region=found.region,
        dates=_date_candidates(elements["time"], found),
        article_body=found.article_body,
    )


def page_bylines(
    tree: lxml.html.HtmlElement, *, sitenames: tuple[str, ...] = (), personal_site: bool = False
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(persons, organisations) named by the byline elements of the page (``class="author"``,
    ``rel="author"``, ``itemprop="author"``, ...), outside comments, sidebars and share boxes;
    else the persons of an element that is a byline line and nothing else (``Von Cosima
    Künzel``, ``By Alex Bozarjian``). For pages that declare no author: call it on the pruned
    tree, after the body is out."""
    persons, organisations = _marked_bylines(tree, sitenames, personal_site)
    return persons or _byline_line(tree, sitenames, personal_site), organisations


def _marked_bylines(
    tree: lxml.html.HtmlElement, sitenames: tuple[str, ...], personal_site: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    seen = 0
    for element in tree.iter(*_BYLINE_TAGS):
        attrib = element.attrib
        if not attrib:
            continue
        marker = (
            f"{attrib.get('class', '')} {attrib.get('id', '')} {attrib.get('rel', '')} {attrib.get('itemprop', '')}"
        )
        if element.tag == "a":
            marker += " " + attrib.get("href", "")  # a link to /author/jane-roe/
        if not _BYLINE_MARKER.search(marker) or _in_discarded_block(element) or _of_another_work(element):
            continue
        text = " ".join(" ".join(element.itertext()).split())
        if not 2 < len(text) <= 120:
            continue
        parsed = parse_authors([text], sitenames=sitenames, personal_site=personal_site)
        # (An "organisation" of many words is a teaser's headline: "Matt Bai The real problem
        # behind fake news" in a list of authors to follow.)
        organisations = tuple(o for o in parsed.organisations if len(o.split()) <= _MAX_ORG_WORDS)
        if parsed.persons or organisations:
            return parsed.persons, organisations
        seen += 1
        if seen >= 5:  # the byline is near the top of the article, not the fifth candidate
            break
    return (), ()


def _byline_line(tree: lxml.html.HtmlElement, sitenames: tuple[str, ...], personal_site: bool) -> tuple[str, ...]:
    """The persons of the first element whose whole text is "by" and a name (measured on the dev
    set: 4 pages with gold authors gained, none lost, 18 pages in all)."""
    tried = 0
    for element in tree.iter(*_BYLINE_TAGS):
        # Its first text starts with the word (cheap: itertext is lazy), before all of it is joined.
        first = next((t for t in element.itertext() if t.strip()), "")
        if not first or first.split(maxsplit=1)[0].lower() not in _BYLINE_LINE_STARTS:
            continue
        text = " ".join(" ".join(element.itertext()).split())
        if not 6 < len(text) <= 60 or not _BYLINE_LINE.match(text) or _in_discarded_block(element):
            continue
        persons = parse_authors([text], sitenames=sitenames, personal_site=personal_site).persons
        if persons:
            return persons
        tried += 1
        if tried >= 3:
            break
    return ()


def _of_another_work(element: lxml.html.HtmlElement) -> bool:
    """Whether ``element`` is a property of a microdata item that stands for another work than
    the page's: a reference list's ``<li itemprop="citation" itemscope>``, a comment, a review, a
    list of teasers. (Not any nested item: a blog's ``itemprop="blogPost"`` is the article.)"""
    for node in element.iterancestors():
        if node.get("itemscope") is not None:
            return bool(_OTHER_WORKS.intersection((node.get("itemprop") or "").lower().split()))
    return False


def _in_discarded_block(element: lxml.html.HtmlElement) -> bool:
    # The element and its nearest ancestors: a page's wrappers (and <body>) carry classes
    # such as "comments-open" or "social" that say nothing about a byline.
    for depth, node in enumerate((element, *element.iterancestors())):
        if depth > _BYLINE_DEPTH or node.tag in ("body", "html"):
            break
        if node.tag in ("time", "figure", "aside"):
            return True
        tokens = f"{node.get('class') or ''} {node.get('id') or ''}".split()
        if any(_BYLINE_DISCARD.search(t) and not _LAYOUT_WRAPPER.search(t) for t in tokens):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Reading


def _read_html_lang(tree: lxml.html.HtmlElement, found: _Found) -> None:
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if lang:
        _set_language(found, lang)


def _set_language(found: _Found, value: str) -> None:
    parts = value.strip().replace("_", "-").split("-")
    code = parts[0].strip().lower()
    if code and code.isalpha() and len(code) in (2, 3) and found.language is None:
        found.language = code
        found.region = parts[1].strip().lower() if len(parts) > 1 and parts[1].strip() else None


def _read_head(links: list[lxml.html.HtmlElement], metas: list[lxml.html.HtmlElement], found: _Found) -> None:
    canonical = None
    for link in links:
        if (link.get("rel") or "").strip().lower() == "canonical" and (link.get("href") or "").strip():
            canonical = link.get("href", "").strip()
            break
    og_url = None
    for node in metas:
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        content = _unescaped((node.get("content") or "").strip())
        if key and not (node.get("property") or node.get("name")) and _of_another_work(node):
            continue  # a cited work's author, headline and year are not the page's
        if not key or not content:
            if (node.get("http-equiv") or "").lower() == "content-language" and content:
                _set_language(found, content)
            continue
        if key == "og:url":
            og_url = og_url or content
        elif key in _TITLE_METAS or key == "headline":
            found.meta_titles.append(content)
        elif key in _SITE_METAS:
            found.sitenames.append(content.lstrip("@") if key == "twitter:site" else content)
        elif key in _AUTHOR_METAS:
            if not content.startswith(("http://", "https://", "www.")):
                found.meta_authors.append(content)
        elif key in _PUBLISHED_METAS:
            found.meta_published.append(content)
        elif key in _MODIFIED_METAS:
            found.modified.append(content)
        elif key in _LANG_METAS:
            _set_language(found, content)
    found.url = canonical if canonical and canonical.startswith(("http://", "https://")) else og_url or canonical


#: A character reference left in an attribute or a JSON string: the CMS escaped it twice
#: (``content="Australian &amp;#039;megablaze&amp;#039;"`` reads as ``&#039;``).
_CHAR_REFERENCE = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z]{2,8});")


def _unescaped(value: str) -> str:
    return html.unescape(value) if "&" in value and _CHAR_REFERENCE.search(value) else value


def _read_jsonld(payload: str, found: _Found) -> None:
    try:
        data = json.loads(payload, strict=False)
    except ValueError:
        return
    nodes = list(_walk(data))
    people = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and _types(n) & {"person", *_ORG_TYPES}}
    for node in nodes:
        kinds = _types(node)
        if kinds & _SITE_TYPES and isinstance(node.get("name"), str) and node["name"].strip():
            found.sitenames.append(node["name"].strip())
        if "person" in kinds and isinstance(node.get("name"), str):
            # A personal site's publisher (Yoast types it Person and Organization): the site is
            # named after a person, who is no organisation.
            found.persons.add(fold(node["name"]))
        if not kinds & _ARTICLE_TYPES:
            continue
        is_page = kinds <= {"webpage", "itempage", "creativework"}
        for key in ("datePublished", "dateCreated"):
            value = node.get(key)
            if isinstance(value, str) and value.strip():
                # A WebPage's dates are the page's, an article's the story's: articles first.
                (found.jsonld_page_dates if is_page else found.jsonld_published).append(value.strip())
                break
        if isinstance(node.get("dateModified"), str):
            found.modified.append(node["dateModified"].strip())
        body = node.get("articleBody")
        if isinstance(body, str) and body.strip() and found.article_body is None and not is_page:
            found.article_body = body.strip()
        headline = node.get("headline") if isinstance(node.get("headline"), str) else None
        if headline and headline.strip() and found.jsonld_title is None and not is_page:
            found.jsonld_title = " ".join(_unescaped(headline).split())
        publisher = node.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            found.sitenames.append(publisher["name"].strip())
        if is_page and not found.jsonld_page_authors:
            found.jsonld_page_authors = _jsonld_authors(node.get("author"), people)
        elif not is_page and not found.jsonld_authors and not found.jsonld_orgs:
            for value in (node.get("author"), node.get("creator")):
                for name, is_org in _jsonld_authors(value, people):
                    (found.jsonld_orgs if is_org else found.jsonld_authors).append(name)
        language = node.get("inLanguage")
        if isinstance(language, str):
            _set_language(found, language)


def _json_article_body(payload: str) -> str | None:
    """The first ``articleBody`` string anywhere in a JSON document."""
    try:
        data = json.loads(payload, strict=False)
    except ValueError:
        return None
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            body = node.get("articleBody")
            if isinstance(body, str) and body.strip():
                return body.strip()
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _walk(data: Any) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object in document order, breadth first (``@graph`` and nested values)."""
    queue: deque[Any] = deque([data])
    while queue:
        node = queue.popleft()
        if isinstance(node, list):
            queue.extend(node)
        elif isinstance(node, dict):
            yield node
            queue.extend(v for k, v in node.items() if k in ("@graph", "mainEntity", "itemListElement", "item"))


def _types(node: dict[str, Any]) -> set[str]:
    kinds = node.get("@type")
    items = kinds if isinstance(kinds, list) else [kinds]
    return {k.lower() for k in items if isinstance(k, str)}


_ORG_TYPES = frozenset({"organization", "newsmediaorganization", "corporation", "website", "brand"})


def _jsonld_authors(value: Any, people: dict[str, dict[str, Any]]) -> list[tuple[str, bool]]:
    """(name, is an organisation) for each author in a JSON-LD ``author``: a string, a Person
    or Organization, a list of them, an ``@id`` reference to a node elsewhere in the graph, a
    JSON string of any of these."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("{", "[")):
            try:
                return _jsonld_authors(json.loads(text), people)
            except ValueError:
                return [(text, False)]
        return [(text, False)] if text and not text.startswith(("http://", "https://")) else []
    if isinstance(value, list):
        return [found for item in value for found in _jsonld_authors(item, people)]
    if not isinstance(value, dict):
        return []
    if set(value) <= {"@id", "@type"} and value.get("@id") in people:
        value = people[value["@id"]]
    kinds = _types(value)
    is_org = bool(kinds & _ORG_TYPES) and "person" not in kinds  # ["Person", "Organization"]: a person
    name = value.get("name")
    if isinstance(name, list):
        return [(n.strip(), is_org) for n in name if isinstance(n, str) and n.strip()]
    if isinstance(name, dict):
        return _jsonld_authors(name, people)
    if isinstance(name, str) and name.strip():
        return [(name.strip(), is_org)]
    parts = [value.get(k) for k in ("givenName", "additionalName", "familyName")]
    joined = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return [(joined, False)] if joined else []


# ---------------------------------------------------------------------------------------------
# Choosing


_BLOG_PLATFORMS = (
    ".wordpress.com",
    ".blogspot.com",
    ".blogspot.de",
    ".medium.com",
    ".substack.com",
    ".tumblr.com",
    ".wixsite.com",
    ".weebly.com",
    ".hypotheses.org",
    ".over-blog.com",
    ".livejournal.com",
    ".typepad.com",
    ".ghost.io",
    ".github.io",
)


def _site_author(titles: list[lxml.html.HtmlElement], found: _Found, url: str | None) -> str | None:
    """The person's name a site is named after: a declared site name or an end segment of
    ``<title>`` that spells the host (``Wolfgang Michal`` on ``wolfgangmichal.de``)."""
    host = site_host(url)
    if not host:
        return None
    label = host.split(".")[0].replace("-", "")
    names = list(found.sitenames)
    if titles:
        parts = _segments(" ".join(titles[0].text_content().split()))
        names += [parts[0], parts[-1]] if len(parts) >= 2 else []
    for name in names:
        if (
            len(label) >= 6
            and fold(name).replace(" ", "") in (label, f"dr{label}", f"prof{label}")
            and not named_like_a_publication(name)
        ):
            persons = parse_authors([name], personal_site=True).persons
            if len(persons) == 1 and len(persons[0].split()) >= 2 and _reads_as_a_person(persons[0]):
                return persons[0]
    return None


#: Words before a surname that make it a person's ("Frau Sabienes"); "Mr", "Dr" and the other
#: honorifics parse_authors strips never reach this test.
_ADDRESS_WORDS = frozenset({"frau", "herr", "madame", "monsieur", "señor", "señora", "signora"})


def _reads_as_a_person(name: str) -> bool:
    """Whether a site's name that spells its host is a person's: it opens with a first name
    ("Wolfgang Michal", "Bianca Zapatka") or a form of address ("Frau Sabienes"). Without this,
    "Statistics Globe", "Twin Cities", "Faro de Vigo" and "Malay Mail" were written as authors."""
    first = name.split()[0].strip(".").lower()
    return first in _ADDRESS_WORDS or is_given_name(first)


def _on_blog_platform(url: str | None) -> bool:
    host = site_host(url)
    return bool(host) and any(f".{host}".endswith(platform) for platform in _BLOG_PLATFORMS)


#: Fewer words than this and a declared site name that reads like the page's headline may still
#: be the site's ("CNN" as the og:title of CNN's home page).
_HEADLINE_MIN_WORDS = 5


def _drop_headlines_named_as_sites(found: _Found) -> None:
    """Forget a declared site name that is the page's own headline: some CMSs fill
    ``application-name`` with the page's title, which then passed for the site's name, so the
    headline was stripped from the titles and the masthead's ``<h1>`` taken instead."""
    headlines = {fold(t) for t in found.declared_titles()}
    found.sitenames = [
        s for s in found.sitenames if not (len(s.split()) >= _HEADLINE_MIN_WORDS and fold(s) in headlines)
    ]


def _site_names(found: _Found, url: str | None) -> tuple[str, ...]:
    """The site's names: declared ones, and its host (``www.autoblog.com`` -> ``autoblog.com``,
    ``autoblog``)."""
    names = list(dict.fromkeys(s for s in found.sitenames if s))
    host = site_host(url)
    if host:
        names.append(host)
        label = host.split(".")[0]
        # On a blogging platform the subdomain is the blogger's name, not a publication's.
        if len(label) >= 3 and not any(host.endswith(platform) for platform in _BLOG_PLATFORMS):
            names.append(label)
    return tuple(names)


def _site_segment(sitenames: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a segment of a title names the site (one of ``sitenames``, give or take a short
    word or its spaces: ``Spiegel Online``, ``SPIEGEL``) or is a date."""
    keys = [k for k in (fold(s) for s in sitenames) if k]
    squashed = [k.replace(" ", "") for k in keys]

    def is_site(segment: str) -> bool:
        key = fold(segment)
        if not key:
            return True
        flat = key.replace(" ", "")
        return (
            _DATE_SEGMENT.match(segment) is not None
            or any(key == k or flat == s for k, s in zip(keys, squashed, strict=True))
            or any(len(s) >= 4 and (s in flat and len(flat) <= len(s) + 12) for s in squashed)
            or any(len(flat) >= 4 and flat in s for s in squashed)
        )

    return is_site


def _strip_site(title: str, sitenames: tuple[str, ...]) -> str:
    """``title`` without a leading or trailing segment that names the site or is a date."""
    text = " ".join(title.split())
    is_site = _site_segment(sitenames)
    for _ in range(3):
        parts = _SEPARATORS.split(text)
        if len(parts) < 2:
            break
        if is_site(parts[-1]):
            text = text[: _last_separator(text)].strip()
        elif is_site(parts[0]):
            text = text[_first_separator_end(text) :].strip()
        else:
            break
    return text


def _names_host(segment: str, sitenames: tuple[str, ...]) -> bool:
    """Whether ``segment`` holds one of ``sitenames`` that is a host name (``bundespraesident.de``)."""
    lowered = segment.lower()
    return any("." in name and name.lower() in lowered for name in sitenames)


def _last_separator(text: str) -> int:
    *_, last = _SEPARATORS.finditer(text)
    return last.start()


def _first_separator_end(text: str) -> int:
    match = _SEPARATORS.search(text)
    return match.end() if match else 0


# A heading's class or id saying it is the site's name, or the article's title.
_SITE_HEADING = re.compile(r"(?i)site[-_]?(?:title|name|logo|brand)|logo|brand|masthead|blog[-_]?(?:title|name)")
_TITLE_HEADING = re.compile(
    r"(?i)(?:entry|post|article|story|news|content|single)[-_]{0,2}(?:title|headline|heading)|headline|^title$"
)


@dataclass(frozen=True, slots=True)
class _Heading:
    text: str
    #: "site" (a logo heading), "title" (marked as the article's title) or "plain".
    kind: str


#: A class of a heading's first part that says it is a kicker or a section's label, not the
#: headline (``<h1><span class="dachzeile">Interne Unterlagen</span> Daten gehackt</h1>``).
_KICKER_CLASS = re.compile(
    r"(?i)kicker|dachzeile|topline|overline|roofline|eyebrow|subtitle|sub-title|topic|label|rubri|ressort|small"
    r"|surtitre|antetitulo|antetítulo|cintillo|volanta|occhiello|sobretitulo|chapeu"
)
#: A class of a heading's part that says it is the headline itself (not a sub-headline).
_HEADLINE_CLASS = re.compile(r"(?i)(?<!sub)(?<!sub[-_])\bheadline\b|__headline\b")


def _heading_text(element: lxml.html.HtmlElement) -> str:
    """A heading's text without the kicker it starts with, when its markup sets it apart: a part
    classed as the headline, else a first part classed as a kicker or label that more follows."""
    text = " ".join(element.text_content().split())
    parts = list(element)
    if not parts:
        return text
    for part in element.iterdescendants():
        kind = part.get("class") or ""
        if (_HEADLINE_CLASS.search(kind) and not _KICKER_CLASS.search(kind)) or part.get("itemprop") == "headline":
            headline = " ".join(part.text_content().split())
            if len(headline) >= 10 and headline != text:
                return headline
            break
    first = parts[0]
    if not (element.text or "").strip() and _KICKER_CLASS.search(first.get("class") or ""):
        kicker = " ".join(first.text_content().split())
        rest = text[len(kicker) :].strip(" :–—-|")
        if kicker and text.startswith(kicker) and len(rest.split()) >= 2:
            return rest
    return text


def _headings(elements: list[lxml.html.HtmlElement]) -> list[_Heading]:
    out = []
    for element in elements:
        text = _heading_text(element)
        if not text or len(text) > 300:
            continue
        marker = f"{element.get('class') or ''} {element.get('id') or ''} {element.get('itemprop') or ''}"
        if _SITE_HEADING.search(marker):
            kind = "site"
        elif _TITLE_HEADING.search(marker.strip()) or element.get("itemprop") == "headline":
            kind = "title"
        elif element.tag == "h1":
            kind = "plain"
        else:
            continue  # an h2 is a title only when marked as one
        out.append(_Heading(text, kind))
    return out


def _segments(title: str) -> list[str]:
    return [part for part in _SEPARATORS.split(title) if part.strip()]


def _choose_title(
    titles: list[lxml.html.HtmlElement],
    headings: list[lxml.html.HtmlElement],
    found: _Found,
    sitenames: tuple[str, ...],
) -> str | None:
    """The article's headline (see the module docstring)."""
    marked = _headings(headings)
    sites = (*sitenames, *(h.text for h in marked if h.kind == "site"))
    page_title = " ".join(titles[0].text_content().split()) if titles else ""
    declared = found.declared_titles()
    sources = [*declared, page_title] if page_title else declared
    # A plain <h1> that is the end of the <title> after another segment ("Post | Blog name"
    # with <h1>Blog name</h1>) is the site's name; so is any <h1> that the <title> adds to the
    # headline a meta tag declares ("Blog name: Post", with og:title "Post" and
    # <h1 class="title">Blog name</h1>).
    if page_title:
        parts = _segments(page_title)
        # Unless the <title> begins with the site ("Site - Section - Headline", "www.site.de:
        # Section / Headline"): then its last segment is the headline.
        if len(parts) >= 2 and not _site_segment(sitenames)(parts[0]) and not _names_host(parts[0], sitenames):
            sites += tuple(
                h.text
                for h in marked
                if h.kind == "plain"
                and fold(h.text) == fold(parts[-1])
                # (A blog's name is seldom longer than its post's title: a longer <h1> there is
                # the headline after a section's name, "News - Headline".)
                and count_words(h.text) <= count_words(parts[0])
            )
        whole = fold(page_title)
        for headline in {fold(t) for t in declared} - {whole, ""}:
            for heading in marked:
                key = fold(heading.text)
                if heading.kind != "site" and key and whole in (f"{key} {headline}", f"{headline} {key}"):
                    sites += (heading.text,)
    stripped = [_strip_site(t, sites) for t in sources]
    site_keys = {fold(t) for t in sites}

    folded = [fold(t) for t in stripped]

    def agreement(text: str) -> tuple[bool, float] | None:
        """Whether ``text`` is (all of, or a part of ten letters or more of) a headline declared
        in a meta tag or JSON-LD, not only in ``<title>``, and how much of it; None when it is
        none of the page's headlines."""
        key = fold(text)
        scores = [
            (i < len(declared), len(key) / len(k))
            for i, k in enumerate(folded)
            if key and (key == k or (len(key) >= 10 and key in k))
        ]
        return max(scores) if scores else None

    candidates = [h for h in marked if h.kind != "site" and fold(h.text) not in site_keys]
    agreeing = [(score, -n, h.text) for n, h in enumerate(candidates) if (score := agreement(h.text)) is not None]
    if agreeing:
        # The visible headline, when it is one the page declares: of several, the one a meta tag
        # declares over one only <title> holds (a section's <h1>News</h1> in "News - Site"), then
        # the one that is most of it ("Fachmeldungen" is a part of "Fachmeldungen - Verkündung
        # des ...", the story's <h1> nearly all), then the first.
        return max(agreeing)[2]
    for heading in candidates:
        # A heading that holds a declared headline and more (a kicker, a section label, a date
        # run into it: "Tunesien Große Aufgaben ..."): the declared headline is the clean one.
        key = fold(heading.text)
        for candidate in stripped:
            other = fold(candidate)
            if len(other) >= 10 and other in key and other != key:
                return candidate
    if not declared and candidates:
        # Nothing declared but <title>: the visible headline beats an SEO title.
        return candidates[0].text
    for candidate in stripped:
        if candidate and fold(candidate) not in site_keys:
            return candidate
    return candidates[0].text if candidates else (stripped[0] if stripped else None)


def _date_candidates(times: list[lxml.html.HtmlElement], found: _Found) -> tuple[DateCandidate, ...]:
    out = [DateCandidate(v, "json-ld") for v in (*found.jsonld_published, *found.jsonld_page_dates)]
    out += [DateCandidate(v, "meta") for v in found.meta_published]
    for element in times:
        # <time datetime> of the article header ("pubdate", or inside <article>/<header>).
        value = (element.get("datetime") or "").strip()
        if value and (
            element.get("pubdate") is not None
            or (element.get("itemprop") or "").lower() in ("datepublished", "datecreated")
            or "publish" in (element.get("class") or "").lower()
            or any(a.tag in ("article", "header", "main") for a in element.iterancestors())
        ):
            out.append(DateCandidate(value, "meta"))
            break
    out += [DateCandidate(v, "modified") for v in found.modified]
    return tuple(out)
