"""Named entities: the tagger (model, gazetteer, rule layers, linking), its reference data and the
shipped model. Training and evaluation live in ``tools.ner``."""
