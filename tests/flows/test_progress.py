"""Progress counts and the plain line (no terminal, no Prefect artifact, a fake clock)."""

from flows.progress import Progress


def test_the_total_is_the_estimate_until_collection_ends_and_the_line_says_so() -> None:
    now = [0.0]
    lines: list[str] = []
    progress = Progress(log=lines.append, tty=False, artifact=False, every=10, clock=lambda: now[0])
    with progress:
        progress.enter("discover", "/in")
        progress.expect(100)
        for _ in range(40):
            progress.found()
        assert progress.total == 100 and progress.estimated
        now[0] = 5.0
        progress.enter("process", "with 2 worker(s)")
        progress.finished(20)
        now[0] = 15.0
        progress.finished(10)  # ten seconds since the last line: a plain progress line
        assert lines[-1].startswith("progress: process, 30/~100 inputs (30 %), 2.0/s, ETA ~35s;"), lines[-1]
        for _ in range(80):
            progress.found()
        progress.found(0, final=True)
        assert progress.total == 120 and not progress.estimated
        progress.committed(30)
    assert lines[:2] == ["discover: /in", "process: with 2 worker(s)"]
    assert "1 commit(s), 30 rows" in progress.line()
