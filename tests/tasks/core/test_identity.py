import hashlib

import pytest

from tasks.core.identity import article_id, canonical_url, content_hash


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def test_canonical_url_lowercases_scheme_and_host_but_not_path() -> None:
    assert canonical_url("HTTPS://News.Example.ORG/World/Harbour") == "https://news.example.org/World/Harbour"


def test_canonical_url_drops_default_ports_only() -> None:
    assert canonical_url("https://news.example.org:443/a") == "https://news.example.org/a"
    assert canonical_url("http://news.example.org:80/a") == "http://news.example.org/a"
    assert canonical_url("https://news.example.org:8443/a") == "https://news.example.org:8443/a"


def test_canonical_url_drops_fragment_and_trailing_slash() -> None:
    assert canonical_url("https://news.example.org/world/harbour/#comments") == "https://news.example.org/world/harbour"


def test_canonical_url_drops_tracking_parameters_and_keeps_the_rest() -> None:
    url = "https://news.example.org/story?id=5&utm_source=rss&utm_medium=feed&utm_campaign=x&fbclid=IwAR0abc&page=2"
    assert canonical_url(url) == "https://news.example.org/story?id=5&page=2"
    assert canonical_url("https://news.example.org/story?fbclid=IwAR0abc") == "https://news.example.org/story"


def test_canonical_url_strips_surrounding_whitespace() -> None:
    assert canonical_url("  https://news.example.org/a \n") == "https://news.example.org/a"


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "ftp://news.example.org/a",
        "mailto:desk@news.example.org",
        "javascript:void(0)",
        "news.example.org/a",
        "/world/harbour",
        "https://",
    ],
)
def test_canonical_url_is_none_for_non_http(url: str | None) -> None:
    assert canonical_url(url) is None


def test_canonical_url_is_none_for_malformed_url() -> None:
    assert canonical_url("http://[broken-ipv6/world") is None


def test_article_id_is_the_same_for_two_spellings_of_one_url() -> None:
    a = article_id("HTTPS://News.Example.org:443/world/harbour?utm_source=rss#top", "first text")
    b = article_id("https://news.example.org/world/harbour/", "a different text")
    assert a == b == _sha("https://news.example.org/world/harbour")


def test_article_id_differs_for_different_urls() -> None:
    a = article_id("https://news.example.org/world/harbour?id=1", "same text")
    b = article_id("https://news.example.org/world/harbour?id=2", "same text")
    assert a != b


def test_article_id_falls_back_to_content_hash_without_url() -> None:
    text = "Harbour works begin next week, the council said."
    expected = _sha("harbour works begin next week the council said")
    assert article_id(None, text) == expected
    assert article_id("not a url", text) == expected
    assert content_hash(text) == expected


def test_content_hash_ignores_case_whitespace_and_punctuation() -> None:
    a = "The harbour, said the mayor, will reopen in May."
    b = "the HARBOUR said the mayor\n\n  will reopen   in may"
    c = "“The harbour” — said the mayor — will reopen in May!"
    assert content_hash(a) == content_hash(b) == content_hash(c)


def test_content_hash_sees_word_differences() -> None:
    a = "The harbour will reopen in May."
    assert content_hash(a) != content_hash("The harbour will reopen in June.")
    assert content_hash(a) != content_hash("The harbour will not reopen in May.")
    assert content_hash("harbour works") != content_hash("harbourworks")
