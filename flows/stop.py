"""Stopping a run cleanly on Ctrl-C or SIGTERM.

The first signal asks the run to stop: it collects nothing more, finishes the batches already in
its workers, commits what it has and records itself as ``cancelled`` (a few seconds). A second
signal stops at once (``KeyboardInterrupt``): nothing half-written is ever visible, and the next
run completes the rest. Handlers are installed only from the main thread, and restored after.
"""

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


class StopRequested:
    """Whether a stop was asked for; ``say`` announces it once (the run's logger)."""

    def __init__(self, say: Callable[[str], None] = print) -> None:
        self.event = threading.Event()
        self.say = say
        self.signal_name = ""

    def __bool__(self) -> bool:
        return self.event.is_set()

    def request(self, signum: int, frame: FrameType | None) -> None:
        """The signal handler: first a polite request, then an immediate stop."""
        if self.event.is_set():
            raise KeyboardInterrupt
        self.signal_name = signal.Signals(signum).name
        self.event.set()
        self.say(f"{self.signal_name}: stopping after the current batches (again to stop now)")


@contextmanager
def stop_on_signals(say: Callable[[str], None] = print) -> Iterator[StopRequested]:
    """SIGINT and SIGTERM set the yielded flag for the duration of the block."""
    stop = StopRequested(say)
    if threading.current_thread() is not threading.main_thread():
        yield stop  # signals reach the main thread only: whoever runs us there handles them
        return
    previous = {sig: signal.signal(sig, stop.request) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
