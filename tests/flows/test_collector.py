"""Start-up with the garbage collector paused (flows/collector.py).

Each case runs in a fresh interpreter: ``gc.freeze`` moves every object of the process into the
permanent generation, which is no state to leave behind in the test runner's own process.
"""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def _run(script: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", f"import gc\nfrom flows import collector\n{script}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_pause_stops_collections_and_resume_freezes_what_start_up_built() -> None:
    out = _run(
        "collector.pause()\n"
        "print(gc.isenabled())\n"
        "built = [[] for _ in range(1000)]\n"  # objects the collector tracks
        "collector.resume()\n"
        "print(gc.isenabled(), gc.get_freeze_count() >= len(built))\n"
    )
    assert out.splitlines() == ["False", "True True"]


def test_resume_without_a_pause_freezes_nothing() -> None:
    assert _run("collector.resume()\nprint(gc.isenabled(), gc.get_freeze_count())") == "True 0"
