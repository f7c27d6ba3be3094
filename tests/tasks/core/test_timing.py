from tasks.core.timing import Laps


def _busy() -> int:
    return sum(i * i for i in range(200_000))


def test_laps_add_cpu_seconds_per_step_across_calls() -> None:
    timings: dict[str, float] = {"b": 1.0}
    laps = Laps(timings)
    _busy()
    laps.lap("a")
    first = timings["a"]
    assert first > 0
    _busy()
    laps.lap("b")
    laps.start()
    _busy()
    laps.lap("a")
    assert timings["a"] > first and timings["b"] > 1.0
    assert set(timings) == {"a", "b"}


def test_laps_without_timings_count_nothing() -> None:
    laps = Laps(None)
    _busy()
    laps.lap("a")
    assert laps.timings is None
