"""`newsflow ingest <feed URL>` against a real loopback site that misbehaves in every way: each
recoverable article ingested exactly once, every other URL in failures with its reason, and a
second run adds no rows and fetches nothing new."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.query import table_glob
from tests.support import counts, query, run_newsflow
from tests.support.loopback import Site

pytestmark = [pytest.mark.flow, pytest.mark.slow]


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    yield s
    s.stop()


def run(args: list[str], api_url: str) -> str:
    env = {
        **os.environ,
        "PREFECT_API_URL": api_url,
        "NEWSFLOW_ALLOW_PRIVATE_HOSTS": "1",
        "NEWSFLOW_FETCH_TIMEOUT": "1",
        "NEWSFLOW_FETCH_RETRIES": "2",
        "NEWSFLOW_FETCH_DELAY": "0",
    }
    proc = run_newsflow(args, env)
    return proc.stdout + proc.stderr


def test_feed_of_a_misbehaving_site(prefect_server: str, site: Site, tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    run(["ingest", site.url("/feed.xml"), "--out", str(out)], prefect_server)

    articles = dict(query(f"SELECT url, count(*) FROM read_parquet('{table_glob(out, 'articles')}') GROUP BY ALL"))
    recoverable = [f"/a/ok-{i}.html" for i in range(site.ok_pages)] + [
        "/a/flaky-503.html",
        "/a/rate-429.html",
        "/a/reset.html",
    ]
    assert articles == {site.url(p): 1 for p in recoverable}
    failures = dict(query(f"SELECT source_uri, reason FROM read_parquet('{table_glob(out, 'failures')}')"))
    assert failures == {
        site.url("/a/stall.html"): "timeout",
        site.url("/a/missing.html"): "http_404",
        site.url("/a/report.pdf"): "not_html",
        site.url("/a/huge.html"): "too_large",
        site.url("/a/challenge.html"): "challenge_page",
        site.url("/private/secret.html"): "robots_disallowed",
    }
    dates = query(f"SELECT DISTINCT date_source, published_at FROM read_parquet('{table_glob(out, 'articles')}')")
    assert [(d, str(t)) for d, t in dates] == [("feed", "2025-02-17 02:44:00+00:00")]

    before, hits = counts(out), dict(site.hits)
    run(["ingest", site.url("/feed.xml"), "--out", str(out)], prefect_server)
    after = counts(out)
    assert after.pop("runs")[0] == before.pop("runs")[0] + 1
    assert after == before  # no new rows anywhere
    new_requests = {p: n - hits.get(p, 0) for p, n in site.hits.items() if n != hits.get(p, 0)}
    # robots.txt (checked once per run) and the feed, by a conditional GET answered 304: nothing else.
    assert new_requests == {"/robots.txt": 1, "/feed.xml": 1}
    assert site.conditional_hits["/feed.xml"] == 1


def test_a_url_that_always_fails_never_breaks_later_runs(prefect_server: str, site: Site, tmp_path: Path) -> None:
    # The reliability issue's P0: the second run over a still-failing URL crashed its commit,
    # and so did every scheduled poll after it.
    out = tmp_path / "dataset"
    site.news = ["/a/ok-0.html", "/always-503"]
    for _ in range(2):
        run(["ingest", site.url("/news.xml"), "--out", str(out)], prefect_server)
    site.news.append("/a/ok-1.html")  # published after the first two polls
    log = run(["ingest", site.url("/news.xml"), "--out", str(out)], prefect_server)
    assert "ingested 1" in log
    failures = query(f"SELECT source_uri, reason FROM read_parquet('{table_glob(out, 'failures')}')")
    assert failures == [(site.url("/always-503"), "http_503_exhausted")]  # on record once
    urls = query(f"SELECT url FROM read_parquet('{table_glob(out, 'articles')}') ORDER BY url")
    assert urls == [(site.url("/a/ok-0.html"),), (site.url("/a/ok-1.html"),)]
    assert site.hits["/always-503"] == 3 * 3  # retried by every run (3 attempts each), never given up
