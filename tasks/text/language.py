"""The article's language: what the page declares, unless its text clearly says otherwise.

Pages declare a language in ``<html lang>``, ``og:locale`` or JSON-LD, and the declaration is
often a template's default: Zulu, Xhosa and Swahili articles declared ``en``, Japanese pages
declaring ``en``. py3langid (offline, normalised probabilities) reads a sample of the cleaned
text; its answer replaces the declaration only when it is confident and the two are not
variants of one language (``no``/``nb``/``nn``, ``ms``/``id``, ``hr``/``sr``/``bs``).
"""

import functools

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from tasks.text.words import count_words

#: Enough text to identify a language: the classifier's cost grows with the sample (a walk over
#: its UTF-8 bytes), its accuracy hardly past a few paragraphs.
SAMPLE_CHARS = 1000
#: Fewer words than this (tasks.text.words.count_words) is too little text to tell.
MIN_WORDS = 5
#: The classifier must be this sure to overrule a page's declaration.
OVERRULE_CONFIDENCE = 0.95

# Languages so close that a classifier confuses them and a declaration of one is not wrong.
_VARIANTS = (
    frozenset({"no", "nb", "nn", "da"}),
    frozenset({"ms", "id"}),
    frozenset({"hr", "sr", "bs", "me", "sh"}),
    frozenset({"zh", "yue", "wuu"}),
    frozenset({"fa", "prs"}),
)


@functools.lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def load_model() -> None:
    """Load the classifier now (~0.5 s), not on a worker's first article."""
    _identifier()


def identify(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) of ``text``'s language; (None, 0.0) for too little text."""
    sample = text[:SAMPLE_CHARS]
    if count_words(sample) < MIN_WORDS:
        return None, 0.0
    code, confidence = _identifier().classify(sample)
    return str(code), float(confidence)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None for text too short to tell."""
    return identify(text)[0]


#: A declaration is only checked: a shorter sample tells a contradiction as surely, for less.
CHECK_CHARS = 400


def decide_language(declared: str | None, text: str) -> str | None:
    """The article's language: ``declared`` unless the text is confidently another language."""
    detected, confidence = identify(text[:CHECK_CHARS] if declared else text)
    if declared is None or detected is None or detected == declared:
        return declared or detected
    if confidence >= OVERRULE_CONFIDENCE and not any(declared in g and detected in g for g in _VARIANTS):
        return detected
    return declared
