"""Score the entity tagger on held-out gold data: ``make eval-ner``.

    python -m tools.ner.evaluate [--corpora ../shared/ner-corpora] [--model default|none|NAME|PATH]

Prints entity-level precision/recall/F1 (exact span and type, PER/ORG/LOC, micro-averaged) on
the test split of every corpus (``tools.ner.corpora`` fixes the splits), for two set-ups:

- ``model``: the statistical model alone, over the gold tokens;
- ``tagger``: what ingest writes (model, gazetteer filling gaps, rule layers), over the text
  re-joined from the gold tokens and re-tokenized, mapped back to PER/ORG/LOC (GPE -> LOC;
  NORP is not scored: the corpora do not annotate demonyms).

The CrossNER politics split is the news-like held-out set: never trained on, never used to pick
a setting. Speed is words per CPU-second (``time.process_time``, one process), for the model
alone and for the whole tagger.
"""

import argparse
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc

from tasks.core.records import Mention
from tasks.ner.tagger import Tagger, TagOptions, get_tagger
from tools.ner.corpora import CORPORA, Sentence, Split, read_split, spans
from tools.ner.train import spaces_for

#: Our labels -> the three the corpora annotate.
_SCORED = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"}


@dataclass
class Score:
    """Counts of true positives, predicted and gold spans, per label."""

    tp: Counter[str]
    pred: Counter[str]
    gold: Counter[str]

    @classmethod
    def empty(cls) -> "Score":
        return cls(Counter(), Counter(), Counter())

    def add(self, predicted: set[tuple[int, int, str]], gold: set[tuple[int, int, str]]) -> None:
        for _, _, label in predicted & gold:
            self.tp[label] += 1
        for _, _, label in predicted:
            self.pred[label] += 1
        for _, _, label in gold:
            self.gold[label] += 1

    def prf(self, label: str | None = None) -> tuple[float, float, float]:
        """Precision, recall, F1 for ``label`` (all labels pooled when ``None``)."""
        tp = sum(self.tp.values()) if label is None else self.tp[label]
        pred = sum(self.pred.values()) if label is None else self.pred[label]
        gold = sum(self.gold.values()) if label is None else self.gold[label]
        p = tp / pred if pred else 0.0
        r = tp / gold if gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _char_spans(sentence: Sentence) -> tuple[str, set[tuple[int, int, str]]]:
    """The sentence as text (words re-joined) and its gold spans as character offsets."""
    offsets, text = [], ""
    for word, space in zip(sentence.words, spaces_for(sentence.words), strict=True):
        offsets.append(len(text))
        text += word + (" " if space else "")
    gold = {(offsets[s], offsets[e - 1] + len(sentence.words[e - 1]), label) for s, e, label in spans(sentence.tags)}
    return text, gold


def _scored_ents(doc: Doc, tagger: Tagger, chars: bool) -> set[tuple[int, int, str]]:
    """The model's entities in ``doc`` as (start, end, PER/ORG/LOC): token or character offsets."""
    return {
        (e.start_char, e.end_char, _SCORED[tagger.label_map[e.label_]])
        if chars
        else (e.start, e.end, _SCORED[tagger.label_map[e.label_]])
        for e in doc.ents
        if tagger.label_map.get(e.label_) in _SCORED
    }


def _scored_mentions(mentions: Iterable[Mention]) -> set[tuple[int, int, str]]:
    """The tagger's mentions as (start, end, PER/ORG/LOC), character offsets; NORP is not scored."""
    return {(m.start, m.end, _SCORED[m.label]) for m in mentions if m.label in _SCORED}


def score_model(sentences: Sequence[Sentence], options: TagOptions) -> tuple[Score, float, int]:
    """The model alone over gold tokens: score, CPU seconds, words."""
    tagger = get_tagger(options)
    score = Score.empty()
    if tagger.model is None:
        return score, 0.0, 0
    docs = [Doc(tagger.model.vocab, words=list(s.words), spaces=spaces_for(s.words)) for s in sentences]
    started = time.process_time()
    tagged = list(tagger.model.pipe(docs, batch_size=256))
    seconds = time.process_time() - started
    for sentence, doc in zip(sentences, tagged, strict=True):
        score.add(_scored_ents(doc, tagger, chars=False), spans(sentence.tags))
    return score, seconds, sum(len(s.words) for s in sentences)


def score_tagger(sentences: Sequence[Sentence], options: TagOptions) -> tuple[Score, float, int]:
    """The whole tagger over re-joined text: score, CPU seconds, words."""
    tagger = get_tagger(options)
    score = Score.empty()
    texts = [_char_spans(s) for s in sentences]
    started = time.process_time()
    results = [tagger.tag(text) for text, _ in texts]
    seconds = time.process_time() - started
    for (_, gold), mentions in zip(texts, results, strict=True):
        score.add(_scored_mentions(mentions), gold)
    return score, seconds, sum(len(s.words) for s in sentences)


#: Hand-annotated news (PER/ORG/LOC, CoNLL conventions): the three scraped samples in
#: ../shared/samples (their text is not in the repo: only offsets and surface forms are) and the
#: demo articles in examples/articles/text. Annotated without looking at the tagger's output.
NEWS_GOLD = Path(__file__).parent / "eval" / "news-gold.jsonl"
_EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles" / "text"


def read_news_gold(samples: Path, gold: Path = NEWS_GOLD) -> dict[str, list[tuple[str, set[tuple[int, int, str]]]]]:
    """Per collection, (text, gold spans) of every annotated file whose text is present."""
    out: dict[str, list[tuple[str, set[tuple[int, int, str]]]]] = {}
    if not gold.is_file():
        return out
    for line in gold.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        folder = samples if record["collection"] == "shared-samples" else _EXAMPLES
        path = folder / record["file"]
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        spans_ = set()
        for start, end, label, surface in record["entities"]:
            if text[start:end] != surface:
                raise ValueError(f"{gold}: {record['file']} [{start}:{end}] is not {surface!r}")
            spans_.add((start, end, label))
        out.setdefault(record["collection"], []).append((text, spans_))
    return out


def score_news(docs: Sequence[tuple[str, set[tuple[int, int, str]]]], options: TagOptions) -> tuple[Score, Score]:
    """The model alone and the whole tagger on whole articles (character spans)."""
    tagger = get_tagger(options)
    model, full = Score.empty(), Score.empty()
    for text, gold in docs:
        if tagger.model is not None:
            model.add(_scored_ents(tagger.model(text), tagger, chars=True), gold)
        full.add(_scored_mentions(tagger.tag(text)), gold)
    return model, full


def article_speed(texts: Sequence[str], options: TagOptions, rounds: int = 3) -> float:
    """Words per CPU-second of the whole tagger over whole articles (what ingest does)."""
    tagger = get_tagger(options)
    started = time.process_time()
    for _ in range(rounds):
        for text in texts:
            tagger.tag(text)
    return rounds * sum(len(t.split()) for t in texts) / (time.process_time() - started)


def _row(name: str, score: Score) -> str:
    cells = [f"{name:<22}"]
    for label in ("PER", "ORG", "LOC", None):
        cells.append(f"{score.prf(label)[2]:6.3f}")
    p, r, _ = score.prf()
    cells.append(f"{p:6.3f} {r:6.3f}")
    return " ".join(cells)


def evaluate(
    corpora: Path, options: TagOptions, names: Iterable[str], split: Split = "test", samples: Path | None = None
) -> str:
    """The report ``make eval-ner`` prints."""
    lines = [
        f"model: {options.model}",
        f"{split + ' split':<22} {'PER':>6} {'ORG':>6} {'LOC':>6} {'F1':>6} {'P':>6} {'R':>6}",
    ]
    totals = {"model": (Score.empty(), 0.0, 0), "tagger": (Score.empty(), 0.0, 0)}
    get_tagger(options)  # load outside the timings
    for name in names:
        sentences = read_split(corpora, split, [name])
        if not sentences:
            continue
        for setup, fn in (("model", score_model), ("tagger", score_tagger)):
            score, seconds, words = fn(sentences, options)
            if setup == "model" and not words:
                continue
            lines.append(_row(f"{name} ({setup})", score))
            total, secs, count = totals[setup]
            for field in ("tp", "pred", "gold"):
                getattr(total, field).update(getattr(score, field))
            totals[setup] = (total, secs + seconds, count + words)
    news = read_news_gold(samples or corpora.parent / "samples") if split == "test" else {}
    for collection, docs in news.items():
        model, full = score_news(docs, options)
        if sum(model.pred.values()):
            lines.append(_row(f"{collection} (model)", model))
        lines.append(_row(f"{collection} (tagger)", full))
    for setup, (total, seconds, words) in totals.items():
        if words:
            lines.append(_row(f"all ({setup})", total))
            unit = "batched sentences" if setup == "model" else "one sentence per call"
            lines.append(f"  speed ({setup}, {unit}): {words / seconds:,.0f} words per CPU-second over {words:,} words")
    articles = [text for docs in news.values() for text, _ in docs]
    if articles:
        speed = article_speed(articles, options)
        lines.append(
            f"  speed (tagger, whole articles): {speed:,.0f} words per CPU-second over {len(articles)} articles"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpora", type=Path, default=Path("../shared/ner-corpora"))
    parser.add_argument("--model", default="default", help="default, none, or a spaCy pipeline name/path")
    parser.add_argument("--corpus", action="append", help="only these corpora (repeatable)")
    parser.add_argument("--split", choices=["dev", "test"], default="test", help="dev: for choosing settings")
    args = parser.parse_args(argv)
    if not args.corpora.is_dir():
        parser.error(f"corpora not found: {args.corpora}")
    names = args.corpus or [c.name for c in CORPORA]
    print(evaluate(args.corpora, TagOptions(model=args.model), names, args.split))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
