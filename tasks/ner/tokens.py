"""A spaCy tokenizer with a cache that works: the same tokens (and norms), ~4x cheaper on news.

spaCy's tokenizer caches the tokens of each whitespace-delimited chunk, but stops caching for
the rest of a text as soon as one chunk involves a tokenizer exception ("U.S.", "Mr.", "n't",
"’s": spaCy issue #1250's guard is a flag set per text, not per chunk). Nearly every news
article has one in its first lines, so most of its chunks were split afresh on every call:
affix regexes per chunk, about a third of the tagger's cost on English pages (~5 ms of ~20).

:class:`CachedTokenizer` walks the text's chunks exactly as spaCy does (runs of non-space and
of space characters; a single space after a token is that token's trailing space), asks the
wrapped tokenizer only for chunks it has not seen, and builds the ``Doc`` from the words. The
norms a tokenizer exception gives its tokens ("n't" -> "not") are kept too, as the model reads
norms. A test checks the two agree token for token on real text.
"""

import re
from typing import Any

from spacy.tokens import Doc
from spacy.vocab import Vocab

#: Runs of whitespace and of everything else, as spaCy splits a text before tokenizing chunks
#: (Python's ``\s`` is ``str.isspace``, which spaCy uses).
_RUNS = re.compile(r"\s+|\S+")


class CachedTokenizer:
    """``tokenizer`` with a per-process cache of chunk -> words (and exception norms).

    ``max_chunks`` bounds the cache (a worker ingesting for days meets unbounded vocabulary):
    a text that would take it past the bound starts it afresh.
    """

    def __init__(self, tokenizer: Any, vocab: Vocab, max_chunks: int = 200_000) -> None:
        self.tokenizer = tokenizer
        self.vocab = vocab
        self.max_chunks = max_chunks
        self._cache: dict[str, tuple[tuple[str, ...], tuple[tuple[int, str], ...]]] = {}

    def __call__(self, text: str) -> Doc:
        runs = _RUNS.findall(text)
        cache = self._cache
        missing = [run for run in dict.fromkeys(runs) if run not in cache and not run.isspace()]
        if missing:
            self._split_all(missing)
        words: list[str] = []
        spaces: list[bool] = []
        norms: list[tuple[int, str]] = []
        for run in runs:
            if run[0] == " " and words:  # (runs alternate: this one follows a non-space run)
                spaces[-1] = True  # one space after a token is its trailing space, not a token
                run = run[1:]
                if not run:
                    continue
            found = cache.get(run)
            if found is None:  # a run of spaces: its own call (they are few, and soon cached)
                found = self._split(run)
            if found[1]:
                norms += [(len(words) + i, norm) for i, norm in found[1]]
            words += found[0]
            spaces += [False] * len(found[0])
        doc = Doc(self.vocab, words=words, spaces=spaces)
        for i, norm in norms:
            doc[i].norm_ = norm
        return doc

    def _split_all(self, chunks: list[str]) -> None:
        """Tokenize new chunks in one call, joined by single spaces: each chunk is split on its
        own anyway, and one call per chunk cost more than the cache saved on new text."""
        if len(self._cache) + len(chunks) > self.max_chunks:
            self._cache.clear()
        doc = self.tokenizer(" ".join(chunks))
        words: list[str] = []
        norms: list[tuple[int, str]] = []
        i = 0
        for token in doc:
            if token.norm_ != token.lex.norm_:
                norms.append((len(words), token.norm_))
            words.append(token.text)
            if token.whitespace_ or token.i == len(doc) - 1:
                self._cache[chunks[i]] = (tuple(words), tuple(norms))
                words, norms, i = [], [], i + 1

    def _split(self, chunk: str) -> tuple[tuple[str, ...], tuple[tuple[int, str], ...]]:
        doc = self.tokenizer(chunk)
        words = tuple(token.text for token in doc)
        norms = tuple((i, token.norm_) for i, token in enumerate(doc) if token.norm_ != token.lex.norm_)
        if len(self._cache) >= self.max_chunks:
            self._cache.clear()
        self._cache[chunk] = (words, norms)
        return words, norms
