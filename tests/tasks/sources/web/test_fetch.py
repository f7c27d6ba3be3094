"""The fetcher against a real HTTP server on 127.0.0.1 (no network mocks)."""

import asyncio
import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest

from tasks.core.errors import FetchError, FetchLater
from tasks.sources.web.fetch import Fetched, Fetcher, FetchOptions, _retry_after
from tasks.sources.web.guard import Resolver, guarded_transport, is_public, resolve_public
from tests.support.loopback import Site

FAST = FetchOptions(
    read_timeout=1.0,
    connect_timeout=1.0,
    retries=2,
    backoff_base=0.05,
    min_delay=0.0,
    breaker_threshold=50,
    allow_private=True,
)


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    yield s
    s.stop()


@pytest.fixture
def quick_site() -> Iterator[Site]:
    """The same site without a robots.txt Crawl-delay, for tests of one request or two."""
    s = Site(crawl_delay=None)
    yield s
    s.stop()


def fetch_all(urls: list[str], tmp: Path, options: FetchOptions = FAST, **kw: object) -> list[Fetched | FetchError]:
    async def run() -> list[Fetched | FetchError]:
        async with Fetcher(options, tmp / "spool", **kw) as fetcher:  # type: ignore[arg-type]
            return await fetcher.fetch_many(urls)

    return asyncio.run(run())


def outcome(result: Fetched | FetchError) -> str:
    return "ok" if isinstance(result, Fetched) else result.reason


def test_every_failure_mode_gets_its_reason_and_recoverable_pages_arrive(site: Site, tmp_path: Path) -> None:
    paths = site.page_paths()
    results = dict(zip(paths, fetch_all([site.url(p) for p in paths], tmp_path), strict=True))
    assert {p: outcome(r) for p, r in results.items()} == {
        **{f"/a/ok-{i}.html": "ok" for i in range(site.ok_pages)},
        "/a/flaky-503.html": "ok",
        "/a/rate-429.html": "ok",
        "/a/reset.html": "ok",
        "/a/stall.html": "timeout",
        "/a/missing.html": "http_404",
        "/a/report.pdf": "not_html",
        "/a/huge.html": "too_large",
        "/a/challenge.html": "challenge_page",
        "/private/secret.html": "robots_disallowed",
    }
    # Whether a later run should try again: yes after timeouts, no after a 404 or robots.txt.
    retry_later = {p: r.retryable for p, r in results.items() if isinstance(r, FetchError)}
    assert retry_later == {
        "/a/stall.html": True,
        "/a/missing.html": False,
        "/a/report.pdf": False,
        "/a/huge.html": False,
        "/a/challenge.html": True,  # a challenge may not be there another day
        "/private/secret.html": False,
    }
    assert site.hits["/a/flaky-503.html"] == 3  # two 503s, then success
    assert site.hits["/a/rate-429.html"] == 2
    assert site.hits["/a/missing.html"] == 1  # a 404 is never retried
    assert site.hits["/a/report.pdf"] == 1
    assert site.hits["/private/secret.html"] == 0  # robots.txt checked before the request
    assert site.hits["/robots.txt"] == 1  # once per host
    assert site.hits["/a/stall.html"] == 3  # timeouts are retried (2 retries)
    ok = results["/a/ok-0.html"]
    assert isinstance(ok, Fetched) and b"Story /a/ok-0.html" in Path(ok.path or "").read_bytes()


def test_retries_exhausted_on_a_retryable_status_say_so(site: Site, tmp_path: Path) -> None:
    (result,) = fetch_all([site.url("/always-503")], tmp_path)
    assert outcome(result) == "http_503_exhausted"
    assert isinstance(result, FetchError) and result.retryable
    assert site.hits["/always-503"] == 3


def test_a_host_that_keeps_failing_is_paused(site: Site, tmp_path: Path) -> None:
    options = replace(FAST, breaker_threshold=2, retries=5, per_host_concurrency=1)

    async def run() -> list[str]:
        async with Fetcher(options, tmp_path / "spool") as fetcher:
            first = await fetcher.fetch_many([site.url("/always-503")])
            second = await fetcher.fetch_many([site.url("/a/ok-0.html")])
            return [outcome(r) for r in first + second]

    assert asyncio.run(run()) == ["http_503_exhausted", "host_paused"]
    assert site.hits["/always-503"] == 2 and site.hits["/a/ok-0.html"] == 0


def test_private_addresses_are_refused_by_default(site: Site, tmp_path: Path) -> None:
    (result,) = fetch_all([site.url("/a/ok-0.html")], tmp_path, replace(FAST, allow_private=False))
    assert outcome(result) == "blocked_private_address"
    assert site.hits["/a/ok-0.html"] == 0 and site.hits["/robots.txt"] == 0


def public_alias(names: dict[str, str]) -> Resolver:
    """A resolver where each name in ``names`` plays a public host at the given loopback address;
    every other name gets the real policy."""

    async def resolve(host: str, port: int) -> list[str]:
        return [names[host]] if host in names else await resolve_public(host, port)

    return resolve


def guarded(resolve: Resolver) -> httpx.AsyncHTTPTransport:
    return guarded_transport(httpx.Limits(), allow_private=False, resolve=resolve)


@pytest.mark.parametrize("target", ["ip", "name"])
def test_private_address_behind_a_redirect_is_refused(quick_site: Site, tmp_path: Path, target: str) -> None:
    site = quick_site
    port = urlsplit(site.base).port
    to = site.url("/a/ok-0.html") if target == "ip" else f"http://localhost:{port}/a/ok-0.html"
    start = f"http://news.test:{port}/redirect?to={quote(to, safe='')}"
    transport = guarded(public_alias({"news.test": "127.0.0.1"}))
    (result,) = fetch_all([start], tmp_path, replace(FAST, allow_private=False), transport=transport)
    assert outcome(result) == "blocked_private_address"
    assert site.hits["/redirect"] == 1 and site.hits["/a/ok-0.html"] == 0


def test_a_name_is_resolved_once_and_connected_to_as_vetted(site: Site, tmp_path: Path) -> None:
    # The guard resolves the name httpx sends to DNS (IDNA 2008: faß -> xn--fa-hia, never the
    # IDNA 2003 "fass") and the connection goes to the address it returned: no second lookup
    # for a rebinding DNS server to answer differently.
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    port = urlsplit(site.base).port
    options = replace(FAST, allow_private=False, respect_robots=False)
    (result,) = fetch_all([f"http://faß.test:{port}/a/ok-0.html"], tmp_path, options, transport=guarded(resolve))
    assert outcome(result) == "ok"
    assert asked == ["xn--fa-hia.test"] and site.hits["/a/ok-0.html"] == 1


@pytest.mark.parametrize("where", ["page", "robots-redirect"])
def test_refused_and_unresolvable_hosts_are_named_for_what_they_are(
    quick_site: Site, tmp_path: Path, where: str
) -> None:
    async def resolve(host: str, port: int) -> list[str]:
        if host == "nowhere.test":
            raise FetchLater("no such host", reason="dns_error")
        return await public_alias({"news.test": "127.0.0.1"})(host, port)

    port = urlsplit(quick_site.base).port
    if where == "page":
        urls = [f"http://nowhere.test:{port}/a/ok-0.html", f"http://localhost:{port}/a/ok-0.html"]
        expected = ["dns_error", "blocked_private_address"]
    else:  # robots.txt of news.test redirects to a refused host: robots.txt is unavailable, not the page
        quick_site.robots_status = 301
        urls = [f"http://news.test:{port}/a/ok-0.html"]
        expected = ["robots_unavailable"]
    results = fetch_all(urls, tmp_path, replace(FAST, allow_private=False), transport=guarded(resolve))
    assert [outcome(r) for r in results] == expected


def test_a_name_that_resolves_to_loopback_is_refused_before_any_request(site: Site, tmp_path: Path) -> None:
    port = urlsplit(site.base).port
    (result,) = fetch_all([f"http://localhost:{port}/a/ok-0.html"], tmp_path, replace(FAST, allow_private=False))
    assert outcome(result) == "blocked_private_address" and not result.retryable  # type: ignore[union-attr]
    assert sum(site.hits.values()) == 0  # not even robots.txt


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        # IPv6 forms carrying an IPv4 address are judged by it
        ("::127.0.0.1", False),  # IPv4-compatible
        ("::a9fe:a9fe", False),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 to 169.254.169.254
        ("64:ff9b::7f00:1", False),
        ("64:ff9b::808:808", True),  # NAT64 to 8.8.8.8
        ("64:ff9b:1::808:808", False),  # local-use NAT64: where the IPv4 sits is the operator's choice
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", False),
        ("2002:808:808::1", True),
        ("::ffff:0:7f00:1", False),  # SIIT
        ("::ffff:8.8.8.8", True),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),  # Teredo
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(address) is public


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://news.example:99999/a",
        "http://news.example:abc/a",
        "http://news.example:0/a",
        "http://☃.net/a",
        "http://xn--/a",
        "http://[::1/a",
        "http://a b.example/",
        "http:///nohost",
        "data:text/html,<p>hi</p>",
    ],
)
def test_urls_that_cannot_be_fetched_fail_as_bad_url(tmp_path: Path, url: str) -> None:
    (result,) = fetch_all([url], tmp_path, replace(FAST, allow_private=False))
    assert outcome(result) == "bad_url"


@pytest.mark.slow
@pytest.mark.parametrize(
    "location",
    [
        "data:text/html,<script>alert(1)</script>",
        "javascript:alert(1)",
        "http://news.example:99999/a",
        "http://news.example:abc/a",
        "http://xn--/a",
        "http://[::1/a",
        "ftp://news.example/a",
    ],
)
def test_redirects_to_what_cannot_be_fetched_fail_as_bad_url(quick_site: Site, tmp_path: Path, location: str) -> None:
    (result,) = fetch_all([quick_site.url(f"/redirect?to={quote(location, safe='')}")], tmp_path)
    assert outcome(result) == "bad_url"
    assert quick_site.hits["/redirect"] == 1


@pytest.mark.slow
def test_bodies_that_do_not_decode_as_their_content_encoding_says(site: Site, tmp_path: Path) -> None:
    results = fetch_all([site.url("/a/gzip-lie.html"), site.url("/a/gzip-truncated.html")], tmp_path)
    assert [outcome(r) for r in results] == ["bad_content_encoding", "bad_content_encoding"]
    assert not any(isinstance(r, FetchError) and r.retryable for r in results)


@pytest.mark.slow
def test_a_double_gzip_bomb_is_too_large_while_streaming(site: Site, tmp_path: Path) -> None:
    (result,) = fetch_all([site.url("/a/gzip-gzip-bomb.html")], tmp_path)
    assert outcome(result) == "too_large"
    assert list((tmp_path / "spool").iterdir()) == []  # nothing half-written left behind


def stream_response(chunks: Iterator[bytes], headers: dict[str, str]) -> httpx.MockTransport:
    """A transport whose every answer streams ``chunks`` (pulled only as the client reads)."""

    class Body(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk

    return httpx.MockTransport(lambda request: httpx.Response(200, headers=headers, stream=Body()))


def test_decoded_bytes_are_capped_while_reading_not_after(tmp_path: Path) -> None:
    # A few hundred bytes of gzip-of-gzip that inflate to 64 MiB: httpx decodes each raw chunk
    # whole, so the cap saw the bytes only once all of them were in memory.
    inner = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    gzipped = b"".join(inner.compress(block) for _ in range(64)) + inner.flush()
    raw = gzip.compress(gzipped)
    transport = stream_response(iter([raw]), {"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"})
    options = replace(FAST, respect_robots=False, max_bytes=1 << 20)
    tracemalloc.start()
    try:
        (result,) = fetch_all(["https://bomb.example/"], tmp_path, options, transport=transport)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcome(result) == "too_large"
    assert peak < 8 * 1024 * 1024  # decoded a piece at a time, stopped just past 1 MiB


def test_robots_txt_is_read_only_up_to_its_cap(tmp_path: Path) -> None:
    # A robots.txt of 1 GiB (here: endless) is read up to 500 KiB and its rules still apply.
    pulled = 0

    def chunks() -> Iterator[bytes]:
        nonlocal pulled
        yield b"User-agent: *\nDisallow: /private/\n"
        for _ in range(16384):  # 1 GiB of comments
            pulled += 1
            yield b"# padding " * 6553 + b"\n"

    async def run() -> list[str]:
        transport = stream_response(chunks(), {"Content-Type": "text/plain"})
        async with Fetcher(replace(FAST, allow_private=False), tmp_path / "spool", transport=transport) as fetcher:
            results = await fetcher.fetch_many(["https://big.example/private/x"])
        return [outcome(r) for r in results]

    assert asyncio.run(run()) == ["robots_disallowed"]
    assert pulled < 10


def test_a_lone_recaptcha_div_is_no_challenge_but_a_challenge_is_retryable(site: Site, tmp_path: Path) -> None:
    ok, challenge = fetch_all([site.url("/a/recaptcha.html"), site.url("/a/challenge.html")], tmp_path)
    assert outcome(ok) == "ok"
    assert outcome(challenge) == "challenge_page" and isinstance(challenge, FetchError) and challenge.retryable


@pytest.mark.slow
def test_the_breaker_stops_requests_not_only_retries(site: Site, tmp_path: Path) -> None:
    # 100 URLs on a host that always answers 503: once the breaker trips, the URLs still
    # waiting for a slot fail without a request (before: 103 requests).
    options = replace(FAST, breaker_threshold=6, per_host_concurrency=4, retries=3)

    async def no_sleep(seconds: float) -> None:
        await asyncio.sleep(0)

    results = fetch_all([site.url(f"/always-503?n={i}") for i in range(100)], tmp_path, options, sleep=no_sleep)
    assert {outcome(r) for r in results} <= {"http_503_exhausted", "host_paused"}
    assert all(isinstance(r, FetchError) and r.retryable for r in results)
    assert site.hits["/always-503"] <= options.breaker_threshold + options.per_host_concurrency


@pytest.mark.slow
@pytest.mark.parametrize("status", [503, 429, 500])
def test_an_unavailable_robots_txt_leaves_its_pages_due_for_a_later_run(tmp_path: Path, status: int) -> None:
    site = Site(robots_status=status)
    try:
        results = fetch_all([site.url("/a/ok-0.html"), site.url("/a/ok-1.html")], tmp_path)
    finally:
        site.stop()
    assert [outcome(r) for r in results] == ["robots_unavailable", "robots_unavailable"]
    assert all(isinstance(r, FetchError) and r.retryable for r in results)
    assert site.hits["/robots.txt"] == 1 and site.hits["/a/ok-0.html"] == 0


@pytest.mark.slow
def test_robots_txt_wildcards_and_longest_match(tmp_path: Path) -> None:
    # RFC 9309 rules that urllib.robotparser gets wrong (it takes the first match, no wildcards).
    robots = "User-agent: *\nDisallow: /a/\nAllow: /a/ok-0.html\nDisallow: /*.pdf$\nDisallow: /*?print=\n"
    site = Site(robots=robots)
    paths = ["/a/ok-0.html", "/a/ok-1.html", "/report.pdf", "/report.pdf?v=2", "/b/page?print=1"]
    try:
        results = fetch_all([site.url(p) for p in paths], tmp_path)
    finally:
        site.stop()
    assert dict(zip(paths, map(outcome, results), strict=True)) == {
        "/a/ok-0.html": "ok",  # the longer Allow wins over Disallow: /a/
        "/a/ok-1.html": "robots_disallowed",
        "/report.pdf": "robots_disallowed",
        "/report.pdf?v=2": "http_404",  # "$" anchors: allowed, then the site has no such page
        "/b/page?print=1": "robots_disallowed",
    }


def test_unexpected_errors_become_retryable_failures_of_their_url(tmp_path: Path) -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise KeyError("a bug somewhere below")

    (result,) = fetch_all(["https://x.example/"], tmp_path, transport=httpx.MockTransport(explode))
    assert outcome(result) == "internal_error" and isinstance(result, FetchError) and result.retryable


def test_conditional_get_gives_not_modified(site: Site, tmp_path: Path) -> None:
    async def run() -> tuple[Fetched, Fetched]:
        async with Fetcher(FAST, tmp_path / "spool") as fetcher:
            first = await fetcher.fetch(site.url("/feed.xml"), page=False)
            again = await fetcher.fetch(site.url("/feed.xml"), page=False, validators={"etag": first.etag or ""})
            return first, again

    first, again = asyncio.run(run())
    assert first.status == 200 and first.etag == '"feed-v1"'
    assert again.not_modified and site.conditional_hits["/feed.xml"] == 1


def test_retry_after_header_forms() -> None:
    assert _retry_after("7") == 7.0
    assert _retry_after(None) is None and _retry_after("soon") is None
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait
