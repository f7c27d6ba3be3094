"""Fetch throughput at the default settings against loopback servers that answer after 100 ms.

Prints figures, asserts nothing. One host shows the per-host politeness limits (4 connections,
0.25 s between a connection's requests); several hosts show the global concurrency at work.

Usage: python -m tests.bench.bench_fetch [--pages N] [--hosts H]
"""

import argparse
import asyncio
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from tasks.sources.web.fetch import Fetched, Fetcher, FetchOptions
from tests.support.loopback import Site


def measure(sites: list[Site], pages_per_site: int, options: FetchOptions) -> tuple[float, int]:
    urls = [site.url(f"/slow/{i}.html") for i in range(pages_per_site) for site in sites]

    async def run() -> int:
        with tempfile.TemporaryDirectory() as spool:
            async with Fetcher(options, Path(spool)) as fetcher:
                results = await fetcher.fetch_many(urls)
        return sum(isinstance(r, Fetched) for r in results)

    started = time.perf_counter()
    ok = asyncio.run(run())
    return time.perf_counter() - started, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=240)
    parser.add_argument("--hosts", type=int, default=8)
    args = parser.parse_args()
    # Defaults, except that loopback addresses must be allowed for the test servers.
    options = replace(FetchOptions(), allow_private=True)
    print(
        f"fetch defaults: {options.per_host_concurrency} connections per host, {options.min_delay} s between a "
        f"connection's requests, {options.concurrency} in all; server latency 100 ms"
    )
    for hosts in (1, args.hosts):
        sites = [Site(crawl_delay=None) for _ in range(hosts)]
        try:
            elapsed, ok = measure(sites, args.pages // hosts, options)
        finally:
            for site in sites:
                site.stop()
        print(f"  {hosts} host(s): {ok} pages in {elapsed:.1f} s = {ok / elapsed:.1f} pages/s")


if __name__ == "__main__":
    main()
