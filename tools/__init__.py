"""Developer tools that are not part of the runtime package, never run by the pipeline: evaluating
extraction on real pages, training and evaluating the entity model, building its reference data.
Run them from the repository root (``make eval-extract``, ``make train-ner``, ``make eval-ner``,
``make gazetteer``)."""
