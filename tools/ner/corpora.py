"""Readers for the gold NER corpora the default model is trained on, mapped to PER/ORG/LOC.

The corpora (``../shared/ner-corpora``; see ``tasks/ner/model/README.md`` for their licences)
come in three shapes: UNER's IOB2 with ``#`` comments and an index column, CoNLL-style
``token TAG`` lines in IOB1 (wikigold) or IOB2 (BTC, CrossNER). Every reader yields
:class:`Sentence` objects with IOB2 tags over our three labels; any other label (MISC, OTH,
election, event, ...) becomes ``O``, which is what the model is then taught for them.

The split is fixed here, not by the caller, so training and evaluation can never disagree on it:
UNER keeps its own train/dev/test; wikigold and BTC are cut by a stable hash of the sentence
(80/10/10); CrossNER's small train file is cut the same way into train and dev (80/20), and its
dev file is held out entirely as the politics test set (news-like, never tuned on).
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Split = Literal["train", "dev", "test"]
LABELS = ("PER", "ORG", "LOC")

#: Corpus label -> ours. Labels not listed here are dropped (tagged O).
LABEL_MAP: dict[str, str] = {
    "PER": "PER",
    "ORG": "ORG",
    "LOC": "LOC",
    # CrossNER politics
    "person": "PER",
    "politician": "PER",
    "organisation": "ORG",
    "politicalparty": "ORG",
    "country": "LOC",
    "location": "LOC",
}


@dataclass(frozen=True, slots=True)
class Sentence:
    """One tokenized sentence with IOB2 tags over ``LABELS`` (``O``, ``B-PER``, ``I-LOC``...)."""

    corpus: str
    words: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Corpus:
    """Where one corpus lives under the corpora root and how to read and split it."""

    name: str
    files: dict[Split, tuple[str, ...]]
    fmt: Literal["uner", "iob1", "iob2"]
    #: One file cut by a stable hash of each sentence into the splits ``files`` does not give.
    pool: str | None = None


CORPORA: tuple[Corpus, ...] = (
    Corpus(
        "uner-en-ewt",
        {
            "train": ("uner-en-ewt/train.iob2",),
            "dev": ("uner-en-ewt/dev.iob2",),
            "test": ("uner-en-ewt/test.iob2",),
        },
        "uner",
    ),
    Corpus("wikigold", {}, "iob1", pool="wikigold/wikigold.conll.txt"),
    Corpus("btc", {}, "iob2", pool="btc/btc.conll"),
    # Its 200 train sentences also give the only politics dev set (choices are made on it);
    # its dev file is the held-out test set.
    Corpus("crossner-politics", {"test": ("crossner-politics/dev.txt",)}, "iob2", pool="crossner-politics/train.txt"),
)


def read_blocks(path: Path) -> Iterator[list[list[str]]]:
    """Blank-line separated blocks of whitespace-split columns, ``#`` comments and DOCSTART dropped."""
    block: list[list[str]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip():
                if block:
                    yield block
                block = []
                continue
            if line.startswith("# ") or line.startswith("-DOCSTART-"):
                continue
            block.append(line.split("\t") if "\t" in line else line.rsplit(" ", 1))
    if block:
        yield block


def to_iob2(tags: Iterable[str], scheme: Literal["iob1", "iob2"]) -> tuple[str, ...]:
    """Map labels to ours and rewrite to IOB2; a dropped label becomes ``O``."""
    out: list[str] = []
    prev = "O"
    for raw in tags:
        if raw == "O" or "-" not in raw:
            out.append("O")
            prev = "O"
            continue
        prefix, label = raw.split("-", 1)
        mapped = LABEL_MAP.get(label)
        if mapped is None:
            out.append("O")
            prev = "O"
            continue
        # IOB1 starts an entity with I- unless it directly follows one of the same type; IOB2
        # data in the wild also has stray I- after O, so both are repaired the same way.
        begins = prefix == "B" or prev == "O" or prev[2:] != mapped
        out.append(("B-" if begins else "I-") + mapped)
        prev = out[-1]
    return tuple(out)


def _parse(block: list[list[str]], fmt: str) -> tuple[list[str], list[str]]:
    # UNER: index, token, tag, ... (multiword-token rows "1-2" skipped); CoNLL: token ... tag.
    pairs = [(c[1], c[2]) for c in block if c[0].isdigit()] if fmt == "uner" else [(c[0], c[-1]) for c in block]
    # A few tweets carry whitespace-only tokens (a lone NBSP): no tokenizer would produce them.
    kept = [(word, tag) for word, tag in pairs if word.strip()]
    return [w for w, _ in kept], [t for _, t in kept]


def _hash_split(words: Iterable[str], has_test: bool) -> Split:
    bucket = hashlib.blake2b(" ".join(words).encode(), digest_size=2).digest()[0] % 10
    # 80/10/10, or 80/20 train/dev when the corpus has its own test file.
    return "train" if bucket > 1 else "dev" if bucket == 1 or has_test else "test"


def read_corpus(root: Path, corpus: Corpus, split: Split) -> Iterator[Sentence]:
    """Sentences of one corpus and split, with tags mapped to ``LABELS``."""
    scheme: Literal["iob1", "iob2"] = "iob1" if corpus.fmt == "iob1" else "iob2"
    if split in corpus.files:
        paths, by_hash = list(corpus.files[split]), False
    else:
        paths, by_hash = [corpus.pool] if corpus.pool else [], True
    for rel in paths:
        for block in read_blocks(root / rel):
            words, tags = _parse(block, corpus.fmt)
            if not words or (by_hash and _hash_split(words, "test" in corpus.files) != split):
                continue
            yield Sentence(corpus.name, tuple(words), to_iob2(tags, scheme))


def read_split(root: Path, split: Split, names: Iterable[str] | None = None) -> list[Sentence]:
    """Every sentence of ``split`` across the corpora named (all by default)."""
    wanted = set(names) if names is not None else {c.name for c in CORPORA}
    return [s for c in CORPORA if c.name in wanted for s in read_corpus(root, c, split)]


def spans(tags: Iterable[str]) -> set[tuple[int, int, str]]:
    """Entity spans ``(start, end, label)`` of an IOB2 tag sequence (token offsets)."""
    found: set[tuple[int, int, str]] = set()
    start, label = -1, ""
    tags = list(tags)
    for i, tag in enumerate([*tags, "O"]):
        if start >= 0 and not (tag.startswith("I-") and tag[2:] == label):
            found.add((start, i, label))
            start = -1
        if tag.startswith("B-") or (tag.startswith("I-") and start < 0):
            start, label = i, tag[2:]
    return found
