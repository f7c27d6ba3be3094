"""Progress of an ingest, phase by phase (discover, fetch, process, commit), shown three ways.

- On a terminal: a ``rich`` bar with counts, rate and ETA (Prefect's own INFO lines are held back
  while it is shown; warnings still come through).
- Otherwise (cron, a worker's log, CI): one plain line every ``every`` seconds, and one per phase.
- In Prefect: a progress artifact (``ingest-progress``), updated at the same pace.

The total is an estimate until collection ends (a directory walk and a line count of ``.jsonl``
files up front; a web source's pages are known once fetched), so the ETA firms up as it goes.
"""

import logging
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from tasks.core.vocabulary import Phase


def console_handlers() -> list[logging.Handler]:
    """The handlers that print log records on the terminal: Prefect's console handler sits on
    the root logger (its logging.yml), which the run loggers propagate to."""
    found: list[logging.Handler] = []
    for logger in (logging.getLogger(), logging.getLogger("prefect")):
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) in (
                sys.stderr,
                sys.stdout,
            ):
                found.append(handler)
    return found


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    """Counts of a run as it goes: inputs found (``total``), finished (``done``), rows committed."""

    def __init__(
        self,
        *,
        log: Callable[[str], None],
        tty: bool | None = None,
        artifact: bool = True,
        every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.every = every
        self.clock = clock
        self.started = clock()
        self.phase: Phase = "discover"
        #: Inputs collected so far, and what the up-front estimate said there would be.
        self.collected = 0
        self.estimate = 0
        self.estimated = True
        self.done = 0
        self.commits = 0
        self.rows = 0
        self._last = self.started
        self._artifact_id: Any = None
        self._want_artifact = artifact
        self._bar: Any = None
        self._task: Any = None
        self._quieted: list[tuple[logging.Handler, int]] = []

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> "Progress":
        if self._want_artifact:
            from prefect.artifacts import create_progress_artifact

            try:
                self._artifact_id = create_progress_artifact(0.0, key="ingest-progress", description="newsflow ingest")
            except Exception:  # progress must never fail a run
                self._artifact_id = None
        if self.tty:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._quiet_prefect_console()
            self._bar.start()
            self._task = self._bar.add_task("discover", total=None, rate="")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
        for handler, level in self._quieted:
            handler.setLevel(level)
        self._push_artifact(force=True, final=exc_type is None)

    def _quiet_prefect_console(self) -> None:
        for handler in console_handlers():
            self._quieted.append((handler, handler.level))
            handler.setLevel(max(handler.level, logging.WARNING))

    # -- events ----------------------------------------------------------------------------------

    def enter(self, phase: Phase, detail: str = "") -> None:
        """A new phase begins (``detail``: what it is about, for the plain line)."""
        self.phase = phase
        if not self.tty:
            self.log(f"{phase}: {detail}" if detail else phase)
        self._tick(force=True)

    @property
    def total(self) -> int:
        """The inputs of the run: exact once collection is over, else the larger of what is
        collected so far and the estimate."""
        return self.collected if not self.estimated else max(self.collected, self.estimate)

    def found(self, count: int = 1, *, final: bool = False) -> None:
        """``count`` more inputs found; ``final`` when collection is over (the total is exact)."""
        self.collected += count
        self.estimated = not final
        self._tick()

    def expect(self, estimate: int) -> None:
        """An estimate of the total, before collection has found everything."""
        self.estimate = estimate
        self._tick()

    def finished(self, count: int) -> None:
        """``count`` more inputs have their outcome (processed, skipped or failed)."""
        self.done += count
        self._tick()

    def requests(self, count: int) -> None:
        """During the fetch phase: ``count`` HTTP requests made so far."""
        if self._bar is not None:
            self._bar.update(self._task, description=f"fetch ({count} requests)")
        else:
            self.log(f"fetch: {count} requests so far, {_duration(self.clock() - self.started)} elapsed")

    def committed(self, rows: int) -> None:
        """One commit of ``rows`` inputs made visible."""
        self.commits += 1
        self.rows += rows
        self._tick()

    # -- rendering -------------------------------------------------------------------------------

    @property
    def rate(self) -> float:
        """Inputs finished per second since the start."""
        return self.done / max(1e-9, self.clock() - self.started)

    def line(self) -> str:
        """The plain progress line."""
        total = max(self.total, self.done)
        approx = "~" if self.estimated else ""
        share = f" ({100 * self.done / total:.0f} %)" if total else ""
        eta = ""
        if self.rate > 0 and total > self.done:
            eta = f", ETA {'~' if self.estimated else ''}{_duration((total - self.done) / self.rate)}"
        return (
            f"progress: {self.phase}, {self.done}/{approx}{total} inputs{share}, {self.rate:.1f}/s{eta}; "
            f"{self.commits} commit(s), {self.rows} rows, {_duration(self.clock() - self.started)} elapsed"
        )

    def _tick(self, force: bool = False) -> None:
        if self._bar is not None:
            total = max(self.total, self.done) or None
            self._bar.update(
                self._task,
                description=self.phase,
                completed=self.done,
                total=total,
                rate=f"{self.rate:.1f}/s",
            )
        now = self.clock()
        if not force and now - self._last < self.every:
            return
        self._last = now
        if self._bar is None and not force:
            self.log(self.line())
        self._push_artifact()

    def _push_artifact(self, force: bool = False, final: bool = False) -> None:
        if self._artifact_id is None:
            return
        from prefect.artifacts import update_progress_artifact

        total = max(self.total, self.done)
        share = 100.0 if final else (100.0 * self.done / total if total else 0.0)
        try:
            update_progress_artifact(self._artifact_id, min(100.0, share), description=self.line())
        except Exception:
            self._artifact_id = None  # the API went away: stop trying, never fail the run
