"""Imported once by the workers' fork server (multiprocessing's ``forkserver`` preload): the
pipeline's imports and its per-process state (the tagger, the language model) are built there,
so every worker forked from it starts warm instead of building them itself (~2.5 s of CPU each).

It first lowers its CPU priority to the workers' (``NEWSFLOW_WORKER_NICE``): the warm-up then
yields to Prefect's server and the flow's own imports, which the run waits for, and every worker
forked from here inherits the priority (a process may lower its priority, never raise it back).

``newsflow ingest`` starts the fork server before Prefect's server, so that this overlaps the
server's start-up (:func:`flows.pool.start_fork_server`).
"""

import os
from contextlib import suppress

from flows.settings import current_settings, pipeline_options

# Each worker warms up again at its start (instantly when this worked), and reports a real
# problem there, where it is recorded; a bad setting has been reported by the CLI already.
with suppress(Exception):
    os.nice(current_settings().worker_nice)

from tasks.pipeline import warm_up

with suppress(Exception):
    warm_up(pipeline_options(current_settings()))
