"""``newsflow serve``'s runner, and how it stops: flow runs in progress finish cleanly first.

Prefect's ``Runner`` executes each flow run in a child process. Left to itself, a stopping runner
takes its children down with it and the server goes next, so a run stopped half-way commits
nothing more and writes no ``runs`` row. Here the first SIGINT or SIGTERM stops polling for new
runs, passes the signal on to every running flow run (which then stops the way ``ingest`` does
on Ctrl-C: finishes the batches in its workers, commits, records itself as ``cancelled``), and
waits for them, at most ``DRAIN_SECONDS``; only then does the runner stop, then the server. A
second signal passes on at once, and the runs stop at once (nothing half-written is ever
visible: the next run completes the rest).
"""

import asyncio
import os
import signal
import sys
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.runner import Runner

#: How long a stopping ``serve`` waits for its running flow runs before it kills them.
DRAIN_SECONDS = 120.0


def serve_deployments(project: Path, overrides: Path | None) -> None:
    """Serve every deployment of ``project`` until SIGINT or SIGTERM (both stop cleanly)."""
    from flows.deployments import runner_deployments

    runner = _runner()
    for deployment in runner_deployments(project, overrides):
        runner.add_deployment(deployment)
        schedules = ", ".join(
            str(getattr(s.schedule, "cron", None) or getattr(s.schedule, "interval", ""))
            for s in deployment.schedules or []
        )
        print(f"  serving {deployment.flow_name}/{deployment.name}: {schedules or 'no schedule (trigger it)'}")
    print("ready: `newsflow trigger FLOW/DEPLOYMENT -p KEY=VALUE` starts a run; Ctrl-C or SIGTERM stops")
    asyncio.run(_serve_until_stopped(runner))


def _runner() -> "Runner":
    from prefect.runner import Runner

    class _Runner(Runner):
        signals: "asyncio.Queue[int]"

        # Prefect installs this for SIGTERM when the runner starts; its own calls a sync stop
        # from inside the event loop (which only warns "coroutine 'Runner.astop' was never
        # awaited") and exits at once. Hand the signal to the drain instead.
        def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
            self.signals.put_nowait(signal.SIGTERM)

    # Schedules stay active when we stop: starting `newsflow serve` again resumes them.
    return _Runner(pause_on_shutdown=False)


async def _serve_until_stopped(runner: Any) -> None:
    loop = asyncio.get_running_loop()
    runner.signals = asyncio.Queue()
    serving = asyncio.create_task(runner.start())
    await asyncio.sleep(0)  # let start() install its SIGTERM handler before ours for SIGINT
    loop.add_signal_handler(signal.SIGINT, runner.signals.put_nowait, signal.SIGINT)
    stopped = asyncio.create_task(runner.signals.get())
    done, _ = await asyncio.wait({serving, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if serving in done:  # the runner ended by itself (an error): let it surface
        stopped.cancel()
        await serving
        return
    await _drain(runner, stopped.result())
    await runner.astop()
    await serving


def _running_pids(runner: Any) -> list[int]:
    # Prefect keeps its children in a private map (pinned Prefect 3.8.8; tests/flows/test_serve.py
    # stops a serve mid-run, so a change there fails a test, not a user).
    handles = list(runner._process_manager._process_map.values())
    return [handle.pid for handle in handles if handle.pid is not None and handle.is_alive()]


async def _drain(runner: Any, signum: int) -> None:
    """Stop polling, pass ``signum`` on to the running flow runs and wait until they are done."""
    runner.stopping = True
    poller = getattr(runner, "_scheduled_run_poller", None)
    if poller is not None:
        poller.stopping = True  # no new runs start from here on
    pids = _running_pids(runner)
    if not pids:
        return
    print(
        f"{signal.Signals(signum).name}: waiting for {len(pids)} running flow run(s) to commit and record themselves"
        f" (at most {DRAIN_SECONDS:.0f} s; again to stop them now)",
        flush=True,
    )
    _pass_on(pids, signum)
    deadline = asyncio.get_running_loop().time() + DRAIN_SECONDS
    while _running_pids(runner):
        try:
            again = await asyncio.wait_for(runner.signals.get(), timeout=0.5)
        except TimeoutError:
            if asyncio.get_running_loop().time() < deadline:
                continue
            print(f"flow runs still running after {DRAIN_SECONDS:.0f} s: killing them", flush=True)
            again = signal.SIGKILL
        _pass_on(_running_pids(runner), again)
        if again == signal.SIGKILL:
            break


def _pass_on(pids: list[int], signum: int) -> None:
    """Send ``signum`` to each of ``pids`` that has not already had it from the terminal."""
    for pid in pids:
        if not _got_it_from_the_terminal(pid, signum):
            with suppress(ProcessLookupError):  # it ended meanwhile
                os.kill(pid, signum)


def _got_it_from_the_terminal(pid: int, signum: int) -> bool:
    """Whether Ctrl-C already reached ``pid``: the terminal sends SIGINT to its whole foreground
    process group, and a second SIGINT from us would read as "stop now"."""
    if signum != signal.SIGINT:
        return False
    try:
        group = os.getpgrp()
        return os.getpgid(pid) == group and os.tcgetpgrp(sys.stdin.fileno()) == group
    except OSError:  # no terminal, or the child is gone
        return False
