"""Faster equivalents of trafilatura's regular-expression XPath selectors.

trafilatura finds the article and prunes boilerplate with XPath expressions that test ids and
classes with EXSLT regular expressions (``re:test``). lxml answers every such test by calling
back into Python with the attribute as a node-set, so a page pays one callback per element and
clause: over the 1,473 dev pages the expressions replaced here took 5.6-6.0 ms a page, a third
of the extraction, and these take 2.7 ms (docs/throughput.md).

Each :class:`Selector` returns the same elements in the same order as the expression it
replaces (or, where trafilatura reads only the first of them, that one: ``first_only``): a
plain XPath, all in C, or a lazy walk of the candidate tags picks the only elements that can
match, and the same regular expressions (Python's ``re``, which is what lxml's ``re:test``
runs) test those. XPath
details the tests keep: an absent attribute is the empty string; ``f(@id|@class)`` reads
whichever of the two comes first in the element's source (``_first``); ``(.//*[...])[1]`` is
the first match in the document.

:func:`install` puts them in place of trafilatura's own, and only where the installed
trafilatura's expression is, character for character, the one a selector was written against
(compared by digest): after an upgrade that changes an expression, trafilatura's own stays.
tests/tasks/text/test_selectors.py checks every selector against its expression on real trees.
"""

import hashlib
import importlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import lxml.etree
import trafilatura.settings
import trafilatura.xpaths as X
from lxml.html import HtmlElement

# By module name: the package's ``baseline`` attribute is the function of that name.
_BASELINE = importlib.import_module("trafilatura.baseline")

Mode = Literal["all", "first"]


@dataclass(frozen=True, slots=True)
class Selector:
    """A callable like an ``lxml.etree.XPath``: ``selector(tree)`` -> list of elements."""

    #: The first 16 hex digits of the sha256 of the replaced expression's ``.path``.
    replaces: str
    #: The elements that can match, in document order: a plain XPath (no extension functions),
    #: or tag names, whose elements are walked lazily (for "first": it stops at the match).
    candidates: lxml.etree.XPath | tuple[str, ...]
    #: Whether a candidate matches.
    test: Callable[[HtmlElement], bool]
    #: "all" the matches, or only the "first" in the document.
    mode: Mode = "all"
    #: The expression returns more than its first element, but its one caller in trafilatura
    #: reads no further: this selector returns that first element alone.
    first_only: bool = False

    def __call__(self, tree: HtmlElement) -> list[HtmlElement]:
        test = self.test
        candidates = (
            tree.iterdescendants(*self.candidates) if isinstance(self.candidates, tuple) else self.candidates(tree)
        )
        if self.mode == "first":
            return next(([e] for e in candidates if test(e)), [])
        return [e for e in candidates if test(e)]


def digest(expression: lxml.etree.XPath) -> str:
    """The fingerprint :attr:`Selector.replaces` holds, of an XPath expression."""
    return hashlib.sha256(expression.path.encode()).hexdigest()[:16]


def _first(element: HtmlElement, a: str, b: str) -> str:
    """XPath's string value of ``@a|@b``: the one of the two attributes that comes first."""
    first, second = element.get(a), element.get(b)
    if first is None or second is None:
        return str(first if first is not None else second or "")
    keys = element.keys()
    return str(first if keys.index(a) < keys.index(b) else second)


def _search(pattern: str, flags: int = 0) -> Callable[[str], re.Match[str] | None]:
    """``pattern``'s search, for the tests below written ``v is not None and search(v)``: an
    absent attribute is the empty string to XPath, which none of these patterns matches."""
    search = re.compile(pattern, flags).search
    if search("") is not None:
        raise ValueError(f"{pattern!r} matches an empty attribute")
    return search


_SIX = "self::div or self::item or self::list or self::p or self::section or self::span"
_FOUR_TAGS = ("article", "div", "main", "section")

# OVERALL_DISCARD_XPATH[0]: navigation, ads, share and newsletter boxes, bylines, widgets.
_cookie = _search(X._alt(X._CONSENT_ID_CLASS_TOKENS))
_discard_id = _search(X._alt(X._OVERALL_DISCARD_BOTH_TOKENS + X._OVERALL_DISCARD_ID_TOKENS))
_discard_class = _search(X._alt(X._OVERALL_DISCARD_BOTH_TOKENS + X._OVERALL_DISCARD_CLASS_TOKENS))


def _boilerplate(e: HtmlElement) -> bool:
    get = e.get
    id_, cls = get("id"), get("class")
    return (
        (cls is not None and _discard_class(cls) is not None)
        or (id_ is not None and _discard_id(id_) is not None)
        or _cookie(_first(e, "id", "class")) is not None
        or get("data-lp-replacement-content") is not None
        or "nav" in (get("role") or "").replace("N", "n")
        or "MostPopularStories" in (get("data-component") or "")
    )


# OVERALL_DISCARD_XPATH[1]: hidden elements, comment titles and reply forms.
_hidden = _search("hidden")
_hidden_id = _search("reader-comments|akismet")
_hidden_class = _search(
    "^hide-|comments-title|nocomments|-reply-|message|akismet|suggest-links|-hide-|hide-print"
    "| hidden| hide|noprint|notloaded"
)


def _hidden_or_reply(e: HtmlElement) -> bool:
    get = e.get
    id_, cls, style = get("id"), get("class"), get("style") or ""
    return (
        (cls is not None and _hidden_class(cls) is not None)
        or (id_ is not None and _hidden_id(id_) is not None)
        or _first(e, "id", "class").startswith("reply-")
        or _hidden(_first(e, "id", "style")) is not None
        or "display:none" in style
        or "display: none" in style
        or get("aria-hidden") == "true"
    )


# REMOVE_COMMENTS_AND_LISTS_XPATH[0]: comment sections (and comment lists).
_comments_id = _search(f"^(?:{X._COMMENTS_ID}|disqus_thread|dsq-comments)")
_comments_class = _search(X._COMMENTS_CLASS)
_comment_list_id = _search(f"^(?:{X._COMMENTS_ID})")


def _comments(e: HtmlElement) -> bool:
    id_, cls = e.get("id") or "", e.get("class") or ""
    if _comments_class(cls) is not None:
        return True
    return _comments_id(id_) is not None and (e.tag not in ("ol", "ul") or _comment_list_id(id_) is not None)


# RAW_TREE_PRUNE_XPATH[0]: infinite-scroll containers of follow-up articles.
_appended = _search("mvp-post-add-(?:box|wrap)|infinite-?scroll")
_appended_theme = _search("mvp-post-add-(?:box|wrap)")


def _appended_articles(e: HtmlElement) -> bool:
    id_, cls = e.get("id") or "", e.get("class") or ""
    if _appended(id_) is None and _appended(cls) is None:
        return False
    return (
        next(e.iterdescendants("h1"), None) is None
        or _appended_theme(id_) is not None
        or _appended_theme(cls) is not None
    )


# BODY_XPATH[0], [2], [3]: the article's container.
_content_id = _search(X._alt(X._ARTICLE_CONTENT_ID_TOKENS))
_content_class = _search(X._alt(X._ARTICLE_CONTENT_CLASS_TOKENS))


def _article_content(e: HtmlElement) -> bool:
    get = e.get
    cls, id_ = get("class"), get("id")
    return (
        (cls is not None and (cls in ("post", "entry") or _content_class(cls) is not None))
        or (id_ is not None and (id_ == "articleContent" or _content_id(id_) is not None))
        or get("itemprop") == "articleBody"
    )


_story_id = _search(X._alt(X._STORY_ID_TOKENS))
_fulltext = _search("fulltext", re.IGNORECASE)
_story_class = _search(X._alt(X._STORY_CLASS_TOKENS))
_STORY_CLASSES = frozenset({"postarea", "art-postcontent", "text", "cell", "story"})


def _story(e: HtmlElement) -> bool:
    get = e.get
    cls, id_ = get("class"), get("id")
    return (
        (cls is not None and (cls in _STORY_CLASSES or _fulltext(cls) is not None or _story_class(cls) is not None))
        or (id_ is not None and (id_ in ("article", "story") or _story_id(id_) is not None))
        or get("role") == "article"
    )


_main_id = _search(X._alt(X._MAIN_CONTENT_ID_TOKENS))
_main_class = _search(X._alt(X._MAIN_CONTENT_CLASS_TOKENS))


def _main_content(e: HtmlElement) -> bool:
    id_, cls = e.get("id") or "", e.get("class") or ""
    return (
        id_ == "content"
        or cls == "content"
        or _main_id(id_) is not None
        or _main_class(cls) is not None
        or "main-content" in id_.replace("C", "c").replace("M", "m")
        or "main-content" in cls.replace("C", "c").replace("M", "m")
        or "page-content" in cls.replace("C", "c").replace("P", "p")
    )


# BASIC_CLEAN_XPATH (html2txt's page text, which trafilatura measures every short extraction by).
_BASIC_CLEAN_TAGS = frozenset({"aside", "fencedframe", "footer", "script", "style", "svg", "template"})
_consent = _search(trafilatura.settings._COOKIE_CONSENT_RE, re.IGNORECASE)


def _basic_clean(e: HtmlElement) -> bool:
    if e.tag in _BASIC_CLEAN_TAGS:
        return True
    id_, cls = e.get("id"), e.get("class")
    return (
        (cls is not None and _consent(cls) is not None)
        or (id_ is not None and _consent(id_) is not None)
        or (e.tag == "div" and "footer" in _first(e, "class", "id"))
    )


#: (module attribute, index in its list or None for a lone expression) -> the selector.
SELECTORS: dict[tuple[str, int | None], Selector] = {
    ("OVERALL_DISCARD_XPATH", 0): Selector(
        "a837e58a1b1ea116",
        lxml.etree.XPath(f".//*[{_SIX}][@id or @class or @role or @data-component or @data-lp-replacement-content]"),
        _boilerplate,
    ),
    ("OVERALL_DISCARD_XPATH", 1): Selector(
        "c1d5b70b8cd03783", lxml.etree.XPath(".//*[@id or @class or @style or @aria-hidden]"), _hidden_or_reply
    ),
    ("REMOVE_COMMENTS_AND_LISTS_XPATH", 0): Selector(
        "9cc18d34e6e2d258",
        lxml.etree.XPath(
            ".//*[self::div or self::list or self::section or self::details or self::ol or self::ul]"
            "[contains(@id, 'omment') or starts-with(@id, 'comol') or starts-with(@id, 'disqus_thread')"
            " or contains(@class, 'omment')]"
        ),
        _comments,
    ),
    ("RAW_TREE_PRUNE_XPATH", 0): Selector(
        "01e7c660fd6406f2",
        lxml.etree.XPath(
            ".//*[self::div or self::section or self::aside][contains(@id, 'mvp-post-add-')"
            " or contains(@class, 'mvp-post-add-') or contains(@id, 'infinite') or contains(@class, 'infinite')]"
        ),
        _appended_articles,
    ),
    # `.//*[...][1]` is the first match among each element's children; main_extractor._extract
    # reads only the first element of it (next(...)), which is the first match in the document.
    ("BODY_XPATH", 0): Selector("caaa561ceca17064", _FOUR_TAGS, _article_content, "first", first_only=True),
    ("BODY_XPATH", 2): Selector("6c9b5e1fdc092943", _FOUR_TAGS, _story, "first"),
    ("BODY_XPATH", 3): Selector("10a7ceacc0ff8cdf", _FOUR_TAGS, _main_content, "first"),
    ("BASIC_CLEAN_XPATH", None): Selector(
        "db6c25acd08aef99",
        lxml.etree.XPath(
            ".//*[self::aside or self::fencedframe or self::footer or self::script or self::style or self::svg"
            " or self::template or @class or @id]"
        ),
        _basic_clean,
    ),
}

#: What install() replaced: the same keys, trafilatura's own expressions (the tests compare).
REPLACED: dict[tuple[str, int | None], lxml.etree.XPath] = {}


def install() -> None:
    """Put the selectors in place of the trafilatura expressions they match (idempotent).

    The lists live in ``trafilatura.xpaths`` and every trafilatura module that uses one holds the
    same list object, so an item replaced there is replaced everywhere; the lone expression is
    replaced in ``trafilatura.baseline``, the only module that calls it. Anything else in the
    process that calls trafilatura gets the same results, for less.
    """
    for key, selector in SELECTORS.items():
        name, index = key
        current = getattr(_BASELINE, name, None) if index is None else _item(getattr(X, name, None), index)
        if isinstance(current, lxml.etree.XPath) and digest(current) == selector.replaces:
            REPLACED[key] = current
            _put(key, selector)


@contextmanager
def originals() -> Iterator[None]:
    """trafilatura's own expressions while inside: to time bare trafilatura as it ships."""
    for key, original in REPLACED.items():
        _put(key, original)
    try:
        yield
    finally:
        for key in REPLACED:
            _put(key, SELECTORS[key])


def _item(expressions: object, index: int) -> object:
    return expressions[index] if isinstance(expressions, list) and index < len(expressions) else None


def _put(key: tuple[str, int | None], expression: object) -> None:
    name, index = key
    if index is None:
        setattr(_BASELINE, name, expression)
    else:
        getattr(X, name)[index] = expression
