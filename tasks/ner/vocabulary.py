"""A bound on the words a model keeps in a long-running process.

spaCy adds every new word it reads to the model's vocabulary (a lexeme and its string) for the
life of the process, so a worker that ingests for days holds every distinct token it has met:
~22 more per article on the dev set, after the first thousand articles, and no end to it.

:class:`VocabularyBound` reads inside spaCy memory zones (``Language.memory_zone``) kept open
from one batch to the next, so that a word met in one batch is known in the next, and closes
them once a model holds ``max_words`` more than when they opened: that drops the words added
since, and the next batch opens new ones. The words a model was loaded with are never dropped.
Measured with 12 batches of 100 articles of 700 new words each: a worker's RSS went from 331 to
865 MiB without the bound and stayed within 398-467 MiB with it; on the dev set's 1,468 tagged
articles, the same mentions (with the bound at 3,000 words, renewed every few batches, too) and
the same CPU. (Inside a zone spaCy's own tokenizer caches nothing: newsflow's cache,
:mod:`tasks.ner.tokens`, is in front of it for the models that have one.)
"""

from collections.abc import Iterable
from contextlib import ExitStack
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

#: Words a model may add before they are dropped (at the dev set's rate, a few thousand articles
#: per worker).
MAX_WORDS = 100_000


class VocabularyBound:
    """Memory zones over ``models``, renewed when one of them has added ``max_words`` words."""

    def __init__(self, models: Iterable["Language"], max_words: int = MAX_WORDS) -> None:
        # Each model once (a zone must not be nested), whatever the languages it serves.
        self.models = list({id(model): model for model in models}.values())
        self.max_words = max_words
        self._zones: ExitStack | None = None
        self._loaded: list[int] = []

    def before_batch(self) -> None:
        """Call before a batch is read, when no ``Doc`` of an earlier batch is still in use (a
        ``Doc`` read in a zone is invalid once the zone is closed)."""
        if self._zones is not None and any(
            len(model.vocab) - loaded > self.max_words for model, loaded in zip(self.models, self._loaded, strict=True)
        ):
            self.close()
        if self._zones is None and self.models:
            zones = ExitStack()
            for model in self.models:
                zones.enter_context(model.memory_zone())
            self._loaded = [len(model.vocab) for model in self.models]
            self._zones = zones

    def close(self) -> None:
        """Drop the words added since the zones opened."""
        if self._zones is not None:
            self._zones.close()
            self._zones = None
