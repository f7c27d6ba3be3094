import json
from datetime import UTC, datetime, timedelta

import pytest

from tasks.core.errors import EmptyExtraction
from tasks.core.records import Extracted, Hints, InputRef, RawDocument
from tasks.text import extract as extract_module
from tasks.text.extract import ExtractOptions, extract_html, looks_like_navigation

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
REF = InputRef(source_uri="mem://page.html", kind="html", path="page.html", digest="0" * 64, size=0)

PARAS = (
    "The harbour authority in Port Avalon confirmed on Tuesday that the northern breakwater will be rebuilt "
    "before the autumn storm season, ending months of uncertainty for the fishing fleet.",
    "Engineers found that winter waves had undermined the concrete blocks along a stretch of nearly two "
    "hundred metres, according to a report presented to the town council.",
    "Council members approved the emergency budget without debate, and the first barges carrying granite "
    "are expected to arrive at the end of the month.",
)
BODY = "\n".join(f"<p>{p}</p>" for p in PARAS)
NAV = "Weather forecast for the coast"
COOKIE = "This site stores cookies so that we can remember your preferences"
COMMENT = "reader77 thinks the council wasted the money again"
FOOTER = "Avalon Gazette, Harbour Street, contact our newsroom"


def _page(
    head: str = "",
    *,
    title: str = "Breakwater vote | Avalon Gazette",
    h1: str | None = "Council orders breakwater rebuild",
    lang: str = "en-US",
    container: str = "article",
) -> str:
    heading = f"<h1>{h1}</h1>" if h1 else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body>
<div id="cookie-banner" class="cookie-consent"><p>{COOKIE}.</p><button>Accept</button></div>
<header><nav><ul><li><a href="/">Front page</a></li><li><a href="/weather">{NAV}</a></li>
<li><a href="/sport">Sport results and fixtures</a></li></ul></nav></header>
<main><{container} class="story">{heading}
{BODY}
</{container}>
<div id="comments" class="comments"><h3>Comments</h3><div class="comment"><p>{COMMENT}.</p></div></div>
</main>
<footer><p>{FOOTER}.</p><ul><li><a href="/about">About us</a></li><li><a href="/privacy">Privacy</a></li></ul></footer>
</body></html>"""


def _extract(html: str, **hints: str) -> Extracted:
    return extract_html(RawDocument(ref=REF, html=html, hints=Hints(**hints)), now=NOW)


def _jsonld(payload: str) -> str:
    return f'<script type="application/ld+json">{payload}</script>'


def test_body_text_is_extracted_in_order() -> None:
    text = _extract(_page()).text
    positions = [text.index(p) for p in PARAS]
    assert positions == sorted(positions)


def test_control_characters_in_the_page_do_not_cost_the_article() -> None:
    # A stray BEL or NUL (pasted from a word processor) is legal enough for a browser, but lxml
    # refuses it in text that trafilatura rebuilds: the whole body was lost as empty_extraction.
    dirty = BODY.replace("concrete blocks", "concrete <span>blocks\x07</span>").replace("granite", "gran\x00ite")
    text = _extract(_page().replace(BODY, dirty)).text
    assert all(word in text for word in ("Port Avalon", "concrete blocks", "granite", "autumn storm"))
    assert not any(ch in text for ch in "\x00\x07")


def test_jsonld_date_wins_over_meta() -> None:
    head = (
        _jsonld(
            '{"@context": "https://schema.org", "@type": "NewsArticle", "datePublished": "2025-02-17T20:44:00+09:00"}'
        )
        + '<meta property="article:published_time" content="2025-01-05T08:00:00Z">'
    )
    got = _extract(_page(head))
    assert got.date_source == "json-ld"
    assert got.published_at == datetime(2025, 2, 17, 11, 44, tzinfo=UTC)
    assert got.published_at_raw == "2025-02-17T20:44:00+09:00"


def test_jsonld_inside_graph_and_type_list() -> None:
    head = _jsonld(
        '{"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "Avalon Gazette"},'
        ' {"@type": ["NewsArticle"], "datePublished": "2025-03-04T10:00:00Z"}]}'
    )
    got = _extract(_page(head))
    assert (got.published_at, got.date_source) == (datetime(2025, 3, 4, 10, 0, tzinfo=UTC), "json-ld")


def test_meta_published_time_with_offset_becomes_utc() -> None:
    got = _extract(_page('<meta property="article:published_time" content="2025-02-17T20:44:00+09:00">'))
    assert got.date_source == "meta"
    assert got.published_at == datetime(2025, 2, 17, 11, 44, tzinfo=UTC)
    assert got.published_at is not None and got.published_at.utcoffset() == timedelta(0)
    assert got.published_at_raw == "2025-02-17T20:44:00+09:00"


def test_date_only_in_canonical_url() -> None:
    got = _extract(_page('<link rel="canonical" href="https://gazette.example/2025/02/17/breakwater-vote">'))
    assert got.date_source == "url"
    assert got.published_at == datetime(2025, 2, 17, tzinfo=UTC)
    # The URL's day, written as ISO: its leading YYYY-MM-DD is the publisher's local day.
    assert got.published_at_raw == "2025-02-17"


def test_feed_date_wins_over_page_dates() -> None:
    head = _jsonld('{"@type": "NewsArticle", "datePublished": "2025-01-05T08:00:00Z"}')
    got = _extract(_page(head), published_at="2025-02-17T20:44:00+09:00")
    assert (got.published_at, got.date_source) == (datetime(2025, 2, 17, 11, 44, tzinfo=UTC), "feed")


def test_future_date_is_rejected() -> None:
    got = _extract(_page('<meta property="article:published_time" content="2025-07-17T20:44:00+09:00">'))
    assert got.published_at is None
    assert got.published_at_raw is None
    assert got.date_source == "none"


def test_future_jsonld_date_falls_back_to_meta() -> None:
    head = _jsonld('{"@type": "NewsArticle", "datePublished": "2031-01-01T00:00:00Z"}') + (
        '<meta property="article:published_time" content="2025-02-17T20:44:00+09:00">'
    )
    got = _extract(_page(head))
    assert (got.published_at, got.date_source) == (datetime(2025, 2, 17, 11, 44, tzinfo=UTC), "meta")


def test_copyright_year_is_not_a_publication_date() -> None:
    html = _page().replace(f"<p>{FOOTER}.</p>", "<p>Copyright 2019 Avalon Gazette. All rights reserved.</p>")
    got = _extract(html)
    assert (got.published_at, got.date_source) == (None, "none")


def _after_headline(html: str) -> str:
    heading = "<h1>Council orders breakwater rebuild</h1>"
    return _page().replace(heading, heading + html)


def test_a_date_beside_the_headline_in_an_aside_is_found() -> None:
    # The stripping drops asides and figures before the date line is looked for; a page with no
    # other date is searched again on an unstripped copy.
    box = '<aside class="info"><dl>\n<dt>Date</dt>\n<dd>February 17, 2025</dd>\n</dl></aside>'
    got = _extract(_after_headline(box))
    assert (got.published_at, got.date_source) == (datetime(2025, 2, 17, tzinfo=UTC), "text")


def test_a_date_in_its_own_element_glued_to_a_name_is_found() -> None:
    # A forum post's header: the poster's name, the day and the time, each in an element of its
    # own and nothing between them ("quill7728.09.1912:44" as one word in the page's text).
    header = "<p><b>quill77</b><span>28.09.19</span><span>12:44</span></p>"
    html = _page(lang="de").replace("</h1>", "</h1>" + header)
    got = _extract(html)
    assert (got.published_at, got.date_source) == (datetime(2019, 9, 28, tzinfo=UTC), "text")


def test_a_page_dated_only_by_its_last_change_takes_that_date() -> None:
    # Nothing dates the page but the line under the article: the best date the page gives.
    html = _page(lang="de").replace("</article>", "<p>Aktualisiert am 17.01.2021.</p></article>")
    got = _extract(html)
    assert (got.published_at, got.date_source) == (datetime(2021, 1, 17, tzinfo=UTC), "text")


def test_a_photo_credit_date_is_not_the_publication_date() -> None:
    figure = '<figure><img src="wall.jpg"><figcaption>Photo: Ann Lee, 03.05.2013</figcaption></figure>'
    got = _extract(_after_headline(figure))
    assert (got.published_at, got.date_source) == (None, "none")


@pytest.mark.parametrize(
    ("line", "lang", "day"),
    [
        ("Veröffentlicht am 16.08.2019", "de", datetime(2019, 8, 16, tzinfo=UTC)),
        ("Erschienen am: 13.10.2021", "de-CH", datetime(2021, 10, 13, tzinfo=UTC)),
        ("Publié le 29 juin 2019", "fr", datetime(2019, 6, 29, tzinfo=UTC)),
        ("Published on Monday, March 3, 2025", "en-US", datetime(2025, 3, 3, tzinfo=UTC)),
        ("Опубликовано: 12.05.2020 10:00", "ru", datetime(2020, 5, 12, tzinfo=UTC)),
        ("입력 2020.05.12 오전 10:00", "ko", datetime(2020, 5, 12, tzinfo=UTC)),
        ("公開日：2020年5月12日", "ja", datetime(2020, 5, 12, tzinfo=UTC)),
        ("Yayınlanma: 12.05.2020", "tr", datetime(2020, 5, 12, tzinfo=UTC)),
    ],
)
def test_a_publication_label_by_the_headline_beats_a_meta_date(line: str, lang: str, day: datetime) -> None:
    head = '<meta property="article:published_time" content="2024-11-20T09:00:00Z">'
    got = _extract(_page(head, lang=lang).replace("</h1>", f"</h1>\n<p>{line}</p>"))
    assert (got.published_at, got.date_source) == (day, "text")


def test_a_publication_label_on_the_meta_dates_local_day_changes_nothing() -> None:
    # 11:15 PM in New York on 8 November is 9 November in UTC: the same moment, kept with its time.
    head = '<meta property="article:published_time" content="2024-11-09T04:15:00Z">'
    html = _page(head, lang="en").replace("</h1>", "</h1>\n<p>Published November 8, 2024, 11:15 PM</p>")
    got = _extract(html)
    assert got.published_at == datetime(2024, 11, 9, 4, 15, tzinfo=UTC)


def test_another_publications_date_is_no_publication_label() -> None:
    head = '<meta property="article:published_time" content="2024-11-20T09:00:00Z">'
    line = "Une tribune publiée par Les Echos (26/11/2019), reprise ici."
    got = _extract(_page(head).replace("</h1>", f"</h1>\n<p>{line}</p>"))
    assert got.published_at == datetime(2024, 11, 20, 9, tzinfo=UTC)


def test_canonical_url_is_read() -> None:
    got = _extract(_page('<link rel="canonical" href=" https://gazette.example/news/breakwater-vote ">'))
    assert got.url == "https://gazette.example/news/breakwater-vote"


def test_og_url_is_read_when_there_is_no_canonical() -> None:
    got = _extract(_page('<meta property="og:url" content="https://gazette.example/news/og-breakwater">'))
    assert got.url == "https://gazette.example/news/og-breakwater"


def test_canonical_wins_over_og_url_and_hint_wins_over_both() -> None:
    head = (
        '<meta property="og:url" content="https://gazette.example/og">'
        '<link rel="canonical" href="https://gazette.example/canonical">'
    )
    assert _extract(_page(head)).url == "https://gazette.example/canonical"
    assert _extract(_page(head), url="https://gazette.example/from-feed").url == "https://gazette.example/from-feed"


def test_no_url_anywhere_is_none() -> None:
    assert _extract(_page()).url is None


def test_title_from_og_title_first() -> None:
    got = _extract(_page('<meta property="og:title" content="Avalon to rebuild its breakwater">'))
    assert got.title == "Avalon to rebuild its breakwater"


def test_title_from_h1_without_og_title() -> None:
    assert _extract(_page()).title == "Council orders breakwater rebuild"


SITE = '<meta property="og:site_name" content="Avalon Gazette">'


def test_title_from_title_element_without_site_suffix() -> None:
    assert _extract(_page(SITE, h1=None)).title == "Breakwater vote"
    assert _extract(_page(SITE, h1=None, title="Storm damage: what next \u2014 Avalon Gazette")).title == (
        "Storm damage: what next"
    )
    # Without a known site name, a title's last segment may be part of the headline: kept.
    assert _extract(_page(h1=None, title="Storm damage | what next")).title == "Storm damage | what next"


def test_authors_from_jsonld_list() -> None:
    head = (
        _jsonld(
            '{"@type": "NewsArticle", "author": [{"@type": "Person", "name": "Mara Quill"},'
            ' {"@type": "Person", "name": "Tobias Fenn"}, "Ines Roy", {"@type": "Person", "name": "Mara Quill"}]}'
        )
        + '<meta name="author" content="Somebody Else">'
    )
    assert _extract(_page(head)).authors == ("Mara Quill", "Tobias Fenn", "Ines Roy")


def test_authors_from_meta_author() -> None:
    assert _extract(_page('<meta name="author" content="Ines Roy">')).authors == ("Ines Roy",)
    # A profile URL is not a name.
    assert _extract(_page('<meta property="article:author" content="https://gazette.example/ines">')).authors == ()


def test_sitename_from_jsonld_publisher() -> None:
    head = _jsonld('{"@type": "NewsArticle", "publisher": {"@type": "Organization", "name": "Avalon Gazette"}}')
    assert _extract(_page(head)).sitename == "Avalon Gazette"


def test_lang_from_html_lang() -> None:
    assert _extract(_page(lang="en-US")).language == "en"
    assert _extract(_page(lang="")).language is None
    assert _extract(_page('<meta property="og:locale" content="ko_KR">', lang="")).language == "ko"


def test_lang_with_underscore() -> None:
    assert _extract(_page(lang="en_GB")).language == "en"


@pytest.mark.parametrize("html", ["", "   \n"])
def test_empty_document_raises_empty_extraction(html: str) -> None:
    with pytest.raises(EmptyExtraction):
        _extract(html)


def test_page_without_article_element_still_extracts_body() -> None:
    html = _page(container="div")
    assert "<article" not in html
    text = _extract(html).text
    for p in PARAS:
        assert p in text


@pytest.mark.parametrize("container", ["article", "div"])
def test_chrome_is_not_in_the_text(container: str) -> None:
    text = _extract(_page(container=container)).text
    for chrome in (NAV, COOKIE, COMMENT, FOOTER, "Front page", "About us", "Sport results"):
        assert chrome not in text


def test_xhtml_page_with_xml_declaration() -> None:
    html = '<?xml version="1.0" encoding="utf-8"?>\n' + _page().replace("<!DOCTYPE html>", "")
    assert PARAS[0] in _extract(html).text


# --- Titles: site names out of every source, the visible headline when it is the declared one


@pytest.mark.parametrize("key", ["og:title", "twitter:title"])
def test_site_name_is_removed_from_social_titles(key: str) -> None:
    head = SITE + f'<meta property="{key}" content="Avalon to rebuild its breakwater | Avalon Gazette">'
    assert _extract(_page(head, h1=None)).title == "Avalon to rebuild its breakwater"


def test_site_name_is_removed_from_jsonld_headline_and_known_from_the_host() -> None:
    head = _jsonld('{"@type": "NewsArticle", "headline": "Avalon to rebuild its breakwater - Avalongazette"}')
    got = _extract(_page(head, h1=None), url="https://www.avalongazette.example/news/breakwater")
    assert got.title == "Avalon to rebuild its breakwater"


def test_a_date_glued_to_the_title_is_removed() -> None:
    head = SITE + '<meta property="og:title" content="Avalon rebuilds its breakwater – Avalon Gazette – 28.04.2025">'
    assert _extract(_page(head, h1=None)).title == "Avalon rebuilds its breakwater"


def test_a_title_escaped_twice_is_unescaped() -> None:
    # The CMS escaped the apostrophes before the attribute was escaped: the value reads "&#039;".
    head = '<meta property="og:title" content="Avalon&amp;#039;s breakwater &amp;amp; the storm">'
    assert _extract(_page(head, h1=None)).title == "Avalon's breakwater & the storm"
    # The same in JSON-LD's headline (WordPress writes "&#038;" for "&"), matched to the <h1>.
    head = _jsonld('{"@type": "NewsArticle", "headline": "Breakwater &#038; harbour: a rebuild"}')
    assert _extract(_page(head, h1="Breakwater &amp; harbour: a rebuild")).title == "Breakwater & harbour: a rebuild"


def test_h1_wins_when_it_is_the_declared_headline() -> None:
    head = SITE + '<meta property="og:title" content="COUNCIL ORDERS BREAKWATER REBUILD | Avalon Gazette">'
    assert _extract(_page(head)).title == "Council orders breakwater rebuild"


def test_declared_headline_wins_over_an_unrelated_h1() -> None:
    head = '<meta property="og:title" content="Avalon to rebuild its breakwater">'
    assert _extract(_page(head, h1="Latest news")).title == "Avalon to rebuild its breakwater"


def test_a_logo_h1_is_the_site_not_the_title() -> None:
    html = _page(title="Breakwater vote | Avalon Gazette", h1=None).replace(
        "<header>", '<header><h1 class="site-title">Avalon Gazette</h1>'
    )
    assert _extract(html).title == "Breakwater vote"


def test_kicker_in_h1_gives_the_clean_declared_headline() -> None:
    head = '<meta property="og:title" content="Council orders breakwater rebuild">'
    assert _extract(_page(head, h1="Port Avalon Council orders breakwater rebuild")).title == (
        "Council orders breakwater rebuild"
    )


def test_a_headline_declared_as_the_application_name_is_no_site_name() -> None:
    # Some CMSs fill application-name with the page's title: taken for the site's name, it hid the
    # headline <h1>, and the masthead's <h1> above it became the title.
    headline = "Avalon council orders the breakwater rebuilt before autumn"
    head = (
        f'<meta name="application-name" content="{headline}">'
        f'<meta property="og:title" content="{headline}"><meta property="og:site_name" content="Avalon Gazette">'
    )
    html = _page(head, h1=headline, title=headline).replace("<header>", "<header><h1>Avalon Gazette news</h1>")
    got = _extract(html)
    assert (got.title, got.sitename) == (headline, "Avalon Gazette")
    # A site whose home page's og:title is its short name keeps it.
    short = '<meta name="application-name" content="Avalon Gazette"><meta property="og:title" content="Avalon Gazette">'
    assert _extract(_page(short, h1=None, title="Avalon Gazette")).sitename == "Avalon Gazette"


def test_an_h1_the_title_element_adds_to_the_declared_headline_is_the_site() -> None:
    # A blog's template: <title>Blog name: Post</title>, og:title "Post", <h1 class="title">Blog name</h1>.
    head = '<meta property="og:title" content="Rebuilding the breakwater, stone by stone">'
    html = _page(head, h1=None, title="Harbour Notes: Rebuilding the breakwater, stone by stone").replace(
        "<header>", '<header><h1 class="title">Harbour Notes</h1>'
    )
    assert _extract(html).title == "Rebuilding the breakwater, stone by stone"


def test_the_h1_at_the_end_of_the_title_element_is_the_site_name() -> None:
    # "Post | Blog name" with <h1>Blog name</h1>: the blog's name, not the headline.
    html = _page(title="Rebuilding the breakwater | Harbour Notes", h1=None).replace(
        "<header>", "<header><h1>Harbour Notes</h1>"
    )
    assert _extract(html).title == "Rebuilding the breakwater"


def test_an_h1_longer_than_the_segment_before_it_is_the_headline_not_the_site() -> None:
    # "News - Headline" with the headline's <h1>: a blog's name is no longer than its post's title.
    assert (
        _extract(_page(title="News - Council orders breakwater rebuild")).title == "Council orders breakwater rebuild"
    )


@pytest.mark.parametrize(
    "title",
    [
        "Avalon Gazette - Harbour - Council orders breakwater rebuild",
        "www.avalon-gazette.example: The Gazette / Harbour / Council orders breakwater rebuild",
    ],
)
def test_a_title_element_that_begins_with_the_site_ends_with_the_headline(title: str) -> None:
    # "Site - Section - Headline", with a screen reader's <h1> above the story's: the story's
    # <h1> is the end of the <title>, and it is the headline, not the site's name.
    head = '<meta property="og:site_name" content="Avalon Gazette">'
    html = _page(head, title=title).replace("<header>", "<header><h1>Navigation and service</h1>")
    got = _extract(html, url="https://www.avalon-gazette.example/harbour/1.html")
    assert got.title == "Council orders breakwater rebuild"


def test_of_two_h1s_the_one_a_meta_tag_declares_is_the_headline() -> None:
    # A section's <h1>News</h1> is all of <title>News - Avalon Gazette</title> once the site is
    # gone; the story's <h1> is the og:title.
    head = (
        '<meta property="og:title" content="Council orders breakwater rebuild">'
        '<meta property="og:site_name" content="Avalon Gazette">'
    )
    html = _page(head, title="News - Avalon Gazette").replace("<header>", "<header><h1>News</h1>")
    assert _extract(html).title == "Council orders breakwater rebuild"


def test_of_two_h1s_in_the_title_element_the_one_that_is_most_of_it_is_the_headline() -> None:
    # <title>Site - Section - Headline</title>: the section's marked <h1> is a part of it, the
    # story's <h1> most of it.
    html = _page(
        '<meta property="og:site_name" content="Avalon Gazette">',
        title="Avalon Gazette - Press releases and notices - Council orders breakwater rebuild",
    ).replace("<header>", '<header><h1 class="headline">Press releases and notices</h1>')
    assert _extract(html).title == "Council orders breakwater rebuild"


@pytest.mark.parametrize(
    "h1",
    [
        '<span class="dachzeile">Harbour works</span> Council orders breakwater rebuild',
        '<div class="topic-label"> Harbour works </div> Council orders breakwater rebuild',
        '<span class="article-surtitre">Harbour works</span> Council orders breakwater rebuild',
        '<span class="kicker">Harbour works</span><span>: </span>'
        '<span class="headline">Council orders breakwater rebuild</span>',
        '<span class="article__subheadline">Harbour works</span><br><span itemprop="headline">Council orders breakwater'
        " rebuild</span>",
    ],
)
def test_a_kicker_the_h1s_markup_sets_apart_is_not_the_title(h1: str) -> None:
    assert _extract(_page(title="Avalon Gazette", h1=h1)).title == "Council orders breakwater rebuild"


def test_an_h1_with_a_part_that_is_no_kicker_keeps_its_whole_text() -> None:
    h1 = '<span class="city">Avalon:</span> council orders breakwater rebuild'
    assert _extract(_page(title="Avalon Gazette", h1=h1)).title == "Avalon: council orders breakwater rebuild"


def test_soft_hyphens_leave_titles_and_names() -> None:
    head = (
        '<meta property="og:title" content="Coun\xadcil or\xadders break\xadwater rebuild">'
        '<meta name="author" content="Mara Qu\xadill">'
    )
    got = _extract(_page(head))
    assert (got.title, got.authors) == ("Council orders breakwater rebuild", ("Mara Quill",))


# --- Authors


@pytest.mark.parametrize(
    "author",
    [
        '"Mara Quill"',
        '{"@type": "Person", "name": "Mara Quill"}',
        '[{"@type": "Person", "givenName": "Mara", "familyName": "Quill"}]',
        '{"@id": "#mara"}',
        '"{\\"@type\\": \\"Person\\", \\"name\\": \\"Mara Quill\\"}"',
        '{"@type": "Person", "name": ["Mara Quill"]}',
    ],
)
def test_jsonld_author_in_all_its_shapes(author: str) -> None:
    payload = (
        '{"@context": "https://schema.org", "@graph": [{"@type": "Person", "@id": "#mara", "name": "Mara Quill"},'
        f' {{"@type": "NewsArticle", "author": {author}}}]}}'
    )
    assert _extract(_page(_jsonld(payload))).authors == ("Mara Quill",)


def test_organisation_author_is_not_a_person_and_the_byline_names_one() -> None:
    head = _jsonld('{"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Avalon Gazette"}}')
    html = _page(head).replace(f"<p>{PARAS[0]}", f'<p class="byline">Von Mara Quill und Tobias Fenn</p><p>{PARAS[0]}')
    got = _extract(html)
    assert got.authors == ("Mara Quill", "Tobias Fenn")
    assert got.sitename == "Avalon Gazette"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.lemonde.example/politique/breakwater.html", "Le Monde"),
        ("https://lanacion.example/breakwater", "LA NACION"),
        ("https://www.stardewvalleywiki.example/breakwater", "Stardew Valley Wiki"),
    ],
)
def test_an_outlet_typed_as_a_person_after_its_own_host_is_no_author(url: str, name: str) -> None:
    # The publication's name spelling its host, declared as a Person: the site, not a byline.
    head = _jsonld(f'{{"@type": "NewsArticle", "author": {{"@type": "Person", "name": "{name}"}}}}')
    head += f'<meta property="og:site_name" content="{name}">'
    assert _extract(_page(head, title=f"Breakwater vote | {name}"), url=url).authors == ()


@pytest.mark.parametrize("name", ["Moritz Quill", "Dr. Moritz Quill"])
def test_a_site_named_after_its_author_still_names_them(name: str) -> None:
    head = _jsonld(f'{{"@type": "BlogPosting", "author": {{"@type": "Person", "name": "{name}"}}}}')
    head += f'<meta property="og:site_name" content="{name}">'
    got = _extract(_page(head, title=f"Breakwater vote – {name}"), url="https://www.moritz-quill.example/breakwater/")
    assert got.authors == (name.removeprefix("Dr. "),)


@pytest.mark.parametrize(
    ("url", "site", "author"),
    [
        ("https://www.bianca-quill.example/a/", "Bianca Quill", ("Bianca Quill",)),
        ("https://frauquill.example/a/", "Frau Quill", ("Frau Quill",)),
        ("https://statisticsglobe.example/a/", "Statistics Globe", ()),
        ("https://www.harbourcourier.example/a/", "Harbour Courier", ()),
    ],
)
def test_a_site_named_like_its_host_is_its_author_only_when_it_reads_as_a_person(
    url: str, site: str, author: tuple[str, ...]
) -> None:
    # Nothing names an author: a site that spells its host names its author when it opens with
    # a first name or a form of address, and is only the site otherwise.
    head = f'<meta property="og:site_name" content="{site}">'
    assert _extract(_page(head, title=f"Breakwater vote | {site}"), url=url).authors == author


def test_byline_in_the_page_when_nothing_is_declared() -> None:
    byline = '<p class="author">Por <a href="/autor/mara-quill/" rel="author">Mara Quill</a></p>'
    assert _extract(_page().replace("<h1>", byline + "<h1>")).authors == ("Mara Quill",)


def test_menus_and_headlines_in_author_widgets_do_not_hide_the_byline() -> None:
    menu = '<ul class="menu">' + '<li><span class="menu-desc-authors">1 mars 2019</span></li>' * 6 + "</ul>"
    follow = '<p class="author-follow">Tobias Fenn The real problem behind fake news</p>'
    byline = '<p class="author">Par Mara Quill</p>'
    assert _extract(_page().replace("<h1>", menu + follow + byline + "<h1>")).authors == ("Mara Quill",)


@pytest.mark.parametrize(
    "line",
    ["<p>Von <a href='/k'>Cosima Künzel</a></p>", "<div><span>By</span> <span><a>Cosima Künzel</a></span></div>"],
)
def test_a_line_that_is_only_a_byline_names_the_author(line: str) -> None:
    prose = "<p>Die Rede von Angela Merkel war lang.</p>"
    assert _extract(_page().replace("<h1>", prose + line + "<h1>")).authors == ("Cosima Künzel",)
    # Not a sentence that holds "by" and a name.
    assert _extract(_page().replace("<h1>", prose + "<h1>")).authors == ()


@pytest.mark.parametrize("initials", ["J.R.", "J. R."])
def test_a_byline_line_may_open_with_initials(initials: str) -> None:
    line = f"<div><span>By</span> <span>{initials} Stone</span></div>"
    assert _extract(_page().replace("<h1>", line + "<h1>")).authors == (f"{initials} Stone",)


def test_comment_authors_are_not_the_article_authors() -> None:
    html = _page().replace('<div class="comment">', '<div class="comment"><span class="comment-author">reader77</span>')
    assert _extract(html).authors == ()


def test_the_works_a_page_cites_lend_it_no_authors_title_or_date() -> None:
    cited = (
        '<ol><li itemprop="citation" itemscope itemtype="http://schema.org/ScholarlyArticle">'
        '<meta itemprop="author" content="A. Grosso, "><meta itemprop="datePublished" content="2008">'
        '<meta itemprop="headline" content="Grosso A et al. Strontium"><span itemprop="author">B. Pinto</span>'
        "</li></ol>"
    )
    article = (
        '<div itemprop="blogPost" itemscope itemtype="http://schema.org/BlogPosting">'
        '<meta itemprop="author" content="Ines Roy"></div>'
    )
    extracted = _extract(_page().replace("</main>", cited + "</main>"))
    assert (extracted.authors, extracted.title, extracted.published_at) == (
        (),
        "Council orders breakwater rebuild",
        None,
    )
    # A blog's post is a nested item too, and its author is the page's.
    assert _extract(_page().replace("</main>", article + cited + "</main>")).authors == ("Ines Roy",)


# --- Dates


def test_date_published_wins_over_date_modified() -> None:
    head = _jsonld(
        '{"@type": "NewsArticle", "dateModified": "2025-03-01T09:00:00Z", "datePublished": "2025-02-17T20:44:00+09:00"}'
    )
    got = _extract(_page(head))
    assert (got.published_at, got.date_source) == (datetime(2025, 2, 17, 11, 44, tzinfo=UTC), "json-ld")


def test_date_modified_only_when_nothing_else() -> None:
    head = '<meta property="article:modified_time" content="2025-03-01T09:00:00Z">'
    assert _extract(_page(head)).published_at == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_url_date_wins_over_a_structured_date_days_away() -> None:
    head = (
        '<link rel="canonical" href="https://gazette.example/2025/02/17/breakwater-vote">'
        '<meta property="article:published_time" content="2024-11-02T08:00:00Z">'
    )
    got = _extract(_page(head))
    assert (got.published_at, got.date_source) == (datetime(2025, 2, 17, tzinfo=UTC), "url")


def test_local_day_from_the_url_is_kept_beside_the_utc_time() -> None:
    # 17:49 on 8 November in California is 01:49 UTC on the 9th.
    head = (
        '<link rel="canonical" href="https://gazette.example/2024/11/08/breakwater-vote">'
        '<meta property="article:published_time" content="2024-11-09T01:49:09Z">'
    )
    got = _extract(_page(head))
    assert got.published_at == datetime(2024, 11, 9, 1, 49, 9, tzinfo=UTC)
    assert got.published_at_raw == "2024-11-08"


def test_impossible_offset_is_no_date() -> None:
    got = _extract(_page('<meta property="article:published_time" content="2025-02-17T20:44:00+99:00">'))
    assert (got.published_at, got.date_source) == (None, "none")


def test_date_line_under_the_headline() -> None:
    html = _page().replace("</h1>", "</h1><p>Veröffentlicht am 17. Februar 2025</p>")
    got = _extract(html)
    assert (got.published_at, got.date_source) == (datetime(2025, 2, 17, tzinfo=UTC), "text")


def test_a_date_far_above_the_headline_is_a_sidebars() -> None:
    latest = (
        '<div class="latest"><p>Latest: Harbour fees rise again, 3 February 2025</p>'
        "<p>Ferry timetable changes for the winter months, the new late crossing and the fares for "
        "cyclists and foot passengers</p></div>"
    )
    html = _page().replace("<main>", f"<main>{latest}").replace("</h1>", "</h1><p>Published 17 February 2025</p>")
    got = _extract(html)
    assert (got.published_at, got.date_source) == (datetime(2025, 2, 17, tzinfo=UTC), "text")


def test_a_date_just_above_the_headline_wins_over_one_in_the_story() -> None:
    kicker = '<p class="kicker">Harbour 17 February 2025</p>'
    story = "<p>The last repair, on 3 March 2002, lasted a summer.</p>"
    html = _page().replace("<h1>", f"{kicker}<h1>").replace("</h1>", f"</h1>{story}")
    got = _extract(html)
    assert (got.published_at, got.date_source) == (datetime(2025, 2, 17, tzinfo=UTC), "text")


def test_the_date_by_the_headline_beats_another_day_found_in_the_markup() -> None:
    # htmldate's quick search takes the related story's date from its class ("entry-date").
    related = '<div class="related"><p>Harbour fees rise</p><span class="entry-date">Jan 3, 2025</span></div>'
    html = _page().replace("</h1>", "</h1><p>Published 17 February 2025</p>").replace("</main>", f"{related}</main>")
    got = _extract(html)
    assert (got.published_at, got.date_source) == (datetime(2025, 2, 17, tzinfo=UTC), "text")


def test_the_markup_gives_the_time_of_the_day_printed_by_the_headline() -> None:
    stamp = '<p><time datetime="2025-02-17T09:30:00+01:00">17 February 2025</time></p>'
    got = _extract(_page().replace("</h1>", f"</h1>{stamp}"))
    assert got.published_at == datetime(2025, 2, 17, 8, 30, tzinfo=UTC)


def test_a_two_digit_year_by_the_headline_when_nothing_else_dates_the_page() -> None:
    kicker = '<p class="kicker">Hafen 02.12.19</p>'
    assert _extract(_page(lang="de").replace("<h1>", f"{kicker}<h1>")).published_at == datetime(2019, 12, 2, tzinfo=UTC)
    # Not read further away: a version number in the story looks the same.
    story = "<p>Release 1.2.19 of the harbour app adds the tide tables.</p>"
    assert _extract(_page(lang="de").replace("</article>", f"{story}</article>")).published_at is None


def test_a_date_in_a_scripts_data_when_nothing_else_dates_the_page() -> None:
    state = '<script>window.__STATE__ = {"story": {"id": 7, "publishedAt": "2025-02-17T09:30:00Z"}}</script>'
    got = _extract(_page().replace("</main>", f"</main>{state}"))
    assert (got.published_at, got.date_source) == (datetime(2025, 2, 17, 9, 30, tzinfo=UTC), "text")
    # Only then: a declared date wins.
    head = '<meta property="article:published_time" content="2025-03-01T08:00:00Z">'
    assert _extract(_page(head).replace("</main>", f"</main>{state}")).published_at == datetime(
        2025, 3, 1, 8, 0, tzinfo=UTC
    )


def test_a_future_date_in_a_scripts_data_lets_the_next_search_date_the_page() -> None:
    state = '<script>var page = {"publishedAt": "2099-01-01T00:00:00Z"};</script>'
    box = '<aside class="info"><dl>\n<dt>Date</dt>\n<dd>February 17, 2025</dd>\n</dl></aside>'
    got = _extract(_after_headline(box).replace("</main>", f"</main>{state}"))
    assert got.published_at == datetime(2025, 2, 17, tzinfo=UTC)


def test_month_first_only_where_the_locale_writes_it() -> None:
    head = '<meta name="date" content="02/03/2025">'
    assert _extract(_page(head, lang="en-US")).published_at == datetime(2025, 2, 3, tzinfo=UTC)
    assert _extract(_page(head, lang="en-GB")).published_at == datetime(2025, 3, 2, tzinfo=UTC)


# --- Scripts without spaces, broken pages


def test_japanese_page_is_extracted() -> None:
    paragraphs = [
        "港湾局は火曜日、秋の嵐の季節の前に北の防波堤を再建すると発表した。漁船団にとって数か月の不安が終わる。",
        "技術者によると、冬の波が約二百メートルにわたってコンクリートブロックを削っていたという。",
    ]
    html = _page(lang="ja").replace(BODY, "\n".join(f"<p>{p}</p>" for p in paragraphs))
    text = _extract(html).text
    assert all(p in text for p in paragraphs)


def test_unclosed_nav_that_swallows_the_page_falls_back() -> None:
    # The parser nests the whole article inside the unclosed <nav>: the prestrip would take it
    # all, so the untouched page is extracted again.
    html = _page().replace("<header><nav>", "<nav>").replace("</ul></nav></header>", "</ul>")
    assert "<nav>" in html and "</nav>" not in html
    assert PARAS[0] in _extract(html).text
    # Without the fallback, the article is lost with the menu.
    no_fallback = ExtractOptions(fallback_below_words=0)
    assert PARAS[0] not in extract_html(RawDocument(ref=REF, html=html), now=NOW, options=no_fallback).text


def test_an_article_swallowed_by_an_unclosed_sidebar_widget_is_rescued() -> None:
    # Widgets left open inside <aside> make the parser ignore </aside>: the article that follows
    # ends up inside the sidebar, which every extractor discards. The fallback moves it out.
    sidebar = '<aside class="sidebar"><div id="nav_menu-2"><ul><li><a href="/a">Sport</a></li></ul></aside>'
    html = _page().replace("<main>", sidebar + "<main>")
    assert PARAS[0] not in extract_module._body(extract_module.parse_html(html), None, ExtractOptions(), fast=False), (
        "the page no longer swallows its article: the test checks nothing"
    )
    text = _extract(html).text
    assert all(p in text for p in PARAS)


def test_a_teaser_article_in_a_real_sidebar_stays_out() -> None:
    teaser = '<aside class="sidebar"><article><p>Read also: ferry timetable changes.</p></article></aside>'
    html = _page().replace("<main>", teaser + "<main>")
    assert "ferry timetable" not in _extract(html).text


def test_a_short_body_is_returned_the_length_check_is_the_pipelines() -> None:
    html = _page().replace(BODY, "<p>Council approves the breakwater budget.</p>")
    assert _extract(html).text.endswith("Council approves the breakwater budget.")


KO_BODY = (
    "항만청은 화요일 가을 태풍 시즌 전에 북쪽 방파제를 다시 짓겠다고 밝혔다. 어민들은 몇 달 동안 불안에 시달렸다.\n"
    "기술진에 따르면 겨울 파도가 약 200미터에 걸쳐 콘크리트 블록을 깎아냈다. "
    "시의회는 긴급 예산을 만장일치로 통과시켰다."
)


@pytest.mark.parametrize(
    "script",
    [
        '<script type="application/json" id="__NEXT_DATA__">'
        + json.dumps({"props": {"page": {"article": {"articleBody": KO_BODY}}}}, ensure_ascii=False)
        + "</script>",
        '<script type="application/ld+json">'
        + json.dumps({"@type": "NewsArticle", "articleBody": KO_BODY.replace("\n", "<br>")}, ensure_ascii=False)
        + "</script>",
    ],
)
def test_article_rendered_from_a_script_is_read_from_its_json(script: str) -> None:
    html = f"""<!DOCTYPE html><html lang="ko"><head><title>방파제 재건 | 항구일보</title>{script}</head>
<body><div id="__next"><nav><a href="/">홈</a></nav><div class="loading">로딩 중</div></div></body></html>"""
    text = _extract(html).text
    assert all(paragraph in text for paragraph in KO_BODY.splitlines())
    assert "로딩 중" not in text


def test_person_typed_also_as_organisation_is_a_person() -> None:
    # A personal site's JSON-LD types its owner Person and Organization at once.
    payload = (
        '{"@graph": [{"@type": ["Person", "Organization"], "@id": "#me", "name": "Mara Quill"},'
        ' {"@type": "WebSite", "name": "Mara Quill", "publisher": {"@id": "#me"}},'
        ' {"@type": "BlogPosting", "author": {"@id": "#me"}}]}'
    )
    assert _extract(_page(_jsonld(payload))).authors == ("Mara Quill",)


@pytest.mark.parametrize(("name", "persons"), [("Harbourwatch", ()), ("quill313", ("quill313",))])
def test_a_cms_user_named_after_the_site_is_the_site(name: str, persons: tuple[str, ...]) -> None:
    # A CMS types the account that posts as Person, named after the site: one word that is no
    # first name is the site's own account; a handle with digits is someone's.
    payload = (
        f'{{"@graph": [{{"@type": "WebSite", "name": "{name}"}},'
        f' {{"@type": "Person", "@id": "#u", "name": "{name}"}}, {{"@type": "Article", "author": {{"@id": "#u"}}}}]}}'
    )
    assert _extract(_page(_jsonld(payload))).authors == persons


def test_a_webpage_author_when_no_article_node_names_one() -> None:
    payload = '{"@graph": [{"@type": "WebPage", "author": {"@type": "Person", "name": "Mara Quill"}}]}'
    assert _extract(_page(_jsonld(payload))).authors == ("Mara Quill",)


def test_a_site_named_after_its_author_gives_the_author() -> None:
    html = _page(title="Breakwater vote | Mara Quill").replace(
        "<head>", '<head><link rel="canonical" href="https://www.maraquill.example/breakwater/">'
    )
    assert _extract(html).authors == ("Mara Quill",)
    # A site whose host is not the name is no person's.
    assert _extract(_page(title="Breakwater vote | Mara Quill")).authors == ()


def test_authorbox_class_is_a_byline() -> None:
    byline = '<div class="authorbox"><strong>von</strong> <span>Mara Quill</span></div>'
    assert _extract(_page().replace("<h1>", byline + "<h1>")).authors == ("Mara Quill",)


@pytest.mark.parametrize("marker", ["authorTitle", "authorMeta", "bylineBlock", "author-wrap", "autorenzeile small"])
def test_run_together_byline_classes_are_bylines(marker: str) -> None:
    byline = f'<div class="{marker}"><a href="/team/mq">Mara Quill</a></div>'
    assert _extract(_page().replace("<h1>", byline + "<h1>")).authors == ("Mara Quill",)


def test_a_list_marked_as_the_byline_is_one() -> None:
    byline = '<ul class="author"><li>Mara Quill</li></ul>'
    assert _extract(_page().replace("<h1>", byline + "<h1>")).authors == ("Mara Quill",)


def test_a_byline_inside_a_content_and_sidebar_wrapper_is_read() -> None:
    # WordPress's Genesis themes wrap the article and the sidebar in one "content-sidebar-wrap".
    byline = '<div class="entry-author-text">von Mara Quill</div>'
    page = _page().replace("<main>", '<div class="content-sidebar-wrap"><main>').replace("</main>", "</main></div>")
    assert _extract(page.replace("<h1>", byline + "<h1>")).authors == ("Mara Quill",)
    # A byline in the sidebar itself is still another story's.
    sidebar = f'<div class="sidebar-wrap">{byline}</div>'
    assert _extract(_page().replace("<main>", sidebar + "<main>")).authors == ()


def test_a_class_that_only_starts_like_author_is_no_byline() -> None:
    byline = '<div class="authorizeButton">Mara Quill</div>'
    assert _extract(_page().replace("<h1>", byline + "<h1>")).authors == ()


MENU = "\n".join(["Front page", "Weather", "Sport results", "Harbour news", "Opinion", "Letters", "Archive", "Contact"])


@pytest.mark.parametrize(
    ("text", "navigation"),
    [
        (MENU, True),
        ("\n".join(PARAS), False),
        ("\n".join([*PARAS, *MENU.split("\n")[:6]]), False),  # an article with its section links
        ("\n".join(MENU.split("\n")[:5]), False),  # too few lines to tell
        (
            "\n".join(["港湾局は火曜日、秋の嵐の季節の前に北の防波堤を再建すると発表した。漁船団の不安が終わる。"] * 8),
            False,
        ),
    ],
)
def test_looks_like_navigation(text: str, navigation: bool) -> None:
    assert looks_like_navigation(text) is navigation


def test_a_menu_taken_for_the_article_gets_the_full_cascade(monkeypatch: pytest.MonkeyPatch) -> None:
    # trafilatura's fast path takes a block of section links for the article on some real pages
    # (where its full cascade finds the story): stand in for the two passes.
    def body(tree: object, url: str | None, opts: ExtractOptions, *, fast: bool) -> str:
        return MENU if fast else "\n".join(PARAS)

    monkeypatch.setattr(extract_module, "_body", body)
    assert _extract(_page()).text == "\n".join(PARAS)
    # A full cascade that finds no more prose leaves the first pass as it was.
    monkeypatch.setattr(extract_module, "_body", lambda tree, url, opts, *, fast: MENU if fast else "Sport")
    assert _extract(_page()).text == MENU
