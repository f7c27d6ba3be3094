"""Pipeline steps as plain functions over frozen records, grouped by area.

Who may import whom (``tests/test_architecture.py`` fails on any other import):

    tasks.core      records, vocabulary, errors, identity keys    imports nothing of ours
    tasks.sources   discovery, loading, collection, web fetching  imports tasks.core
    tasks.text      extraction, dates, cleanup, language          imports tasks.core
    tasks.ner       the entity tagger, its layers and data        imports tasks.core
    tasks.pipeline  one batch through load -> text -> ner         imports tasks.core/sources/text/ner
    storage         the Parquet contract and its I/O              imports tasks.core
    flows           flows, task wrappers, CLI, settings           imports anything; the only Prefect user
    tools           training, evaluation, data building           imports tasks and storage; nothing imports it

Nothing in ``tasks`` or ``storage`` imports prefect, so every step runs unchanged in a worker
process, on Dask, or in a unit test.
"""
