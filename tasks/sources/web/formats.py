"""Parse web *source* documents — feeds, sitemaps, URL lists, WARC files — into links or pages.

These are the documents that point at articles, not the articles themselves. Everything here is
a pure function over bytes already fetched: no network, and the XML parser is hardened so a
hostile document cannot make it fetch, expand entities or build a huge tree.
"""

import hashlib
import io
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html
from lxml import etree
from warcio.archiveiterator import ArchiveIterator

from tasks.core.errors import (
    BadUrl,
    DecodeError,
    InputError,
    InvalidRecord,
    MalformedSource,
    NewsflowError,
    TooLarge,
    TruncatedRecord,
)
from tasks.core.vocabulary import SourceKind

#: Decompressed-size ceiling for gzip input; the sitemap protocol's own limit is 50 MB too.
MAX_DECOMPRESSED_BYTES = 50 * 1024 * 1024
#: How much (decompressed) content :func:`detect_kind` looks at.
SNIFF_BYTES = 64 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_JSONFEED_VERSION = re.compile(r'"version"\s*:\s*"https?://jsonfeed\.org/version/')
_DEFAULT_XMLNS = re.compile(r"\bxmlns\s*=")
_ROOT_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)([^>]*)>?")
# A bare "&" (not starting an entity or character reference) is an XML error that libxml2's
# recovery "fixes" by dropping text: "?x=1&y=2" became "?x=1=2".
_BARE_AMPERSAND = re.compile(rb"&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z_][\w.-]*;)")
# RDF-based feeds (RSS 0.90 and 1.0) name an item by rdf:about, which is its URL.
_RDF_VERSIONS = frozenset({"rss090", "rss10"})
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


@dataclass(frozen=True, slots=True)
class WarcSkip:
    """A WARC record that held an HTML page newsflow could not take whole, and why."""

    #: WARC-Target-URI; None for the tail of an archive that ends inside a record's headers.
    url: str | None
    #: WARC-Record-ID, when the record has one.
    record_id: str | None
    #: :class:`TooLarge`, :class:`TruncatedRecord` or :class:`InvalidRecord`.
    error: InputError


@dataclass(frozen=True, slots=True)
class Rejected:
    """An entry of a source document that names nothing newsflow can fetch, and why."""

    #: The link as written (resolved when it could be; undecodable bytes replaced).
    url: str
    error: NewsflowError


@dataclass(frozen=True, slots=True)
class Listing:
    """What a feed, sitemap or URL list lists."""

    #: Page links in document order, the first of each URL kept.
    links: tuple[Link, ...] = ()
    #: Child sitemaps of a sitemap index.
    children: tuple[str, ...] = ()
    #: Entries that could not be used (a ``mailto:`` link, an undecodable line...).
    rejected: tuple[Rejected, ...] = ()


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


def parse_feed(body: bytes, base_url: str, *, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> Listing:
    """Links of an RSS 0.9x/1.0 (RDF)/2.0, Atom 0.3/1.0 or JSON Feed 1.0/1.1 document, in document
    order, first occurrence of each URL kept. Gzip input is decompressed up to ``max_bytes``.

    XML feeds are read by feedparser, which recovers what libxml2 gives up on (a broken DTD, a
    bare ``&`` in a URL, undefined entities); the document type declaration is removed first, so
    no entity it declares is expanded and nothing it names is read. An entry that links to
    something other than an http(s) page is in ``rejected``; an entry with no link at all (an
    Atom entry with only an edit link, an RSS guid that is no URL) lists nothing.

    Raises :class:`MalformedSource` when the body is no feed at all, :class:`TooLarge` when it
    decompresses past ``max_bytes``.
    """
    data = _strip_bom_and_space(_gunzip(body, max_bytes))
    if data.startswith(b"{"):
        return _listing(_json_feed_links(data, base_url))
    kind = _sniff(data)
    if kind not in ("rss", "atom"):
        raise MalformedSource(f"not a feed: {_root_description(data)}")
    try:
        # A stream, never bytes: feedparser.parse takes a str or bytes that names a file or URL
        # as something to open. No base URL either: it would resolve an RSS guid that is no URL
        # ("12345") into one; links are resolved below, xml:base having been applied by it.
        parsed = feedparser.parse(io.BytesIO(_without_doctype(data)), resolve_relative_uris=False, sanitize_html=False)
    except Exception as exc:  # feedparser means never to raise; its loose SGML fallback has
        raise MalformedSource(f"unreadable feed: {type(exc).__name__}: {exc}") from exc
    if not parsed.get("version") and not parsed.get("entries"):
        raise MalformedSource(f"not a feed: {parsed.get('bozo_exception') or 'no RSS or Atom elements'}")
    rdf = parsed.get("version") in _RDF_VERSIONS
    return _listing(_feed_entry(entry, base_url, rdf=rdf) for entry in parsed.get("entries", []))


def _feed_entry(entry: Any, base_url: str, *, rdf: bool) -> Link | Rejected | None:
    link = (entry.get("link") or (entry.get("id") if rdf else None) or "").strip()
    if not link:
        return None
    if entry.get("guidislink"):
        # The link came from a <guid>: RSS 2.0 makes it a permalink unless told otherwise, but
        # feeds put plain ids there, so it counts only when it is an absolute http(s) URL.
        return Link(link, _entry_title(entry), _entry_date(entry)) if _is_http_url(link) else None
    url = _absolute(base_url, link)
    if url is None:
        return Rejected(link, BadUrl(f"feed entry links to {link!r}, not an http(s) page"))
    return Link(url, _entry_title(entry), _entry_date(entry))


def _entry_title(entry: Any) -> str | None:
    title = entry.get("title")
    if not isinstance(title, str):
        return None
    detail = entry.get("title_detail") or {}
    if detail.get("type") in ("text/html", "application/xhtml+xml") and "<" in title:
        # The markup arrives as source (Atom type="html"): its text is the title, not its tags.
        try:
            return _collapse(str(lxml.html.fragment_fromstring(title, create_parent="div").text_content()))
        except (ValueError, etree.LxmlError):  # NUL and control characters lxml refuses
            pass
    return _collapse(title)


def _entry_date(entry: Any) -> str | None:
    # RSS pubDate and Atom published are "published"; dc:date and Atom updated are "updated".
    for key in ("published", "updated"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return _collapse(value)
    return None


def _root_description(data: bytes) -> str:
    text = _skip_prolog(_decode_head(data[:SNIFF_BYTES]).lstrip())
    match = _ROOT_TAG.match(text) if text else None
    return f"root element <{match.group(1).rpartition(':')[2]}>" if match else "no XML root element"


def _without_doctype(data: bytes) -> bytes:
    """``data`` without its document type declaration (internal subset included).

    feedparser strips DOCTYPEs only when they begin a line, so a one-line entity bomb reached
    expat, which expanded it to ~1 MB (57 MB, 5 s) before its amplification limit stopped it.
    Located in the bytes themselves (ASCII-compatible encodings; for UTF-16 feedparser's own
    stripping and expat's limit remain).
    """
    text = data[:SNIFF_BYTES].decode("latin-1")
    pos = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if text.startswith("<?", pos):
            end = text.find("?>", pos)
            if end < 0:
                return data
            pos = end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                return data
            pos = end + 3
        elif text[pos : pos + 9].upper() == "<!DOCTYPE":
            end = _doctype_end(data, pos)
            return data if end < 0 else data[:pos] + data[end:]
        else:
            return data


def _doctype_end(data: bytes, start: int) -> int:
    """Index just past the DOCTYPE that starts at ``start``; quotes and the internal subset
    (which may hold ``>`` and ``]`` inside quoted values and comments) are skipped."""
    quote: int | None = None
    subset = False
    i = start + 9
    while i < len(data):
        byte = data[i]
        if quote is not None:
            if byte == quote:
                quote = None
        elif byte in b"\"'":
            quote = byte
        elif subset and data.startswith(b"<!--", i):
            end = data.find(b"-->", i + 4)
            if end < 0:
                return -1
            i = end + 2
        elif byte == ord("["):
            subset = True
        elif byte == ord("]") and subset:
            subset = False
        elif byte == ord(">") and not subset:
            return i + 1
        i += 1
    return -1


def _json_feed_links(data: bytes, base_url: str) -> Iterator[Link | Rejected]:
    try:
        feed = json.loads(data)
    except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[..." nested past the limit
        raise MalformedSource(f"invalid JSON: {type(exc).__name__}: {exc}") from exc
    items = feed.get("items") if isinstance(feed, dict) else None
    if not isinstance(items, list):
        raise MalformedSource("JSON without an items array is no JSON Feed")
    for item in items:
        if not isinstance(item, dict):
            continue
        url = _json_str(item, "url") or _json_str(item, "external_url")
        if not url:
            continue
        resolved = _absolute(base_url, url)
        if resolved is None:
            yield Rejected(url, BadUrl(f"feed item links to {url!r}, not an http(s) page"))
            continue
        yield Link(
            url=resolved,
            title=_json_str(item, "title"),
            published_at=_json_str(item, "date_published") or _json_str(item, "date_modified"),
        )


def _json_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return _collapse(value) if isinstance(value, str) else None


# --- sitemaps -------------------------------------------------------------------------------


def parse_sitemap(body: bytes, base_url: str, *, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> Listing:
    """Page links (``<urlset>``) or child sitemaps (``<sitemapindex>``) of an XML sitemap, plain
    or gzipped.

    Page links take their date from ``lastmod``; for Google News sitemaps title and date from
    ``news:title`` and ``news:publication_date``. A ``<loc>`` that is not an http(s) URL is in
    ``rejected``, and so is the sitemap itself (as ``malformed_source``) when libxml2 had to
    recover from errors, since entries past an error may be missing. Raises
    :class:`MalformedSource` for anything else, :class:`TooLarge` past ``max_bytes``.
    """
    data = _strip_bom_and_space(_gunzip(body, max_bytes))
    root, problem = _parse_xml(_BARE_AMPERSAND.sub(b"&amp;", _without_doctype(data)), base_url)
    local = _local(root)
    problems = () if problem is None else (Rejected(base_url, problem),)
    if local == "urlset":
        return _listing(_sitemap_links(root, base_url), extra=problems)
    if local == "sitemapindex":
        children: list[str] = []
        rejected: list[Rejected] = list(problems)
        for entry in _children(root):
            if _local(entry) != "sitemap":
                continue
            loc = _text(_child(entry, "loc"))
            url = _resolve(entry, base_url, loc)
            if url is not None:
                children.append(url)
            elif loc:
                rejected.append(Rejected(loc, BadUrl(f"sitemap index lists {loc!r}, not an http(s) sitemap")))
        return Listing(children=tuple(dict.fromkeys(children)), rejected=tuple(rejected))
    raise MalformedSource(f"not a sitemap: root element <{local}>")


def _sitemap_links(root: Any, base_url: str) -> Iterator[Link | Rejected]:
    for entry in _children(root):
        if _local(entry) != "url":
            continue
        loc = _text(_child(entry, "loc"))
        url = _resolve(entry, base_url, loc)
        if url is None:
            if loc:
                yield Rejected(loc, BadUrl(f"sitemap lists {loc!r}, not an http(s) page"))
            continue
        # Look only inside <news:news>: image:title and video:title are not the article's title.
        news = _child(entry, "news")
        title = _text(_child(news, "title")) if news is not None else None
        date = _text(_child(news, "publication_date")) if news is not None else None
        yield Link(url=url, title=title, published_at=date or _text(_child(entry, "lastmod")))


# --- URL lists ------------------------------------------------------------------------------


def parse_url_list(body: bytes, base_url: str | None = None, *, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> Listing:
    """Links of a plain-text list, one URL per line; blank lines and ``#`` comment lines are
    skipped, as is any line that is not an http(s) URL (after resolving against ``base_url``).

    Decoded as UTF-8 line by line: a line that is not UTF-8 is in ``rejected`` (as
    ``decode_error``, its bytes replaced) and the other lines still count. Raises
    :class:`TooLarge` when the body (gzip: once decompressed) is over ``max_bytes``.
    """
    data = _gunzip(body, max_bytes)
    if len(data) > max_bytes:
        raise TooLarge(f"URL list of {len(data)} bytes > limit {max_bytes}")
    lines: list[str] = []
    rejected: list[Rejected] = []
    for number, raw in enumerate(data.removeprefix(_UTF8_BOM).splitlines(), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            shown = raw.decode("utf-8", "replace").strip()
            rejected.append(Rejected(shown, DecodeError(f"line {number} of the URL list is not UTF-8: {exc}")))
    return _listing(_url_list_links(lines, base_url), extra=tuple(rejected))


def _url_list_links(lines: Iterable[str], base_url: str | None) -> Iterator[Link]:
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#") or any(ch.isspace() for ch in line):
            continue
        url = _absolute(base_url, line) if base_url else line
        if url is not None and _is_http_url(url):
            yield Link(url=url)


# --- WARC -----------------------------------------------------------------------------------


def iter_warc(stream: BinaryIO, *, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> Iterator[WarcPage | WarcSkip]:
    """Archived HTML pages of a WARC file (gzip or plain), in file order.

    Only ``response`` records with HTTP status 200 and an HTML content type count; the body is
    the payload with transfer and content encodings undone. Such a record that cannot be taken
    whole comes as a :class:`WarcSkip`: its payload is over ``max_bytes`` (:class:`TooLarge`),
    ends before the record's Content-Length (:class:`TruncatedRecord`: ingesting it would keep
    part of an article as all of it), or does not decode (:class:`InvalidRecord`). Raises
    :class:`MalformedSource` when the stream is not a readable WARC (at the point it stops being
    one: the records before it have been yielded). An archive cut inside a record's headers
    ends with a :class:`WarcSkip` (no URL, :class:`TruncatedRecord`), since warcio stops there
    without a word.
    """
    records = None
    try:
        records = ArchiveIterator(stream)
        for record in records:
            if record.format != "warc":
                # warcio reads any line of five words as an ARC header: prose passes for an archive.
                raise MalformedSource(f"not a WARC record at byte {records.offset} (format {record.format})")
            entry = _warc_entry(record, max_bytes)
            if entry is not None:
                yield entry
        # ``offset`` is where the last whole record (gzip member) ended.
        end, size = records.offset, _stream_size(stream)
        if size is not None and size > end:
            detail = f"the archive ends inside a record: the {size - end} bytes after byte {end} form no whole record"
            yield WarcSkip(None, None, TruncatedRecord(detail))
    except MalformedSource:
        raise
    except Exception as exc:
        # warcio meets garbage with a zoo of exceptions (ArchiveLoadFailed, zlib.error, EOFError,
        # ValueError, OSError, StatusAndHeadersParserException...): all mean "not a WARC here".
        where = f" from byte {records.offset}" if records is not None else ""
        raise MalformedSource(f"unreadable WARC{where}: {type(exc).__name__}: {exc}") from exc


def _stream_size(stream: BinaryIO) -> int | None:
    if not stream.seekable():
        return None
    position = stream.tell()
    size = stream.seek(0, io.SEEK_END)
    stream.seek(position)
    return size


def _warc_entry(record: Any, max_bytes: int) -> WarcPage | WarcSkip | None:
    if record.rec_type != "response":
        return None
    http = record.http_headers
    url = record.rec_headers.get_header("WARC-Target-URI")
    record_id = record.rec_headers.get_header("WARC-Record-ID")
    content_type = http.get_header("Content-Type") if http is not None else None
    if (
        http is None
        or http.get_statuscode() != "200"
        or not content_type
        or _media_type(content_type) not in _HTML_MEDIA_TYPES
        or not url
    ):
        # Not a page we take, unless the file ended inside it and cut its HTTP headers
        # ("Content-Type: text/ht"). warcio reads the rest of a record anyway before the next.
        while record.raw_stream.read(1 << 16):
            pass
        if url and getattr(record.raw_stream, "limit", 0):
            return WarcSkip(str(url), record_id, TruncatedRecord("the file ends inside this record"))
        return None
    try:
        body = bytes(record.content_stream().read(max_bytes + 1))
    except Exception as exc:  # a Content-Encoding or chunking inside the payload that lies
        return WarcSkip(str(url), record_id, InvalidRecord(f"payload does not decode: {type(exc).__name__}: {exc}"))
    if len(body) > max_bytes:
        return WarcSkip(str(url), record_id, TooLarge(f"payload over {max_bytes} bytes"))
    # warcio reads a record through a reader limited to its Content-Length; bytes still owed
    # at the end of the payload mean the file ended inside the record.
    missing = getattr(record.raw_stream, "limit", 0)
    if missing:
        return WarcSkip(str(url), record_id, TruncatedRecord(f"record ends {missing} bytes before its Content-Length"))
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


def _parse_xml(data: bytes, base_url: str) -> tuple[Any, MalformedSource | None]:
    """The root element, and the first error libxml2 recovered from (entries after it may be lost)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(data, parser, base_url=base_url)
    except etree.XMLSyntaxError as exc:
        raise MalformedSource(f"invalid XML: {exc}") from exc
    if root is None:
        raise MalformedSource("no XML element found")
    errors = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
    if not errors:
        return root, None
    first = errors[0]
    return root, MalformedSource(
        f"XML error at line {first.line}: {first.message.strip()} ({len(errors)} error(s));"
        " entries after it may be missing"
    )


def _children(element: Any) -> Iterator[Any]:
    # Comments and processing instructions are children too, but carry no str tag.
    return (child for child in element if isinstance(child.tag, str))


def _local(element: Any) -> str:
    return _split_tag(element)[1]


def _split_tag(element: Any) -> tuple[str | None, str]:
    """``(namespace, local name)`` of an element. Read from the tag string: libxml2's recovery
    can leave tags such as ``rdf:RDF`` without a namespace, which ``etree.QName`` refuses."""
    tag = str(element.tag)
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return None, tag.rpartition(":")[2]


def _child(element: Any, local: str) -> Any:
    """First child named ``local`` in any namespace, preferring the parent's own namespace so
    that e.g. ``<media:title>`` does not shadow an item's ``<title>``."""
    own = _split_tag(element)[0]
    fallback = None
    for child in _children(element):
        namespace, name = _split_tag(child)
        if name == local:
            if namespace == own:
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
    try:
        url = urljoin(base_url, href.strip()) if base_url else href.strip()
    except ValueError:  # e.g. "http://[::1" (an unclosed IPv6 bracket)
        return None
    return url if _is_http_url(url) else None


def _is_http_url(value: str) -> bool:
    if any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _listing(entries: Iterable[Link | Rejected | None], extra: tuple[Rejected, ...] = ()) -> Listing:
    """Links (first of each URL kept) and rejected entries, in document order."""
    seen: set[str] = set()
    links: list[Link] = []
    rejected: list[Rejected] = list(extra)
    for entry in entries:
        if isinstance(entry, Rejected):
            rejected.append(entry)
        elif entry is not None and entry.url not in seen:
            seen.add(entry.url)
            links.append(entry)
    return Listing(links=tuple(links), rejected=tuple(rejected))
