"""Functions run inside worker processes by tests/flows/test_pool.py (this module must not import
prefect: a worker imports it to unpickle the function)."""

import os
import sys
from collections.abc import Sequence
from datetime import datetime

from tasks.core.records import BatchResult, InputRef
from tasks.pipeline import PipelineOptions, process_batch

POISON = "poison.txt"


def process_or_die(refs: Sequence[InputRef], options: PipelineOptions, now: datetime) -> BatchResult:
    if any(ref.path.endswith(POISON) for ref in refs):
        os._exit(70)
    return process_batch(refs, options, now)


def prefect_loaded() -> bool:
    return "prefect" in sys.modules
