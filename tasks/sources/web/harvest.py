"""From web SOURCEs to the pages to ingest: fetch feeds, sitemaps and URL lists, expand them into
page links, read WARC archives, and turn fetched pages into :class:`InputRef`s for the pipeline.

No prefect here: the flow wraps these in tasks.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tasks.core.errors import FetchError, NewsflowError
from tasks.core.identity import canonical_url, url_digest
from tasks.core.records import InputRef, ItemResult, failed
from tasks.sources.web.fetch import Fetched, Fetcher
from tasks.sources.web.formats import Link, detect_kind, iter_warc, parse_feed, parse_sitemap, parse_url_list


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
    fetcher: Fetcher, sources: Iterable[str], validators: dict[str, dict[str, str]], *, max_depth: int = 3
) -> Expansion:
    """Fetch each web SOURCE and collect the page links it lists (sitemap indexes recursively)."""
    result = Expansion()
    queue = [(source, 0) for source in sources]
    seen: set[str] = set()
    while queue:
        url, depth = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            fetched = await fetcher.fetch(url, page=False, validators=validators.get(url))
        except NewsflowError as exc:
            result.failures.append(failure_item(url, exc))
            continue
        if fetched.etag or fetched.last_modified:
            result.validators[url] = {
                k: v for k, v in (("etag", fetched.etag), ("last_modified", fetched.last_modified)) if v
            }
        if fetched.not_modified:
            result.not_modified.append(url)
            continue
        assert fetched.path is not None
        body = Path(fetched.path).read_bytes()
        kind = detect_kind(body, content_type=fetched.content_type, url=fetched.final_url)
        if kind == "html":
            result.pages.append((fetched, Link(url=fetched.final_url)))
        elif kind in ("rss", "atom", "jsonfeed"):
            result.links.extend(parse_feed(body, fetched.final_url))
        elif kind in ("sitemap", "sitemapindex"):
            links, children = parse_sitemap(body, fetched.final_url)
            result.links.extend(links)
            if depth < max_depth:
                queue.extend((child, depth + 1) for child in children)
        elif kind == "urllist":
            result.links.extend(parse_url_list(body, fetched.final_url))
        else:
            error = FetchError(
                f"{kind} content at {url} is not a page, feed, sitemap or URL list", reason="unsupported_type"
            )
            result.failures.append(failure_item(url, error))
    return result


def fetched_ref(fetched: Fetched, link: Link) -> InputRef:
    """A fetched page as pipeline input: HTML spooled on disk, keyed in the ledger by its URL."""
    assert fetched.path is not None
    return InputRef(
        source_uri=link.url,
        kind="html",
        path=fetched.path,
        digest=url_digest(link.url),
        size=fetched.size,
        url=fetched.final_url,
        title=link.title,
        published_at=link.published_at,
    )


def failure_item(url: str, exc: NewsflowError) -> ItemResult:
    """A URL that produced nothing, recorded like any failed input."""
    ref = InputRef(source_uri=url, kind="html", path="", digest=url_digest(url), size=0, url=url)
    return failed(ref, exc, stage="fetch")


def warc_refs(path: str, spool_dir: Path) -> Iterator[InputRef]:
    """The HTML responses of a local WARC file, spooled one by one (memory stays flat)."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    with open(path, "rb") as stream:
        for page in iter_warc(stream):
            target = spool_dir / page.digest
            if not target.exists():
                target.write_bytes(page.body)
            yield InputRef(
                source_uri=f"{path}#{page.url}",
                kind="html",
                path=str(target),
                digest=page.digest,
                size=len(page.body),
                url=page.url,
            )


def url_list_links(path: str) -> list[Link]:
    """The URLs listed in a local text file."""
    return parse_url_list(Path(path).read_bytes())


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
            out.failures.append(failure_item(link.url, FetchError(f"not an http(s) URL: {link.url}", reason="bad_url")))
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
