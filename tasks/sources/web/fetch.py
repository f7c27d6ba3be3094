"""Fetching pages and source documents as a careful crawler does.

One pooled ``httpx.AsyncClient`` per run (the transport is a seam: tests and users may pass
their own). Per host: a concurrency limit, a minimum delay between requests (raised to the
robots.txt ``Crawl-delay``), robots.txt honoured (RFC 9309, parsed by protego), and a circuit
breaker that stops sending requests to a host that keeps failing for the rest of the run. Per URL:
retries with exponential backoff and full jitter on timeouts, connection errors and
408/425/429/500/502/503/504, ``Retry-After`` honoured; never on other 4xx. Bodies are streamed,
decoded piece by piece with a size cap on the decoded bytes (:mod:`tasks.sources.web.contentcoding`) and
spooled to disk as they arrive, so memory stays flat whatever a server sends. Every URL is checked
before each request, redirects included, and the default transport connects only to the
addresses the SSRF guard vetted (:mod:`tasks.sources.web.guard`).

:meth:`Fetcher.fetch` raises only :class:`~tasks.core.errors.FetchError` subclasses (an ``OSError``
writing the spool aside: a full disk stops the run rather than failing every URL for good).
"""

import asyncio
import copy
import email.utils
import hashlib
import os
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import httpx
from protego import Protego

from tasks.core.errors import (
    BadUrl,
    BlockedAddress,
    ChallengePage,
    FetchError,
    FetchLater,
    NewsflowError,
    RobotsDisallowed,
    RobotsUnavailable,
    TransientFetchError,
)
from tasks.sources.web.contentcoding import ACCEPT_ENCODING, ContentDecoder
from tasks.sources.web.guard import Target, check_url, guarded_transport, parse_target

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Google and RFC 9309 (2.5) read at least 500 KiB of robots.txt; the rest is ignored.
ROBOTS_MAX_BYTES = 500 * 1024
_REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
#: Where the response hook moves a redirect's Location (see :func:`_hide_location`).
_LOCATION = "x-newsflow-location"
#: Bot-challenge pages are small and say so in several ways at once; one marker alone is not
#: enough (a ``g-recaptcha`` div sits on many real article pages, beside a comment form).
_CHALLENGE_MARKERS = (
    b"cf-browser-verification",
    b"challenge-platform",
    b"Just a moment...",
    b"Attention Required! | Cloudflare",
    b"Enable JavaScript and cookies to continue",
    b"DDoS protection by",
    b"g-recaptcha",
    b"h-captcha",
    b"Please verify you are a human",
    b"px-captcha",
)
_CHALLENGE_MIN_MARKERS = 2
_CHALLENGE_MAX_BYTES = 200_000
_HEAD_BYTES = 65536


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """How politely and how far to fetch. Defaults suit one machine crawling news sites."""

    user_agent: str = "newsflow/0.1 (+https://github.com/newsflow/newsflow; news ingestion)"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    #: Whole request, body included: a server that trickles bytes cannot hold a slot forever.
    total_timeout: float = 60.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    concurrency: int = 32
    per_host_concurrency: int = 4
    #: Seconds a connection slot waits after each request to the same host.
    min_delay: float = 0.25
    retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 120.0
    #: Consecutive transient failures after which a host gets no more requests this run.
    breaker_threshold: int = 6
    respect_robots: bool = True
    allow_private: bool = False


@dataclass(frozen=True, slots=True)
class Fetched:
    """A successful response, body spooled to ``path`` (None for 304 Not Modified)."""

    url: str
    final_url: str
    status: int
    content_type: str | None
    path: str | None
    digest: str | None
    size: int
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class _Host:
    slots: asyncio.Semaphore
    delay: float
    failures: int = 0
    paused: bool = False
    robots: Protego | None = None
    #: Why robots.txt could not be read: raised (as a copy) for every page of the host.
    robots_error: FetchError | None = None
    robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    robots_loaded: bool = False


class Fetcher:
    """Use as ``async with Fetcher(options, spool_dir) as f: await f.fetch(url)``."""

    def __init__(
        self,
        options: FetchOptions,
        spool_dir: Path,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        guard: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.options = options
        #: Checks a URL before every request (redirect hops and robots.txt included).
        self._guard = guard or (lambda url: check_url(url, allow_private=options.allow_private))
        self.spool_dir = spool_dir
        self._transport = transport
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._hosts: dict[str, _Host] = {}
        self._global = asyncio.Semaphore(options.concurrency)
        self._client: httpx.AsyncClient | None = None
        self.requests = 0

    async def __aenter__(self) -> "Fetcher":
        o = self.options
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        limits = httpx.Limits(max_connections=o.concurrency, max_keepalive_connections=o.concurrency)
        self._client = httpx.AsyncClient(
            transport=self._transport or guarded_transport(limits, allow_private=o.allow_private),
            timeout=httpx.Timeout(o.read_timeout, connect=o.connect_timeout),
            headers={"User-Agent": o.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            follow_redirects=False,  # followed by hand: every hop is checked
            event_hooks={"response": [_hide_location]},
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    def _host(self, target: Target) -> _Host:
        host = self._hosts.get(target.origin)
        if host is None:
            host = self._hosts[target.origin] = _Host(
                asyncio.Semaphore(self.options.per_host_concurrency), self.options.min_delay
            )
        return host

    async def fetch_many(
        self, urls: Sequence[str], *, pages: bool = True, validators: dict[str, dict[str, str]] | None = None
    ) -> list["Fetched | FetchError"]:
        """Fetch every URL concurrently; each result is a :class:`Fetched` or the error it ended with."""

        async def one(url: str) -> Fetched | FetchError:
            try:
                return await self.fetch(url, page=pages, validators=(validators or {}).get(url))
            except FetchError as exc:
                return exc

        return list(await asyncio.gather(*(one(u) for u in urls)))

    async def fetch(self, url: str, *, page: bool = True, validators: dict[str, str] | None = None) -> Fetched:
        """Fetch ``url`` with retries; raise :class:`FetchError` with a precise reason."""
        try:
            return await self._fetch(url, page=page, validators=validators)
        except (FetchError, OSError):
            raise
        except Exception as exc:
            # A bug, or an input nobody foresaw: one URL fails, retryable (it did nothing
            # wrong that we know of), and the run goes on.
            raise FetchLater(f"{type(exc).__name__}: {exc}", reason="internal_error") from exc

    async def _fetch(self, url: str, *, page: bool, validators: dict[str, str] | None) -> Fetched:
        host = self._host(parse_target(url))
        o = self.options
        for attempt in range(o.retries + 1):
            try:
                # The host's slot first: waiting for a busy host must not hold a slot other hosts could use.
                async with host.slots, self._global:
                    # Checked again once a slot is free: the breaker may have tripped while this
                    # URL waited, and then it must send nothing (not merely stop retrying).
                    _check_paused(host, url)
                    try:
                        result = await self._get(url, page=page, validators=validators)
                    finally:
                        await self._sleep(host.delay)  # politeness: hold the slot a little longer
                host.failures = 0
                return result
            except TransientFetchError as exc:
                host.failures += 1
                if host.failures >= o.breaker_threshold:
                    host.paused = True
                if attempt == o.retries or host.paused:
                    reason = f"{exc.reason}_exhausted" if exc.reason.startswith("http_") else exc.reason
                    raise FetchLater(f"{exc.detail} (after {attempt + 1} attempts)", reason=reason) from exc
                backoff = min(o.backoff_max, o.backoff_base * 2**attempt) * self._rng.random()
                wait = min(o.max_retry_after, exc.retry_after) if exc.retry_after is not None else backoff
                await self._sleep(wait)
        raise AssertionError("unreachable")

    async def _get(self, url: str, *, page: bool, validators: dict[str, str] | None) -> Fetched:
        assert self._client is not None, "use Fetcher as an async context manager"
        o = self.options
        current = url
        for _hop in range(o.max_redirects + 1):
            await self._guard(current)
            if o.respect_robots:
                await self._check_robots(current)
            headers = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"} if page else {}
            if validators and current == url:
                if validators.get("etag"):
                    headers["If-None-Match"] = validators["etag"]
                if validators.get("last_modified"):
                    headers["If-Modified-Since"] = validators["last_modified"]
            self.requests += 1
            try:
                async with asyncio.timeout(o.total_timeout):
                    async with self._client.stream("GET", current, headers=headers) as resp:
                        location = resp.headers.get(_LOCATION)
                        if location is not None:
                            current = _join(current, location)
                            continue
                        return await self._read(url, current, resp, page=page)
            except NewsflowError:
                raise
            except (httpx.TimeoutException, TimeoutError) as exc:
                raise TransientFetchError(f"{type(exc).__name__} fetching {current}", reason="timeout") from exc
            except httpx.TransportError as exc:  # connection refused/reset, protocol errors
                raise TransientFetchError(f"{type(exc).__name__}: {exc}", reason="connection_error") from exc
            except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
                raise FetchError(f"{type(exc).__name__}: {exc}", reason="http_error") from exc
        raise FetchError(f"more than {o.max_redirects} redirects from {url}", reason="too_many_redirects")

    async def _read(self, url: str, final: str, resp: httpx.Response, *, page: bool) -> Fetched:
        o = self.options
        status = resp.status_code
        common = {"etag": resp.headers.get("etag"), "last_modified": resp.headers.get("last-modified")}
        if status == 304:
            return Fetched(url, final, status, None, None, None, 0, **common)
        if status in RETRYABLE_STATUS:
            raise TransientFetchError(
                f"HTTP {status} from {final}",
                reason=f"http_{status}",
                retry_after=_retry_after(resp.headers.get("retry-after")),
            )
        if status >= 400:
            raise FetchError(f"HTTP {status} from {final}", reason=f"http_{status}")
        if status >= 300:
            raise FetchError(f"HTTP {status} without a Location from {final}", reason=f"http_{status}")
        content_type = resp.headers.get("content-type")
        media = (content_type or "").split(";")[0].strip().lower()
        if page and media and media not in HTML_TYPES:
            raise FetchError(f"{media} is not an HTML page", reason="not_html")
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > o.max_bytes:
            raise FetchError(f"Content-Length {declared} > limit {o.max_bytes}", reason="too_large")
        # Spooled while read: the body is never whole in memory, only its first bytes (for the
        # challenge check) are kept.
        digest = hashlib.sha256()
        head = bytearray()
        size = 0
        tmp = self.spool_dir / f".{uuid.uuid4().hex}.part"
        try:
            with open(tmp, "wb") as out:
                async for piece in _decoded(resp, o.max_bytes):
                    size += len(piece)
                    out.write(piece)
                    digest.update(piece)
                    if len(head) < _HEAD_BYTES:
                        head += piece[: _HEAD_BYTES - len(head)]
            if page and _is_challenge(bytes(head), size):
                raise ChallengePage(f"bot challenge page from {final}")
            path = self.spool_dir / digest.hexdigest()
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return Fetched(url, final, status, content_type, str(path), digest.hexdigest(), size, **common)

    async def _check_robots(self, url: str) -> None:
        """Raise unless robots.txt lets us fetch ``url``: :class:`RobotsDisallowed`, or the
        error that kept robots.txt from being read (the same for every page of the host)."""
        host = self._host(parse_target(url))
        async with host.robots_lock:
            if not host.robots_loaded:
                try:
                    host.robots = await self._load_robots(url)
                except FetchError as exc:
                    host.robots_error = exc
                host.robots_loaded = True
                delay = host.robots.crawl_delay(self.options.user_agent) if host.robots else None
                if delay:
                    host.delay = max(host.delay, float(delay))
        if host.robots_error is not None:
            raise copy.copy(host.robots_error)
        if host.robots is not None and not host.robots.can_fetch(url, self.options.user_agent):
            raise RobotsDisallowed(f"robots.txt disallows {url}")

    async def _load_robots(self, url: str) -> Protego | None:
        """robots.txt per RFC 9309: 4xx (429 aside) means no rules; 5xx, 429 or no answer means
        nothing may be fetched now (:class:`RobotsUnavailable`, which a later run retries)."""
        assert self._client is not None
        robots_url = f"{parse_target(url).origin}/robots.txt"
        current = robots_url
        try:
            for _hop in range(self.options.max_redirects + 1):
                await self._guard(current)
                self.requests += 1
                async with asyncio.timeout(self.options.total_timeout):
                    async with self._client.stream("GET", current) as resp:
                        location = resp.headers.get(_LOCATION)
                        if location is not None:
                            current = _join(current, location)
                            continue
                        status = resp.status_code
                        if status == 429 or status >= 500:
                            raise RobotsUnavailable(f"robots.txt answered HTTP {status}: {current}")
                        if 400 <= status < 500:
                            return None
                        if status >= 300:
                            raise RobotsUnavailable(f"robots.txt answered HTTP {status} without a Location")
                        text = (await _read_prefix(resp, ROBOTS_MAX_BYTES)).decode("utf-8", "replace")
                        return Protego.parse(text)
        except RobotsUnavailable:
            raise
        except (BlockedAddress, FetchLater) as exc:
            # Refused or unresolvable: about the page's own host before any redirect (so the page
            # fails for that reason); about where robots.txt redirected to after one.
            if current == robots_url and (isinstance(exc, BlockedAddress) or exc.reason == "dns_error"):
                raise
            raise RobotsUnavailable(f"robots.txt of {robots_url} unreadable at {current}: {exc}") from exc
        except (NewsflowError, httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, TimeoutError) as exc:
            raise RobotsUnavailable(f"robots.txt of {robots_url} unreadable: {type(exc).__name__}: {exc}") from exc
        return None  # more redirects than RFC 9309 asks us to follow: "unavailable", no rules


def _check_paused(host: _Host, url: str) -> None:
    if host.paused:
        raise FetchLater(f"{url}: host paused after repeated failures", reason="host_paused")


async def _hide_location(response: httpx.Response) -> None:
    """httpx builds the next request of every redirect itself, even with ``follow_redirects``
    off, and raises its own errors on a Location it cannot parse (``data:``, ``javascript:``, a
    bad port). Moving the header aside leaves redirects to :meth:`Fetcher._get`, which checks
    every hop like any URL."""
    if response.status_code in _REDIRECT_STATUS and "location" in response.headers:
        response.headers[_LOCATION] = response.headers["location"]
        del response.headers["location"]


def _join(base: str, location: str) -> str:
    try:
        return urljoin(base, location.strip())
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise BadUrl(f"redirect to an invalid URL {location!r}: {exc}") from exc


async def _decoded(resp: httpx.Response, max_bytes: int) -> AsyncIterator[bytes]:
    """The body with its content codings undone, raising ``too_large`` past ``max_bytes``
    (counted while decoding, raw and decoded alike)."""
    decoder = ContentDecoder(resp.headers.get("content-encoding"))
    raw = size = 0
    async for chunk in resp.aiter_raw():
        raw += len(chunk)
        if raw > max_bytes:
            raise FetchError(f"body exceeds {max_bytes} bytes", reason="too_large")
        for piece in decoder.feed(chunk):
            size += len(piece)
            if size > max_bytes:
                raise FetchError(f"body exceeds {max_bytes} bytes once decoded", reason="too_large")
            yield piece
    decoder.finish()


async def _read_prefix(resp: httpx.Response, limit: int) -> bytes:
    """At most ``limit`` decoded bytes of the body; the rest is never read."""
    decoder = ContentDecoder(resp.headers.get("content-encoding"))
    out = bytearray()
    raw = 0
    async for chunk in resp.aiter_raw():
        raw += len(chunk)
        if raw > limit:  # only junk could still be coming: real content would have filled ``out``
            break
        for piece in decoder.feed(chunk):
            out += piece[: limit - len(out)]
            if len(out) >= limit:
                return bytes(out)
    return bytes(out)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def _is_challenge(head: bytes, size: int) -> bool:
    if size >= _CHALLENGE_MAX_BYTES:
        return False
    return sum(1 for marker in _CHALLENGE_MARKERS if marker in head) >= _CHALLENGE_MIN_MARKERS
