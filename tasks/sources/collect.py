"""Collection: SOURCE arguments -> what a run has to do, one input at a time.

A run's SOURCEs are any mix of files, directories and http(s) URLs. :class:`Collector` routes
each (local files to discovery, ``.warc`` archives to their records, URL lists and web SOURCEs to
one harvest), asks the ledger whether each input needs work, and yields, lazily and in a stable
order:

- an :class:`~tasks.core.records.InputRef` to process;
- a :class:`Skipped` input (``unchanged``: an earlier run finished it; ``duplicate``: the same
  bytes earlier in this run), which costs nothing more;
- an :class:`~tasks.core.records.ItemResult` failure: a SOURCE, file, archive or URL that cannot
  be used, with its reason.

It never raises for a bad input, however broken: each becomes a failure and the rest goes on. The
dataset answers "is it already there?" (the :class:`Ledger`); fetching is a seam (:class:`Fetch`),
so the caller decides how it runs (the flow wraps it in a Prefect task with retries).
"""

import asyncio
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx

from tasks.core.errors import BatchError, InternalError, NewsflowError, SourceNotFound, UnreadableSource
from tasks.core.identity import sha256_hex, url_digest
from tasks.core.records import Hints, InputRef, ItemResult, failed
from tasks.core.vocabulary import Outcome, Stage
from tasks.sources.discover import DiscoverOptions, Fingerprints, discover, estimate
from tasks.sources.web.fetch import Fetcher, FetchOptions
from tasks.sources.web.formats import Link
from tasks.sources.web.harvest import Harvest, harvest, is_web_source, url_list_links, warc_refs


class Ledger(Protocol):
    """What collection asks the dataset (``storage.dataset.Dataset`` answers it)."""

    def claim(self, digest: str, *, url: str | None = None) -> Outcome | None:
        """``unchanged``/``duplicate`` for an input that needs no work, else None (claimed now)."""
        ...


#: Fetches web SOURCEs and listed links: ``(sources, links, known) -> Harvest``, where ``known``
#: says whether a page (canonical URL, ledger digest) needs no fetching.
Fetch = Callable[[Sequence[str], Sequence[Link], Callable[[str, str], bool]], Harvest]


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that needs no work, and why."""

    ref: InputRef
    outcome: Outcome


Collected = InputRef | Skipped | ItemResult


@dataclass
class Collector:
    """Iterate to collect ``sources``; afterwards ``validators`` holds the HTTP validators of the web
    sources (to store once what they listed is committed) and ``fingerprints`` the updated map."""

    sources: Sequence[str]
    ledger: Ledger
    fetch: Fetch
    #: Where WARC records are spooled for the workers (the run's scratch directory).
    spool: Path
    fingerprints: Fingerprints = field(default_factory=dict)
    options: DiscoverOptions = field(default_factory=DiscoverOptions)
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Pages a harvest found already in the dataset without fetching them (counted, not yielded).
    known_pages: int = 0
    #: Directory SOURCEs in which no file had a known suffix.
    empty_sources: list[str] = field(default_factory=list)
    #: Called with the number of URLs to fetch when the web phase begins (progress reporting).
    on_fetch: Callable[[int], None] | None = None

    def estimate(self) -> int:
        """About how many inputs the local SOURCEs hold (web SOURCEs are counted once fetched)."""
        return estimate([s for s in self.sources if not is_web_source(s)], self.options)

    def __iter__(self) -> Iterator[Collected]:
        web = [s for s in self.sources if is_web_source(s)]
        links: list[Link] = []
        for source in self.sources:
            if not is_web_source(source):
                yield from self._local(source, links)
        if web or links:
            yield from self._web(web, links)

    # -- local SOURCEs ---------------------------------------------------------------------------

    def _local(self, source: str, links: list[Link]) -> Iterator[Collected]:
        if not os.path.exists(source):
            yield failed(_source_ref(source), SourceNotFound(f"source not found: {source}"), stage="discover")
            return
        # Discovery and the readers of archives and URL lists pass each unusable entry (a refused
        # symlink, a truncated record, an undecodable line) here, and go on with the rest.
        refused: list[ItemResult] = []
        found = 0
        try:
            for ref in discover([source], self.options, fingerprints=self.fingerprints, on_failure=refused.append):
                found += 1
                if ref.kind == "urllist":
                    try:
                        links.extend(url_list_links(ref.path, on_failure=refused.append))
                    except Exception as exc:
                        yield failed(ref, as_error(exc, "load"), stage="load")
                elif ref.kind == "warc":
                    yield from self._warc(ref, refused)
                else:
                    yield self._triage(ref)
                yield from _drain(refused)
        except Exception as exc:  # the rest of this SOURCE is lost; it and the other SOURCEs go on
            yield failed(_source_ref(source), as_error(exc, "discover"), stage="discover")
        yield from _drain(refused)
        if not found and os.path.isdir(source):
            self.empty_sources.append(source)

    def _warc(self, archive: InputRef, refused: list[ItemResult]) -> Iterator[Collected]:
        """The archive's pages; an archive that breaks part-way keeps the pages read before it."""
        try:
            for ref in warc_refs(archive.path, self.spool, on_failure=refused.append):
                yield self._triage(ref)
                yield from _drain(refused)
        except Exception as exc:
            yield failed(archive, as_error(exc, "load"), stage="load")

    def _triage(self, ref: InputRef) -> InputRef | Skipped:
        outcome = self.ledger.claim(ref.digest, url=ref.url)
        return ref if outcome is None else Skipped(ref, outcome)

    # -- the web ---------------------------------------------------------------------------------

    def _web(self, sources: list[str], links: list[Link]) -> Iterator[Collected]:
        def known(canonical: str, digest: str) -> bool:
            return self.ledger.claim(digest, url=canonical) is not None

        if self.on_fetch is not None:
            self.on_fetch(len(sources) + len(links))
        try:
            result = self.fetch(sources, links, known)
        except Exception as exc:  # the whole fetch failed for good: every URL is retried next run
            error = BatchError(f"fetching failed: {type(exc).__name__}: {exc}", stage="fetch")
            for url in [*sources, *(link.url for link in links)]:
                yield failed(_url_ref(url), error, stage="fetch")
            return
        self.validators = result.validators
        self.known_pages = result.unchanged
        direct = set(sources)
        for ref in result.refs:
            # Links were claimed by ``known`` before fetching; a SOURCE that is itself a page was not.
            yield self._triage(ref) if ref.source_uri in direct else ref
        yield from result.failures


def _drain(queue: list[ItemResult]) -> Iterator[ItemResult]:
    while queue:
        yield queue.pop(0)


def as_error(exc: Exception, stage: Stage) -> NewsflowError:
    """Any exception met while collecting, as the error recorded for the input: ours as they are,
    the file system's as ``unreadable``, anything else (a bug, a hostile input) as internal."""
    if isinstance(exc, NewsflowError):
        return exc
    if isinstance(exc, OSError):
        return UnreadableSource(f"{type(exc).__name__}: {exc}", stage=stage)
    return InternalError.wrap(exc, stage=stage)


def _source_ref(source: str) -> InputRef:
    """A SOURCE that yielded no input of its own, as the subject of its failure."""
    return InputRef(source_uri=source, kind="html", path=source, digest=sha256_hex(source), size=0)


def _url_ref(url: str) -> InputRef:
    return InputRef(source_uri=url, kind="html", path="", digest=url_digest(url), size=0, hints=Hints(url=url))


def fetch_pages(
    sources: Sequence[str],
    links: Sequence[Link],
    known: Callable[[str, str], bool],
    *,
    options: FetchOptions,
    spool: Path,
    validators: dict[str, dict[str, str]],
    transport: httpx.AsyncBaseTransport | None = None,
    on_progress: Callable[[int], None] | None = None,
    every: float = 10.0,
) -> Harvest:
    """Fetch web SOURCEs and links with one pooled client on one event loop (I/O-bound), pages
    spooled to ``spool``; per-URL failures come back in the harvest, never raised. ``transport``
    is httpx's seam (tests pass a MockTransport); ``on_progress`` hears the number of requests
    made so far every ``every`` seconds (a long fetch is not silent)."""

    async def report(fetcher: Fetcher) -> None:
        assert on_progress is not None
        while True:
            await asyncio.sleep(every)
            on_progress(fetcher.requests)

    async def run() -> Harvest:
        async with Fetcher(options, spool, transport=transport) as fetcher:
            reporter = asyncio.create_task(report(fetcher)) if on_progress is not None else None
            try:
                result = await harvest(fetcher, sources, links, validators=validators, known=known)
            finally:
                if reporter is not None:
                    reporter.cancel()
            result.requests = fetcher.requests
            return result

    return asyncio.run(run())
