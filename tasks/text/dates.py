"""Parse published dates into UTC, honouring offsets and named zones, never month-first by accident."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal

from dateutil import parser as dateutil_parser

from tasks.core.vocabulary import DateSource

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
# ISO 8601, extended (2025-02-17T20:44) or basic (20250217, 20250217T204400+0900) form.
_ISO_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}|^(?:19|20)\d{6}(?:T\d|$)")
# 2025/02/03, 2025.2.3: year first, so month before day (Korean and Japanese sites write these).
_YEAR_FIRST = re.compile(r"^\d{4}[/.-]\d{1,2}[/.-]\d{1,2}")
# Two defaults that differ in every field: a component dateutil did not find shows up as a
# difference, so "5 minutes ago" or "12" (no day and month) is not mistaken for a date.
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))
#: How far back a date without a year may be placed (see ``_parse_loose``).
YEARLESS_MAX_AGE = timedelta(days=183)
#: Real zones run from UTC-12 to UTC+14.
MAX_UTC_OFFSET = timedelta(hours=14)
# A full date in a URL path: /2025/02/17/, /2025/2/7/, /2025-02-17-slug, /2023-11/17/, /20200413/,
# _20231102_. A one-digit day must end its path segment ("/2023/10/3-fragen" is a slug).
_URL_DATES = (
    re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{2}|\d(?=/|$))(?:/|$|[-_.])"),
    re.compile(r"/((?:19|20)\d{2})-(\d{2})/(\d{2})(?:/|$)"),
    re.compile(r"[/_-]((?:19|20)\d{2})(\d{2})(\d{2})(?:[/_.-]|$)"),
)


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
    try:
        if parsed is None:
            parsed = _parse_loose(text, now=now, dayfirst=dayfirst)
            if parsed is None:
                return None
        offset = parsed.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            return None  # "+99:00" is no zone on Earth: the string is not a valid date
        parsed = parsed.replace(tzinfo=UTC) if offset is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError, TypeError):
        # dateutil and astimezone raise on impossible offsets and out-of-range values; a bad
        # date string is no date, never a failed article.
        return None
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
    """The full date in a URL's path (day precision, UTC midnight) and the matched text."""
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    for pattern in _URL_DATES:
        match = pattern.search(path)
        if not match:
            continue
        try:
            found = datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)), tzinfo=UTC)
        except ValueError:
            continue
        return (found, match.group(0).strip("/-_.")) if found <= now else None
    return None


#: Where a candidate date was found: a ``date_source`` value, or ``modified`` for a page's
#: last-modified date (used, as ``meta``, only when nothing else gives a date).
CandidateSource = DateSource | Literal["modified"]


@dataclass(frozen=True, slots=True)
class DateCandidate:
    """A date string a page or feed gives, and where it was found."""

    raw: str
    source: CandidateSource


@dataclass(frozen=True, slots=True)
class PublishedDate:
    """The decision: when the article was published (UTC), the string it was read from, and
    where that string was found (``none`` when nothing gave a date)."""

    at: datetime | None = None
    raw: str | None = None
    source: DateSource = "none"


_DAY = timedelta(days=1)
# A local day D runs from D 00:00 at UTC+14 to D 24:00 at UTC-12, in UTC.
_EARLIEST_OFFSET = timedelta(hours=14)
_LATEST_OFFSET = timedelta(hours=12)


def decide_published(
    candidates: Iterable[DateCandidate],
    *,
    now: datetime,
    url: str | None = None,
    monthfirst: bool = False,
) -> PublishedDate:
    """The one rule for the published date, whatever the input.

    Candidates come in order of trust (a feed's date, then the page's structured data, then its
    text); the first that parses wins. Numeric dates are read day-first unless ``monthfirst``
    (a page whose locale writes month first, such as en-US). A full date in ``url``
    (``/2017/7/12/``) overrides a page date more than a day away from it (a related story's
    date, an update), and stands in when the page gives none. A last-modified date is used only
    when nothing else is there. Unparseable strings never raise: when nothing parses, the first
    string from the text is still returned as ``raw`` (``at`` stays None).
    """
    first_text: str | None = None
    chosen: tuple[datetime, DateCandidate] | None = None
    modified: tuple[datetime, DateCandidate] | None = None
    for candidate in candidates:
        parsed = parse_datetime(candidate.raw, now=now, dayfirst=not monthfirst)
        if parsed is None:
            if candidate.source == "text" and first_text is None:
                first_text = candidate.raw
            continue
        if candidate.source == "modified":
            modified = modified or (parsed, candidate)
            continue
        chosen = (parsed, candidate)
        break
    in_url = date_from_url(url, now=now)
    if chosen is not None and chosen[1].source == "feed":
        return PublishedDate(chosen[0], chosen[1].raw, "feed")
    if in_url is not None:
        url_day = in_url[0]
        if (
            chosen is None
            or chosen[1].source == "text"  # a date found by searching the page is no match for the URL's
            or not url_day - _EARLIEST_OFFSET <= chosen[0] < url_day + _DAY + _LATEST_OFFSET
        ):
            return PublishedDate(url_day, url_day.date().isoformat(), "url")
        if chosen[0].date() != url_day.date():
            # The same moment, on the publisher's local day that the URL names (a story of
            # 8 November, 17:49 in California, is 9 November in UTC): the exact time, and the
            # local day as the raw string's leading YYYY-MM-DD.
            return PublishedDate(chosen[0], url_day.date().isoformat(), "url")
    if chosen is None:
        chosen = modified
    if chosen is None:
        return PublishedDate(raw=first_text)
    found = chosen[1].source
    return PublishedDate(chosen[0], chosen[1].raw, "meta" if found == "modified" else found)


# ---------------------------------------------------------------------------------------------
# A date line in the page's text, for pages that declare no date

_MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january januar janvier enero gennaio janeiro januari jan jän janv ene gen",
        "february februar février fevrier febrero febbraio fevereiro februari feb febr févr fév",
        "march märz maerz mars marzo março maart mar mär mrz",
        "april avril abril aprile apr avr abr",
        "may mai mayo maggio maio mei",
        "june juni juin junio giugno junho jun juin",
        "july juli juillet julio luglio julho jul juil lug",
        "august août aout agosto augustus aug ago",
        "september septembre septiembre settembre setembro sep sept set",
        "october oktober octobre octubre ottobre outubro oct okt ott out",
        "november novembre noviembre novembro nov",
        "december dezember décembre decembre diciembre dicembre dezembro dec dez déc dic",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTH_NAMES[_name] = _number
_MONTH_RE = "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))
_TEXT_DATES = (
    # 2025-02-17, 2025/02/17, 2025.02.17, 2025年2月17日
    (re.compile(r"(?<!\d)((?:19|20)\d{2})(?:[-/.]|年)\s?(\d{1,2})(?:[-/.]|月)\s?(\d{1,2})(?!\d)"), "ymd"),
    # 17.02.2025, 17/02/2025, 17-02-2025
    (re.compile(r"(?<![\d.])(\d{1,2})[./-]\s?(\d{1,2})[./-]\s?((?:19|20)\d{2})(?!\d)"), "dmy"),
    # 17. Februar 2025, 17 février 2025, 17 de febrero de 2025
    (
        re.compile(rf"(?i)(?<!\d)(\d{{1,2}})\.?\s+(?:de\s+)?({_MONTH_RE})\.?,?\s+(?:de\s+)?((?:19|20)\d{{2}})(?!\d)"),
        "d_m_y",
    ),
    # February 17, 2025; Feb. 17 2025
    (re.compile(rf"(?i)\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{{2}})(?!\d)"), "m_d_y"),
)


def date_in_text(text: str, *, now: datetime, monthfirst: bool = False) -> str | None:
    """The first full date written in ``text`` (a date line under a headline: ``17.02.2025``,
    ``17. Februar 2025``, ``February 17, 2025``, ``2025年2月17日``), as ``YYYY-MM-DD``; None when
    there is none that is a real, past date."""
    best: tuple[int, str] | None = None
    for pattern, order in _TEXT_DATES:
        for match in pattern.finditer(text):
            if best is not None and match.start() >= best[0]:
                break
            a, b, c = match.groups()
            if order == "ymd":
                year, month, day = int(a), int(b), int(c)
            elif order == "dmy":
                day, month, year = (int(b), int(a), int(c)) if monthfirst else (int(a), int(b), int(c))
            elif order == "d_m_y":
                day, month, year = int(a), _MONTH_NAMES[b.lower().rstrip(".")], int(c)
            else:
                month, day, year = _MONTH_NAMES[a.lower().rstrip(".")], int(b), int(c)
            try:
                found = datetime(year, month, day, tzinfo=UTC)
            except ValueError:
                continue
            if found <= now and found.year >= 1990:
                best = (match.start(), found.date().isoformat())
                break
    return best[1] if best else None
