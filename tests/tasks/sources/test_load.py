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
    assert (doc.text, doc.hints.url, doc.hints.title, doc.hints.published_at) == (
        "Body",
        "https://a.example/x",
        "T",
        "2025-02-17T09:00:00+09:00",
    )
    for ref, message in ((bad, "not JSON"), (empty, "neither"), (listed, "object")):
        with pytest.raises(InvalidRecord, match=message):
            load(ref)


def test_one_invalid_byte_in_a_utf8_page_does_not_change_its_charset(tmp_path: Path) -> None:
    # Before: the whole page went to the detector and came back as cp855 ("ThereРђЎs").
    body = "<html><body>" + "There’s a “quote” from Seoul’s mayor. " * 30 + "</body></html>"
    page = tmp_path / "p.html"
    data = body.encode()
    page.write_bytes(data[:200] + b"\x92" + data[200:])
    html = load(_ref(page)).html or ""
    assert "There’s a “quote”" in html and html.count("\ufffd") == 1


def test_legacy_text_with_a_stray_utf8_sequence_is_still_legacy() -> None:
    # Many invalid sequences, one valid by accident: not "mostly UTF-8".
    sentence = "Le café de la région était fermé pendant les élections à Séoul — Genève.".encode("cp1252")
    assert decode(sentence) == "Le café de la région était fermé pendant les élections à Séoul — Genève."


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_a_bom_is_text_not_binary(tmp_path: Path, encoding: str) -> None:
    bom = b"\xff\xfe" if encoding == "utf-16-le" else b"\xfe\xff"
    text = tmp_path / "t.txt"
    text.write_bytes(bom + "서울 — Seoul and Tokyo met on Monday.".encode(encoding))
    assert load(_ref(text)).text == "서울 — Seoul and Tokyo met on Monday."
    page = tmp_path / "p.html"
    page.write_bytes(bom + "<html><body><p>Genève</p></body></html>".encode(encoding))
    assert "Genève" in (load(_ref(page)).html or "")
