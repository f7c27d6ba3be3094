"""A real HTTP news site on 127.0.0.1 for fetch tests: healthy pages, flaky ones, a feed, robots.

Behaviours by path (counted per path, so "fails twice then works" is deterministic):

  /robots.txt             disallows /private/, Crawl-delay 1
  /feed.xml               RSS listing every /a/ page and the private one; ETag support (304)
  /a/ok-N.html            an article (N = 0..)
  /a/flaky-503.html       503 twice, then the article
  /a/rate-429.html        429 with Retry-After: 1 once, then the article
  /a/reset.html           the first connection is reset (RST), then the article
  /a/stall.html           sends headers and then nothing for up to 40 s
  /a/missing.html         404
  /a/report.pdf           a PDF
  /a/huge.html            30 MB of HTML, streamed without Content-Length
  /a/challenge.html       a 200 bot-challenge page
  /private/secret.html    an article robots.txt forbids
  /slow/N.html            an article after 100 ms (throughput measurements)
  /always-503             503, always
  /news.xml               RSS listing ``Site.news`` (a list of paths the test may change between runs)
  /sitemap-index.xml      a sitemap index pointing at /sitemap.xml.gz (gzipped, the ok pages)
  /urls.txt               a URL list of two ok pages
  /redirect?to=URL        302 to URL
  /a/recaptcha.html       an article with a comment form's g-recaptcha div (one marker: no challenge)
  /a/gzip-lie.html        Content-Encoding: gzip on a body that is not gzip
  /a/gzip-truncated.html  Content-Encoding: gzip, the gzip stream cut short
  /a/gzip-gzip-bomb.html  Content-Encoding: gzip, gzip: 2 KB that inflate to 200 MB of HTML
  /feed-truncated.json    a JSON Feed cut in the middle
  /feed-mailto.xml        RSS with one ok page, a mailto: link and a javascript: link
  /sitemap-corrupt.xml.gz gzip magic, then garbage
  /sitemap-bomb.xml.gz    a gzipped sitemap that inflates past 50 MB
  /sitemap-many.xml       a sitemap index of 12 children /child/N.xml (each answers after 100 ms,
                          listing /a/ok-N.html); ``max_in_flight`` counts the children fetched at once

``Site(robots=...)`` replaces the robots.txt body; ``Site(robots_status=503)`` makes it answer
that status instead (301/302: a redirect to http://localhost/robots.txt). Every loop is bounded;
``stop()`` ends stalls at once.
"""

import functools
import gzip
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

STALL_SECONDS = 40


def article(title: str, n: int) -> bytes:
    body = "".join(
        f"<p>{title}: officials in Seoul, Tokyo and Washington discussed North Korea's launches and "
        f"the joint drills planned for the spring, paragraph {i} of the report number {n}.</p>"
        for i in range(8)
    )
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title}</title></head><body><nav>Home | World</nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>Footer</footer></body></html>"
    ).encode()


class Site:
    """Start with ``Site()``, use ``url(path)``, read ``hits``; ``stop()`` when done."""

    ok_pages = 4
    children = 12

    def __init__(self, crawl_delay: int | None = 1, *, robots: str | None = None, robots_status: int = 200) -> None:
        self.crawl_delay = crawl_delay
        self.robots = robots
        self.robots_status = robots_status
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        #: What /news.xml lists, in order; tests append to it between runs.
        self.news: list[str] = []
        self.hits: Counter[str] = Counter()
        self.conditional_hits: Counter[str] = Counter()
        self._stopping = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def stop(self) -> None:
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def page_paths(self) -> list[str]:
        return [f"/a/ok-{i}.html" for i in range(self.ok_pages)] + [
            "/a/flaky-503.html",
            "/a/rate-429.html",
            "/a/reset.html",
            "/a/stall.html",
            "/a/missing.html",
            "/a/report.pdf",
            "/a/huge.html",
            "/a/challenge.html",
            "/private/secret.html",
        ]

    def feed(self, paths: list[str] | None = None) -> bytes:
        items = "".join(
            f"<item><title>Item {p}</title><link>{self.url(p)}</link>"
            f"<pubDate>Mon, 17 Feb 2025 11:44:00 +0900</pubDate></item>"
            for p in (self.page_paths() if paths is None else paths)
        )
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback news</title>'
            f"<link>{self.base}/</link>{items}</channel></rss>"
        ).encode()

    # -- request handling -------------------------------------------------------------------------

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        path = urlsplit(h.path).path
        self.hits[path] += 1
        n = self.hits[path]
        if path == "/robots.txt":
            if self.robots_status in (301, 302):  # to a host the fetcher refuses
                return self._send(h, self.robots_status, b"", None, {"Location": "http://localhost/robots.txt"})
            if self.robots_status != 200:
                return self._send(h, self.robots_status, b"robots.txt unavailable", "text/plain")
            delay = f"Crawl-delay: {self.crawl_delay}\n" if self.crawl_delay else ""
            text = self.robots if self.robots is not None else f"User-agent: *\nDisallow: /private/\n{delay}"
            return self._send(h, 200, text.encode(), "text/plain")
        if path == "/feed.xml":
            etag = '"feed-v1"'
            if h.headers.get("If-None-Match") == etag:
                self.conditional_hits[path] += 1
                return self._send(h, 304, b"", None, {"ETag": etag})
            return self._send(h, 200, self.feed(), "application/rss+xml", {"ETag": etag})
        if path == "/news.xml":
            return self._send(h, 200, self.feed(self.news), "application/rss+xml")
        if path.startswith("/a/ok-") or path.startswith("/private/"):
            return self._send(h, 200, article(f"Story {path}", n), "text/html; charset=utf-8")
        if path == "/a/flaky-503.html" and n <= 2:
            return self._send(h, 503, b"busy", "text/plain")
        if path == "/a/rate-429.html" and n == 1:
            return self._send(h, 429, b"slow down", "text/plain", {"Retry-After": "1"})
        if path == "/a/reset.html" and n == 1:
            # SO_LINGER with a zero timeout makes close() send RST: a connection reset.
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
            return None
        if path in ("/a/flaky-503.html", "/a/rate-429.html", "/a/reset.html"):
            return self._send(h, 200, article(f"Recovered {path}", 0), "text/html")
        if path == "/a/stall.html":
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", "100000")
            h.end_headers()
            self._stopping.wait(STALL_SECONDS)
            return None
        if path == "/sitemap-index.xml":
            return self._send(
                h,
                200,
                (
                    f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                    f'sitemap/0.9"><sitemap><loc>{self.url("/sitemap.xml.gz")}</loc></sitemap>'
                    f"</sitemapindex>"
                ).encode(),
                "application/xml",
            )
        if path == "/sitemap.xml.gz":
            locs = "".join(f"<url><loc>{self.url(f'/a/ok-{i}.html')}</loc></url>" for i in range(self.ok_pages))
            xml = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'.encode()
            return self._send(h, 200, gzip.compress(xml), "application/x-gzip")
        if path == "/urls.txt":
            lines = "# two pages\n" + "\n".join(self.url(f"/a/ok-{i}.html") for i in range(2)) + "\n"
            return self._send(h, 200, lines.encode(), "text/plain")
        if path == "/always-503":
            return self._send(h, 503, b"down", "text/plain")
        if path == "/a/missing.html":
            return self._send(h, 404, b"not found", "text/plain")
        if path == "/a/report.pdf":
            return self._send(h, 200, b"%PDF-1.7\n" + b"0" * 2000, "application/pdf")
        if path == "/a/huge.html":
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.send_header("Connection", "close")
            h.end_headers()
            chunk = b"<p>" + b"x" * 65530 + b"</p>"
            try:
                for _ in range(30 * 16):  # 30 MB
                    if self._stopping.is_set():
                        break
                    h.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up at its size limit, as it should
            h.close_connection = True
            return None
        if path == "/a/challenge.html":
            return self._send(
                h,
                200,
                b"<html><head><title>Just a moment...</title></head><body>"
                b"<div id='cf-browser-verification'>Checking your browser</div></body></html>",
                "text/html",
            )
        if path.startswith("/slow/"):
            time.sleep(0.1)
            return self._send(h, 200, article(f"Slow {path}", n), "text/html")
        if path == "/a/recaptcha.html":
            page = article("Comments welcome", 0).replace(
                b"</article>", b"</article><form><div class='g-recaptcha' data-sitekey='x'></div></form>"
            )
            return self._send(h, 200, page, "text/html")
        if path == "/a/gzip-lie.html":
            return self._send(h, 200, article("Not gzip", 0), "text/html", {"Content-Encoding": "gzip"})
        if path == "/a/gzip-truncated.html":
            body = gzip.compress(article("Cut", 0))[:-40]
            return self._send(h, 200, body, "text/html", {"Content-Encoding": "gzip"})
        if path == "/a/gzip-gzip-bomb.html":
            return self._send(h, 200, _double_gzip_bomb(), "text/html", {"Content-Encoding": "gzip, gzip"})
        if path == "/feed-truncated.json":
            items = ",".join(f'{{"id": "{i}", "url": "{self.url(f"/a/ok-{i}.html")}"}}' for i in range(2))
            body = f'{{"version": "https://jsonfeed.org/version/1.1", "items": [{items}]}}'.encode()
            return self._send(h, 200, body[: len(body) // 2], "application/feed+json")
        if path == "/feed-mailto.xml":
            items = "".join(
                f"<item><title>{n}</title><link>{link}</link></item>"
                for n, link in enumerate([self.url("/a/ok-0.html"), "mailto:desk@news.example", "javascript:alert(1)"])
            )
            body = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()
            return self._send(h, 200, body, "application/rss+xml")
        if path == "/sitemap-corrupt.xml.gz":
            return self._send(h, 200, b"\x1f\x8b\x08\x00" + b"garbage" * 100, "application/x-gzip")
        if path == "/sitemap-bomb.xml.gz":
            return self._send(h, 200, _sitemap_bomb(), "application/x-gzip")
        if path == "/sitemap-many.xml":
            locs = "".join(f"<sitemap><loc>{self.url(f'/child/{i}.xml')}</loc></sitemap>" for i in range(self.children))
            index = f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</sitemapindex>'
            return self._send(h, 200, index.encode(), "application/xml")
        if path.startswith("/child/"):
            with self._lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                self._stopping.wait(0.1)
            finally:
                with self._lock:
                    self.in_flight -= 1
            child = path.removeprefix("/child/").removesuffix(".xml")
            loc = self.url(f"/a/ok-{child}.html")
            urlset = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{loc}</loc></url></urlset>'
            return self._send(h, 200, urlset.encode(), "application/xml")
        if path == "/redirect":
            target = parse_qs(urlsplit(h.path).query)["to"][0]
            return self._send(h, 302, b"", None, {"Location": target})
        return self._send(h, 404, b"no such page", "text/plain")

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str | None, headers: dict[str, str] | None = None
    ) -> None:
        h.send_response(status)
        if ctype:
            h.send_header("Content-Type", ctype)
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if body:
            h.wfile.write(body)


@functools.cache
def _double_gzip_bomb() -> bytes:
    inner = gzip.compress(b"<html><body><p>" + b"A" * (200 * 1024 * 1024) + b"</p></body></html>", compresslevel=9)
    return gzip.compress(inner, compresslevel=9)


@functools.cache
def _sitemap_bomb() -> bytes:
    url = b"<url><loc>https://bomb.example/page</loc></url>"
    xml = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + url * (60 * 1024 * 1024 // len(url))
    return gzip.compress(xml + b"</urlset>", compresslevel=9)
