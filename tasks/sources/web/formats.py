"""Parse web *source* documents — feeds, sitemaps, URL lists, WARC files — into links or pages.

These are the documents that point at articles, not the articles themselves. Everything here is
a pure function over bytes already fetched: no network, and the XML parser is hardened so a
hostile document cannot make it fetch, expand entities or build a huge tree.
"""

import hashlib
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from tasks.core.errors import MalformedSource, TooLarge
from tasks.core.vocabulary import SourceKind

#: Decompressed-size ceiling for gzip input; the sitemap protocol's own limit is 50 MB too.
MAX_DECOMPRESSED_BYTES = 50 * 1024 * 1024
#: How much (decompressed) content :func:`detect_kind` looks at.
SNIFF_BYTES = 64 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"
_RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_JSONFEED_VERSION = re.compile(r'"version"\s*:\s*"https?://jsonfeed\.org/version/')
_DEFAULT_XMLNS = re.compile(r"\bxmlns\s*=")
_ROOT_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)([^>]*)>?")
_HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_MEDIA_TYPE_KINDS: dict[str, SourceKind] = {
    "application/rss+xml": "rss",
    "application/rdf+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "jsonfeed",
    "application/warc": "warc",
    "text/uri-list": "urllist",
    "text/html": "html",
    "application/xhtml+xml": "html",
}
_SUFFIX_KINDS: dict[str, SourceKind] = {
    ".rss": "rss",
    ".rdf": "rss",
    ".atom": "atom",
    ".warc": "warc",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
}


@dataclass(frozen=True, slots=True)
class Link:
    """One page a source document points at."""

    #: Absolute URL, resolved against the document's base URL.
    url: str
    title: str | None = None
    #: The date exactly as the document writes it (pubDate, updated, lastmod, ...), unparsed.
    published_at: str | None = None


@dataclass(frozen=True, slots=True)
class WarcPage:
    """One archived HTML page taken out of a WARC file."""

    url: str
    body: bytes
    #: The HTTP Content-Type header as archived, charset included.
    content_type: str | None
    #: WARC-Date of the capture, as written.
    fetched_at: str | None
    #: sha256 hex of ``body``.
    digest: str


# --- detection ------------------------------------------------------------------------------


def detect_kind(body: bytes, *, content_type: str | None = None, url: str | None = None) -> SourceKind:
    """Tell what kind of source document ``body`` is, from its content first.

    Gzip input is sniffed after decompressing a bounded prefix. ``content_type`` and then the
    suffix of ``url`` are consulted only when the content itself is not conclusive (empty,
    undecodable, an XML root we do not know, text that is not a URL list); ``"unknown"`` when
    nothing settles it.
    """
    return _sniff(body) or _kind_from_content_type(content_type) or _kind_from_url(url) or "unknown"


def _sniff(body: bytes) -> SourceKind | None:
    head = body[:SNIFF_BYTES]
    truncated = len(body) > SNIFF_BYTES
    if head.startswith(_GZIP_MAGIC):
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            head = decompressor.decompress(body, SNIFF_BYTES)
        except zlib.error:
            return None
        truncated = bool(decompressor.unconsumed_tail or decompressor.unused_data) or not decompressor.eof
    if head.startswith(b"WARC/1."):
        return "warc"
    text = _decode_head(head).lstrip()
    if text.startswith("{"):
        return _sniff_json(text, truncated)
    if text.startswith("<"):
        return _sniff_markup(text)
    return _sniff_url_list(text, truncated)


def _decode_head(head: bytes) -> str:
    # Only structure is sniffed, so undecodable bytes may become U+FFFD; UTF-16 needs its BOM.
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    return head.removeprefix(_UTF8_BOM).decode("utf-8", errors="replace")


def _sniff_json(text: str, truncated: bool) -> SourceKind | None:
    if not truncated:
        try:
            obj = json.loads(text)
        except ValueError:
            return None
        version = obj.get("version") if isinstance(obj, dict) else None
        if isinstance(version, str) and _is_jsonfeed_version(version):
            return "jsonfeed"
        return None
    # A prefix of a large document cannot be parsed; the version key is near the top in practice.
    return "jsonfeed" if _JSONFEED_VERSION.search(text) else None


def _is_jsonfeed_version(version: str) -> bool:
    # Early feeds wrote http://; the spec says https://. Both mean a JSON Feed.
    return version.startswith(("https://jsonfeed.org/version/", "http://jsonfeed.org/version/"))


def _sniff_markup(text: str) -> SourceKind | None:
    rest = _skip_prolog(text)
    if rest is None:
        return None
    if rest[:14].lower() == "<!doctype html":
        return "html"
    match = _ROOT_TAG.match(rest)
    if match is None:
        return None
    name, attributes = match.group(1), match.group(2)
    local = name.rpartition(":")[2]
    if local.lower() in ("html", "head", "body"):
        return "html"
    if local in ("rss", "RDF"):
        return "rss"
    if local == "urlset":
        return "sitemap"
    if local == "sitemapindex":
        return "sitemapindex"
    if local == "feed" and _is_atom_root(attributes):
        return "atom"
    return None


def _is_atom_root(attributes: str) -> bool:
    # Atom 1.0 or 0.3 by namespace; a <feed> with no default namespace is Atom that forgot it.
    if "www.w3.org/2005/Atom" in attributes or "purl.org/atom/ns" in attributes:
        return True
    return _DEFAULT_XMLNS.search(attributes) is None


def _skip_prolog(text: str) -> str | None:
    """``text`` after any XML declaration, processing instructions, comments and non-HTML
    doctype; None when one of them runs past the sniffed prefix."""
    while True:
        text = text.lstrip()
        if text.startswith("<?"):
            end = text.find("?>")
            if end < 0:
                return None
            text = text[end + 2 :]
        elif text.startswith("<!--"):
            end = text.find("-->", 4)
            if end < 0:
                return None
            text = text[end + 3 :]
        elif text[:9].lower() == "<!doctype" and text[:14].lower() != "<!doctype html":
            # An internal subset ([...]) may itself contain '>' characters.
            bracket, close = text.find("["), text.find(">")
            if 0 <= bracket < close:
                close = text.find("]", bracket)
                close = text.find(">", close) if close >= 0 else -1
            if close < 0:
                return None
            text = text[close + 1 :]
        else:
            return text


def _sniff_url_list(text: str, truncated: bool) -> SourceKind | None:
    lines = text.splitlines()
    if truncated and len(lines) > 1:
        lines.pop()  # cut mid-line: "htt" must not spoil an otherwise clean list
    entries = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if entries and all(_is_http_url(entry) for entry in entries):
        return "urllist"
    return None


def _kind_from_content_type(content_type: str | None) -> SourceKind | None:
    if not content_type:
        return None
    return _MEDIA_TYPE_KINDS.get(_media_type(content_type))


def _kind_from_url(url: str | None) -> SourceKind | None:
    if not url:
        return None
    name = urlsplit(url).path.rsplit("/", 1)[-1].lower().removesuffix(".gz")
    suffix = name[name.rfind(".") :] if "." in name else ""
    if suffix in _SUFFIX_KINDS:
        return _SUFFIX_KINDS[suffix]
    if suffix == ".xml" and "sitemap" in name:
        return "sitemapindex" if "index" in name else "sitemap"
    if name == "feed.json":
        return "jsonfeed"
    return None


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


# --- feeds ----------------------------------------------------------------------------------


def parse_feed(body: bytes, base_url: str, *, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> list[Link]:
    """Links of an RSS 0.9x/1.0 (RDF)/2.0, Atom 1.0 or JSON Feed 1.0/1.1 document, in document
    order, first occurrence of each URL kept. Gzip input is decompressed up to ``max_bytes``.

    Raises :class:`MalformedSource` when the body is no feed at all, :class:`TooLarge` when it
    decompresses past ``max_bytes``.
    """
    data = _strip_bom_and_space(_gunzip(body, max_bytes))
    if data.startswith(b"{"):
        return _dedupe(_json_feed_links(data, base_url))
    root = _parse_xml(data, base_url)
    local = _local(root)
    if local in ("rss", "RDF"):
        return _dedupe(_rss_links(root, base_url))
    if local == "feed":
        return _dedupe(_atom_links(root, base_url))
    raise MalformedSource(f"not a feed: root element <{local}>")


def _rss_links(root: Any, base_url: str) -> Iterator[Link]:
    # RSS 0.9x/2.0 nest items in <channel>; RSS 0.90/1.0 (RDF) make them siblings of it.
    channels = [child for child in _children(root) if _local(child) == "channel"]
    for parent in [root, *channels]:
        for item in _children(parent):
            if _local(item) != "item":
                continue
            url = _rss_item_url(item, base_url)
            if url is not None:
                title = _child(item, "title")
                date = _child(item, "pubDate")
                if date is None:
                    date = _child(item, "date")  # dc:date, the RSS 1.0 way
                yield Link(url=url, title=_text(title), published_at=_text(date))


def _rss_item_url(item: Any, base_url: str) -> str | None:
    link = _text(_child(item, "link"))
    if link:
        return _resolve(item, base_url, link)
    guid = _child(item, "guid")
    value = _text(guid)
    if guid is not None and value:
        permalink = (guid.get("isPermaLink") or "").strip().lower()
        # RSS 2.0 defaults isPermaLink to true, but feeds omit it on ids that are no URLs, so an
        # implicit permalink counts only when it is already an absolute http(s) URL.
        if permalink == "true":
            return _resolve(item, base_url, value)
        if permalink == "" and _is_http_url(value):
            return value
    about = item.get(_RDF_ABOUT)
    return _resolve(item, base_url, about) if about else None


def _atom_links(root: Any, base_url: str) -> Iterator[Link]:
    for entry in _children(root):
        if _local(entry) != "entry":
            continue
        url = _atom_entry_url(entry, base_url)
        if url is None:
            continue
        published = _child(entry, "published")
        if published is None:
            published = _child(entry, "updated")
        yield Link(url=url, title=_atom_text(_child(entry, "title")), published_at=_text(published))


def _atom_entry_url(entry: Any, base_url: str) -> str | None:
    for link in _children(entry):
        # A link without rel is an alternate link (RFC 4287 §4.2.7.2).
        if _local(link) == "link" and (link.get("rel") or "alternate").strip() == "alternate":
            href = (link.get("href") or "").strip()
            if href:
                return _resolve(link, base_url, href)
    return None


def _atom_text(element: Any) -> str | None:
    if element is not None and element.get("type") == "html":
        # The markup arrives escaped: the element's text is HTML source, not words.
        source = _text(element)
        if source is None:
            return None
        return _collapse(str(lxml.html.fragment_fromstring(source, create_parent="div").text_content()))
    return _text(element)


def _json_feed_links(data: bytes, base_url: str) -> Iterator[Link]:
    try:
        feed = json.loads(data)
    except ValueError as exc:
        raise MalformedSource(f"invalid JSON: {exc}") from exc
    items = feed.get("items") if isinstance(feed, dict) else None
    if not isinstance(items, list):
        raise MalformedSource("JSON without an items array is no JSON Feed")
    for item in items:
        if not isinstance(item, dict):
            continue
        url = _json_str(item, "url") or _json_str(item, "external_url")
        resolved = _absolute(base_url, url) if url else None
        if resolved is not None:
            yield Link(
                url=resolved,
                title=_json_str(item, "title"),
                published_at=_json_str(item, "date_published") or _json_str(item, "date_modified"),
            )


def _json_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return _collapse(value) if isinstance(value, str) else None


# --- sitemaps -------------------------------------------------------------------------------


def parse_sitemap(
    body: bytes, base_url: str, *, max_bytes: int = MAX_DECOMPRESSED_BYTES
) -> tuple[list[Link], list[str]]:
    """``(page links, child sitemap URLs)`` of an XML sitemap or sitemap index, plain or gzipped.

    A ``<urlset>`` gives page links (date from ``lastmod``; for Google News sitemaps title and
    date from ``news:title`` and ``news:publication_date``); a ``<sitemapindex>`` gives children.
    Raises :class:`MalformedSource` for anything else, :class:`TooLarge` past ``max_bytes``.
    """
    root = _parse_xml(_strip_bom_and_space(_gunzip(body, max_bytes)), base_url)
    local = _local(root)
    if local == "urlset":
        return _dedupe(_sitemap_links(root, base_url)), []
    if local == "sitemapindex":
        children = (_resolve(s, base_url, _text(_child(s, "loc"))) for s in _children(root) if _local(s) == "sitemap")
        return [], list(dict.fromkeys(url for url in children if url is not None))
    raise MalformedSource(f"not a sitemap: root element <{local}>")


def _sitemap_links(root: Any, base_url: str) -> Iterator[Link]:
    for entry in _children(root):
        if _local(entry) != "url":
            continue
        url = _resolve(entry, base_url, _text(_child(entry, "loc")))
        if url is None:
            continue
        # Look only inside <news:news>: image:title and video:title are not the article's title.
        news = _child(entry, "news")
        title = _text(_child(news, "title")) if news is not None else None
        date = _text(_child(news, "publication_date")) if news is not None else None
        yield Link(url=url, title=title, published_at=date or _text(_child(entry, "lastmod")))


# --- URL lists ------------------------------------------------------------------------------


def parse_url_list(body: bytes, base_url: str | None = None, *, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> list[Link]:
    """Links of a plain-text list, one URL per line; blank lines and ``#`` comment lines are
    skipped, as is any line that is not an http(s) URL (after resolving against ``base_url``).

    Raises :class:`MalformedSource` when the body is not UTF-8 text, :class:`TooLarge` when
    gzip input decompresses past ``max_bytes``.
    """
    try:
        text = _gunzip(body, max_bytes).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedSource(f"URL list is not UTF-8 text: {exc}") from exc
    return _dedupe(_url_list_links(text.splitlines(), base_url))


def _url_list_links(lines: Iterable[str], base_url: str | None) -> Iterator[Link]:
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#") or any(ch.isspace() for ch in line):
            continue
        url = _absolute(base_url, line) if base_url else line
        if url is not None and _is_http_url(url):
            yield Link(url=url)


# --- WARC -----------------------------------------------------------------------------------


def iter_warc(stream: BinaryIO, *, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> Iterator[WarcPage]:
    """Archived HTML pages of a WARC file (gzip or plain), in file order.

    Only ``response`` records with HTTP status 200 and an HTML content type are yielded; the
    body is the payload with transfer and content encodings undone. A page whose payload
    exceeds ``max_bytes`` is skipped rather than failing the whole archive. Raises
    :class:`MalformedSource` when the stream is not a readable WARC.
    """
    try:
        for record in ArchiveIterator(stream):
            page = _warc_page(record, max_bytes)
            if page is not None:
                yield page
    except ArchiveLoadFailed as exc:
        raise MalformedSource(f"unreadable WARC: {exc}") from exc


def _warc_page(record: Any, max_bytes: int) -> WarcPage | None:
    http = record.http_headers
    if record.rec_type != "response" or http is None or http.get_statuscode() != "200":
        return None
    content_type = http.get_header("Content-Type")
    url = record.rec_headers.get_header("WARC-Target-URI")
    if not content_type or _media_type(content_type) not in _HTML_MEDIA_TYPES or not url:
        return None
    body = bytes(record.content_stream().read(max_bytes + 1))
    if len(body) > max_bytes:
        return None
    return WarcPage(
        url=str(url),
        body=body,
        content_type=str(content_type),
        fetched_at=record.rec_headers.get_header("WARC-Date"),
        digest=hashlib.sha256(body).hexdigest(),
    )


# --- shared helpers -------------------------------------------------------------------------


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    """``body`` decompressed when it is gzip (all members), else as is."""
    if not body.startswith(_GZIP_MAGIC):
        return body
    out = bytearray()
    data = body
    while data.startswith(_GZIP_MAGIC):
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            # Asking for one byte more than the room left is how a bomb is noticed early.
            out += decompressor.decompress(data, max_bytes - len(out) + 1)
        except zlib.error as exc:
            raise MalformedSource(f"corrupt gzip: {exc}") from exc
        if len(out) > max_bytes:
            raise TooLarge(f"decompresses to more than {max_bytes} bytes")
        if not decompressor.eof:
            raise MalformedSource("truncated gzip")
        data = decompressor.unused_data  # a further member, or trailing junk we ignore
    return bytes(out)


def _strip_bom_and_space(data: bytes) -> bytes:
    # libxml2 rejects an XML declaration that does not open the document.
    return data.removeprefix(_UTF8_BOM).lstrip()


def _parse_xml(data: bytes, base_url: str) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(data, parser, base_url=base_url)
    except etree.XMLSyntaxError as exc:
        raise MalformedSource(f"invalid XML: {exc}") from exc
    if root is None:
        raise MalformedSource("no XML element found")
    return root


def _children(element: Any) -> Iterator[Any]:
    # Comments and processing instructions are children too, but carry no str tag.
    return (child for child in element if isinstance(child.tag, str))


def _local(element: Any) -> str:
    return str(etree.QName(element).localname)


def _child(element: Any, local: str) -> Any:
    """First child named ``local`` in any namespace, preferring the parent's own namespace so
    that e.g. ``<media:title>`` does not shadow an item's ``<title>``."""
    own = etree.QName(element).namespace
    fallback = None
    for child in _children(element):
        qname = etree.QName(child)
        if qname.localname == local:
            if qname.namespace == own:
                return child
            if fallback is None:
                fallback = child
    return fallback


def _text(element: Any) -> str | None:
    if element is None:
        return None
    return _collapse("".join(element.itertext()))


def _collapse(text: str) -> str | None:
    return " ".join(text.split()) or None


def _resolve(element: Any, base_url: str, href: str | None) -> str | None:
    """``href`` made absolute against the element's xml:base (which lxml composes with the
    document URL), else ``base_url``; None unless that gives an http(s) URL."""
    if not href:
        return None
    # Without any xml:base, ``base_url`` is used as given rather than as libxml2 re-renders it.
    declared = any(node.get(_XML_BASE) is not None for node in (element, *element.iterancestors()))
    base = element.base if declared else None
    return _absolute(str(base) if base else base_url, href)


def _absolute(base_url: str | None, href: str) -> str | None:
    url = urljoin(base_url, href.strip()) if base_url else href.strip()
    return url if _is_http_url(url) else None


def _is_http_url(value: str) -> bool:
    if any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _dedupe(links: Iterable[Link]) -> list[Link]:
    seen: set[str] = set()
    kept: list[Link] = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            kept.append(link)
    return kept
