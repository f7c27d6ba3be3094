"""Collection: every kind of SOURCE routed, the ledger asked once per input, and no bad input ever
stopping the rest (fast tier: a fake ledger, a fake or MockTransport-backed fetch)."""

import gzip
import hashlib
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tasks.core.identity import url_digest
from tasks.core.records import Hints, InputRef, ItemResult
from tasks.core.vocabulary import Outcome
from tasks.sources.collect import Collected, Collector, Skipped, fetch_pages
from tasks.sources.web.fetch import FetchOptions
from tasks.sources.web.formats import Link
from tasks.sources.web.harvest import Harvest

PAGE = b"<html><head><title>T</title></head><body><p>Seoul and Tokyo met.</p></body></html>"


class FakeLedger:
    """Digests an earlier run finished; remembers this run's claims like the dataset does."""

    def __init__(self, done: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.done = set(done)
        self.claimed: list[str] = []

    def claim(self, digest: str, *, url: str | None = None) -> Outcome | None:
        if digest in self.done:
            return "unchanged"
        if digest in self.claimed:
            return "duplicate"
        self.claimed.append(digest)
        return None


def no_fetch(sources: Sequence[str], links: Sequence[Link], known: Callable[[str, str], bool]) -> Harvest:
    raise AssertionError(f"nothing to fetch was expected: {sources} {links}")


def collect(sources: list[str], tmp_path: Path, ledger: FakeLedger | None = None, fetch=no_fetch) -> list[Collected]:
    return list(Collector(sources, ledger or FakeLedger(), fetch, tmp_path / "spool"))


def reasons(items: list[Collected]) -> dict[str, str]:
    return {i.ref.source_uri: i.failure.reason for i in items if isinstance(i, ItemResult) and i.failure}


def warc(records: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for url, body in records:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
    return buffer.getvalue()


def test_local_files_are_inputs_then_unchanged_and_repeats_are_duplicates(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.html").write_bytes(PAGE)
    (tmp_path / "in" / "b.txt").write_text("Seoul and Tokyo met again on Monday for talks.", encoding="utf-8")
    (tmp_path / "in" / "c.html").write_bytes(PAGE)  # the same bytes as a.html
    first = collect([str(tmp_path / "in")], tmp_path)
    assert [type(i).__name__ for i in first] == ["InputRef", "InputRef", "Skipped"]
    assert isinstance(first[2], Skipped) and first[2].outcome == "duplicate"
    done = {i.digest for i in first if isinstance(i, InputRef)}
    again = collect([str(tmp_path / "in")], tmp_path, FakeLedger(done))
    assert [i.outcome for i in again if isinstance(i, Skipped)] == ["unchanged", "unchanged", "unchanged"]


def test_a_missing_source_is_a_failure_and_the_next_source_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_bytes(PAGE)
    items = collect([str(tmp_path / "missing"), str(tmp_path / "a.html")], tmp_path)
    assert reasons(items) == {str(tmp_path / "missing"): "not_found"}
    assert [i.source_uri for i in items if isinstance(i, InputRef)] == [str(tmp_path / "a.html")]


def test_a_url_list_with_a_latin1_byte_loses_only_that_line(tmp_path: Path) -> None:
    # One of the two inputs that used to stop a whole run (decoded strictly outside any try).
    (tmp_path / "urls.txt").write_bytes(b"https://news.example/a\nhttps://news.example/caf\xe9\n")
    (tmp_path / "b.html").write_bytes(PAGE)
    listed: list[str] = []

    def fetch(sources: Sequence[str], links: Sequence[Link], known: Callable[[str, str], bool]) -> Harvest:
        listed.extend(link.url for link in links)
        return Harvest()

    items = collect([str(tmp_path / "urls.txt"), str(tmp_path / "b.html")], tmp_path, fetch=fetch)
    assert list(reasons(items).values()) == ["decode_error"]
    assert listed == ["https://news.example/a"]
    assert [i.source_uri for i in items if isinstance(i, InputRef)] == [str(tmp_path / "b.html")]


def test_a_garbage_warc_is_a_failure_and_a_good_one_yields_its_pages(tmp_path: Path) -> None:
    (tmp_path / "bad.warc.gz").write_bytes(gzip.compress(b"this is no WARC at all\n" * 10))
    (tmp_path / "good.warc.gz").write_bytes(warc([("https://news.example/1", PAGE + b"1")]))
    items = collect([str(tmp_path / "bad.warc.gz"), str(tmp_path / "good.warc.gz")], tmp_path)
    assert reasons(items) == {str(tmp_path / "bad.warc.gz"): "malformed_source"}
    (page,) = [i for i in items if isinstance(i, InputRef)]
    assert page.url == "https://news.example/1" and Path(page.path).read_bytes() == PAGE + b"1"


def test_url_lists_and_web_sources_are_fetched_together_and_claimed_once(tmp_path: Path) -> None:
    (tmp_path / "urls.txt").write_text("https://news.example/a\nhttps://news.example/b\n", encoding="utf-8")
    seen: dict[str, object] = {}

    def fetch(sources: Sequence[str], links: Sequence[Link], known: Callable[[str, str], bool]) -> Harvest:
        seen.update(sources=list(sources), links=[link.url for link in links])
        out = Harvest()
        for url in ("https://news.example/a", "https://news.example/b"):
            if not known(url, url_digest(url)):
                out.refs.append(_page_ref(url, tmp_path))
        out.refs.append(_page_ref("https://news.example/feed-page", tmp_path))  # the SOURCE itself was a page
        return out

    ledger = FakeLedger({url_digest("https://news.example/b")})
    items = collect([str(tmp_path / "urls.txt"), "https://news.example/feed-page"], tmp_path, ledger, fetch)
    assert seen == {
        "sources": ["https://news.example/feed-page"],
        "links": ["https://news.example/a", "https://news.example/b"],
    }
    assert [i.source_uri for i in items if isinstance(i, InputRef)] == [
        "https://news.example/a",
        "https://news.example/feed-page",
    ]
    assert sorted(ledger.claimed) == sorted(
        [url_digest("https://news.example/a"), url_digest("https://news.example/feed-page")]
    )


def test_a_fetch_that_fails_for_good_records_every_url_as_retryable(tmp_path: Path) -> None:
    def broken(sources: Sequence[str], links: Sequence[Link], known: Callable[[str, str], bool]) -> Harvest:
        raise RuntimeError("the event loop fell over")

    (tmp_path / "urls.txt").write_text("https://news.example/a\n", encoding="utf-8")
    (tmp_path / "b.html").write_bytes(PAGE)
    items = collect(
        [str(tmp_path / "urls.txt"), "https://news.example/feed", str(tmp_path / "b.html")], tmp_path, fetch=broken
    )
    failures = [i.failure for i in items if isinstance(i, ItemResult) and i.failure]
    assert {(f.source_uri, f.reason, f.retryable) for f in failures} == {
        ("https://news.example/feed", "batch_error", True),
        ("https://news.example/a", "batch_error", True),
    }
    assert "RuntimeError" in failures[0].detail
    assert [i.source_uri for i in items if isinstance(i, InputRef)] == [str(tmp_path / "b.html")]


def test_a_truncated_gzipped_sitemap_from_the_web_does_not_stop_the_run(tmp_path: Path) -> None:
    # The other input that used to stop a whole run: the parse was not guarded, only the fetch.
    sitemap = gzip.compress(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>x</loc></url></urlset>'
    )

    def site(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/sitemap.xml.gz":
            truncated = httpx.ByteStream(sitemap[: len(sitemap) // 2])
            return httpx.Response(200, stream=truncated, headers={"Content-Type": "application/x-gzip"})
        if request.url.path == "/a.html":
            return httpx.Response(200, stream=httpx.ByteStream(PAGE * 20), headers={"Content-Type": "text/html"})
        return httpx.Response(404, stream=httpx.ByteStream(b""))

    options = FetchOptions(min_delay=0, retries=0, allow_private=True)

    def fetch(sources: Sequence[str], links: Sequence[Link], known: Callable[[str, str], bool]) -> Harvest:
        return fetch_pages(
            sources,
            links,
            known,
            options=options,
            spool=tmp_path / "spool",
            validators={},
            transport=httpx.MockTransport(site),
        )

    items = collect(["https://news.example/sitemap.xml.gz", "https://news.example/a.html"], tmp_path, fetch=fetch)
    assert reasons(items) == {"https://news.example/sitemap.xml.gz": "malformed_source"}
    assert [i.source_uri for i in items if isinstance(i, InputRef)] == ["https://news.example/a.html"]


def _page_ref(url: str, tmp_path: Path) -> InputRef:
    path = tmp_path / hashlib.sha256(url.encode()).hexdigest()
    path.write_bytes(PAGE)
    return InputRef(
        source_uri=url, kind="html", path=str(path), digest=url_digest(url), size=len(PAGE), hints=Hints(url=url)
    )
