"""The one exception tree of newsflow.

Every error a step raises on purpose is a :class:`NewsflowError`. Its ``reason`` is the short code
written to ``failures.reason`` (an instance may refine it: ``http_404``); its ``stage`` the step
it belongs to; its ``retryable`` class attribute the only thing the retry predicate
(:func:`is_retryable`) reads, at the Prefect level, inside batches and in the ledger (a retryable
failure is tried again by later runs)::

    NewsflowError
    ├── SourceError            a SOURCE argument cannot be used (discover)
    │   └── SourceNotFound         not_found
    ├── InputError             one input is unusable as it is (load)
    │   ├── Unreadable             unreadable: the file system refused it
    │   ├── DecodeError            decode_error
    │   ├── TooLarge               too_large
    │   ├── NotHtml                not_html
    │   ├── InvalidRecord          invalid_record
    │   └── MalformedSource        malformed_source: a feed, sitemap, URL list or WARC
    ├── ExtractionError        extraction_error: the extractor raised (extract)
    ├── EmptyExtraction        empty_extraction: no article body (extract, clean)
    ├── ModelError             bad_model: the entity model setting cannot work (tag)
    ├── WorkerCrashed          worker_crash: a worker died on this input alone (process)
    ├── BatchError             batch_error, retryable: a whole batch failed for good (process)
    ├── InternalError          internal_error: a bug or a hostile input met an unexpected error
    └── FetchError             fetch_error, or http_<status>, not_html, too_large, ... (fetch)
        ├── BlockedAddress         blocked_private_address
        ├── BadUrl                 bad_url
        ├── FetchLater             retryable by later runs, not again in this one
        └── TransientFetchError    retryable now: timeouts, resets, 429/5xx
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
    """A SOURCE argument cannot be used at all: recorded as that source's failure."""

    stage = "discover"
    reason = "bad_source"


class SourceNotFound(SourceError):
    reason = "not_found"


class InputError(NewsflowError):
    """One input is unusable as it is; trying again will not help."""

    stage = "load"


class Unreadable(InputError):
    """The file system refused to give the input (permissions, a vanished file, an I/O error)."""

    reason = "unreadable"


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
    reason = "bad_url"


class FetchLater(FetchError):
    """Failed for a reason that may pass (retries ran out, host paused, DNS): the ledger marks the
    URL retryable, so a later run tries it again. Not retried again within the run."""

    retryable = True


class TransientFetchError(FetchError):
    """Worth retrying now, within the run (timeouts, resets, 429/5xx)."""

    retryable = True

    def __init__(self, detail: str = "", *, reason: str, retry_after: float | None = None) -> None:
        super().__init__(detail, reason=reason)
        self.retry_after = retry_after


def is_retryable(exc: BaseException | None) -> bool:
    """The one retry predicate: only errors that declare themselves retryable are retried."""
    return isinstance(exc, NewsflowError) and exc.retryable
