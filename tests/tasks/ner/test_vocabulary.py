import spacy

from tasks.ner.tagger import TagOptions, get_tagger
from tasks.ner.vocabulary import VocabularyBound


def test_words_added_past_the_bound_are_dropped_and_the_loaded_ones_kept() -> None:
    nlp = spacy.blank("en")
    nlp("The loaded words stay.")  # read outside any zone: permanent
    bound = VocabularyBound([nlp, nlp], max_words=20)  # (one model for two languages: one zone)
    assert len(bound.models) == 1
    bound.before_batch()
    nlp(" ".join(f"Zorblat{i}" for i in range(10)))
    bound.before_batch()  # 10 new words: under the bound, kept for the next batch
    assert "Zorblat3" in nlp.vocab.strings
    nlp(" ".join(f"Quuxle{i}" for i in range(30)))
    bound.before_batch()  # 40 new words: dropped, and a new zone opened
    assert "Zorblat3" not in nlp.vocab.strings and "Quuxle7" not in nlp.vocab.strings
    assert "loaded" in nlp.vocab.strings
    nlp("Frobnicate")
    bound.close()
    assert "Frobnicate" not in nlp.vocab.strings
    assert nlp("Frobnicate")[0].text == "Frobnicate"  # and the model reads on


def test_the_tagger_finds_the_same_mentions_when_its_words_are_dropped_after_every_batch() -> None:
    tagger = get_tagger(TagOptions())
    batches = [
        ["Officials in Seoul met Foreign Minister Cho Tae-yul on Monday.", "Jacinda Ardern spoke in Wellington."],
        ["The European Union and Acme Corp. opened an office in Nairobi, Kenya.", "Emmanuel Macron was in Paris."],
        ["Officials in Seoul met Foreign Minister Cho Tae-yul on Monday.", "Zorblatville's mayor met Acme Corp."],
    ]
    kept = [tagger.tag_many(texts, None, ["en"] * len(texts)) for texts in batches]
    bound = tagger.vocabulary.max_words
    try:
        tagger.vocabulary.max_words = 0
        dropped = [tagger.tag_many(texts, None, ["en"] * len(texts)) for texts in batches]
        assert "Zorblatville" in tagger.models["en"].vocab.strings
        tagger.vocabulary.before_batch()
        assert "Zorblatville" not in tagger.models["en"].vocab.strings
    finally:
        tagger.vocabulary.max_words = bound
    assert dropped == kept
    assert {m.text for m in kept[1][0]} >= {"European Union", "Nairobi"}
