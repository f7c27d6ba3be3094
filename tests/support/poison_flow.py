"""Run by tests/flows/test_cluster.py in a process of its own (PREFECT_API_URL set): one batch
holding an input that kills every Dask worker it is given to, through ``flows.runners``. Prints
``RESULT <json>``: each input's file name -> [outcome, failure reason]."""

import json
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow

from flows.ingest import process_batch_task
from flows.runners import DaskBatches, InProcessRunner
from storage.dataset import worker_outcome
from tasks.pipeline import PipelineOptions
from tasks.sources.discover import discover
from tests.support.worker_probes import process_or_die


@flow(name="poisoned-batch")
def poisoned_batch(directory: str, address: str) -> dict[str, list[str | None]]:
    refs = list(discover([directory]))
    batches = DaskBatches(process_batch_task, address, InProcessRunner(PipelineOptions(), batch_fn=process_or_die))
    with closing(batches):
        now = datetime.now(UTC)
        result = batches.result(refs, batches.submit(refs, now), now)
    return {
        Path(item.ref.path).name: [worker_outcome(item), item.failure.reason if item.failure else None]
        for item in result.items
    }


if __name__ == "__main__":
    print("RESULT " + json.dumps(poisoned_batch(sys.argv[1], sys.argv[2])))
