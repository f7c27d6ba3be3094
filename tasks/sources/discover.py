"""Expand SOURCE arguments (files and directories) into :class:`InputRef` records.

Discovery reads every input once to fingerprint it (sha256 of its bytes, or of each jsonl line):
the fingerprint is what lets a re-run skip unchanged input without extracting it again.
"""

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from tasks.core.errors import NotRegularFile, OutsideSource, SourceError, SourceNotFound, UnreadableSource
from tasks.core.identity import sha256_hex
from tasks.core.records import InputRef, ItemResult, failed
from tasks.core.vocabulary import InputKind
from tasks.sources.web.formats import SNIFF_BYTES, detect_kind

#: Receives each input that cannot be used, as a failure item.
OnFailure = Callable[[ItemResult], None]


@dataclass(frozen=True, slots=True)
class DiscoverOptions:
    """Which files a directory walk picks up, by suffix (lower case, with the dot)."""

    html_suffixes: tuple[str, ...] = (".html", ".htm", ".xhtml")
    text_suffixes: tuple[str, ...] = (".txt",)
    jsonl_suffixes: tuple[str, ...] = (".jsonl",)
    warc_suffixes: tuple[str, ...] = (".warc", ".warc.gz")
    #: Read size for fingerprinting; files are hashed in chunks, never held whole.
    chunk_bytes: int = 1 << 20
    #: Take files under a SOURCE directory that are symlinks to files outside it. Off by
    #: default: a link to ``~/.ssh/id_rsa`` dropped into an input folder must not be ingested.
    follow_outside_links: bool = False


def kind_for_path(path: str, options: DiscoverOptions) -> InputKind | None:
    """The input kind a file's suffix announces, or None when the suffix is not ours."""
    if path.lower().endswith(options.warc_suffixes):
        return "warc"
    suffix = os.path.splitext(path)[1].lower()
    if suffix in options.html_suffixes:
        return "html"
    if suffix in options.text_suffixes:
        return "text"
    if suffix in options.jsonl_suffixes:
        return "jsonl"
    return None


def sniff_kind(head: bytes) -> InputKind:
    """Guess the kind of a file named explicitly with an unknown suffix, from its first bytes."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(b"warc/1."):
        return "warc"
    if stripped.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")):
        return "html"
    if stripped.startswith(b"{"):
        return "jsonl"
    return "urllist" if detect_kind(head) == "urllist" else "text"


#: Fingerprints of files seen before: real path -> [size, mtime_ns, kind, sha256]. A file whose
#: size and modification time are unchanged is not read again (what make and rsync trust too).
Fingerprints = dict[str, list[Any]]


def discover(
    sources: Iterable[str],
    options: DiscoverOptions | None = None,
    fingerprints: Fingerprints | None = None,
    *,
    on_failure: OnFailure | None = None,
) -> Iterator[InputRef]:
    """Yield one ref per input under ``sources``, in a stable order (sorted within directories).

    A file named explicitly is always taken (its kind sniffed when the suffix is unknown); a
    directory contributes only regular files with a known suffix, skipping hidden files and
    folders, FIFOs, devices and sockets (reading those could block forever), and symlinks whose
    real path leaves the directory (unless ``options.follow_outside_links``). ``fingerprints``,
    when given, is consulted and updated, so a re-run over unchanged files only stats them.

    A file that cannot be used raises a :class:`~tasks.core.errors.SourceError` (``not_found``,
    ``not_regular_file``, ``outside_source``, ``unreadable``) when named explicitly, and is
    skipped inside a directory; with ``on_failure``, every such file (a refused symlink or an
    unreadable file inside a directory included) is passed to it as a failure item instead and
    nothing raises.
    """
    opts = options or DiscoverOptions()
    cache: Fingerprints = {} if fingerprints is None else fingerprints
    for source in sources:
        try:
            info = _stat(source)
            if stat.S_ISDIR(info.st_mode):
                yield from _walk_source(source, opts, cache, on_failure)
                continue
            if not stat.S_ISREG(info.st_mode):
                raise NotRegularFile(f"{source} is not a regular file (a FIFO, device or socket)")
            kind = kind_for_path(source, opts)
            if kind is None:
                with _open_regular(source) as fh:
                    kind = sniff_kind(_read(fh, SNIFF_BYTES + 1, source))  # +1: detect_kind sees a cut last line
            yield from _refs_for_file(source, kind, opts, cache)
        except SourceError as exc:
            if on_failure is None:
                raise
            on_failure(source_failure(source, exc))


def source_failure(path: str, exc: SourceError) -> ItemResult:
    """A file discovery could not use, as a failure item keyed by its path."""
    kind: InputKind = "text"
    ref = InputRef(source_uri=path, kind=kind, path=path, digest=sha256_hex(f"unusable-file:{path}"), size=0)
    return failed(ref, exc, stage="discover")


def _walk_source(
    root: str, opts: DiscoverOptions, cache: Fingerprints, on_failure: OnFailure | None
) -> Iterator[InputRef]:
    real_root = os.path.realpath(root)
    for path in _walk(root):
        kind = kind_for_path(path, opts)
        if kind is None:
            continue
        try:
            info = _stat(path)  # follows a symlink: its target is what would be read
            if not stat.S_ISREG(info.st_mode):
                continue  # a FIFO or /dev/zero link: nothing anyone meant as an article
            if not opts.follow_outside_links and os.path.islink(path):
                real = os.path.realpath(path)
                if os.path.commonpath([real, real_root]) != real_root:
                    raise OutsideSource(f"{path} links to {real}, outside {root}")
            yield from _refs_for_file(path, kind, opts, cache)
        except SourceError as exc:
            if on_failure is not None:
                on_failure(source_failure(path, exc))


def _walk(root: str) -> Iterator[str]:
    # os.walk does not descend into symlinked directories (followlinks=False), so only file
    # symlinks can point outside the root; they are checked by the caller.
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield os.path.join(dirpath, name)


def _stat(path: str) -> os.stat_result:
    try:
        return os.stat(path)
    except FileNotFoundError as exc:
        raise SourceNotFound(f"source not found: {path}") from exc
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise UnreadableSource(f"cannot stat {path}: {exc}") from exc


def _open_regular(path: str) -> BinaryIO:
    """``path`` opened for reading, refused unless it is a regular file once open (it may have
    been swapped for a FIFO since it was stat'ed; O_NONBLOCK keeps even that open from hanging)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise SourceNotFound(f"source not found: {path}") from exc
    except OSError as exc:
        raise UnreadableSource(f"cannot open {path}: {exc}") from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotRegularFile(f"{path} is not a regular file")
    return os.fdopen(fd, "rb")


def _read(fh: BinaryIO, size: int, path: str) -> bytes:
    try:
        return fh.read(size)
    except OSError as exc:
        raise UnreadableSource(f"cannot read {path}: {exc}") from exc


def _refs_for_file(path: str, kind: InputKind, opts: DiscoverOptions, cache: Fingerprints) -> Iterator[InputRef]:
    if kind == "jsonl":
        yield from _jsonl_refs(path)
        return
    info = _stat(path)
    key = os.path.realpath(path)
    known = cache.get(key)
    if known is not None and known[0] == info.st_size and known[1] == info.st_mtime_ns:
        yield InputRef(source_uri=path, kind=known[2], path=path, digest=known[3], size=info.st_size)
        return
    digest = hashlib.sha256()
    size = 0
    with _open_regular(path) as fh:
        head = _read(fh, SNIFF_BYTES + 1, path)
        if kind == "text" and detect_kind(head) == "urllist":
            kind = "urllist"
        chunk = head
        while chunk:
            digest.update(chunk)
            size += len(chunk)
            chunk = _read(fh, opts.chunk_bytes, path)
    cache[key] = [info.st_size, info.st_mtime_ns, kind, digest.hexdigest()]
    yield InputRef(source_uri=path, kind=kind, path=path, digest=digest.hexdigest(), size=size)


def _jsonl_refs(path: str) -> Iterator[InputRef]:
    offset = 0
    with _open_regular(path) as fh:
        for number, line in enumerate(_lines(fh, path), start=1):
            body = line.strip()
            if body:
                yield InputRef(
                    source_uri=f"{path}#L{number}",
                    kind="jsonl",
                    path=path,
                    digest=hashlib.sha256(body).hexdigest(),
                    size=len(line),
                    line=number,
                    offset=offset,
                )
            offset += len(line)


def estimate(sources: Iterable[str], options: DiscoverOptions | None = None) -> int:
    """About how many inputs ``discover`` will yield for the local ``sources``, cheaply (a walk,
    and a newline count of ``.jsonl`` files): a progress bar's total before discovery ends. A
    WARC archive counts as one (its records are known only once read); unusable entries as none."""
    opts = options or DiscoverOptions()
    count = 0
    for source in sources:
        paths = _walk(source) if os.path.isdir(source) else [source]
        for path in paths:
            # A file named explicitly is always an input; in a directory, only known suffixes are.
            kind = kind_for_path(path, opts) or ("text" if path == source else None)
            try:
                if kind is None or not stat.S_ISREG(_stat(path).st_mode):
                    continue
                if kind != "jsonl":
                    count += 1
                    continue
                with _open_regular(path) as fh:
                    while chunk := fh.read(opts.chunk_bytes):
                        count += chunk.count(b"\n")
            except (SourceError, OSError):
                continue
    return count


def _lines(fh: BinaryIO, path: str) -> Iterator[bytes]:
    try:
        yield from fh
    except OSError as exc:
        raise UnreadableSource(f"cannot read {path}: {exc}") from exc
