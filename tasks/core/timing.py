"""CPU seconds per step, added up in a plain dict: the stage figures a batch reports.

The clock is the calling thread's CPU time, so that a step's figure is the work it did, not the
time its worker waited for a core (two workers, a flow and a Prefect server share this
machine's two).
"""

import time


class Laps:
    """Adds the calling thread's CPU seconds since the last ``start`` or ``lap`` to
    ``timings[step]`` at each ``lap``; with ``timings=None`` it does nothing (no clock is read)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.clock = 0.0
        self.start()

    def start(self) -> None:
        """Begin a new lap now (the time since the last one is counted nowhere)."""
        if self.timings is not None:
            self.clock = time.thread_time()

    def lap(self, step: str) -> None:
        """Count the CPU time since the last lap as ``step``."""
        if self.timings is not None:
            tick = time.thread_time()
            self.timings[step] = self.timings.get(step, 0.0) + tick - self.clock
            self.clock = tick
