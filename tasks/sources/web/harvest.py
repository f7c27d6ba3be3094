"""From web SOURCEs to the pages to ingest: fetch feeds, sitemaps and URL lists, expand them into
page links, read WARC archives, and turn fetched pages into :class:`InputRef`s for the pipeline.

No prefect here: the flow wraps these in tasks.
"""

import asyncio
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tasks.core.errors import BadUrl, NewsflowError, TooLarge, UnreadableSource, UnsupportedType
from tasks.core.identity import canonical_url, sha256_hex, url_digest
from tasks.core.records import Hints, InputRef, ItemResult, failed
from tasks.sources.web.fetch import Fetched, Fetcher
from tasks.sources.web.formats import (
    MAX_DECOMPRESSED_BYTES,
    Link,
    Listing,
    WarcPage,
    detect_kind,
    iter_warc,
    parse_feed,
    parse_sitemap,
    parse_url_list,
)

#: Source documents (feeds, sitemaps, the children of a sitemap index) fetched at once; the
#: fetcher's own per-host limits still apply beneath this.
SOURCE_CONCURRENCY = 8


def is_web_source(source: str) -> bool:
    """True for an http(s) URL given as SOURCE."""
    return source.lower().startswith(("http://", "https://"))


@dataclass
class Expansion:
    """What expanding the SOURCEs found."""

    links: list[Link] = field(default_factory=list)
    #: SOURCEs that were themselves article pages: already fetched, ready for the pipeline.
    pages: list[tuple[Fetched, Link]] = field(default_factory=list)
    failures: list[ItemResult] = field(default_factory=list)
    #: ETag / Last-Modified per source URL, to store for the next run's conditional GET.
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    not_modified: list[str] = field(default_factory=list)


async def expand(
    fetcher: Fetcher,
    sources: Iterable[str],
    validators: dict[str, dict[str, str]],
    *,
    max_depth: int = 3,
    concurrency: int = SOURCE_CONCURRENCY,
) -> Expansion:
    """Fetch each web SOURCE and collect the page links it lists (sitemap indexes recursively,
    each level's children fetched ``concurrency`` at a time).

    Never raises for a bad source: a fetch or parse failure, or an entry that names nothing
    fetchable, becomes a failure item and the other sources go on.
    """
    result = Expansion()
    seen: set[str] = set()
    level = list(dict.fromkeys(sources))
    slots = asyncio.Semaphore(concurrency)

    async def one(url: str) -> tuple[Fetched | None, Listing | NewsflowError | None]:
        async with slots:
            try:
                fetched = await fetcher.fetch(url, page=False, validators=validators.get(url))
            except NewsflowError as exc:
                return None, exc
            return fetched, _listing_of(fetched, url)

    for depth in range(max_depth + 1):
        level = [url for url in level if url not in seen]
        if not level:
            break
        seen.update(level)
        children: list[str] = []
        # Results come back in source order, so the links of a run are in a stable order.
        for url, (fetched, outcome) in zip(level, await asyncio.gather(*(one(u) for u in level)), strict=True):
            if fetched is not None and (fetched.etag or fetched.last_modified):
                result.validators[url] = {
                    k: v for k, v in (("etag", fetched.etag), ("last_modified", fetched.last_modified)) if v
                }
            if isinstance(outcome, NewsflowError):
                result.failures.append(failure_item(url, outcome))
                continue
            assert fetched is not None
            if fetched.not_modified:
                result.not_modified.append(url)
                continue
            if outcome is None:  # the SOURCE is an article page itself
                result.pages.append((fetched, Link(url=fetched.final_url)))
                continue
            result.links.extend(outcome.links)
            result.failures.extend(failure_item(r.url, r.error) for r in outcome.rejected)
            if depth < max_depth:
                children.extend(outcome.children)
        level = children
    return result


def _listing_of(fetched: Fetched, url: str) -> Listing | NewsflowError | None:
    """What a fetched source lists (empty for a 304), None when it is a page, or why it lists nothing."""
    if fetched.not_modified or fetched.path is None:
        return Listing()
    try:
        body = Path(fetched.path).read_bytes()
        kind = detect_kind(body, content_type=fetched.content_type, url=fetched.final_url)
        if kind == "html":
            return None
        if kind in ("rss", "atom", "jsonfeed"):
            return parse_feed(body, fetched.final_url)
        if kind in ("sitemap", "sitemapindex"):
            return parse_sitemap(body, fetched.final_url)
        if kind == "urllist":
            return parse_url_list(body, fetched.final_url)
    except NewsflowError as exc:
        return exc
    return UnsupportedType(f"{kind} content at {url} is not a page, feed, sitemap or URL list")


def fetched_ref(fetched: Fetched, link: Link) -> InputRef:
    """A fetched page as pipeline input: HTML spooled on disk, keyed in the ledger by its URL."""
    assert fetched.path is not None
    return InputRef(
        source_uri=link.url,
        kind="html",
        path=fetched.path,
        digest=url_digest(link.url),
        size=fetched.size,
        hints=Hints(url=fetched.final_url, title=link.title, published_at=link.published_at),
    )


def failure_item(url: str, exc: NewsflowError, *, digest: str | None = None) -> ItemResult:
    """A URL (or an entry of a source) that produced nothing, recorded like any failed input.
    Keyed in the ledger by ``digest``, by default the URL's :func:`url_digest`."""
    ref = InputRef(source_uri=url, kind="html", path="", digest=digest or url_digest(url), size=0, hints=Hints(url=url))
    return failed(ref, exc, stage="fetch")


def warc_refs(
    path: str, spool_dir: Path, *, on_failure: Callable[[ItemResult], None] | None = None
) -> Iterator[InputRef]:
    """The HTML responses of a local WARC file, spooled one by one (memory stays flat).

    A record that held a page but cannot be taken whole (over the size cap, truncated, a
    payload that does not decode) is passed to ``on_failure`` as a failure item, keyed by its
    record, so the complete archive later is new input; without ``on_failure`` it is skipped.
    Raises :class:`~tasks.core.errors.MalformedSource` where the file stops being a readable WARC
    (the records before are yielded), :class:`~tasks.core.errors.UnreadableSource` when it cannot be
    opened.
    """
    spool_dir.mkdir(parents=True, exist_ok=True)
    try:
        stream = open(path, "rb")  # noqa: SIM115 (closed below; the open alone is guarded)
    except OSError as exc:
        raise UnreadableSource(f"cannot open {path}: {exc}") from exc
    with stream:
        for entry in iter_warc(stream):
            if isinstance(entry, WarcPage):
                target = spool_dir / entry.digest
                if not target.exists():
                    target.write_bytes(entry.body)
                yield InputRef(
                    source_uri=f"{path}#{entry.url}",
                    kind="html",
                    path=str(target),
                    digest=entry.digest,
                    size=len(entry.body),
                    hints=Hints(url=entry.url),
                )
            elif on_failure is not None:
                where = entry.url or "end"
                key = sha256_hex(f"warc-record:{entry.record_id or path + '#' + where}")
                on_failure(failure_item(f"{path}#{where}", entry.error, digest=key))


def url_list_links(path: str, *, on_failure: Callable[[ItemResult], None] | None = None) -> list[Link]:
    """The URLs listed in a local text file (at most 50 MB).

    Lines that are not UTF-8 go to ``on_failure`` as ``decode_error`` failure items (skipped
    without it); the others still count. Raises only :class:`~tasks.core.errors.NewsflowError`:
    :class:`~tasks.core.errors.UnreadableSource` or :class:`~tasks.core.errors.TooLarge`.
    """
    try:
        with open(path, "rb") as fh:
            body = fh.read(MAX_DECOMPRESSED_BYTES + 1)
    except OSError as exc:
        raise UnreadableSource(f"cannot read {path}: {exc}") from exc
    if len(body) > MAX_DECOMPRESSED_BYTES:
        raise TooLarge(f"URL list {path} is over {MAX_DECOMPRESSED_BYTES} bytes")
    listing = parse_url_list(body)
    if on_failure is not None:
        for rejected in listing.rejected:
            on_failure(failure_item(rejected.url, rejected.error, digest=sha256_hex(f"{path}#{rejected.url}")))
    return list(listing.links)


@dataclass
class Harvest:
    """Pages fetched for the pipeline, URLs that failed, and what was skipped as known."""

    refs: list[InputRef] = field(default_factory=list)
    failures: list[ItemResult] = field(default_factory=list)
    unchanged: int = 0
    links_found: int = 0
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    #: HTTP requests made (robots.txt and retries included).
    requests: int = 0


async def harvest(
    fetcher: Fetcher,
    sources: Iterable[str],
    links: Iterable[Link],
    *,
    validators: dict[str, dict[str, str]],
    known: Callable[[str, str], bool],
) -> Harvest:
    """Expand the web SOURCEs, then fetch every listed page not ``known`` (by canonical URL or
    ledger digest) to the spool. Nothing already in the dataset is fetched again."""
    expansion = await expand(fetcher, sources, validators)
    out = Harvest(failures=list(expansion.failures), validators=expansion.validators)
    out.refs.extend(fetched_ref(fetched, link) for fetched, link in expansion.pages)
    # Sources that were pages are fetched already; a listing that repeats them adds nothing.
    direct = {canonical_url(ref.source_uri) for ref in out.refs}
    todo: dict[str, Link] = {}
    for link in [*links, *expansion.links]:
        canonical = canonical_url(link.url)
        if canonical is None:
            out.failures.append(failure_item(link.url, BadUrl(f"not an http(s) URL: {link.url}")))
        elif canonical in todo or canonical in direct:
            continue
        elif known(canonical, url_digest(canonical)):
            out.unchanged += 1
        else:
            todo[canonical] = Link(url=canonical, title=link.title, published_at=link.published_at)
    out.links_found = len(todo) + out.unchanged
    results = await fetcher.fetch_many([link.url for link in todo.values()])
    for link, result in zip(todo.values(), results, strict=True):
        if isinstance(result, Fetched):
            out.refs.append(fetched_ref(result, link))
        else:
            out.failures.append(failure_item(link.url, result))
    return out
