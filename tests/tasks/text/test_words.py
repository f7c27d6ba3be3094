import pytest

from tasks.text.words import count_words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("The harbour will be rebuilt before autumn.", 7),
        ("Le port sera reconstruit — avant l'automne.", 6),  # a lone dash is no word
        # Chinese and Japanese: one word per Han or kana character; punctuation is none.
        ("港湾局は防波堤を再建する。", 12),
        ("港口将在秋季前重建。", 9),
        # Thai and Burmese: one per letter; combining vowel and tone marks belong to their letter.
        ("ท่าเรือ", 5),
        ("မြန်မာ", 3),
        # Korean is written with spaces: words as usual.
        ("항만청은 방파제를 재건한다", 3),
        # Mixed: Latin tokens count as tokens, Han characters one each.
        ("Apple 公司 2025 年", 5),
    ],
)
def test_count_words(text: str, words: int) -> None:
    assert count_words(text) == words


def test_a_japanese_paragraph_is_not_one_word() -> None:
    paragraph = "港湾局は火曜日、秋の嵐の季節の前に北の防波堤を再建すると発表した。" * 3
    assert len(paragraph.split()) == 1
    assert count_words(paragraph) > 60


@pytest.mark.parametrize(
    "text",
    [
        "— • … 2025 __init__ -- «Oui» ¡Hola! x",
        "\u00a0—\u00a0a\u2028b\x1c—\x1f. ,",  # whitespace str.split and the regex engine agree on
        "   \n\t",
        "a—b —— c… ...d (e) [—] 3.5%",
    ],
)
def test_a_token_is_a_word_when_it_holds_a_letter_or_digit(text: str) -> None:
    import re

    assert count_words(text) == sum(1 for token in text.split() if re.search(r"\w", token))
