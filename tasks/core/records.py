"""Frozen dataclasses passed between pipeline steps.

They cross process boundaries (worker pools pickle them), so they hold plain data only.
"""

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, TypeVar

from tasks.core.errors import NewsflowError
from tasks.core.vocabulary import DateSource, EntityLabel, InputKind, MentionField, MentionSource, Stage

_T = TypeVar("_T")


def fast_pickle(cls: type[_T]) -> type[_T]:
    """Pickle as ``cls(*values)``. The ``__setstate__`` that frozen slotted dataclasses get
    calls ``dataclasses.fields()`` per object: it was the parent's top cost when unpickling
    a batch's ~10^4 mentions from the workers.
    """
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]

    def __reduce__(self: Any) -> tuple[type[_T], tuple[Any, ...]]:
        return cls, tuple(getattr(self, name) for name in names)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls


@fast_pickle
@dataclass(frozen=True, slots=True)
class Hints:
    """What is known of a page before it is read, passed along whole from the input to the
    extractor: where it lives, and what the feed, sitemap or jsonl record that listed it said."""

    url: str | None = None
    title: str | None = None
    #: The date exactly as the listing wrote it, unparsed (the extractor decides).
    published_at: str | None = None


NO_HINTS = Hints()


@fast_pickle
@dataclass(frozen=True, slots=True)
class InputRef:
    """One input to process, found by discovery. Cheap to pickle: content is read by the worker."""

    source_uri: str
    kind: InputKind
    path: str
    digest: str
    size: int
    #: For jsonl records: 1-based line number and byte offset of the line in ``path``.
    line: int | None = None
    offset: int | None = None
    #: For fetched pages and WARC records: where the page came from, and what the feed or
    #: sitemap that listed it said about it.
    hints: Hints = NO_HINTS

    @property
    def url(self) -> str | None:
        """The page's URL, when the input knows it (fetched pages, WARC records)."""
        return self.hints.url


@dataclass(frozen=True, slots=True)
class RawDocument:
    """An input as loaded: HTML to extract or flat text to clean, plus the hints of its input
    (or, for a jsonl record, of the record itself)."""

    ref: InputRef
    html: str | None = None
    text: str | None = None
    hints: Hints = NO_HINTS


@dataclass(frozen=True, slots=True)
class Extracted:
    """Body text and metadata taken out of a document, before cleanup."""

    text: str
    title: str | None = None
    authors: tuple[str, ...] = ()
    url: str | None = None
    published_at: datetime | None = None
    published_at_raw: str | None = None
    date_source: DateSource = "none"
    language: str | None = None
    sitename: str | None = None


@fast_pickle
@dataclass(frozen=True, slots=True)
class Mention:
    """One entity mention; offsets are character offsets into ``Article.text`` (or
    ``Article.title`` when ``field`` says so). Field names match ``storage.schema.ENTITY_MENTIONS``."""

    text: str
    label: EntityLabel
    start: int
    end: int
    #: Canonical id, or None when unlinked; ``entity_name`` is that id's canonical name (None with it).
    entity_id: str | None
    entity_name: str | None
    source: MentionSource
    field: MentionField = "text"
    #: A place's coordinates (GeoNames, WGS84 degrees), where the reference data has them.
    latitude: float | None = None
    longitude: float | None = None
    #: ISO 3166-1 alpha-2 code of the country a place is (or is in), or a nationality belongs to.
    country_code: str | None = None


@fast_pickle
@dataclass(frozen=True, slots=True)
class Article:
    """A finished article. Field names match ``storage.schema.ARTICLES`` (a test checks)."""

    article_id: str
    source_uri: str
    source_kind: InputKind
    url: str | None
    title: str | None
    text: str
    authors: tuple[str, ...]
    editors: tuple[str, ...]
    byline_raw: str | None
    published_at: datetime | None
    published_at_raw: str | None
    date_source: DateSource
    language: str | None
    sitename: str | None
    content_hash: str
    word_count: int


@fast_pickle
@dataclass(frozen=True, slots=True)
class Failure:
    """Why an input produced no article."""

    source_uri: str
    stage: Stage
    reason: str
    detail: str
    retryable: bool
    input_digest: str | None


@fast_pickle
@dataclass(frozen=True, slots=True)
class ItemResult:
    """What one input became: an article with its mentions, or a failure (``empty`` included)."""

    ref: InputRef
    article: Article | None = None
    mentions: tuple[Mention, ...] = ()
    failure: Failure | None = None
    rule_hits: dict[str, int] = field(default_factory=dict)


#: Failure details are cut to this many characters (an error message can embed a whole page).
MAX_DETAIL = 2000


def failed(ref: InputRef, error: NewsflowError, *, stage: Stage) -> ItemResult:
    """The result for an input that produced no article: ``error`` says why (its reason, detail and
    retryability; its stage, or ``stage`` where the error belongs to whatever step raised it)."""
    failure = Failure(
        source_uri=ref.source_uri,
        stage=error.stage or stage,
        reason=error.reason,
        detail=error.detail[:MAX_DETAIL],
        retryable=error.retryable,
        input_digest=ref.digest,
    )
    return ItemResult(ref=ref, failure=failure)


@fast_pickle
@dataclass(frozen=True, slots=True)
class BatchResult:
    """Results of one batch, in input order, plus worker-side timings in seconds per step."""

    items: tuple[ItemResult, ...]
    timings: dict[str, float] = field(default_factory=dict)
