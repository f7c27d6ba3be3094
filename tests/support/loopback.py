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

Every loop is bounded; ``stop()`` ends stalls at once.
"""

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

    def __init__(self, crawl_delay: int | None = 1) -> None:
        self.crawl_delay = crawl_delay
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
            delay = f"Crawl-delay: {self.crawl_delay}\n" if self.crawl_delay else ""
            return self._send(h, 200, f"User-agent: *\nDisallow: /private/\n{delay}".encode(), "text/plain")
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
