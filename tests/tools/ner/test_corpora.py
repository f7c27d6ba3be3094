"""Training and evaluation data for the entity model (tools/ner/corpora.py, train.py, evaluate.py)."""

from pathlib import Path

import pytest
import spacy

from tasks.ner.tagger import TagOptions
from tests.support import SHARED
from tools.ner.corpora import CORPORA, Sentence, Split, read_corpus, read_split, spans, to_iob2
from tools.ner.evaluate import Score, read_news_gold, score_news
from tools.ner.train import spaces_for, to_doc

SHARED_CORPORA = SHARED / "ner-corpora"


def test_iob1_is_rewritten_to_iob2_and_labels_are_mapped_or_dropped() -> None:
    # wikigold's IOB1: an entity starts with I- unless it follows one of the same type.
    assert to_iob2(["I-PER", "I-PER", "B-PER", "O", "I-MISC", "I-LOC"], "iob1") == (
        "B-PER",
        "I-PER",
        "B-PER",
        "O",
        "O",
        "B-LOC",
    )
    # CrossNER's labels fold into ours; elections and events are not entities for us.
    assert to_iob2(["B-politician", "I-politician", "B-election", "B-country", "B-politicalparty"], "iob2") == (
        "B-PER",
        "I-PER",
        "O",
        "B-LOC",
        "B-ORG",
    )
    assert to_iob2(["O", "I-ORG", "I-ORG", "B-OTH"], "iob2") == ("O", "B-ORG", "I-ORG", "O")  # a stray I- repaired


def test_spans_of_tag_sequences() -> None:
    assert spans(["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-ORG"]) == {
        (0, 2, "PER"),
        (3, 4, "LOC"),
        (4, 5, "LOC"),
        (5, 6, "ORG"),
    }


def test_each_corpus_format_is_read(tmp_path: Path) -> None:
    (tmp_path / "uner-en-ewt").mkdir()
    (tmp_path / "uner-en-ewt" / "test.iob2").write_text(
        "# sent_id = a\n# text = Kim left Seoul\n1\tKim\tB-PER\t-\t-\n2\tleft\tO\t-\t-\n3\tSeoul\tB-LOC\t-\t-\n\n"
    )
    (tmp_path / "crossner-politics").mkdir()
    (tmp_path / "crossner-politics" / "dev.txt").write_text(
        "Moon\tB-politician\nJae-in\tI-politician\n\u00a0\tO\nwon\tO\n"
    )
    uner, crossner = CORPORA[0], CORPORA[3]
    (sentence,) = read_corpus(tmp_path, uner, "test")
    assert (sentence.words, sentence.tags) == (("Kim", "left", "Seoul"), ("B-PER", "O", "B-LOC"))
    (sentence,) = read_corpus(tmp_path, crossner, "test")  # CrossNER dev is our held-out test
    assert sentence.words == ("Moon", "Jae-in", "won")  # the whitespace-only token is dropped
    assert sentence.tags == ("B-PER", "I-PER", "O")


def test_training_docs_carry_entities_and_iob_tags_with_printed_spacing() -> None:
    assert spaces_for(["Kim", "(", "left", ")", "Seoul", "'s", "office", "."]) == [
        True,
        False,
        False,
        True,
        False,
        True,
        False,
        False,
    ]
    doc = to_doc(
        spacy.blank("en").vocab, Sentence("x", ("Yoon", "Suk", "Yeol", "spoke"), ("B-PER", "I-PER", "I-PER", "O"))
    )
    assert [(e.text, e.label_) for e in doc.ents] == [("Yoon Suk Yeol", "PER")]
    assert [t.tag_ for t in doc] == ["B-PER", "I-PER", "I-PER", "O"]
    upper = to_doc(spacy.blank("en").vocab, Sentence("x", ("Yoon", "spoke"), ("B-PER", "O")), upper=True)
    assert upper.text == "YOON SPOKE"


def test_scores_are_exact_span_and_type_micro_averages() -> None:
    score = Score.empty()
    score.add({(0, 2, "PER"), (3, 4, "LOC"), (5, 6, "ORG")}, {(0, 2, "PER"), (3, 4, "ORG"), (7, 8, "LOC")})
    p, r, f = score.prf()
    assert (p, r) == (1 / 3, 1 / 3) and f == pytest.approx(1 / 3)
    assert score.prf("PER") == (1.0, 1.0, 1.0)
    assert score.prf("LOC") == (0.0, 0.0, 0.0)


@pytest.mark.skipif(not SHARED_CORPORA.is_dir(), reason="needs ../shared/ner-corpora")
def test_splits_are_disjoint_and_the_politics_test_set_is_never_trained_on() -> None:
    def keys(split: Split, names: list[str] | None = None) -> set[tuple[str, ...]]:
        return {s.words for s in read_split(SHARED_CORPORA, split, names)}

    politics_test = keys("test", ["crossner-politics"])
    assert len(politics_test) > 500
    assert not politics_test & keys("train") and not politics_test & keys("dev")
    # Corpora we split by hash: a sentence (and any copy of it) lands in one split only.
    hashed = ["wikigold", "btc", "crossner-politics"]
    assert not keys("train", hashed) & keys("test", hashed)
    assert not keys("train", hashed) & keys("dev", hashed)
    # CrossNER's train file gives politics train and dev (choices are made on dev), 80/20.
    politics_train, politics_dev = keys("train", ["crossner-politics"]), keys("dev", ["crossner-politics"])
    assert politics_dev and len(politics_train) > 3 * len(politics_dev)


def test_the_hand_annotated_news_matches_its_texts_and_the_tagger_keeps_a_floor_on_it() -> None:
    # Offsets are checked against the texts when read (a mismatch raises).
    news = read_news_gold(SHARED_CORPORA.parent / "samples")
    assert len(news["newsflow-examples"]) == 4
    if SHARED_CORPORA.parent.joinpath("samples").is_dir():
        assert len(news["shared-samples"]) == 3
    # A regression floor, well under what the shipped tagger scores (see the model card).
    for docs in news.values():
        _, full = score_news(docs, TagOptions())
        assert full.prf()[2] > 0.85
