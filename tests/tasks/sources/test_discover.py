import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from tasks.core.errors import NotRegularFile, SourceNotFound
from tasks.sources.discover import DiscoverOptions, discover, sniff_kind


def test_directory_walk_takes_known_suffixes_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b.html").write_text("<html></html>")
    (tmp_path / "a.txt").write_text("text")
    (tmp_path / "notes.md").write_text("ignored")
    (tmp_path / ".hidden.html").write_text("ignored")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.HTM").write_text("<html></html>")
    refs = list(discover([str(tmp_path)]))
    assert [(Path(r.path).name, r.kind) for r in refs] == [("a.txt", "text"), ("b.html", "html"), ("c.HTM", "html")]
    assert refs[0].digest == hashlib.sha256(b"text").hexdigest()
    assert refs[0].source_uri == str(tmp_path / "a.txt")


def test_jsonl_gives_one_ref_per_non_blank_line_with_offsets(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [b'{"url": "https://a.example/1", "text": "x"}\n', b"\n", b'{"text": "y"}\n']
    path.write_bytes(b"".join(lines))
    refs = list(discover([str(path)]))
    assert [r.line for r in refs] == [1, 3]
    assert [r.offset for r in refs] == [0, len(lines[0]) + 1]
    assert refs[1].source_uri == f"{path}#L3"
    assert refs[0].digest == hashlib.sha256(lines[0].strip()).hexdigest()


def test_explicit_file_with_unknown_suffix_is_sniffed(tmp_path: Path) -> None:
    page = tmp_path / "page.php"
    page.write_text("<!DOCTYPE html><html><body>x</body></html>")
    assert [r.kind for r in discover([str(page)])] == ["html"]
    assert sniff_kind(b'  {"url": 1}') == "jsonl"
    assert sniff_kind(b"Plain words") == "text"
    assert sniff_kind(b"https://a.example/x\nhttps://a.example/y") == "urllist"
    # A whole file is judged whole: a last line of prose makes it text, not a URL list.
    assert sniff_kind(b"# sources\nhttps://a.example/x\nsome words") == "text"


def test_missing_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFound, match="nope"):
        list(discover([str(tmp_path / "nope")]))


def test_fingerprints_skip_rehashing_unchanged_files_and_catch_changed_ones(tmp_path: Path) -> None:
    page = tmp_path / "a.html"
    page.write_bytes(b"<html>one</html>")
    cache: dict[str, list[object]] = {}
    (first,) = discover([str(page)], fingerprints=cache)
    assert first.digest == hashlib.sha256(b"<html>one</html>").hexdigest()
    stat = page.stat()
    # Same size and mtime: trusted without reading (the content swap goes unseen, by design).
    page.write_bytes(b"<html>two</html>")
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    (cached,) = discover([str(page)], fingerprints=cache)
    assert cached.digest == first.digest
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # touched: read again
    (changed,) = discover([str(page)], fingerprints=cache)
    assert changed.digest == hashlib.sha256(b"<html>two</html>").hexdigest()


def discover_in_thread(sources: list[str], **kw: object) -> tuple[list[Any], list[Any]]:
    """discover() run where a hang cannot hang the test run: (refs, failures), or a failure of the test."""
    refs: list[Any] = []
    failures: list[Any] = []

    def run() -> None:
        refs.extend(discover(sources, on_failure=failures.append, **kw))  # type: ignore[arg-type]

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "discovery blocked"
    return refs, failures


def test_fifos_and_links_to_devices_in_a_directory_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("<html>a</html>")
    os.mkfifo(tmp_path / "pipe.html")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    refs, failures = discover_in_thread([str(tmp_path)])
    assert [Path(r.path).name for r in refs] == ["a.html"]
    assert failures == []


def test_a_fifo_named_explicitly_is_a_precise_failure(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.html"
    os.mkfifo(pipe)
    (tmp_path / "a.html").write_text("<html>a</html>")
    refs, failures = discover_in_thread([str(pipe), str(tmp_path / "nope.html"), str(tmp_path / "a.html")])
    assert [Path(r.path).name for r in refs] == ["a.html"]  # the sources after them still count
    assert [(f.failure.source_uri, f.failure.reason) for f in failures] == [
        (str(pipe), "not_regular_file"),
        (str(tmp_path / "nope.html"), "not_found"),
    ]
    with pytest.raises(NotRegularFile):  # without a sink, as a SourceError
        list(discover([str(pipe)]))


def test_symlinks_leaving_the_source_directory_are_refused_unless_allowed(tmp_path: Path) -> None:
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "id_rsa.txt").write_text("-----BEGIN PRIVATE KEY-----")
    source = tmp_path / "inbox"
    source.mkdir()
    (source / "story.txt").write_text("Seoul and Tokyo met.")
    (source / "inside.txt").symlink_to(source / "story.txt")
    (source / "leak.txt").symlink_to(outside / "id_rsa.txt")
    refs, failures = discover_in_thread([str(source)])
    assert sorted(Path(r.path).name for r in refs) == ["inside.txt", "story.txt"]
    assert [(Path(f.failure.source_uri).name, f.failure.reason) for f in failures] == [("leak.txt", "outside_source")]
    assert [Path(r.path).name for r in discover([str(source)])] == ["inside.txt", "story.txt"]  # skipped quietly
    allowed = discover([str(source)], DiscoverOptions(follow_outside_links=True))
    assert sorted(Path(r.path).name for r in allowed) == ["inside.txt", "leak.txt", "story.txt"]


def test_a_dangling_symlink_in_a_directory_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("<html>a</html>")
    (tmp_path / "b.html").symlink_to(tmp_path / "gone.html")
    refs, failures = discover_in_thread([str(tmp_path)])
    assert [Path(r.path).name for r in refs] == ["a.html"]
    assert [(Path(f.failure.source_uri).name, f.failure.reason) for f in failures] == [("b.html", "not_found")]
