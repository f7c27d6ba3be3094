"""Imported once by the workers' fork server (multiprocessing's ``forkserver`` preload): the
pipeline's imports and its per-process state (the tagger, the language model) are built there,
so every worker forked from it starts warm instead of building them itself (~2.5 s of CPU each).

It first lowers its CPU priority to the workers' (``NEWSFLOW_WORKER_NICE``), which every worker
forked from here inherits (a process may lower its priority, never raise it back); the warm-up
itself runs in a thread of its own at the lowest priority (``WARM_UP_NICE``), so that it yields
to Prefect's server and the flow's own imports, which the run waits for (3 paired runs of the
1,473 dev pages: 0.1-0.3 s sooner each).

``newsflow ingest`` starts the fork server before Prefect's server, so that this overlaps the
server's start-up (:func:`flows.pool.start_fork_server`).
"""

import os
import threading
from contextlib import suppress

from flows.settings import current_settings, pipeline_options

#: The warm-up's own priority, below the workers': it runs while Prefect's server starts, which
#: every run waits for, and should take only what the server and the CLI leave.
WARM_UP_NICE = 19

# Each worker warms up again at its start (instantly when this worked), and reports a real
# problem there, where it is recorded; a bad setting has been reported by the CLI already.
with suppress(Exception):
    os.nice(current_settings().worker_nice)


def _warm_up() -> None:
    # On Linux a nice value belongs to a thread: this one drops to WARM_UP_NICE and the fork
    # server's main thread, which forks the workers (they inherit its value), keeps the workers'.
    with suppress(Exception):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WARM_UP_NICE)
    from tasks.pipeline import warm_up

    with suppress(Exception):
        warm_up(pipeline_options(current_settings()))


_thread = threading.Thread(target=_warm_up, name="newsflow-warm-up")
_thread.start()
_thread.join()
