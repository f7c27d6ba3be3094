"""Fetching pages and source documents as a careful crawler does.

One pooled ``httpx.AsyncClient`` per run (the transport is a seam: tests and users may pass
their own). Per host: a concurrency limit, a minimum delay between requests (raised to the
robots.txt ``Crawl-delay``), robots.txt honoured, and a circuit breaker that pauses a host that
keeps failing for the rest of the run. Per URL: retries with exponential backoff and full
jitter on timeouts, connection errors and 408/425/429/500/502/503/504, ``Retry-After``
honoured; never on other 4xx. Bodies are streamed with a size cap (counted after
decompression) and spooled to disk, so memory stays flat. Every URL is checked against private
addresses after DNS resolution, and again after every redirect.
"""

import asyncio
import email.utils
import hashlib
import random
import time
import urllib.robotparser
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from tasks.core.errors import FetchError, FetchLater, NewsflowError, TransientFetchError
from tasks.sources.web.guard import check_url

_DISALLOW_ALL = ["User-agent: *", "Disallow: /"]
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
HTML_TYPES = ("text/html", "application/xhtml+xml")
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
    #: Consecutive transient failures after which a host is paused for the rest of the run.
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
    robots: urllib.robotparser.RobotFileParser | None = None
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
        self._client = httpx.AsyncClient(
            transport=self._transport,
            timeout=httpx.Timeout(o.read_timeout, connect=o.connect_timeout),
            limits=httpx.Limits(max_connections=o.concurrency, max_keepalive_connections=o.concurrency),
            headers={"User-Agent": o.user_agent},
            follow_redirects=False,  # followed by hand: every hop is checked
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc.lower()
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(
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
        host = self._host(url)
        o = self.options
        for attempt in range(o.retries + 1):
            if host.paused:
                raise FetchLater(f"{urlsplit(url).netloc} paused after repeated failures", reason="host_paused")
            try:
                async with self._global, host.slots:
                    try:
                        result = await self._get(url, host, page=page, validators=validators)
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

    async def _get(self, url: str, host: _Host, *, page: bool, validators: dict[str, str] | None) -> Fetched:
        assert self._client is not None, "use Fetcher as an async context manager"
        o = self.options
        current = url
        for _hop in range(o.max_redirects + 1):
            await self._guard(current)
            if o.respect_robots and not await self._robots_allow(current):
                raise FetchError(f"robots.txt disallows {current}", reason="robots_disallowed")
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
                        if resp.is_redirect and "location" in resp.headers:
                            current = urljoin(current, resp.headers["location"])
                            continue
                        return await self._read(url, current, resp, page=page)
            except (httpx.TimeoutException, TimeoutError) as exc:
                raise TransientFetchError(f"{type(exc).__name__} fetching {current}", reason="timeout") from exc
            except (httpx.TransportError, httpx.RemoteProtocolError) as exc:
                raise TransientFetchError(f"{type(exc).__name__}: {exc}", reason="connection_error") from exc
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
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.aiter_bytes():  # decoded: the cap applies after decompression
            size += len(chunk)
            if size > o.max_bytes:
                raise FetchError(f"body exceeds {o.max_bytes} bytes", reason="too_large")
            chunks.append(chunk)
        body = b"".join(chunks)
        if page and _is_challenge(body):
            raise FetchError(f"bot challenge page from {final}", reason="challenge_page")
        digest = hashlib.sha256(body).hexdigest()
        path = self.spool_dir / digest
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(body)
            tmp.replace(path)
        return Fetched(url, final, status, content_type, str(path), digest, size, **common)

    async def _robots_allow(self, url: str) -> bool:
        host = self._host(url)
        async with host.robots_lock:
            if not host.robots_loaded:
                host.robots = await self._load_robots(url)
                host.robots_loaded = True
                delay = host.robots.crawl_delay(self.options.user_agent) if host.robots else None
                if delay:
                    host.delay = max(host.delay, float(delay))
        return host.robots is None or host.robots.can_fetch(self.options.user_agent, url)

    async def _load_robots(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        """robots.txt per RFC 9309: 4xx means no rules; 5xx or unreachable means disallow all."""
        assert self._client is not None
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        try:
            current = robots_url
            for _ in range(self.options.max_redirects + 1):
                await self._guard(current)
                self.requests += 1
                async with asyncio.timeout(self.options.total_timeout):
                    resp = await self._client.get(current)
                if resp.is_redirect and "location" in resp.headers:
                    current = urljoin(current, resp.headers["location"])
                    continue
                break
        except (httpx.HTTPError, TimeoutError, NewsflowError):
            parser.parse(_DISALLOW_ALL)
            return parser
        if 400 <= resp.status_code < 500:
            return None
        if resp.status_code >= 300:
            parser.parse(_DISALLOW_ALL)
            return parser
        parser.parse(resp.content[:512_000].decode("utf-8", "replace").splitlines())
        return parser


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _is_challenge(body: bytes) -> bool:
    head = body[:65536]
    return len(body) < 200_000 and any(marker in head for marker in _CHALLENGE_MARKERS)
