from pathlib import Path

import pytest

from tasks.core.errors import DecodeError, InvalidRecord, NotHtml, TooLarge
from tasks.sources.discover import discover
from tasks.sources.load import LoadOptions, decode, load


def _ref(path: Path):
    (ref,) = discover([str(path)])
    return ref


def test_html_and_text_are_decoded(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_bytes("<html><body>Séoul “quoted”</body></html>".encode())
    assert "Séoul “quoted”" in (load(_ref(page)).html or "")
    text = tmp_path / "t.txt"
    text.write_bytes("\ufeffHeadline\nBody".encode())
    assert load(_ref(text)).text == "Headline\nBody"


def test_declared_legacy_charset_is_honoured(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_bytes('<html><head><meta charset="euc-kr"></head><body>서울</body></html>'.encode("euc-kr"))
    assert "서울" in (load(_ref(page)).html or "")
    sentence = "Le café de la région était fermé pendant les élections présidentielles à Séoul."
    assert decode(sentence.encode("cp1252")) == sentence


def test_binary_html_is_not_html(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(NotHtml):
        load(_ref(page))
    text = tmp_path / "t.txt"
    text.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(DecodeError):
        load(_ref(text))


def test_size_limit(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text("<html>" + "x" * 5000 + "</html>")
    with pytest.raises(TooLarge):
        load(_ref(page), LoadOptions(max_bytes=1000))


def test_jsonl_records(tmp_path: Path) -> None:
    feed = tmp_path / "f.jsonl"
    feed.write_text(
        '{"url": "https://a.example/x", "text": "Body", "title": " T ", "published_at": "2025-02-17T09:00:00+09:00"}\n'
        "not json\n"
        '{"url": "https://a.example/y"}\n'
        '["a list"]\n'
    )
    ok, bad, empty, listed = discover([str(feed)])
    doc = load(ok)
    assert (doc.text, doc.url, doc.title, doc.published_at) == (
        "Body",
        "https://a.example/x",
        "T",
        "2025-02-17T09:00:00+09:00",
    )
    for ref, message in ((bad, "not JSON"), (empty, "neither"), (listed, "object")):
        with pytest.raises(InvalidRecord, match=message):
            load(ref)
