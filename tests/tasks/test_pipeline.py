import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import tasks.pipeline
from storage.dataset import worker_outcome
from tasks.core.records import InputRef
from tasks.ner.tagger import TAG_STEPS
from tasks.pipeline import PipelineOptions, process_batch
from tasks.sources.discover import discover

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

HTML_PARAS = (
    "South Korea and Japan agreed on Tuesday to resume regular talks between their coast guards, officials "
    "in Seoul said, after a year in which fishing disputes had strained ties.",
    "The agreement was reached during a meeting in Tokyo, where both sides also discussed search and rescue "
    "drills with the United States planned for the autumn.",
    "Officials said the first session of the renewed talks would take place in Busan next month.",
)
CANONICAL = "https://gazette.example/world/coast-guard-talks"
GOOD_HTML = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Coast guard talks resume | Gazette</title>
<link rel="canonical" href="HTTPS://Gazette.Example/world/coast-guard-talks/?utm_source=rss#top">
<meta property="article:published_time" content="2025-02-17T20:44:00+09:00">
<meta name="author" content="Ines Roy"></head>
<body><nav><ul><li><a href="/">Front page</a></li><li><a href="/world">World news</a></li></ul></nav>
<article><h1>Coast guard talks resume</h1>
{"".join(f"<p>{p}</p>" for p in HTML_PARAS)}
</article><footer><p>Gazette, Harbour Street</p></footer></body></html>"""

TXT_TITLE = "PYONGYANG TEST FIRES CRUISE MISSILES OFF WEST COAST"
TXT_PARAS = (
    "North Korea fired several cruise missiles into the sea off its west coast on Sunday, the South Korean "
    "military said, days before allied drills were due to begin.",
    "The launches were detected early in the morning and were being analysed together with U.S. "
    "intelligence, the Joint Chiefs of Staff said in a statement.",
)
GOOD_TXT = "\n\n".join((TXT_TITLE, *TXT_PARAS)) + "\n"

EMPTY_HTML = """<!DOCTYPE html><html lang="en"><head><title>Gazette</title></head><body>
<nav><ul><li><a href="/">Front page</a></li><li><a href="/world">World news</a></li></ul></nav>
<footer><p>Gazette, Harbour Street</p></footer></body></html>"""


def _words(paragraphs: tuple[str, ...]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def _normalised_sha(text: str) -> str:
    # An oracle independent of tasks.text.clean.normalise, valid for ASCII text.
    return hashlib.sha256(" ".join(re.findall(r"[^\W_]+", text.casefold())).encode()).hexdigest()


@pytest.fixture
def batch_dir(tmp_path: Path) -> Path:
    (tmp_path / "a_good.html").write_text(GOOD_HTML, encoding="utf-8")
    (tmp_path / "b_good.txt").write_text(GOOD_TXT, encoding="utf-8")
    (tmp_path / "c_binary.html").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "d_empty.html").write_text(EMPTY_HTML, encoding="utf-8")
    return tmp_path


def _refs(directory: Path) -> list[InputRef]:
    return list(discover([str(directory)]))


def test_batch_outcomes_in_input_order(batch_dir: Path) -> None:
    refs = _refs(batch_dir)
    assert [Path(r.path).name for r in refs] == ["a_good.html", "b_good.txt", "c_binary.html", "d_empty.html"]
    result = process_batch(refs, PipelineOptions(), NOW)
    assert [item.ref for item in result.items] == refs
    assert [worker_outcome(item) for item in result.items] == ["ingested", "ingested", "failed", "empty"]
    # Input order is the caller's order, not a sorted one.
    reversed_result = process_batch(refs[::-1], PipelineOptions(), NOW)
    assert [Path(item.ref.path).name for item in reversed_result.items] == [
        "d_empty.html",
        "c_binary.html",
        "b_good.txt",
        "a_good.html",
    ]
    assert [worker_outcome(item) for item in reversed_result.items] == ["empty", "failed", "ingested", "ingested"]
    # CPU seconds per stage, tagging's parts (TAG_STEPS) under its own total.
    assert set(result.timings) == {"load", "extract", "clean", "language", "tag", *TAG_STEPS}
    assert all(v >= 0 for v in result.timings.values())
    assert sum(result.timings[k] for k in TAG_STEPS) <= result.timings["tag"]


def test_failures_carry_stage_reason_and_digest(batch_dir: Path) -> None:
    refs = _refs(batch_dir)
    binary, empty = process_batch(refs, PipelineOptions(), NOW).items[2:]
    assert binary.article is None and binary.failure is not None
    assert (binary.failure.stage, binary.failure.reason, binary.failure.retryable) == ("load", "not_html", False)
    assert binary.failure.input_digest == hashlib.sha256(bytes(range(256)) * 8).hexdigest()
    assert binary.failure.source_uri == str(batch_dir / "c_binary.html")
    assert empty.article is None and empty.failure is not None
    assert (empty.failure.stage, empty.failure.reason) == ("extract", "empty_extraction")
    assert empty.failure.input_digest == hashlib.sha256(EMPTY_HTML.encode()).hexdigest()


def test_html_article(batch_dir: Path) -> None:
    item = process_batch(_refs(batch_dir), PipelineOptions(), NOW).items[0]
    article = item.article
    assert article is not None and item.failure is None
    assert article.url == CANONICAL
    assert article.article_id == hashlib.sha256(CANONICAL.encode()).hexdigest()
    assert article.title == "Coast guard talks resume"
    assert article.text == "\n".join(HTML_PARAS)  # the h1 echo is gone
    assert article.word_count == _words(HTML_PARAS)
    assert article.content_hash == _normalised_sha("\n".join(HTML_PARAS))
    assert article.authors == ("Ines Roy",)
    assert article.published_at == datetime(2025, 2, 17, 11, 44, tzinfo=UTC)
    assert (article.published_at_raw, article.date_source) == ("2025-02-17T20:44:00+09:00", "meta")
    assert (article.language, article.source_kind) == ("en", "html")


def test_text_article(batch_dir: Path) -> None:
    item = process_batch(_refs(batch_dir), PipelineOptions(), NOW).items[1]
    article = item.article
    assert article is not None
    assert article.title == TXT_TITLE
    assert article.text == "\n".join(TXT_PARAS)
    assert article.url is None
    assert article.article_id == article.content_hash == _normalised_sha("\n".join(TXT_PARAS))
    assert article.word_count == _words(TXT_PARAS)
    assert (article.date_source, article.published_at, article.source_kind) == ("none", None, "text")
    assert article.language == "en"
    assert item.rule_hits["headline"] == 1


@pytest.mark.parametrize("index", [0, 1])
def test_mentions_have_offsets_into_article_text(batch_dir: Path, index: int) -> None:
    item = process_batch(_refs(batch_dir), PipelineOptions(), NOW).items[index]
    assert item.article is not None
    assert item.mentions
    for m in item.mentions:
        field = item.article.title if m.field == "title" else item.article.text
        assert field is not None and field[m.start : m.end] == m.text


def test_mentions_found_in_each_article(batch_dir: Path) -> None:
    html_item, txt_item = process_batch(_refs(batch_dir), PipelineOptions(), NOW).items[:2]
    assert {"South Korea", "Japan", "Seoul", "Tokyo", "United States", "Busan"} <= {m.text for m in html_item.mentions}
    assert {"North Korea", "South Korean", "U.S.", "Joint Chiefs of Staff"} <= {m.text for m in txt_item.mentions}
    # The caps headline became the title, so it is tagged as the title, not as body text.
    assert "PYONGYANG" not in {m.text for m in txt_item.mentions if m.field == "text"}
    assert "PYONGYANG" in {m.text for m in txt_item.mentions if m.field == "title"}


def test_unexpected_exception_is_an_internal_error_at_its_stage(
    batch_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("extractor exploded")

    monkeypatch.setattr(tasks.pipeline, "extract_html", boom)
    items = process_batch(_refs(batch_dir), PipelineOptions(), NOW).items
    assert [worker_outcome(item) for item in items] == ["failed", "ingested", "failed", "failed"]
    for item in (items[0], items[3]):
        assert item.failure is not None
        assert (item.failure.stage, item.failure.reason) == ("extract", "internal_error")
        assert "RuntimeError" in item.failure.detail and "extractor exploded" in item.failure.detail
        assert item.failure.input_digest == item.ref.digest
    assert items[1].article is not None and items[1].article.title == TXT_TITLE
    assert items[2].failure is not None and items[2].failure.reason == "not_html"


def test_a_batch_is_tagged_as_each_article_alone_and_a_tagging_failure_stays_with_its_input(
    batch_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasks.ner.tagger import Tagger, get_tagger

    refs = _refs(batch_dir)
    together = process_batch(refs, PipelineOptions(), NOW).items
    tagger = get_tagger(PipelineOptions().tag)
    for item in together[:2]:
        assert item.article is not None
        article = item.article
        assert item.mentions == tagger.tag(article.text, article.title, article.language)  # the batch changes nothing

    real_tag = Tagger.tag

    def choke_on_the_missile_story(self: Tagger, text: str, title: str | None, language: str | None) -> object:
        if "cruise missiles" in text:
            raise RuntimeError("tagger exploded")
        return real_tag(self, text, title, language)

    def choke(self: Tagger, texts: object, titles: object, languages: object) -> object:
        raise RuntimeError("tagger exploded")

    monkeypatch.setattr(Tagger, "tag", choke_on_the_missile_story)
    monkeypatch.setattr(Tagger, "tag_many", choke)
    items = process_batch(refs, PipelineOptions(), NOW).items
    assert [worker_outcome(item) for item in items] == ["ingested", "failed", "failed", "empty"]
    assert items[0].mentions == together[0].mentions
    assert items[1].failure is not None and (items[1].failure.stage, items[1].failure.reason) == (
        "tag",
        "internal_error",
    )


def test_date_hint_from_removed_chrome_line(tmp_path: Path) -> None:
    path = tmp_path / "dated.txt"
    path.write_text("\n".join((*TXT_PARAS, "- 17/2 20:44", "- Comment (0)")), encoding="utf-8")
    (item,) = process_batch(_refs(tmp_path), PipelineOptions(), NOW).items
    assert item.article is not None
    assert item.article.published_at == datetime(2025, 2, 17, 20, 44, tzinfo=UTC)
    assert (item.article.published_at_raw, item.article.date_source) == ("17/2 20:44", "text")
    assert item.article.title is None
    assert item.article.text == "\n".join(TXT_PARAS)


def test_malformed_canonical_link_does_not_sink_the_article(tmp_path: Path) -> None:
    html = GOOD_HTML.replace(
        "HTTPS://Gazette.Example/world/coast-guard-talks/?utm_source=rss#top", "http://[gazette.example/world"
    )
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    (item,) = process_batch(_refs(tmp_path), PipelineOptions(), NOW).items
    assert item.failure is None
    assert item.article is not None and item.article.url is None


JA_PARAS = (
    "港湾局は火曜日、秋の嵐の季節の前に北の防波堤を再建すると発表した。漁船団にとって数か月の不安が終わる。",
    "技術者によると、冬の波が約二百メートルにわたってコンクリートブロックを削っていたという。",
)


def test_japanese_article_is_not_empty_and_its_words_are_counted(tmp_path: Path) -> None:
    html = GOOD_HTML.replace('lang="en"', 'lang="ja"')
    for english, japanese in zip(HTML_PARAS, (*JA_PARAS, ""), strict=True):
        html = html.replace(f"<p>{english}</p>", f"<p>{japanese}</p>" if japanese else "")
    (tmp_path / "ja.html").write_text(html, encoding="utf-8")
    (item,) = process_batch(_refs(tmp_path), PipelineOptions(), NOW).items
    assert item.failure is None, item.failure
    assert item.article is not None
    assert item.article.text == "\n".join(JA_PARAS)
    # One word per Han or kana character, punctuation excluded (docs/data-dictionary.md).
    assert item.article.word_count == sum(len(p) for p in JA_PARAS) - "".join(JA_PARAS).count("、") - "".join(
        JA_PARAS
    ).count("。")
    assert item.article.language == "ja"


def test_impossible_offset_is_no_date_not_an_internal_error(tmp_path: Path) -> None:
    html = GOOD_HTML.replace("2025-02-17T20:44:00+09:00", "2025-02-17T20:44:00+99:00")
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    (item,) = process_batch(_refs(tmp_path), PipelineOptions(), NOW).items
    assert item.failure is None, item.failure
    assert item.article is not None and item.article.published_at is None


def test_min_words_is_checked_once_after_cleanup(tmp_path: Path) -> None:
    # min_words + 6 words of body, 7 of them a comment-form line that cleanup removes: one word
    # short, at the clean stage (the length check runs once, on what cleanup leaves).
    short = PipelineOptions().extract.min_words - 1
    body = " ".join(["word"] * (short - 1)) + " end."
    html = GOOD_HTML.replace(
        "".join(f"<p>{p}</p>" for p in HTML_PARAS), f"<p>{body}</p><p>Your email address will not be published</p>"
    )
    (tmp_path / "short.html").write_text(html, encoding="utf-8")
    (item,) = process_batch(_refs(tmp_path), PipelineOptions(), NOW).items
    assert item.failure is not None
    assert (item.failure.stage, item.failure.reason) == ("clean", "empty_extraction")
    assert item.failure.detail == f"only {short} words left after cleanup"
