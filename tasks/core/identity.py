"""Identity of inputs and articles: canonical URLs, ledger digests, stable ``article_id``s and
``content_hash``es.

Deciding whether something is already in the dataset needs the whole dataset, so that part lives
with the writer (``storage.dataset``); this module only computes the keys, identically in every
process. Changing any function here changes the keys of every article written from then on.
"""

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

import courlan

_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Comparison key of a text: NFKC, case-folded, punctuation dropped, whitespace collapsed.

    ``content_hash`` hashes it, and cleanup compares paragraphs and titles with it.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    # One regex pass: splitting on runs of non-word characters collapses whitespace too.
    return " ".join(filter(None, _NON_WORD.split(folded)))


def canonical_url(url: str | None) -> str | None:
    """Canonical form of an http(s) URL: lower-case scheme and host, no default port, no
    fragment, no tracking parameters (utm_*, fbclid, ...), no trailing slash. None if not a URL.
    """
    if not url:
        return None
    candidate = url.strip()
    try:  # a malformed URL ("http://[broken") is no URL, never a crash
        parts = urlsplit(candidate)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            return None
        normalised = courlan.normalize_url(candidate, strict=False, trailing_slash=False)
        scheme, netloc, path, query, _fragment = urlsplit(normalised)
    except ValueError:
        return None
    return urlunsplit((scheme, netloc, path, query, ""))


def site_host(url: str | None) -> str | None:
    """The host a site is known by: lower case, without ``www.``, ``m.``, ``amp.`` and the like;
    None for no URL or a malformed one (``http://[gazette.example/world``)."""
    try:
        host = urlsplit(url).hostname if url and "//" in url else None
    except ValueError:
        return None
    return re.sub(r"^(?:www\d?|m|amp|mobile|edition|news)\.", "", host.lower()) if host else None


def sha256_hex(value: str) -> str:
    """Hex sha256 of a string's UTF-8 bytes."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def content_hash(text: str) -> str:
    """Hash of the normalised body: equal for texts that differ only in case, spacing, punctuation."""
    return sha256_hex(normalise(text))


def article_id(url: str | None, text: str) -> str:
    """sha256 of the canonical URL, or of the normalised text when there is no URL."""
    canonical = canonical_url(url)
    return sha256_hex(canonical) if canonical else content_hash(text)


def url_digest(url: str) -> str:
    """The ledger key of a web page: sha256 of its canonical URL (known before fetching)."""
    return sha256_hex(canonical_url(url) or url)
