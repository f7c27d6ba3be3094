"""Build pipeline results by hand for storage tests (no extraction needed)."""

import hashlib
from datetime import UTC, datetime

from tasks.core.records import Article, Failure, InputRef, ItemResult, Mention


def ref(name: str, content: str | None = None) -> InputRef:
    digest = hashlib.sha256((content or name).encode()).hexdigest()
    return InputRef(source_uri=name, kind="text", path=name, digest=digest, size=10)


def article_item(
    name: str, *, article_id: str | None = None, content_hash: str | None = None, text: str = "Seoul and Tokyo met."
) -> ItemResult:
    article = Article(
        article_id=article_id or f"id-{name}",
        source_uri=name,
        source_kind="text",
        url=None,
        title=f"Title {name}",
        text=text,
        authors=("A. Writer",),
        editors=(),
        byline_raw=None,
        published_at=datetime(2025, 2, 17, 11, 44, tzinfo=UTC),
        published_at_raw="2025-02-17T20:44:00+09:00",
        date_source="meta",
        language="en",
        sitename=None,
        content_hash=content_hash or f"hash-{name}",
        word_count=len(text.split()),
    )
    mention = Mention(
        text="Seoul",
        label="GPE",
        start=0,
        end=5,
        entity_id="nf:geonames:1835848",
        entity_name="Seoul",
        source="gazetteer",
    )
    return ItemResult(ref=ref(name), article=article, mentions=(mention,))


def failure_item(name: str, reason: str = "not_html", retryable: bool = False) -> ItemResult:
    r = ref(name)
    failure = Failure(
        source_uri=name, stage="load", reason=reason, detail="d", retryable=retryable, input_digest=r.digest
    )
    return ItemResult(ref=r, failure=failure)
