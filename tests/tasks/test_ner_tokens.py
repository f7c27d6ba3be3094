"""The cached tokenizer (tasks/ner/tokens.py) gives spaCy's own tokens, spaces and norms."""

import spacy

from tasks.ner.tokens import CachedTokenizer

TEXTS = [
    "Mr. Cho can't go; the U.S.-led drills (don't) start.  Two spaces, a tab\there\nand lines\n\n",
    "  leading spaces, and a trailing one ",
    "Seoul’s envoy said: “It’s ironclad,” in 2025-02-17 at 10:30 a.m.",
    "",
    " ",
    "y'all gonna see NATO's and the UN’s e-mail at https://example.org/a?b=c.",
]


def _view(doc: spacy.tokens.Doc) -> list[tuple[str, str, str, int]]:
    return [(t.text, t.whitespace_, t.norm_, t.idx) for t in doc]


def test_same_tokens_as_spacy_and_cached_chunks_are_reused() -> None:
    nlp = spacy.blank("en")
    cached = CachedTokenizer(nlp.tokenizer, nlp.vocab)
    for _ in range(2):  # the second pass is served from the cache
        for text in TEXTS:
            assert _view(cached(text)) == _view(nlp.tokenizer(text)), text
    assert "can't" in cached._cache and cached(TEXTS[0]).text == TEXTS[0]


def test_the_cache_is_bounded() -> None:
    nlp = spacy.blank("en")
    cached = CachedTokenizer(nlp.tokenizer, nlp.vocab, max_chunks=3)
    cached("one two")
    cached("three four")  # would make 4: the cache starts afresh with this text's chunks
    assert set(cached._cache) == {"three", "four"}
    assert cached("one two").text == "one two"
