"""Read one input into a :class:`RawDocument`: size limit, binary sniffing, charset decoding."""

import codecs
import json
import re
from dataclasses import dataclass

import charset_normalizer

from tasks.core.errors import DecodeError, InvalidRecord, NotHtml, TooLarge
from tasks.core.records import Hints, InputRef, RawDocument


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """Limits applied before any parsing."""

    max_bytes: int = 10 * 1024 * 1024
    #: Share of control bytes in the first 4 KiB above which an input is binary, not text.
    max_control_ratio: float = 0.01


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_WESTERN_SINGLE_BYTE = frozenset(
    {"cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_2", "iso8859_15", "iso8859_9"}
)
# Control bytes that never occur in text (tab, LF, CR, FF and ESC are allowed).
_CONTROL = frozenset(set(range(0x00, 0x09)) | {0x0B, 0x0E, 0x0F} | set(range(0x10, 0x1B)) | {0x1C, 0x1D, 0x1E, 0x1F})


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
#: Share of a text's non-ASCII sequences that may be invalid UTF-8 while it still counts as UTF-8.
_MOSTLY_UTF8 = 0.05


def load(ref: InputRef, options: LoadOptions | None = None) -> RawDocument:
    """Load ``ref`` from disk. Raises an :class:`~tasks.core.errors.InputError` subclass when unusable."""
    opts = options or LoadOptions()
    if ref.size > opts.max_bytes:
        raise TooLarge(f"{ref.size} bytes > limit {opts.max_bytes}")
    if ref.kind == "jsonl":
        return _load_record(ref)
    with open(ref.path, "rb") as fh:
        data = fh.read(opts.max_bytes + 1)
    if len(data) > opts.max_bytes:  # the file grew since discovery
        raise TooLarge(f"more than {opts.max_bytes} bytes")
    # UTF-16 is half NUL bytes: its BOM says it is text before the control-byte count can call it binary.
    if not data.startswith(_UTF16_BOMS) and _is_binary(data, opts):
        if ref.kind == "html":
            raise NotHtml("binary content, not an HTML page")
        raise DecodeError("binary content, not text")
    text = decode(data)
    if ref.kind == "html":
        return RawDocument(ref=ref, html=text, hints=ref.hints)
    return RawDocument(ref=ref, text=text, hints=ref.hints)


def decode(data: bytes) -> str:
    """Decode bytes as UTF-8 (or UTF-16 after its BOM), else as UTF-8 with the odd invalid byte
    replaced when nearly all of it is UTF-8, else the charset a ``<meta>`` declares, else a
    detected one."""
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")  # the BOM tells the byte order and is dropped
        except UnicodeDecodeError as exc:
            raise DecodeError(f"not UTF-16 despite its byte order mark: {exc}") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    mostly = _mostly_utf8(data)
    if mostly is not None:
        return mostly
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise DecodeError("no character encoding fits the bytes")
    if best.encoding in _WESTERN_SINGLE_BYTE:
        # Detectors cannot tell the Latin code pages apart on short text; the web's (and
        # HTML5's) default among them is windows-1252.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return str(best)


def _mostly_utf8(data: bytes) -> str | None:
    """``data`` as UTF-8 with invalid bytes replaced, when they are a few among many valid
    multi-byte sequences. One stray byte in a UTF-8 page otherwise sent it to the detector,
    which decoded the whole page as cp855 ("There’s" became "ThereРђЎs"). Legacy encodings
    (cp1252, EUC-KR, Shift_JIS) make valid UTF-8 sequences only by accident, so in them the
    invalid ones are the many, not the few."""
    text = data.decode("utf-8", "replace")
    invalid = text.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    valid = non_ascii - invalid - data.count("\ufffd".encode())
    if valid >= 1 and invalid <= max(1, _MOSTLY_UTF8 * (valid + invalid)):
        return text
    return None


def _is_binary(data: bytes, opts: LoadOptions) -> bool:
    head = data[:4096]
    if not head:
        return False
    controls = sum(1 for b in head if b in _CONTROL)
    return controls / len(head) > opts.max_control_ratio


def _load_record(ref: InputRef) -> RawDocument:
    with open(ref.path, "rb") as fh:
        fh.seek(ref.offset or 0)
        line = fh.readline()
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise InvalidRecord(f"not JSON: {exc}") from exc
    if not isinstance(record, dict):
        raise InvalidRecord("a record must be a JSON object")
    html, text = record.get("html"), record.get("text")
    if not isinstance(html, str) and not isinstance(text, str):
        raise InvalidRecord("record has neither 'html' nor 'text'")
    return RawDocument(
        ref=ref,
        html=html if isinstance(html, str) else None,
        text=text if isinstance(text, str) and not isinstance(html, str) else None,
        hints=Hints(
            url=_optional_str(record, "url"),
            title=_optional_str(record, "title"),
            published_at=_optional_str(record, "published_at"),
        ),
    )


def _optional_str(record: dict[str, object], key: str) -> str | None:
    value = record.get(key)
    return value.strip() or None if isinstance(value, str) else None
