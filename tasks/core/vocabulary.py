"""Every closed vocabulary of newsflow, as a Literal type and the tuple of its values.

A value written anywhere else (a record field, a Parquet column, a report) is typed with one of
these, so a misspelt one fails mypy; the tuples are derived from the types, never typed out again.
docs/data-dictionary.md documents them for consumers (a test checks the two agree).
"""

from typing import Literal, get_args

#: How an input is read: a page to extract, flat text to clean, one jsonl record; or a file the
#: collection expands first: a list of URLs to fetch, a WARC archive of pages.
InputKind = Literal["html", "text", "jsonl", "urllist", "warc"]
INPUT_KINDS: tuple[InputKind, ...] = get_args(InputKind)

#: What a fetched or local *source* document is, as ``tasks.sources.web.formats.detect_kind`` says.
SourceKind = Literal["rss", "atom", "jsonfeed", "sitemap", "sitemapindex", "urllist", "warc", "html", "unknown"]

#: What became of one input in a run (``inputs.outcome``, the run summary, the ``runs`` columns):
#: a new article; an article (or the same bytes) already in the dataset; an input an earlier run
#: finished, skipped without work; a page without an article; an unusable input.
Outcome = Literal["ingested", "duplicate", "unchanged", "empty", "failed"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

#: The step an input failed in (``failures.stage``).
Stage = Literal["discover", "fetch", "load", "extract", "clean", "tag", "process"]
STAGES: tuple[Stage, ...] = get_args(Stage)

#: Where ``articles.published_at`` came from.
DateSource = Literal["feed", "json-ld", "meta", "url", "text", "none"]
DATE_SOURCES: tuple[DateSource, ...] = get_args(DateSource)

#: Our entity labels (``entity_mentions.label``; spaCy's OntoNotes names): people, organisations,
#: countries and cities, other places (regions, seas), nationalities and other groups.
EntityLabel = Literal["PERSON", "ORG", "GPE", "LOC", "NORP"]
ENTITY_LABELS: tuple[EntityLabel, ...] = get_args(EntityLabel)

#: The tagger layer that made a mention (``entity_mentions.source``; tasks/ner/layers.py has one
#: function per rule layer).
MentionSource = Literal["model", "gazetteer", "pattern", "surname", "actor", "context", "typo", "acronym"]
MENTION_SOURCES: tuple[MentionSource, ...] = get_args(MentionSource)

#: The ``Article`` field a mention's offsets point into (``entity_mentions.field``).
MentionField = Literal["title", "text"]
MENTION_FIELDS: tuple[MentionField, ...] = get_args(MentionField)

#: How a flow run ended (``runs.status``): ``cancelled`` when Ctrl-C or SIGTERM stopped it (what it
#: had finished is committed).
RunStatus = Literal["completed", "failed", "cancelled"]
RUN_STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)

#: The phases of an ingest, as its progress reports them.
Phase = Literal["discover", "fetch", "process", "commit"]
