"""Expanding web sources into pages (against the loopback site) and reading WARC archives."""

import asyncio
import io
import random
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tasks.core.errors import MalformedSource, NewsflowError
from tasks.core.identity import url_digest
from tasks.core.records import ItemResult
from tasks.pipeline import PipelineOptions, process_batch
from tasks.sources.discover import discover
from tasks.sources.web.fetch import Fetcher, FetchOptions
from tasks.sources.web.formats import Link
from tasks.sources.web.harvest import Expansion, expand, harvest, url_list_links, warc_refs
from tests.support.loopback import Site, article

pytestmark = pytest.mark.slow  # a real HTTP server on loopback

OPTIONS = FetchOptions(read_timeout=2, retries=1, backoff_base=0.01, min_delay=0, allow_private=True)


def run_harvest(site: Site, tmp_path: Path, sources: list[str], links: list[Link], known=lambda c, d: False):
    async def go():
        async with Fetcher(OPTIONS, tmp_path / "spool") as fetcher:
            return await harvest(fetcher, sources, links, validators={}, known=known)

    return asyncio.run(go())


def test_sitemap_index_url_list_and_direct_page(tmp_path: Path) -> None:
    site = Site()
    try:
        result = run_harvest(
            site,
            tmp_path,
            [site.url("/sitemap-index.xml"), site.url("/urls.txt"), site.url("/a/ok-3.html")],
            [Link(url=site.url("/a/ok-0.html"))],
        )
    finally:
        site.stop()
    assert result.failures == []
    assert sorted(r.source_uri for r in result.refs) == [site.url(f"/a/ok-{i}.html") for i in range(4)]
    assert site.hits["/a/ok-0.html"] == 1  # listed three times, fetched once
    assert all(r.digest == url_digest(r.source_uri) and Path(r.path).exists() for r in result.refs)


def test_known_pages_are_not_fetched(tmp_path: Path) -> None:
    site = Site()
    try:
        known_url = site.url("/a/ok-1.html")
        result = run_harvest(site, tmp_path, [site.url("/urls.txt")], [], known=lambda c, d: c == known_url)
    finally:
        site.stop()
    assert [r.source_uri for r in result.refs] == [site.url("/a/ok-0.html")]
    assert result.unchanged == 1 and site.hits["/a/ok-1.html"] == 0


def test_local_url_list_file_is_discovered_as_such(tmp_path: Path) -> None:
    (tmp_path / "list.txt").write_text("# feeds to read\nhttps://a.example/x\nhttps://a.example/y\n")
    (tmp_path / "story.txt").write_text("Seoul and Tokyo met.\nhttps://a.example/x is cited here.\n")
    assert {Path(r.path).name: r.kind for r in discover([str(tmp_path)])} == {
        "list.txt": "urllist",
        "story.txt": "text",
    }


def test_warc_pages_become_pipeline_inputs(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for url, status, ctype, body in [
        ("https://news.example.org/2025/02/17/one", "200 OK", "text/html; charset=utf-8", article("One", 1)),
        ("https://news.example.org/2025/02/17/two", "200 OK", "text/html", article("Two", 2)),
        ("https://news.example.org/gone", "404 Not Found", "text/html", b"gone"),
        ("https://news.example.org/file.pdf", "200 OK", "application/pdf", b"%PDF-1.7"),
    ]:
        headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
    archive = tmp_path / "crawl.warc.gz"
    archive.write_bytes(buffer.getvalue())
    (ref,) = discover([str(archive)])
    assert ref.kind == "warc"
    refs = list(warc_refs(ref.path, tmp_path / "spool"))
    assert [r.url for r in refs] == [
        "https://news.example.org/2025/02/17/one",
        "https://news.example.org/2025/02/17/two",
    ]
    from datetime import UTC, datetime

    result = process_batch(refs, PipelineOptions(), datetime.now(UTC))
    assert [i.article.url if i.article else i.failure for i in result.items] == [r.url for r in refs]
    assert all(i.article and i.article.date_source == "url" for i in result.items)


def run_expand(site: Site, tmp_path: Path, sources: list[str]) -> Expansion:
    async def go() -> Expansion:
        async with Fetcher(OPTIONS, tmp_path / "spool") as fetcher:
            return await expand(fetcher, sources, {})

    return asyncio.run(go())


@pytest.mark.slow
def test_sources_that_do_not_parse_fail_precisely_and_the_rest_go_on(tmp_path: Path) -> None:
    site = Site(crawl_delay=None)
    bad = ["/feed-truncated.json", "/sitemap-corrupt.xml.gz", "/sitemap-bomb.xml.gz"]
    try:
        result = run_expand(site, tmp_path, [*(site.url(p) for p in bad), site.url("/feed-mailto.xml")])
    finally:
        site.stop()
    assert {f.failure.source_uri: f.failure.reason for f in result.failures if f.failure} == {
        site.url("/feed-truncated.json"): "malformed_source",
        site.url("/sitemap-corrupt.xml.gz"): "malformed_source",
        site.url("/sitemap-bomb.xml.gz"): "too_large",
        "mailto:desk@news.example": "bad_url",
        "javascript:alert(1)": "bad_url",
    }
    assert [link.url for link in result.links] == [site.url("/a/ok-0.html")]  # the source after them


@pytest.mark.slow
def test_a_sitemap_index_fetches_its_children_concurrently(tmp_path: Path) -> None:
    site = Site(crawl_delay=None)
    try:
        result = run_expand(site, tmp_path, [site.url("/sitemap-many.xml")])
    finally:
        site.stop()
    assert [link.url for link in result.links] == [site.url(f"/a/ok-{i}.html") for i in range(site.children)]
    assert 2 <= site.max_in_flight <= OPTIONS.per_host_concurrency  # bounded, but not one at a time


def test_a_local_url_list_with_a_line_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(b"https://a.example/one\nhttps://a.example/caf\xe9\nhttps://a.example/two\n")
    failures: list[ItemResult] = []
    links = url_list_links(str(path), on_failure=failures.append)
    assert links == [Link("https://a.example/one"), Link("https://a.example/two")]
    assert [(f.failure.reason, f.failure.stage) for f in failures if f.failure] == [("decode_error", "load")]
    assert url_list_links(str(path)) == links  # without a sink the bad line is only skipped


def test_an_unreadable_url_list_raises_only_a_newsflow_error(tmp_path: Path) -> None:
    with pytest.raises(NewsflowError):
        url_list_links(str(tmp_path / "missing.txt"))


def _archive(bodies: list[bytes]) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for i, body in enumerate(bodies):
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            f"https://news.example.org/{i}",
            "response",
            payload=io.BytesIO(body),
            http_headers=headers,
            warc_headers_dict={"WARC-Record-ID": f"<urn:uuid:00000000-0000-0000-0000-00000000000{i}>"},
        )
        writer.write_record(record)
    return buffer.getvalue()


def test_a_truncated_warc_record_is_a_failure_and_the_complete_archive_later_is_new(tmp_path: Path) -> None:
    bodies = [article("One", 1), article("Two", 2) + random.Random(2).randbytes(4000).hex().encode()]
    whole = _archive(bodies)
    archive = tmp_path / "crawl.warc.gz"
    archive.write_bytes(whole[:-500])
    failures: list[ItemResult] = []
    refs = list(warc_refs(str(archive), tmp_path / "spool", on_failure=failures.append))
    assert [r.url for r in refs] == ["https://news.example.org/0"]
    (failure,) = failures
    assert failure.failure and failure.failure.reason == "truncated_record" and not failure.failure.retryable
    archive.write_bytes(whole)  # the crawl completed the file
    complete = list(warc_refs(str(archive), tmp_path / "spool"))
    assert [r.url for r in complete] == ["https://news.example.org/0", "https://news.example.org/1"]
    assert complete[1].digest != failure.ref.digest  # so the ledger does not count it as done
    assert Path(complete[1].path).read_bytes() == bodies[1]


@pytest.mark.parametrize("garbage", [b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4, b"not a warc at all\n" * 50])
def test_a_garbage_warc_raises_only_malformed_source(tmp_path: Path, garbage: bytes) -> None:
    archive = tmp_path / "junk.warc.gz"
    archive.write_bytes(garbage)
    with pytest.raises(MalformedSource):
        list(warc_refs(str(archive), tmp_path / "spool"))
