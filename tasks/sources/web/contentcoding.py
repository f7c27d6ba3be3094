"""Undo HTTP content codings (``gzip``, ``deflate``, stacked in any order) while streaming.

httpx decodes each network chunk whole: one 64 KiB chunk of ``Content-Encoding: gzip, gzip`` can
inflate to gigabytes before a size cap sees a byte (measured: 2.1 GB for a page later refused as
``too_large``). Here every stage hands on at most :data:`PIECE_BYTES` at a time, so a caller that
counts the pieces can stop after at most one piece past its limit.
"""

import zlib
from collections.abc import Iterable, Iterator
from typing import Literal

from tasks.core.errors import BadContentEncoding

#: Most bytes one decoding step produces before the caller sees them.
PIECE_BYTES = 64 * 1024
#: What we tell servers we read; anything else they send is refused by name.
ACCEPT_ENCODING = "gzip, deflate"

Coding = Literal["gzip", "deflate"]
_ALIASES: dict[str, Coding] = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}
_GZIP_MAGIC = b"\x1f\x8b"


class _Inflater:
    """One coding undone incrementally; gzip may have several members (RFC 1952 allows it)."""

    def __init__(self, coding: Coding) -> None:
        self._coding = coding
        self._raw_deflate = False
        self._z = self._new()
        self._fed = False  # has the current member consumed input yet?
        self._members = 0  # complete gzip members (or deflate streams) seen
        self._done = False  # past the end of the data: trailing bytes are ignored, as httpx does

    def _new(self) -> "zlib._Decompress":
        if self._coding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
        return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data and not self._done:
            try:
                out = self._z.decompress(data, PIECE_BYTES)
            except zlib.error as exc:
                if not self._fed and self._members == 0 and self._coding == "deflate" and not self._raw_deflate:
                    self._raw_deflate = True
                    self._z = self._new()
                    continue
                if not self._fed and self._members > 0:
                    self._done = True  # junk after a complete gzip member, not another member
                    return
                raise BadContentEncoding(f"body is not valid {self._coding}: {exc}") from exc
            self._fed = True
            if out:
                yield out
            if self._z.eof:
                self._members += 1
                data = self._z.unused_data
                if self._coding == "deflate":
                    self._done = True
                elif data:
                    self._z, self._fed = self._new(), False
            else:
                data = self._z.unconsumed_tail

    def finish(self) -> None:
        """Raise when the stream stopped inside a member: the body was cut short."""
        if self._fed and not self._z.eof:
            raise BadContentEncoding(f"{self._coding} body ends before its end marker (truncated)")


class ContentDecoder:
    """Decodes a body sent with ``Content-Encoding`` (``None`` or ``identity``: passed through).

    Raises :class:`BadContentEncoding` for a coding we do not read or bytes that do not decode.
    """

    def __init__(self, content_encoding: str | None) -> None:
        names = [name.strip().lower() for name in (content_encoding or "").split(",")]
        stages: list[_Inflater] = []
        for name in names:
            if name in ("", "identity"):
                continue
            coding = _ALIASES.get(name)
            if coding is None:
                raise BadContentEncoding(f"unsupported Content-Encoding {name!r}")
            stages.append(_Inflater(coding))
        # Codings are listed in the order they were applied: undo the last one first.
        self._stages = stages[::-1]

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded pieces of the next raw chunk, each at most :data:`PIECE_BYTES` long."""
        pieces: Iterable[bytes] = (data,)
        for stage in self._stages:
            pieces = _through(stage, pieces)
        yield from pieces

    def finish(self) -> None:
        """Check that every coding ended where it should (not truncated)."""
        for stage in self._stages:
            stage.finish()


def _through(stage: _Inflater, pieces: Iterable[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield from stage.feed(piece)
