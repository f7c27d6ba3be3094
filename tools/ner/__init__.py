"""Training, evaluation and reference-data building for ``tasks.ner``."""
