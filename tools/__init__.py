"""Developer tools that are not part of the runtime package: training and evaluating the entity
model, building its reference data. Run them from the repository root (``make train-ner``,
``make eval-ner``, ``make gazetteer``)."""
