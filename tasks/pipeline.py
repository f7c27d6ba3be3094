"""One batch of inputs through load -> extract -> clean -> tag, in whatever process runs it.

``process_batch`` never raises for a bad input: each input becomes an :class:`ItemResult`
holding an article or a failure with its reason, so one bad page never sinks its batch.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from tasks.core.errors import EmptyExtraction, InternalError, NewsflowError
from tasks.core.identity import article_id, canonical_url, content_hash
from tasks.core.records import Article, BatchResult, Extracted, InputRef, ItemResult, RawDocument, failed
from tasks.core.timing import Laps
from tasks.core.vocabulary import Stage
from tasks.ner.tagger import TagOptions, get_tagger
from tasks.sources.load import LoadOptions, load
from tasks.text.clean import clean
from tasks.text.dates import DateCandidate, PublishedDate, decide_published
from tasks.text.extract import ExtractOptions, extract_html
from tasks.text.language import decide_language, load_model
from tasks.text.names import given_names
from tasks.text.words import count_words


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """Options for every step a batch goes through."""

    load: LoadOptions = field(default_factory=LoadOptions)
    extract: ExtractOptions = field(default_factory=ExtractOptions)
    tag: TagOptions = field(default_factory=TagOptions)


def warm_up(options: PipelineOptions) -> None:
    """Build per-process state (the tagger, the language model, the given names) ahead of the
    first batch; used as pool initializer."""
    get_tagger(options.tag)
    load_model()
    given_names()


def process_batch(refs: Sequence[InputRef], options: PipelineOptions, now: datetime) -> BatchResult:
    """Process ``refs`` in order. ``now`` is the run's reference time (future dates are rejected).

    Every input is extracted and cleaned on its own; the articles are then tagged together (the
    model is cheaper on a batch). Should batch tagging fail, each article is processed again on
    its own, so the failure lands on the input that caused it.
    """
    timings: dict[str, float] = {}
    items = [process_one(ref, options, now, timings, tag=False) for ref in refs]
    articles = [(i, item.article) for i, item in enumerate(items) if item.article is not None]
    laps = Laps(timings)
    try:
        tagged = get_tagger(options.tag).tag_many(
            [article.text for _, article in articles],
            [article.title for _, article in articles],
            [article.language for _, article in articles],
            timings=timings,
        )
    except Exception:  # a bug or a hostile input somewhere in the batch: find which, one by one
        laps.lap("tag")
        for i, _ in articles:
            items[i] = process_one(refs[i], options, now, timings)
    else:
        laps.lap("tag")
        for (i, _), mentions in zip(articles, tagged, strict=True):
            items[i] = replace(items[i], mentions=mentions)
    return BatchResult(items=tuple(items), timings=timings)


def process_one(
    ref: InputRef, options: PipelineOptions, now: datetime, timings: dict[str, float], tag: bool = True
) -> ItemResult:
    """One input to an :class:`ItemResult`; ``timings`` accumulates CPU seconds per stage.
    ``tag=False`` stops before tagging (``process_batch`` tags a whole batch at once)."""
    stage: Stage = "load"
    lap = Laps(timings).lap
    try:
        raw = load(ref, options.load)
        lap("load")
        stage = "extract"
        extracted = _extract(raw, now, options.extract)
        lap("extract")
        stage = "clean"
        cleaned = clean(
            extracted.text,
            title=extracted.title,
            kind="html" if raw.html is not None else "text",
            authors=extracted.authors,
        )
        # The one length check, on what is left after cleanup (words as tasks.text.words counts them).
        words = count_words(cleaned.text)
        if words < options.extract.min_words:
            reason = "no article body found" if not words else f"only {words} words left after cleanup"
            # The stage that left too little: extraction itself, or cleanup after it.
            stage = "clean" if count_words(extracted.text) >= options.extract.min_words else "extract"
            raise EmptyExtraction(reason, stage=stage)
        published = PublishedDate(extracted.published_at, extracted.published_at_raw, extracted.date_source)
        if published.at is None and cleaned.date_hints:
            # Date lines the chrome rule took out of the body, by the same rule as every date;
            # the string is kept even when it cannot be trusted as a date (no year, too old).
            hints = [DateCandidate(hint, "text") for hint in cleaned.date_hints]
            published = decide_published(hints, now=now)
        url = canonical_url(extracted.url)
        lap("clean")
        language = decide_language(extracted.language, cleaned.text)
        lap("language")
        article = Article(
            article_id=article_id(url, cleaned.text),
            source_uri=ref.source_uri,
            source_kind=ref.kind,
            url=url,
            title=cleaned.title,
            text=cleaned.text,
            authors=cleaned.authors,
            editors=cleaned.editors,
            byline_raw="\n".join(cleaned.credits) or None,
            published_at=published.at,
            published_at_raw=published.raw,
            date_source=published.source,
            language=language,
            sitename=extracted.sitename,
            content_hash=content_hash(cleaned.text),
            word_count=words,
        )
        lap("clean")  # (the article's ids and hash: cleanup's share)
        if not tag:
            return ItemResult(ref=ref, article=article, rule_hits=cleaned.rule_hits)
        stage = "tag"
        mentions = get_tagger(options.tag).tag(article.text, article.title, article.language)
        lap("tag")
        return ItemResult(ref=ref, article=article, mentions=mentions, rule_hits=cleaned.rule_hits)
    except NewsflowError as exc:
        lap(stage)
        return failed(ref, exc, stage=stage)
    except Exception as exc:  # a bug or a hostile input: record it, keep the batch going
        lap(stage)
        return failed(ref, InternalError.wrap(exc, stage=stage), stage=stage)


def _extract(raw: RawDocument, now: datetime, options: ExtractOptions) -> Extracted:
    if raw.html is not None:
        return extract_html(raw, now=now, options=options)
    hints = raw.hints
    candidates = [DateCandidate(hints.published_at, "feed")] if hints.published_at else []
    published = decide_published(candidates, now=now, url=hints.url)
    return Extracted(
        text=raw.text or "",
        title=hints.title,
        url=hints.url,
        published_at=published.at,
        published_at_raw=published.raw if published.at else hints.published_at,
        date_source=published.source,
    )
