"""The spaCy component that turns per-token IOB tags into entity spans.

The default model tags tokens (``B-PER``, ``I-ORG``, ``O``) with spaCy's softmax ``tagger``
instead of running the transition-based ``ner``: on 2 cores the transition system alone cost
~14 ms per 1,000 tokens, more than extraction itself, while a softmax over the same CNN costs
almost nothing (measurements in tasks/ner/model/README.md). This component, last in the
pipeline, reads the tags and sets ``doc.ents``, so the rest of newsflow (and anyone loading the
model with spaCy) sees ordinary entities.

Importing this module registers the factory; ``tasks.ner.tagger`` does so before loading any model.
"""

from collections.abc import Iterable
from typing import Any

import numpy
from spacy.language import Language
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc, Span
from spacy.training import Example

FACTORY = "newsflow_iob_to_ents"


#: BILUO tags read as IOB2: a unit-length entity begins one, a last token continues one.
_AS_IOB = {"U": "B", "L": "I", "B": "B", "I": "I"}


def iob_spans(doc: Doc) -> list[Span]:
    """Entity spans of ``doc`` from its IOB2 (or BILUO) token tags; a stray ``I-`` starts an
    entity."""
    # Tag ids, not Token objects, and only the tokens tagged as part of a name: creating a Token
    # per word cost ~3 ms per article, and a loop over every tag still ~1 ms.
    tag_ids = doc.to_array("TAG")
    outside = doc.vocab.strings.as_int("O") if "O" in doc.vocab.strings else 0
    named = numpy.flatnonzero((tag_ids != 0) & (tag_ids != outside))
    parsed: dict[int, tuple[str, str]] = {}
    spans: list[Span] = []
    start, label, last = -1, "", -2
    for i, tag_id in zip(named.tolist(), tag_ids[named].tolist(), strict=True):
        kind = parsed.get(tag_id)
        if kind is None:
            tag = doc.vocab.strings[tag_id]
            has_type = len(tag) > 2 and tag[1] == "-"
            kind = parsed[tag_id] = (_AS_IOB.get(tag[0], "O"), tag[2:]) if has_type else ("O", "")
        prefix, tag_label = kind
        # An I- tag continues the open entity even when its type differs: a softmax tagger
        # often types the first words of a name by themselves ("Korea Coast" LOC, "Guard" ORG).
        # English names end in their head, so the last token's type wins.
        inside = prefix == "I" and start >= 0 and i == last + 1
        if inside:
            label = tag_label
        elif start >= 0:
            spans.append(Span(doc, start, last + 1, label=label))
            start = -1
        if prefix in ("B", "I") and not inside:
            start, label = i, tag_label
        last = i
    if start >= 0:
        spans.append(Span(doc, start, last + 1, label=label))
    return spans


class IobToEnts:
    """Sets ``doc.ents`` from the IOB tags the tagger before it wrote."""

    def __call__(self, doc: Doc) -> Doc:
        doc.ents = iob_spans(doc)
        return doc

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        """Entity precision/recall/F1 of the decoded tags, for the training log (the recipe's
        score weights decide whether they also pick the checkpoint)."""
        return get_ner_prf(examples)


@Language.factory(FACTORY, default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None})
def make_iob_to_ents(nlp: Language, name: str) -> IobToEnts:
    """spaCy factory of :class:`IobToEnts` (no settings, no weights)."""
    return IobToEnts()
