"""Expanding web sources into pages (against the loopback site) and reading WARC archives."""

import asyncio
import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tasks.core.identity import url_digest
from tasks.pipeline import PipelineOptions, process_batch
from tasks.sources.discover import discover
from tasks.sources.web.fetch import Fetcher, FetchOptions
from tasks.sources.web.formats import Link
from tasks.sources.web.harvest import harvest, warc_refs
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
