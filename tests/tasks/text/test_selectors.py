"""tasks.text.selectors: every selector returns what the trafilatura expression it replaces returns.

Checked where it matters, inside real extractions: each replaced expression is wrapped so that
both run on every call trafilatura makes (on whatever tree it is at that point: raw, cleaned,
a subtree, the fallback's), over our golden pages, the bundled samples, generated pages and,
when ``../shared`` is present, a tenth of the dev-set pages.
"""

import contextlib
import gzip
import importlib
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import lxml.etree
import pytest
import trafilatura.xpaths

from tasks.core.errors import EmptyExtraction, ExtractionError
from tasks.core.records import InputRef, RawDocument
from tasks.sources.load import decode
from tasks.text import selectors
from tasks.text.extract import extract_html, parse_html
from tests.support import EXAMPLES, ROOT, SHARED
from tests.support.corpus import page

_BASELINE = importlib.import_module("trafilatura.baseline")
NOW = datetime(2026, 12, 1, tzinfo=UTC)
REF = InputRef(source_uri="mem://page.html", kind="html", path="page.html", digest="0" * 64, size=0)
DEVSET = SHARED / "devset"


def test_every_selector_is_installed_with_the_locked_trafilatura() -> None:
    # Fails after a trafilatura upgrade that rewrites an expression: re-check that expression and
    # write its selector again (or drop it).
    assert set(selectors.REPLACED) == set(selectors.SELECTORS)
    for (name, index), selector in selectors.SELECTORS.items():
        installed = getattr(_BASELINE, name) if index is None else getattr(trafilatura.xpaths, name)[index]
        assert installed is selector


def test_an_expression_that_differs_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    other = lxml.etree.XPath(".//div[@class='post']")
    monkeypatch.setattr(trafilatura.xpaths, "BODY_XPATH", [other, other, other, other])
    monkeypatch.setattr(_BASELINE, "BASIC_CLEAN_XPATH", other)
    selectors.install()
    assert all(expression is other for expression in trafilatura.xpaths.BODY_XPATH)
    assert _BASELINE.BASIC_CLEAN_XPATH is other


def _html(markup: str) -> lxml.etree._Element:
    return parse_html(f"<html><body>{markup}</body></html>")


@pytest.mark.parametrize(
    ("key", "markup"),
    [
        # @id|@class reads the attribute written first: "cookie" in the class, an id before it.
        (("OVERALL_DISCARD_XPATH", 0), '<div id="x" class="cookie">a</div><div class="cookie" id="x">b</div>'),
        (
            ("OVERALL_DISCARD_XPATH", 1),
            '<p style="hidden" id="a">a</p><p id="a" style="hidden">b</p><p aria-hidden="true"/>',
        ),
        (
            ("OVERALL_DISCARD_XPATH", 1),
            '<p class="reply-to" id="q">a</p><p id="q" class="reply-to">b</p><p class="hidden-xs"/>',
        ),
        # .//*[...][1]: the first match among each element's children; trafilatura reads the first.
        (
            ("BODY_XPATH", 0),
            '<div class="post">a<div class="entry">b</div><div class="post">c</div></div><div class="entry">d</div>',
        ),
        (("BODY_XPATH", 2), '<div class="x">a</div><section class="FullText">b</section><div id="story">c</div>'),
        (("BODY_XPATH", 3), '<div id="Main-Content">a</div><div class="page-Content">b</div>'),
        (
            ("REMOVE_COMMENTS_AND_LISTS_XPATH", 0),
            '<ul class="comments">a</ul><ul id="commentary"/><div id="comment-1"/>',
        ),
        (("RAW_TREE_PRUNE_XPATH", 0), '<div class="infinite-scroll"><h1>a</h1></div><div id="infinitescroll">b</div>'),
        (("BASIC_CLEAN_XPATH", None), '<div id="site-footer" class="x">a</div><p class="Cookie-Banner"/><aside/>'),
    ],
)
def test_the_xpath_details_are_kept(key: tuple[str, int | None], markup: str) -> None:
    tree = _html(markup)
    selector = selectors.SELECTORS[key]
    found, expected = selector(tree), selectors.REPLACED[key](tree)
    assert found  # each case has a match, so the comparison below is not between two empties
    assert found == (expected[:1] if selector.first_only else expected)


def _pages() -> Iterator[str]:
    for path in sorted((ROOT / "tests" / "golden" / "cases").glob("*.html")):
        yield path.read_text(encoding="utf-8")
    for path in sorted((EXAMPLES / "html").glob("*.html")):
        yield path.read_text(encoding="utf-8", errors="replace")
    for index in range(12):
        yield page(index)[1]
    if DEVSET.is_dir():
        ids = [json.loads(line)["id"] for line in (DEVSET / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
        for id_ in ids[::10]:
            yield decode(gzip.decompress((DEVSET / "pages" / f"{id_}.html.gz").read_bytes()))


def test_inside_real_extractions_every_call_returns_the_same_elements(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: Counter[tuple[str, int | None]] = Counter()
    differ: list[tuple[str, int | None]] = []

    def both(key: tuple[str, int | None]) -> object:
        selector, original = selectors.SELECTORS[key], selectors.REPLACED[key]

        def call(tree: lxml.etree._Element) -> list[lxml.etree._Element]:
            expected, found = original(tree), selector(tree)
            if selector.first_only:  # (its one caller reads no further)
                expected = expected[:1]
            calls[key] += 1
            if len(found) != len(expected) or any(a is not b for a, b in zip(found, expected, strict=True)):
                differ.append(key)
            return found

        return call

    for key in selectors.SELECTORS:
        name, index = key
        if index is None:
            monkeypatch.setattr(_BASELINE, name, both(key))
        else:
            expressions = list(getattr(trafilatura.xpaths, name))
            expressions[index] = both(key)
            monkeypatch.setattr(trafilatura.xpaths, name, expressions)
            for module in ("core", "main_extractor", "external"):
                if hasattr(mod := importlib.import_module(f"trafilatura.{module}"), name):
                    monkeypatch.setattr(mod, name, expressions)
    for html in _pages():
        with contextlib.suppress(EmptyExtraction, ExtractionError):
            extract_html(RawDocument(ref=REF, html=html), now=NOW)
    assert not differ
    assert set(calls) == set(selectors.SELECTORS)  # every selector was exercised


def test_originals_puts_trafilaturas_own_expressions_back_for_a_while() -> None:
    key = ("OVERALL_DISCARD_XPATH", 0)
    with selectors.originals():
        assert trafilatura.xpaths.OVERALL_DISCARD_XPATH[0] is selectors.REPLACED[key]
        assert _BASELINE.BASIC_CLEAN_XPATH is selectors.REPLACED[("BASIC_CLEAN_XPATH", None)]
    assert trafilatura.xpaths.OVERALL_DISCARD_XPATH[0] is selectors.SELECTORS[key]
    assert _BASELINE.BASIC_CLEAN_XPATH is selectors.SELECTORS[("BASIC_CLEAN_XPATH", None)]
