"""Imported once by the workers' fork server (multiprocessing's ``forkserver`` preload): the
pipeline's imports and its per-process state (the tagger, the language model) are built there,
so every worker forked from it starts warm instead of building them itself (~2.5 s of CPU each).

``newsflow ingest`` starts the fork server before Prefect's server, so that this overlaps the
server's start-up (:func:`flows.pool.start_fork_server`).
"""

from contextlib import suppress

from flows.settings import current_settings, pipeline_options
from tasks.pipeline import warm_up

# Each worker warms up again at its start (instantly when this worked), and reports a real
# problem there, where it is recorded.
with suppress(Exception):
    warm_up(pipeline_options(current_settings()))
