"""Language identification for pages that do not declare theirs (py3langid, offline)."""

import py3langid

#: Enough text to identify a language; classifying a whole long article only costs time.
SAMPLE_CHARS = 2000


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None for text too short to tell."""
    sample = text[:SAMPLE_CHARS]
    if len(sample.split()) < 5:
        return None
    code, _score = py3langid.classify(sample)
    return str(code)
