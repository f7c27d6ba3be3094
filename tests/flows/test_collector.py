"""Start-up with the garbage collector paused (flows/collector.py)."""

import gc
from collections.abc import Iterator

import pytest

from flows import collector


@pytest.fixture(autouse=True)
def collector_as_found() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_pause_stops_collections_and_resume_freezes_what_start_up_built() -> None:
    collector.pause()
    assert not gc.isenabled()
    built: list[list[int]] = [[] for _ in range(1000)]  # objects the collector tracks
    collector.resume()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built)


def test_resume_without_a_pause_freezes_nothing() -> None:
    gc.unfreeze()
    collector.resume()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
