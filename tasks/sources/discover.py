"""Expand SOURCE arguments (files and directories) into :class:`InputRef` records.

Discovery reads every input once to fingerprint it (sha256 of its bytes, or of each jsonl line):
the fingerprint is what lets a re-run skip unchanged input without extracting it again.
"""

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from tasks.core.errors import SourceNotFound
from tasks.core.records import InputRef
from tasks.core.vocabulary import InputKind
from tasks.sources.web.formats import SNIFF_BYTES, detect_kind


@dataclass(frozen=True, slots=True)
class DiscoverOptions:
    """Which files a directory walk picks up, by suffix (lower case, with the dot)."""

    html_suffixes: tuple[str, ...] = (".html", ".htm", ".xhtml")
    text_suffixes: tuple[str, ...] = (".txt",)
    jsonl_suffixes: tuple[str, ...] = (".jsonl",)
    warc_suffixes: tuple[str, ...] = (".warc", ".warc.gz")
    #: Read size for fingerprinting; files are hashed in chunks, never held whole.
    chunk_bytes: int = 1 << 20


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
    sources: Iterable[str], options: DiscoverOptions | None = None, fingerprints: Fingerprints | None = None
) -> Iterator[InputRef]:
    """Yield one ref per input under ``sources``, in a stable order (sorted within directories).

    A file named explicitly is always taken (its kind sniffed when the suffix is unknown); a
    directory contributes only files with a known suffix, skipping hidden files and folders.
    ``fingerprints``, when given, is consulted and updated, so a re-run over unchanged files
    only stats them. Raises :class:`SourceNotFound` for a source that does not exist.
    """
    opts = options or DiscoverOptions()
    cache: Fingerprints = {} if fingerprints is None else fingerprints
    for source in sources:
        if os.path.isdir(source):
            for path in _walk(source):
                kind = kind_for_path(path, opts)
                if kind is not None:
                    yield from _refs_for_file(path, kind, opts, cache)
        elif os.path.isfile(source):
            kind = kind_for_path(source, opts)
            if kind is None:
                with open(source, "rb") as fh:
                    kind = sniff_kind(fh.read(SNIFF_BYTES + 1))  # +1: detect_kind sees a cut last line
            yield from _refs_for_file(source, kind, opts, cache)
        else:
            raise SourceNotFound(f"source not found: {source}")


def _walk(root: str) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield os.path.join(dirpath, name)


def _refs_for_file(path: str, kind: InputKind, opts: DiscoverOptions, cache: Fingerprints) -> Iterator[InputRef]:
    if kind == "jsonl":
        yield from _jsonl_refs(path)
        return
    stat = os.stat(path)
    key = os.path.realpath(path)
    known = cache.get(key)
    if known is not None and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
        yield InputRef(source_uri=path, kind=known[2], path=path, digest=known[3], size=stat.st_size)
        return
    if kind == "text":
        with open(path, "rb") as fh:
            if detect_kind(fh.read(SNIFF_BYTES + 1)) == "urllist":
                kind = "urllist"
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(opts.chunk_bytes):
            digest.update(chunk)
            size += len(chunk)
    cache[key] = [stat.st_size, stat.st_mtime_ns, kind, digest.hexdigest()]
    yield InputRef(source_uri=path, kind=kind, path=path, digest=digest.hexdigest(), size=size)


def _jsonl_refs(path: str) -> Iterator[InputRef]:
    offset = 0
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
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
    WARC archive counts as one (its records are known only once read); unreadable entries as none."""
    opts = options or DiscoverOptions()
    count = 0
    for source in sources:
        paths = _walk(source) if os.path.isdir(source) else [source] if os.path.isfile(source) else []
        for path in paths:
            # A file named explicitly is always an input; in a directory, only known suffixes are.
            kind = kind_for_path(path, opts) or ("text" if path == source else None)
            if kind is None:
                continue
            if kind != "jsonl":
                count += 1
                continue
            try:
                with open(path, "rb") as fh:
                    while chunk := fh.read(opts.chunk_bytes):
                        count += chunk.count(b"\n")
            except OSError:
                continue
    return count
