"""The ``compact`` flow: merge small files and drop duplicate rows, partition by partition."""

import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from pydantic import Field

from flows.runs import recorded_run
from flows.settings import current_settings, delta_options
from storage.backend import open_dataset
from storage.compact import CompactStats


@dataclass
class CompactReport:
    """What ``recorded_run`` needs from a compaction."""

    run_id: str
    out: str
    stats: CompactStats = field(default_factory=CompactStats)
    elapsed: float = 0.0
    error: str | None = None
    cancelled: bool = False

    def to_markdown(self) -> str:
        s = self.stats
        status = f"**failed**: `{self.error}`" if self.error else "completed"
        lines = [
            f"# newsflow compact `{self.run_id}`",
            "",
            f"Dataset: `{self.out}`; {status}",
            "",
            f"{s.partitions} partition(s) rewritten: {s.files_before} files -> {s.files_after}, "
            f"{s.duplicates_dropped} duplicate row(s) dropped, in {self.elapsed:.1f} s.",
            "",
            "| table | rows before | rows after |",
            "|---|---:|---:|",
        ]
        lines += [f"| {t} | {n} | {s.rows_after.get(t, 0)} |" for t, n in sorted(s.rows_before.items())]
        return "\n".join(lines)

    def run_row(self) -> dict[str, Any]:
        return {"report": self.to_markdown()}

    def as_dict(self) -> dict[str, Any]:
        s = self.stats
        return {
            "run_id": self.run_id,
            "out": self.out,
            "partitions": s.partitions,
            "files_before": s.files_before,
            "files_after": s.files_after,
            "duplicates_dropped": s.duplicates_dropped,
            "elapsed_seconds": round(self.elapsed, 2),
        }


@flow(name="compact", log_prints=True)
def compact(
    out: Annotated[str | None, Field(min_length=1)] = None,
    min_files: Annotated[int | None, Field(ge=1, le=100_000)] = None,
) -> dict[str, Any]:
    """Compact the dataset at ``out``: every partition where some table has at least
    ``min_files`` files is rewritten as one file per table, without duplicate rows. Readers
    see each partition swap atomically (docs/data-dictionary.md); ingest runs wait meanwhile.
    Unset parameters take their settings (``NEWSFLOW_OUT``, ``NEWSFLOW_COMPACT_MIN_FILES``;
    defaults ``data/news``, 2).
    """
    settings = current_settings()
    out, min_files = out or settings.out, min_files or settings.compact_min_files
    report = CompactReport(run_id=str(flow_run.id or uuid.uuid4()), out=out)
    dataset = open_dataset(
        out, table_format=settings.table_format, delta=delta_options(settings.model_copy(update={"out": out}))
    )
    with recorded_run(dataset, "compact", report):
        report.stats = dataset.compact(only_if_files_above=min_files - 1)
    get_run_logger().info("%s", report.to_markdown().splitlines()[2])
    return report.as_dict()
