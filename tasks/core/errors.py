"""The one exception tree of newsflow.

Every error a step raises on purpose is a :class:`NewsflowError`. Its ``reason`` is the short code
written to ``failures.reason`` (an instance may refine it: ``http_404``); its ``stage`` the step
it belongs to; its ``retryable`` class attribute the only thing the retry predicate
(:func:`is_retryable`) reads, at the Prefect level, inside batches and in the ledger (a retryable
failure is tried again by later runs)::

    NewsflowError
    ├── SourceError                  discover: an input file cannot be used at all
    │   ├── SourceNotFound           not_found
    │   ├── NotRegularFile           not_regular_file (a FIFO, device, socket)
    │   ├── OutsideSource            outside_source (a symlink whose target leaves its SOURCE)
    │   └── UnreadableSource         unreadable (permission denied, vanished while read)
    ├── InputError                   load: the input is unusable as it is
    │   ├── UnsupportedType          unsupported_type
    │   ├── DecodeError              decode_error
    │   ├── TooLarge                 too_large
    │   ├── NotHtml                  not_html
    │   ├── InvalidRecord            invalid_record
    │   ├── MalformedSource          malformed_source (feed, sitemap, URL list, WARC)
    │   └── TruncatedRecord          truncated_record (a WARC record cut short)
    ├── ExtractionError              extract: extraction_error (the extractor raised)
    ├── EmptyExtraction              extract, clean: empty_extraction (no article body)
    ├── ModelError                   tag: bad_model (the entity model setting cannot work)
    ├── WorkerCrashed                process: worker_crash (a worker died on this input alone)
    ├── BatchError                   process: batch_error, retryable (a whole batch failed for good)
    ├── InternalError                internal_error (a bug, or a hostile input met an unexpected error)
    └── FetchError                   fetch: http_<status>, not_html, too_large, ...
        ├── BlockedAddress           blocked_private_address
        ├── BadUrl                   bad_url
        ├── RobotsDisallowed         robots_disallowed
        ├── BadContentEncoding       bad_content_encoding
        ├── FetchLater               retryable by a later run: timeout, dns_error, host_paused, ...
        │   ├── RobotsUnavailable    robots_unavailable (robots.txt answered 5xx/429 or not at all)
        │   └── ChallengePage        challenge_page (a bot challenge instead of the page)
        └── TransientFetchError      retried within the run (never leaves the fetcher)
"""

from typing import ClassVar

from tasks.core.vocabulary import Stage


class NewsflowError(Exception):
    """Base of every deliberate newsflow error."""

    retryable: ClassVar[bool] = False
    reason: str = "error"
    #: The step this error belongs to; None: the step that was running when it was raised.
    stage: Stage | None = None

    def __init__(self, detail: str = "", *, reason: str | None = None, stage: Stage | None = None) -> None:
        super().__init__(detail or self.reason)
        self.detail = detail
        # An instance may refine the class code (e.g. ``http_404``) without a class per code.
        if reason is not None:
            self.reason = reason
        if stage is not None:
            self.stage = stage


class SourceError(NewsflowError):
    """An input file (a SOURCE, or a file found under one) cannot be used at all."""

    stage = "discover"
    reason = "bad_source"


class SourceNotFound(SourceError):
    reason = "not_found"


class NotRegularFile(SourceError):
    """A FIFO, device or socket: reading it could block forever or never end."""

    reason = "not_regular_file"


class OutsideSource(SourceError):
    """A symlink inside a SOURCE directory whose real path lies outside it."""

    reason = "outside_source"


class UnreadableSource(SourceError):
    """The file exists but cannot be read (permissions, removed while discovery ran)."""

    reason = "unreadable"


class InputError(NewsflowError):
    """One input is unusable as it is; trying again will not help."""

    stage = "load"


class UnsupportedType(InputError):
    reason = "unsupported_type"


class DecodeError(InputError):
    reason = "decode_error"


class TooLarge(InputError):
    reason = "too_large"


class NotHtml(InputError):
    reason = "not_html"


class InvalidRecord(InputError):
    reason = "invalid_record"


class MalformedSource(InputError):
    """A feed, sitemap or URL list that cannot be parsed (or is not the format it was given as)."""

    reason = "malformed_source"


class TruncatedRecord(InputError):
    """A WARC record whose payload ends before its declared length: ingesting it would keep
    part of an article as if it were all of it."""

    reason = "truncated_record"


class ExtractionError(NewsflowError):
    """The extractor raised on a page."""

    stage = "extract"
    reason = "extraction_error"


class EmptyExtraction(NewsflowError):
    """Nothing that looks like an article body was left."""

    stage = "extract"
    reason = "empty_extraction"


class ModelError(NewsflowError):
    """The entity model or label mapping named in settings cannot work.

    Raised before workers start (``tasks.ner.tagger.check_model``) or when a worker loads the model: a
    setting, not an input, is wrong.
    """

    stage = "tag"
    reason = "bad_model"


class WorkerCrashed(NewsflowError):
    """A worker process died (segfault, OOM kill) while processing this input alone.

    Not retryable: the same bytes would kill the next worker too.
    """

    stage = "process"
    reason = "worker_crash"


class BatchError(NewsflowError):
    """A batch's task failed for good (after Prefect's retries): its inputs did nothing wrong, so
    every one of them is recorded retryable and the next run tries them again."""

    stage = "process"
    reason = "batch_error"
    retryable = True


class InternalError(NewsflowError):
    """An error no step raises on purpose (a bug, or a hostile input): recorded, never fatal."""

    reason = "internal_error"

    @classmethod
    def wrap(cls, exc: BaseException, *, stage: Stage) -> "InternalError":
        """The unexpected ``exc`` as an internal error of ``stage``, its type in the detail."""
        return cls(f"{type(exc).__name__}: {exc}", stage=stage)


class FetchError(NewsflowError):
    """A URL that could not be fetched; ``reason`` says why (``http_404``, ``timeout``, ...)."""

    stage = "fetch"
    reason = "fetch_error"


class BlockedAddress(FetchError):
    """The URL resolves to an address newsflow does not fetch from by default."""

    reason = "blocked_private_address"


class BadUrl(FetchError):
    """Not an http(s) URL with a valid host and port (a redirect to one included)."""

    reason = "bad_url"


class RobotsDisallowed(FetchError):
    reason = "robots_disallowed"


class BadContentEncoding(FetchError):
    """The body does not decode as its ``Content-Encoding`` says (or uses one we do not read)."""

    reason = "bad_content_encoding"


class FetchLater(FetchError):
    """Failed for a reason that may pass (retries ran out, host paused, DNS): the ledger marks the
    URL retryable, so a later run tries it again. Not retried again within the run."""

    retryable = True


class RobotsUnavailable(FetchLater):
    """robots.txt could not be read (5xx, 429, timeout, connection error): RFC 9309 says crawl
    nothing of that host now, and the pages stay due for a later run."""

    reason = "robots_unavailable"


class ChallengePage(FetchLater):
    """A bot-challenge page came instead of the article; another day it may not."""

    reason = "challenge_page"


class TransientFetchError(FetchError):
    """Worth retrying now, within the run (timeouts, resets, 429/5xx)."""

    retryable = True

    def __init__(self, detail: str = "", *, reason: str, retry_after: float | None = None) -> None:
        super().__init__(detail, reason=reason)
        self.retry_after = retry_after


def is_retryable(exc: BaseException | None) -> bool:
    """The one retry predicate: only errors that declare themselves retryable are retried."""
    return isinstance(exc, NewsflowError) and exc.retryable
