"""HTML -> body text and metadata: trafilatura for the body, our own pass for the metadata.

The page is parsed once. Metadata comes from what the page declares about itself (JSON-LD,
``<meta>``, ``<link rel=canonical>``, ``<h1>``/``<title>``): only then can ``date_source`` say
where a date came from, and it costs a fraction of trafilatura's ``with_metadata`` pass, whose
date search (htmldate) took about a third of the extraction time on our benchmark pages. htmldate
still runs, asked for a full timestamp with its offset, but only when the page declares no date;
what it finds counts as ``text``.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import lxml.html
from htmldate import find_date
from trafilatura import bare_extraction
from trafilatura.settings import Document

from tasks.core.errors import EmptyExtraction, ExtractionError
from tasks.core.records import Extracted, RawDocument
from tasks.core.vocabulary import DateSource
from tasks.text.dates import date_from_url, parse_datetime


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """trafilatura settings (chosen by measurement: see docs/extraction.md) and our thresholds."""

    favor_precision: bool = False
    favor_recall: bool = False
    #: Skip trafilatura's fallback extractors (readability/jusText): ~25 % faster, and on our
    #: example pages plus 20 generated ones the extracted text was identical (docs/extraction.md).
    fast: bool = True
    include_tables: bool = True
    #: Fewer words than this after extraction means the page had no article.
    min_words: int = 25


_DATE_METAS = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "cxenseparse:recs:publishtime",
)
_ARTICLE_TYPES = {
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "blogposting",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "webpage",
    "report",
}
_TITLE_METAS = ("og:title", "twitter:title")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_TITLE_SUFFIX = re.compile(r"\s+[|\u2013\u2014:-]\s+[^|\u2013\u2014:-]{2,60}$")


def extract_html(doc: RawDocument, *, now: datetime, options: ExtractOptions | None = None) -> Extracted:
    """Extract the article in ``doc.html``. Raises EmptyExtraction when there is none."""
    opts = options or ExtractOptions()
    try:
        # lxml refuses str input that carries an encoding declaration (XHTML pages do).
        tree = lxml.html.fromstring(_XML_DECLARATION.sub("", doc.html or "", count=1))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise EmptyExtraction(f"unparseable HTML: {exc}") from exc
    meta = _declared_metadata(tree)
    url = doc.url or meta.get("url")
    found_date = None
    if not (doc.published_at or meta.get("jsonld_date") or meta.get("meta_date")):
        # Before trafilatura: it prunes a copy of the tree, htmldate wants the whole page.
        # extensive_search=False: the extensive mode turns a footer's "Copyright 2019" into a date.
        found_date = find_date(
            tree,
            extensive_search=False,
            original_date=True,
            url=url,
            outputformat="%Y-%m-%dT%H:%M:%S%z",
            max_date=now.strftime("%Y-%m-%d"),
        )
    _prestrip(tree)
    try:
        result = bare_extraction(
            tree,
            url=url,
            fast=opts.fast,
            favor_precision=opts.favor_precision,
            favor_recall=opts.favor_recall,
            include_comments=False,
            include_tables=opts.include_tables,
            with_metadata=False,
        )
    except Exception as exc:  # trafilatura raises many types on hostile markup; record, never crash
        raise ExtractionError(f"{type(exc).__name__}: {exc}") from exc
    text = (result.text or "") if isinstance(result, Document) else ""
    words = len(text.split())
    if words < opts.min_words:
        raise EmptyExtraction("no article body found" if not words else f"only {words} words of body text")

    published, raw, source = _pick_date(doc, meta, found_date, url, now)
    return Extracted(
        text=text,
        title=doc.title or meta.get("title"),
        authors=_split_authors(meta.get("authors")),
        url=url,
        published_at=published,
        published_at_raw=raw,
        date_source=source,
        language=meta.get("lang"),
        sitename=meta.get("sitename"),
    )


#: Elements trafilatura discards anyway (its MANUALLY_CLEANED list), removed up front. Its
#: raw-tree XPath pruning visits every node, so a page's mega-menus and scripts cost more than
#: its article: stripping these first took extraction from 13.2 to 4.9 ms per page with
#: identical text on the benchmark and example pages (docs/extraction.md). ``form``, ``footer``
#: and ``aside`` stay: some sites wrap the whole page in a form, and trafilatura judges those.
PRESTRIP_TAGS = (
    "style",
    "noscript",
    "template",
    "svg",
    "nav",
    "iframe",
    "select",
    "button",
    "textarea",
    "input",
    "video",
    "audio",
    "canvas",
    "embed",
    "object",
    "menu",
)


def _prestrip(tree: lxml.html.HtmlElement) -> None:
    for script in list(tree.iter("script")):
        # JSON-LD stays: trafilatura's last-resort baseline reads articleBody from it.
        if (script.get("type") or "").lower() != "application/ld+json":
            script.drop_tree()  # keeps the tail text, unlike remove()
    lxml.etree.strip_elements(tree, *PRESTRIP_TAGS, with_tail=False)


def _pick_date(
    doc: RawDocument, meta: dict[str, Any], found: str | None, url: str | None, now: datetime
) -> tuple[datetime | None, str | None, DateSource]:
    candidates: list[tuple[str | None, DateSource]] = [
        (doc.published_at, "feed"),
        (meta.get("jsonld_date"), "json-ld"),
        (meta.get("meta_date"), "meta"),
    ]
    for raw, source in candidates:
        parsed = parse_datetime(raw, now=now, dayfirst=False)
        if parsed is not None:
            return parsed, raw, source
    from_url = date_from_url(url, now=now)
    if from_url is not None:
        return from_url[0], from_url[1], "url"
    parsed = parse_datetime(found, now=now, dayfirst=False)
    if parsed is not None:
        return parsed, found, "text"
    return None, None, "none"


def _declared_metadata(tree: lxml.html.HtmlElement) -> dict[str, Any]:
    """What the page states about itself: canonical URL, JSON-LD fields, meta dates, language."""
    meta: dict[str, Any] = {}
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if lang:
        meta["lang"] = lang.replace("_", "-").split("-")[0].strip().lower() or None
    for link in tree.iterfind(".//link[@rel]"):
        if link.get("rel", "").lower() == "canonical" and link.get("href"):
            meta["url"] = link.get("href").strip()
            break
    for node in tree.iterfind(".//meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        content = (node.get("content") or "").strip()
        if not content:
            continue
        if key == "og:url" and "url" not in meta:
            meta["url"] = content
        elif key in _TITLE_METAS and "title" not in meta:
            meta["title"] = content
        elif key == "og:site_name" and "sitename" not in meta:
            meta["sitename"] = content
        elif key in ("author", "article:author", "byl", "dc.creator") and "meta_authors" not in meta:
            if not content.startswith(("http://", "https://")):
                meta["meta_authors"] = content
        elif key in _DATE_METAS and "meta_date" not in meta:
            meta["meta_date"] = content
        elif key in ("content-language", "og:locale") and "lang" not in meta:
            meta["lang"] = content.replace("_", "-").split("-")[0].lower()
    for script in tree.iterfind(".//script[@type]"):
        if script.get("type", "").lower() == "application/ld+json" and script.text:
            _read_jsonld(script.text, meta)
    meta.setdefault("title", meta.get("headline") or _page_title(tree))
    meta.setdefault("authors", meta.get("meta_authors"))
    return meta


def _page_title(tree: lxml.html.HtmlElement) -> str | None:
    """The first ``<h1>``, else ``<title>`` without its `` | Site name`` suffix."""
    for h1 in tree.iterfind(".//h1"):
        text = " ".join(h1.text_content().split())
        if text:
            return text
    title = tree.findtext(".//title")
    if title and title.strip():
        return _TITLE_SUFFIX.sub("", " ".join(title.split())) or None
    return None


def _read_jsonld(payload: str, meta: dict[str, Any]) -> None:
    try:
        data = json.loads(payload)
    except ValueError:
        return
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        stack.extend(v for k, v in node.items() if k == "@graph")
        kinds = node.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if not any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
            continue
        if isinstance(node.get("datePublished"), str) and "jsonld_date" not in meta:
            meta["jsonld_date"] = node["datePublished"]
        if isinstance(node.get("headline"), str) and "headline" not in meta:
            meta["headline"] = node["headline"].strip()
        publisher = node.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str) and "sitename" not in meta:
            meta["sitename"] = publisher["name"].strip()
        names = _jsonld_names(node.get("author"))
        if names and "authors" not in meta:
            meta["authors"] = "; ".join(names)


def _jsonld_names(author: Any) -> list[str]:
    items = author if isinstance(author, list) else [author]
    names = []
    for item in items:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            names.append(item["name"])
    return [n.strip() for n in names if n and n.strip()]


def _split_authors(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    seen: dict[str, None] = {}
    for part in raw.split(";"):
        name = part.strip()
        if name:
            seen.setdefault(name, None)
    return tuple(seen)
