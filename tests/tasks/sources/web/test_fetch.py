"""The fetcher against a real HTTP server on 127.0.0.1 (no network mocks)."""

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tasks.core.errors import FetchError
from tasks.sources.web.fetch import Fetched, Fetcher, FetchOptions, _retry_after
from tasks.sources.web.guard import check_url, is_public
from tests.support.loopback import Site

pytestmark = pytest.mark.slow  # a real HTTP server on loopback, real timeouts

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
        "/a/challenge.html": False,
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


def test_private_address_behind_a_redirect_is_refused(site: Site, tmp_path: Path) -> None:
    # "localhost" plays a public host here; every other host gets the real policy.
    async def guard(url: str) -> None:
        if urlsplit(url).hostname != "localhost":
            await check_url(url, allow_private=False)

    port = urlsplit(site.base).port
    start = f"http://localhost:{port}/redirect?to={quote(site.url('/a/ok-0.html'), safe='')}"
    (result,) = fetch_all([start], tmp_path, replace(FAST, allow_private=False), guard=guard)
    assert outcome(result) == "blocked_private_address"
    assert site.hits["/redirect"] == 1 and site.hits["/a/ok-0.html"] == 0


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
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_only_http_urls(tmp_path: Path) -> None:
    (result,) = fetch_all(["file:///etc/passwd"], tmp_path)
    assert outcome(result) == "bad_url"


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
