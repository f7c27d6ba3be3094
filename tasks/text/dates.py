"""Parse published dates into UTC, honouring offsets and named zones, never month-first by accident."""

import re
from datetime import UTC, datetime, timedelta, timezone

from dateutil import parser as dateutil_parser

# Zone abbreviations seen in news datelines; dateutil ignores unknown ones silently (=> naive).
_ZONES: dict[str, int] = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "BST": 3600,
    "CET": 3600,
    "CEST": 7200,
    "EET": 7200,
    "EEST": 10800,
    "MSK": 10800,
    "IST": 19800,
    "ICT": 25200,
    "WIB": 25200,
    "CST": -21600,
    "CDT": -18000,
    "HKT": 28800,
    "SGT": 28800,
    "PHT": 28800,
    "AWST": 28800,
    "KST": 32400,
    "JST": 32400,
    "AEST": 36000,
    "AEDT": 39600,
    "NZST": 43200,
    "NZDT": 46800,
    "EST": -18000,
    "EDT": -14400,
    "PST": -28800,
    "PDT": -25200,
    "MST": -25200,
    "MDT": -21600,
}
_TZINFOS = {name: timezone(timedelta(seconds=secs), name) for name, secs in _ZONES.items()}
_ISO_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# 2025/02/03, 2025.2.3: year first, so month before day (Korean and Japanese sites write these).
_YEAR_FIRST = re.compile(r"^\d{4}[/.-]\d{1,2}[/.-]\d{1,2}")
# Two defaults that differ in every field: a component dateutil did not find shows up as a
# difference, so "5 minutes ago" or "12" (no day and month) is not mistaken for a date.
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))
#: How far back a date without a year may be placed (see ``_parse_loose``).
YEARLESS_MAX_AGE = timedelta(days=183)
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|$|[-_])")


def parse_datetime(raw: str | None, *, now: datetime, dayfirst: bool = True) -> datetime | None:
    """``raw`` as an aware UTC datetime, or None when it is not a plausible publication date.

    ISO 8601 strings are read as ISO (year first); other numeric forms day-first unless told
    otherwise (``17/2`` is 17 February). A string without a zone is taken as UTC. A date after
    ``now`` (the fetch or ingest time) is rejected, and so is anything before 1990.
    """
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    parsed: datetime | None = None
    if _ISO_LIKE.match(text):
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            parsed = None
    if parsed is None:
        parsed = _parse_loose(text, now=now, dayfirst=dayfirst)
        if parsed is None:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    if parsed > now or parsed.year < 1990:
        return None
    return parsed


def _parse_loose(text: str, *, now: datetime, dayfirst: bool) -> datetime | None:
    year_first = bool(_YEAR_FIRST.match(text))
    results: list[datetime] = []
    for default in _DEFAULTS:
        try:
            results.append(
                dateutil_parser.parse(
                    text,
                    dayfirst=dayfirst and not year_first,
                    yearfirst=year_first,
                    tzinfos=_TZINFOS,
                    fuzzy=True,
                    default=default,
                )
            )
        except (ValueError, OverflowError):
            return None
    first, second = results
    if (first.month, first.day) != (second.month, second.day):
        return None  # no day and month in the string
    if first.year != second.year:
        # Day and month without a year ("17/2 20:44"): the latest such date not after ``now``,
        # trusted only when that is recent. For a page fetched today the guess is right; for an
        # old file ingested today it would invent a year, so the date stays unknown instead.
        candidate = first.replace(year=now.year)
        if candidate.replace(tzinfo=candidate.tzinfo or UTC) > now:
            candidate = candidate.replace(year=now.year - 1)
        if now - candidate.replace(tzinfo=candidate.tzinfo or UTC) > YEARLESS_MAX_AGE:
            return None
        return candidate
    return first


def date_from_url(url: str | None, *, now: datetime) -> tuple[datetime, str] | None:
    """The ``/YYYY/MM/DD/`` date in a URL path (day precision, UTC) and the matched text."""
    if not url:
        return None
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        found = datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)), tzinfo=UTC)
    except ValueError:
        return None
    return (found, match.group(0).strip("/-_")) if found <= now else None
