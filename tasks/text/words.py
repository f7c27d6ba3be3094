"""Word counts that are right for scripts written without spaces between words.

Chinese and Japanese (Han, kana), Thai, Lao, Khmer and Burmese text has no space between words,
so counting whitespace-separated tokens makes a whole paragraph one "word": a long Japanese
article counted as a dozen words and was filed as ``empty_extraction``. The rule here (the
``word_count`` column, docs/data-dictionary.md): a whitespace-separated token is a word, except
that every letter of those scripts counts as one word on its own, as word processors count
Chinese and Japanese characters. Combining vowel and tone marks (Thai, Burmese, ...) are part of
their letter and are not counted. Korean (Hangul) is written with spaces and counts as usual.
"""

import re
import unicodedata

# Han (with extension A, compatibility ideographs and the supplementary planes), kana (with
# halfwidth katakana), Thai, Lao, Myanmar, Khmer.
_NO_SPACE_SCRIPTS = (
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
    "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff\U00020000-\U0003134f"
)
_NO_SPACE = re.compile(f"[{_NO_SPACE_SCRIPTS}]")
_NO_SPACE_RUN = re.compile(f"[{_NO_SPACE_SCRIPTS}]+")
# A token of the rest with no letter or digit in it (a lone "。" or "—" is no word). Counting the
# tokens and taking these away is ~30 % cheaper than finding every token that holds one.
_NOT_A_WORD = re.compile(r"(?<!\S)[^\w\s]+(?!\S)")


def count_words(text: str) -> int:
    """Words in ``text`` by the rule above: one per spaced token that holds a letter or digit
    (a lone dash or bullet is none), one per letter of the scripts written without spaces."""
    if not _NO_SPACE.search(text):
        return _spaced_words(text)
    letters = sum(1 for c in "".join(_NO_SPACE_RUN.findall(text)) if unicodedata.category(c)[0] in "LN")
    return letters + _spaced_words(_NO_SPACE_RUN.sub(" ", text))


def _spaced_words(text: str) -> int:
    """Whitespace-separated tokens of ``text`` that hold a letter or digit."""
    return len(text.split()) - len(_NOT_A_WORD.findall(text))


def without_soft_hyphens(text: str) -> str:
    """``text`` without soft hyphens (U+00AD): they mark where a long word may break (German
    sites put them in headlines: ``Mes\xadsen\xadger\xaddiens\xadte``) and are invisible on the
    page; left in, the word matches no search for it."""
    return text.replace("\xad", "")
