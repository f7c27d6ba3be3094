import pytest

from tasks.text.language import decide_language, detect_language

EN = (
    "The harbour authority confirmed on Tuesday that the northern breakwater will be rebuilt before the "
    "autumn storm season, ending months of uncertainty for the fishing fleet and the town council."
)
DE = (
    "Die Hafenbehörde hat am Dienstag bestätigt, dass der nördliche Wellenbrecher noch vor der "
    "herbstlichen Sturmsaison wieder aufgebaut wird, womit monatelange Unsicherheit für die Fischer endet."
)
SW = (
    "Mamlaka ya bandari ilithibitisha siku ya Jumanne kwamba ukuta wa kuzuia mawimbi wa kaskazini "
    "utajengwa upya kabla ya msimu wa dhoruba, jambo ambalo litamaliza miezi ya wasiwasi kwa wavuvi."
)
JA = "港湾局は火曜日、秋の嵐の季節の前に北の防波堤を再建すると発表した。漁船団にとって数か月の不安が終わる。"


def test_detects_without_a_declaration() -> None:
    assert decide_language(None, DE) == "de"
    assert decide_language(None, JA) == "ja"


def test_declaration_kept_when_the_text_agrees() -> None:
    assert decide_language("en", EN) == "en"


@pytest.mark.parametrize(("text", "language"), [(SW, "sw"), (JA, "ja"), (DE, "de")])
def test_text_overrules_a_wrong_declaration(text: str, language: str) -> None:
    assert decide_language("en", text) == language


def test_variants_of_one_language_keep_the_declaration() -> None:
    norwegian = "Havnemyndigheten bekreftet tirsdag at den nordlige moloen skal bygges opp igjen før høststormene."
    assert decide_language("nb", norwegian) == "nb"


def test_too_little_text_keeps_the_declaration_or_says_nothing() -> None:
    assert decide_language("en", "Breakwater") == "en"
    assert decide_language(None, "Breakwater") is None
    assert detect_language("") is None
