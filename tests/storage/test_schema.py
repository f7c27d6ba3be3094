"""The schema module is the single source of column names; everything else must agree with it."""

import dataclasses
import re

from storage.schema import ARTICLES, ENTITY_MENTIONS, FAILURES, STAMP_COLUMNS, TABLES
from tasks.core.records import Article, Failure, Mention
from tests.support import ROOT


def _fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_records_cover_their_tables_exactly() -> None:
    stamps = set(STAMP_COLUMNS)
    assert _fields(Article) | stamps == set(ARTICLES.names)
    assert _fields(Failure) | stamps == set(FAILURES.names)
    assert _fields(Mention) | stamps | {"article_id"} == set(ENTITY_MENTIONS.names)


def test_timestamps_are_utc_microseconds() -> None:
    for schema in TABLES.values():
        for field in schema:
            if str(field.type).startswith("timestamp"):
                assert str(field.type) == "timestamp[us, tz=UTC]", field.name


def test_data_dictionary_documents_every_column() -> None:
    doc = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    for table, schema in TABLES.items():
        section = re.search(rf"^## `{table}/`.*?(?=^## |\Z)", doc, re.S | re.M)
        assert section, f"no section for {table}"
        for name in schema.names:
            assert f"`{name}`" in section.group(0), f"{table}.{name} undocumented"
