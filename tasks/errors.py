"""The one exception tree of newsflow.

Every error a step raises on purpose is a :class:`NewsflowError`. Its ``reason`` is the short
code written to ``failures.reason``; its ``retryable`` class attribute is the only thing the
retry predicate (:func:`is_retryable`) reads, at the Prefect level and inside batches alike.
"""

from typing import ClassVar


class NewsflowError(Exception):
    """Base of every deliberate newsflow error."""

    retryable: ClassVar[bool] = False
    reason: str = "error"
    stage: str = "unknown"

    def __init__(self, detail: str = "", *, reason: str | None = None, stage: str | None = None) -> None:
        super().__init__(detail or self.reason)
        self.detail = detail
        # An instance may refine the class code (e.g. ``http_404``) without a class per code.
        if reason is not None:
            self.reason = reason
        if stage is not None:
            self.stage = stage


class SourceError(NewsflowError):
    """A SOURCE argument cannot be used at all (the run stops before it starts)."""

    stage = "discover"
    reason = "bad_source"


class SourceNotFound(SourceError):
    reason = "not_found"


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


class ExtractionError(NewsflowError):
    """The extractor raised on a page."""

    stage = "extract"
    reason = "extraction_error"


class EmptyExtraction(NewsflowError):
    """Nothing that looks like an article body was left."""

    stage = "extract"
    reason = "empty_extraction"


class TransientError(NewsflowError):
    """Worth another try: the input may succeed later."""

    retryable = True
    reason = "transient"


class ModelError(NewsflowError):
    """The entity model or label mapping named in settings cannot work.

    Raised before workers start (``tasks.tag.check_model``) or when a worker loads the model: a
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
