"""HTML -> body text and metadata: trafilatura for the body, our own pass for the metadata.

The page is parsed once and the tree is shared: :mod:`tasks.text.metadata` reads what the page
declares about itself (title, authors, site name, dates, language, canonical URL) from the whole
tree, then the elements trafilatura would discard anyway are stripped and trafilatura extracts
the body from what is left. htmldate searches the page for a date only when the page declares
none. When the fast path finds next to nothing, the page is parsed again and extracted with
trafilatura's full cascade (its readability/jusText comparison) on the untouched page: a
fallback that costs only on the pages that need it (docs/extraction.md).

Thresholds on the body's length (``min_words``) are applied once, by the pipeline, after
cleanup: here the only failure is a page with no text at all.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

import lxml.etree
import lxml.html
from htmldate import find_date
from trafilatura import bare_extraction
from trafilatura.settings import Document

from tasks.core.errors import EmptyExtraction, ExtractionError
from tasks.core.records import Extracted, RawDocument
from tasks.text.dates import UPDATE_LABEL, DateCandidate, date_in_text, decide_published, falls_on, short_year_date
from tasks.text.metadata import PageMetadata, page_bylines, read_metadata
from tasks.text.selectors import install as install_selectors
from tasks.text.words import count_words

# trafilatura's regular-expression selectors, evaluated without calling back into Python for
# every element: the same elements, a fifth less extraction CPU (tasks/text/selectors.py).
install_selectors()

#: See :func:`looks_like_navigation`.
NAVIGATION_MIN_LINES = 8
NAVIGATION_PROSE_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """trafilatura settings (chosen by measurement: see docs/extraction.md) and our thresholds."""

    favor_precision: bool = False
    favor_recall: bool = False
    #: Skip trafilatura's fallback extractors (readability/jusText) on the first pass: they
    #: cost more than the main extractor and changed little on real pages; they run as the
    #: fallback below instead.
    fast: bool = True
    include_tables: bool = True
    #: Fewer words (tasks.text.words.count_words) than this after cleanup means the page had no
    #: article. Checked once, by the pipeline.
    min_words: int = 15
    #: A first pass with fewer words than this gets the fallback extraction...
    fallback_below_words: int = 30
    #: ... and so does one with fewer than these words that holds less than a tenth of the
    #: stripped page's text: the fast path took a fragment (the lead, a teaser, a menu).
    fallback_short_words: int = 200
    fallback_page_share: float = 0.1
    #: A first pass of this many lines or more with less than this share of its characters in
    #: prose lines (:func:`looks_like_navigation`) gets the fallback extraction too.
    navigation_min_lines: int = NAVIGATION_MIN_LINES
    navigation_prose_share: float = NAVIGATION_PROSE_SHARE


_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")
#: C0 control characters other than tab and line breaks: a browser shows nothing for them, but
#: lxml refuses them in any text set later, and trafilatura's rebuilding of a paragraph then
#: fails and the page's whole body is lost (4 of the 1,473 dev-set pages carry one).
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
# trafilatura's own parser settings (no comments or processing instructions: they only cost
# every later pass), with a C-level element class lookup: lxml.html's default one calls back
# into Python for every element proxy, a few per cent of the whole extraction. It is given UTF-8
# bytes: from a str, lxml converts the text itself before libxml2 sees it, which made the parse
# a quarter slower (1.97 against 1.55 ms a dev page, the same trees on all of them).
_PARSER = lxml.etree.HTMLParser(
    collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True, encoding="utf-8"
)
_PARSER.set_element_class_lookup(
    lxml.etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)


def parse_html(html: str) -> lxml.html.HtmlElement:
    """The page as an lxml tree. Raises EmptyExtraction for a document lxml cannot parse."""
    # The control characters are deleted from the UTF-8 bytes (a byte below 0x20 is never part
    # of a longer character): 0.07 ms a dev page, against 0.35 for a regular expression's search.
    data = html.encode("utf-8", "replace").translate(None, _CONTROL_BYTES)  # (a lone surrogate: "?")
    try:
        # An XML declaration naming another encoding would contradict the parser's UTF-8.
        tree = lxml.etree.fromstring(_XML_DECLARATION.sub(b"", data, count=1), _PARSER)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise EmptyExtraction(f"unparseable HTML: {exc}") from exc
    if tree is None:
        raise EmptyExtraction("no article body found")
    return tree


def extract_html(doc: RawDocument, *, now: datetime, options: ExtractOptions | None = None) -> Extracted:
    """Extract the article in ``doc.html``. Raises EmptyExtraction when the page has no text."""
    opts = options or ExtractOptions()
    tree = parse_html(doc.html or "")
    hints = doc.hints
    meta = read_metadata(tree, url=hints.url)
    url = hints.url or meta.url
    candidates = [DateCandidate(hints.published_at, "feed")] if hints.published_at else []
    candidates += meta.dates
    prestrip(tree)
    monthfirst = _month_first(meta)
    declared = [c for c in candidates if c.source != "modified"]
    # The date printed near the headline: the date when nothing else gives one, and otherwise
    # the one of the page's declared dates that readers are shown (decide_published).
    page_text = _page_text(tree)
    line, by_headline = _date_line(page_text, meta.title, now, monthfirst)
    if decide_published(declared, now=now, monthfirst=monthfirst).at is None:
        # Nothing declared that parses ("+99:00", no date at all): search the page. A date
        # printed right by the headline beats what the search finds in the markup on another
        # day (a sidebar's <time>, an image's path); on the same day the search has the time.
        found = _search_date(tree, url, now)
        if found and not (line and by_headline and not found.startswith(line)):
            candidates.append(DateCandidate(found, "text"))
    if line:
        candidates.append(DateCandidate(line, "text"))
    published = decide_published(candidates, now=now, url=url, monthfirst=monthfirst, region=meta.region)
    labelled = _labelled_date(page_text, meta.title, now, monthfirst)
    if labelled and (published.at is None or not falls_on(published.at, date.fromisoformat(labelled))):
        # The page says in words when it was published ("Veröffentlicht am 16.08.2019" by the
        # headline): that is its date, whatever a meta tag says (an update, a re-indexing).
        published = decide_published([DateCandidate(labelled, "text")], now=now, monthfirst=monthfirst)
    if published.at is None:
        # No date so far (117 of the 1,473 dev pages; what follows costs 0.2 s over them).
        for raw in _last_resort_dates(doc.html or "", tree, page_text, meta.title, now, monthfirst):
            decided = decide_published(
                [*candidates, DateCandidate(raw, "text")], now=now, url=url, monthfirst=monthfirst, region=meta.region
            )
            if decided.at is not None:
                published = decided
                break
    text = _body(tree, url, opts, fast=opts.fast)
    words = count_words(text)
    if words < opts.fallback_below_words or (
        words < opts.fallback_short_words and len(text) < opts.fallback_page_share * len(page_text)
    ):
        text = _fallback(doc.html or "", url, opts, text)
    elif looks_like_navigation(text, opts.navigation_min_lines, opts.navigation_prose_share):
        # The fast path took a menu, a list of labels or a table for the article: the full
        # cascade often finds the story; kept when it holds more prose.
        text = _fallback(doc.html or "", url, opts, text, by=_prose_chars)
    if meta.article_body and count_words(text) < opts.fallback_below_words:
        # A page that renders its story from a script has no body in its HTML: the structured
        # data's articleBody is the article.
        body = _plain_article_body(meta.article_body)
        if count_words(body) > count_words(text):
            text = body
    if not text.strip():
        raise EmptyExtraction("no article body found")
    authors = meta.authors
    sitename = meta.sitename or (meta.organisations[0] if meta.organisations else None)
    if not authors:
        # Only now, on the pruned tree: the byline search walks the page's elements. An
        # organisation credited in the page's metadata does not stop it: the page's own
        # byline often names the person.
        authors, organisations = page_bylines(tree, sitenames=meta.author_sitenames, personal_site=meta.personal_site)
        sitename = sitename or (organisations[0] if organisations else None)
    if not authors and meta.site_author:
        authors = (meta.site_author,)
    return Extracted(
        text=text,
        title=hints.title or meta.title,
        authors=authors,
        url=url,
        published_at=published.at,
        published_at_raw=published.raw,
        date_source=published.source,
        language=meta.language,
        sitename=sitename,
    )


def _search_date(tree: lxml.html.HtmlElement, url: str | None, now: datetime) -> str | None:
    """htmldate's quick search of a page that declares no date, as a full timestamp with offset.

    On the stripped tree: without footers, asides and menus a "Copyright 2019" or a sidebar's
    dates are gone, and the search costs less than on the whole page. Its extensive mode, run
    after _date_line where both found nothing, found 19 more dates on 369 dev pages for 1.8 ms a
    page on average (21 ms on each page it ran on, plus 2.5 s of regex compilation on its first
    use in a process): left out, the CPU budget is the tighter constraint (docs/extraction.md).
    """
    found: str | None = find_date(
        tree,
        extensive_search=False,
        original_date=True,
        url=url,
        outputformat="%Y-%m-%dT%H:%M:%S%z",
        max_date=now.strftime("%Y-%m-%d"),
    )
    return found


#: How much of the page's text, from a little above the headline, is searched for a date line.
_DATE_LINE_WINDOW = (500, 2500)
#: A date this close above the headline is its kicker or dateline (`Politik 12.01.2017 Headline`);
#: one further up is a sidebar's, a teaser's or a menu's, taken only when none follows the headline.
_DATE_ABOVE_HEADLINE = 100
#: A date this close after the headline's end is its date line (`Headline Published 12.01.2017`).
_DATE_BELOW_HEADLINE = 100


def _headline_span(text: str, title: str | None) -> tuple[int, int, int] | None:
    """Where the headline stands in ``text``: the start of the _DATE_ABOVE_HEADLINE characters
    above it (from a word's start, so that no date is cut in two: "12.01.2017" read as
    "2.01.2017"), its start, and the end of the _DATE_BELOW_HEADLINE characters after it; None
    when the title is not in the text."""
    at = text.find(title[:40]) if title else -1
    if title is None or at < 0:
        return None
    near = 0 if at <= _DATE_ABOVE_HEADLINE else (text.find(" ", at - _DATE_ABOVE_HEADLINE, at) + 1 or at)
    return near, at, at + len(title) + _DATE_BELOW_HEADLINE


def _date_line(text: str, title: str | None, now: datetime, monthfirst: bool) -> tuple[str | None, bool]:
    """The date written by the headline of the stripped page (a dateline or a "Published on ..."
    line): just above the headline, else the first after it, else one further above; and whether
    it is right by the headline (:func:`_headline_span`). A fraction of the cost of htmldate's
    extensive search, which scans the whole serialised page (docs/extraction.md). ``text`` is
    the stripped page's text (:func:`_page_text`)."""
    before, after = _DATE_LINE_WINDOW
    span = _headline_span(text, title)
    if span is None:
        return date_in_text(text[:after], now=now, monthfirst=monthfirst), False
    near, at, close_end = span
    found = date_in_text(text[near:at], now=now, monthfirst=monthfirst)
    if found:
        return found, True
    found = date_in_text(text[at : at + after], now=now, monthfirst=monthfirst)
    if found:
        # (The first date after the headline's start is the close one when there is a close one.)
        close = date_in_text(text[at : min(close_end, at + after)], now=now, monthfirst=monthfirst)
        return found, close is not None
    return date_in_text(text[max(0, at - before) : at], now=now, monthfirst=monthfirst), False


#: A label saying the date right after it is the publication's, in the languages of the pages we ingest.
_PUBLISHED_LABEL = re.compile(
    r"(?i)(?<![^\W\d_])(?:published|publié|publiée|publicado|publicada|pubblicato|pubblicata|veröffentlicht|erschienen"
    r"|gepubliceerd|opublikowano|julkaistu|publicerad|publiceret|publisert|publikováno|zveřejněno|publicat"
    r"|közzétéve|objavljeno|opublikované|опубликовано|опубліковано|δημοσιεύθηκε|δημοσίευση|yayınlanma"
    r"|yayın tarihi|diterbitkan|dipublikasikan|نشر في|تاريخ النشر|פורסם|प्रकाशित|تاریخ انتشار|입력|게재"
    r"|公開日|掲載日|配信日|发布时间|發布時間|发布日期|发表于|發表於|เผยแพร่)(?![^\W\d_])"
)
#: Between the label and its date's first digit: a colon and up to three words (``am``, ``le``,
#: ``on Monday, March``); a name and a bracket ("publiée par Les Echos (26/11/2019)") make the
#: date another publication's.
_LABEL_TO_DATE = re.compile(r"[\s:：]*(?:[^\W\d_]+[,:]?\s+){0,3}(?=\d)")


def _labelled_date(text: str, title: str | None, now: datetime, monthfirst: bool) -> str | None:
    """The day a publication label gives by the headline (in the window of :func:`_date_line`),
    as ``YYYY-MM-DD``; None when no label is followed by a date."""
    span = _headline_span(text, title)
    if span is None:
        return None
    at, (before, after) = span[1], _DATE_LINE_WINDOW
    return _date_after_label(text[max(0, at - before) : at + after], _PUBLISHED_LABEL, now, monthfirst)


def _date_after_label(text: str, labels: re.Pattern[str], now: datetime, monthfirst: bool) -> str | None:
    """The day right after the first of ``labels`` in ``text`` that one follows (see
    _LABEL_TO_DATE), as ``YYYY-MM-DD``."""
    for label in labels.finditer(text):
        gap = _LABEL_TO_DATE.match(text, label.end())
        if gap is not None:
            found = date_in_text(text[label.end() : gap.end() + 30], now=now, monthfirst=monthfirst)
            if found:
                return found
    return None


#: A publication date in a script's data (a page's JSON state: ``"datePublished":"2015-10-15T02:19Z"``,
#: ``"createdAt": "..."``) outside JSON-LD, which metadata reads.
_SCRIPT_PUBLISHED = re.compile(
    r"[\"'](?:datePublished|publishedAt|published_at|publishDate|publicationDate|firstPublishedAt|createdAt|created_at)"
    r"[\"']\s*:\s*[\"'](\d{4}-\d\d-\d\d[^\"']{0,30})[\"']"
)


def _last_resort_dates(
    html: str, tree: lxml.html.HtmlElement, page_text: str, title: str | None, now: datetime, monthfirst: bool
) -> Iterator[str]:
    """For a page nothing else dates, in turn: a publication date in a script's data (with its
    time); a date printed by the headline in what the stripping removed (a header inside a
    <figure> or an <aside>, a script that writes the date), looked for on a copy parsed again; a
    date with a two-digit year by the headline; the last two again on the page's text with its
    elements set apart (:func:`_page_text`'s ``spaced``); a date labelled as the publication's, else as the
    last change's, anywhere in that text."""
    # A generator: each is looked for only when the one before did not date the page.
    raw = _script_published(html)
    if raw:
        yield raw
    raw = _date_line(_unstripped_text(html), title, now, monthfirst)[0]
    if raw:
        yield raw
    raw = _short_year_by_headline(page_text, title, now, monthfirst)
    if raw:
        yield raw
    spaced = _page_text(tree, spaced=True)
    raw = _date_line(spaced, title, now, monthfirst)[0] or _short_year_by_headline(spaced, title, now, monthfirst)
    if raw:
        yield raw
    # A date the page labels as its publication or, failing that, its last change, wherever it
    # stands ("Aktualisiert am 17.01.2021." under the article, "Last updated on Sep 21, 2017.").
    raw = _date_after_label(spaced, _PUBLISHED_LABEL, now, monthfirst) or _date_after_label(
        spaced, UPDATE_LABEL, now, monthfirst
    )
    if raw:
        yield raw


def _script_published(html: str) -> str | None:
    """The first publication date written as a key of a script's data (see _SCRIPT_PUBLISHED)."""
    match = _SCRIPT_PUBLISHED.search(html)
    return match.group(1) if match else None


def _short_year_by_headline(text: str, title: str | None, now: datetime, monthfirst: bool) -> str | None:
    """A date with a two-digit year (``02.12.19``) right by the headline (:func:`_headline_span`;
    :func:`tasks.text.dates.short_year_date`)."""
    span = _headline_span(text, title)
    if span is None:
        return None
    near, _, close_end = span
    return short_year_date(text[near:close_end], now=now, monthfirst=monthfirst)


#: Locales that write numeric dates month first.
_MONTH_FIRST_REGIONS = frozenset({"us", "ph", "fm", "mh", "pw"})


def _month_first(meta: PageMetadata) -> bool:
    return meta.language == "en" and meta.region in _MONTH_FIRST_REGIONS


def _body(tree: lxml.html.HtmlElement, url: str | None, opts: ExtractOptions, *, fast: bool) -> str:
    try:
        result = bare_extraction(
            tree,
            url=url,
            fast=fast,
            favor_precision=opts.favor_precision,
            favor_recall=opts.favor_recall,
            include_comments=False,
            include_tables=opts.include_tables,
            with_metadata=False,
        )
    except Exception as exc:  # trafilatura raises many types on hostile markup; record, never crash
        raise ExtractionError(f"{type(exc).__name__}: {exc}") from exc
    return (result.text or "") if isinstance(result, Document) else ""


def _plain_article_body(body: str) -> str:
    """``articleBody`` as paragraphs: HTML markup (some sites put it there) turned to text."""
    if "<" in body:
        try:
            fragment = lxml.html.fragment_fromstring(body, create_parent="div")
        except (lxml.etree.ParserError, ValueError):
            return body
        for br in fragment.iter("br", "p", "div", "li", "h2", "h3"):
            br.tail = "\n" + (br.tail or "")
        body = fragment.text_content()
    return "\n".join(" ".join(line.split()) for line in body.splitlines() if line.strip())


def _unstripped_text(html: str) -> str:
    """The text of the whole page but its photo captions (a credit's date is the photo's)."""
    tree = parse_html(html)
    lxml.etree.strip_elements(tree, "figcaption", with_tail=False)
    return _page_text(tree)


def _page_text(tree: lxml.html.HtmlElement, *, spaced: bool = False) -> str:
    """The page's text, whitespace collapsed. ``spaced`` puts a space between every two
    elements' texts: without it a byline's name and its date in two elements ("macbacchi"
    "28.09.19") are one word (at 2.5 times the cost, so only for pages nothing else dates)."""
    body = tree.find("body")
    root = body if body is not None else tree
    return " ".join((" ".join(root.itertext()) if spaced else root.text_content()).split())


#: A line this long or longer is prose; a shorter one is a menu item, a label, a table cell.
PROSE_LINE_CHARS = 30


def looks_like_navigation(
    text: str, min_lines: int = NAVIGATION_MIN_LINES, prose_share: float = NAVIGATION_PROSE_SHARE
) -> bool:
    """Whether ``text`` is a block of links or labels rather than an article: ``min_lines`` or
    more lines, and less than ``prose_share`` of its characters in lines of prose. (Counted in
    characters, so it holds for scripts written without spaces.)"""
    lines = text.splitlines()
    return len(lines) >= min_lines and _prose_line_chars(lines) < prose_share * len(text)


def _prose_chars(text: str) -> int:
    return _prose_line_chars(text.splitlines())


def _prose_line_chars(lines: list[str]) -> int:
    return sum(len(line) for line in lines if len(line) >= PROSE_LINE_CHARS)


def _fallback(html: str, url: str | None, opts: ExtractOptions, first: str, by: Callable[[str], int] = len) -> str:
    """trafilatura's full cascade (its readability/jusText comparison) on a fresh parse of the
    untouched page, kept when it finds more than the first pass. The prestrip can cost a broken
    page its article (an unclosed ``<nav>``, ``<button>`` or ``<noscript>`` that swallows the
    rest of the page), and the fast path stops short on some layouts. On the dev set it runs on
    4 % of the pages and takes the body snippets from 0.914 to 0.919 (docs/extraction.md).
    ``by`` measures which of the two finds more (their length, or their prose)."""
    tree = parse_html(html)
    _hoist_swallowed_article(tree)
    second = _body(tree, url, opts, fast=False)
    return second if by(second) > by(first) else first


#: Containers trafilatura discards whole; an ``<article>`` inside one is lost with it.
_DISCARDED_CONTAINERS = frozenset({"aside", "nav", "menu", "footer"})


def _hoist_swallowed_article(tree: lxml.html.HtmlElement) -> None:
    """Move the page's largest ``<article>`` out of a sidebar, menu or footer that holds it,
    to just before that container: on a broken page an unclosed sidebar widget (``<aside>`` with an
    open ``<div>`` per widget) swallows the rest of the page, the article with it, and every
    extractor then discards the article as sidebar. Only on the fallback's fresh parse, where
    the first pass found next to nothing; a teaser ``<article>`` in a real sidebar is smaller
    than the page's own article, which is then outside and left where it is."""
    articles = list(tree.iter("article"))
    if not articles:
        return
    largest = max(articles, key=lambda e: len(e.text_content()))
    outer = None
    for ancestor in largest.iterancestors():
        if ancestor.tag in _DISCARDED_CONTAINERS:
            outer = ancestor
    if outer is None or outer.getparent() is None:
        return
    largest.tail = None  # it was inside the container, and goes with it
    outer.addprevious(largest)  # moved, not copied: an element has one parent


#: Elements trafilatura discards anyway (its MANUALLY_CLEANED list, and everything in
#: ``<head>`` but the JSON-LD), removed up front. Its raw-tree XPath pruning visits every node,
#: so a page's mega-menus, asides and footers cost more than its article: stripping these first
#: takes a third off the extraction time with the same text on all but 2 of 369 dev pages
#: (docs/extraction.md). ``form`` stays (some sites wrap the whole page in one, and trafilatura
#: keeps a form that holds most of the text), and so does ``header`` (it holds the headline).
PRESTRIP_TAGS = (
    "style",
    "noscript",
    "template",
    "svg",
    "nav",
    "aside",
    "figure",
    "picture",
    "map",
    "link",
    "label",
    "fieldset",
    "dialog",
    "iframe",
    "select",
    "option",
    "button",
    "textarea",
    "input",
    "video",
    "audio",
    "canvas",
    "embed",
    "object",
    "menu",
    # Empty elements trafilatura strips (MANUALLY_STRIPPED): gone up front, the same text.
    "img",
    "source",
    "wbr",
    "meta",
)


def prestrip(tree: lxml.html.HtmlElement) -> None:
    """Remove, in place, what trafilatura would discard (see PRESTRIP_TAGS); keeps JSON-LD
    (trafilatura's last-resort baseline reads ``articleBody`` from it) and tail text."""
    for script in list(tree.iter("script")):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            script.drop_tree()  # keeps the tail text, unlike remove()
    # A footer inside the article holds its byline and dates (WordPress "entry-meta"): it is
    # left to trafilatura, which discards it from the body all the same; page footers go.
    for footer in list(tree.iter("footer")):
        if not any(a.tag == "article" for a in footer.iterancestors()):
            footer.drop_tree()
    head = tree.find("head")
    if head is not None:
        for child in list(head):
            if child.tag != "script":
                head.remove(child)
    lxml.etree.strip_elements(tree, *PRESTRIP_TAGS, with_tail=False)
