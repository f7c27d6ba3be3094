"""Parse published dates into UTC, honouring offsets and named zones, never month-first by accident."""

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Literal

import pytz
from dateutil import parser as dateutil_parser
from dateutil.parser import UnknownTimezoneWarning

from tasks.core.identity import site_host
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
# _20231102_, and day first, /17-02-2025 (as numeric dates are read). A one-digit day must end its
# path segment ("/2023/10/3-fragen" is a slug).
_URL_DATES = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>\d{1,2})[/-](?P<d>\d{2}|\d(?=/|$))(?:/|$|[-_.])"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})-(?P<m>\d{2})/(?P<d>\d{2})(?:/|$)"),
    re.compile(r"[/_-](?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})(?:[/_.-]|$)"),
    re.compile(r"/(?P<d>\d{2})([-.])(?P<m>\d{2})\2(?P<y>(?:19|20)\d{2})(?:/|$|[-_.])"),
)


def parse_datetime(raw: str | None, *, now: datetime, dayfirst: bool = True) -> datetime | None:
    """``raw`` as an aware UTC datetime, or None when it is not a plausible publication date.

    ISO 8601 strings are read as ISO (year first); other numeric forms day-first unless told
    otherwise (``17/2`` is 17 February). A string without a zone is taken as UTC. A date after
    ``now`` (the fetch or ingest time) is rejected, and so is anything before 1990.
    """
    written = parse_written(raw, now=now, dayfirst=dayfirst)
    if written is None:
        return None
    return written.replace(tzinfo=UTC) if written.tzinfo is None else written.astimezone(UTC)


#: Longer strings are not a date but a sentence holding one.
_MAX_WORDED_DATE = 40


def parse_written(raw: str | None, *, now: datetime, dayfirst: bool = True) -> datetime | None:
    """``raw`` as written: aware in the offset it states, naive when it states none; None when
    :func:`parse_datetime` would reject it. The wall-clock date of the result is the day the
    page wrote, which is the publisher's local day when the string carries its offset."""
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
        if parsed is None and len(text) <= _MAX_WORDED_DATE:
            # A day written with its month's name in the page's language ("3 de mayo de 2022",
            # "17. Februar 2025"): dateutil reads English month names only.
            day = date_in_text(text, now=now, monthfirst=not dayfirst)
            parsed = datetime.fromisoformat(day) if day else None
        if parsed is None:
            return None
        offset = parsed.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            return None  # "+99:00" is no zone on Earth: the string is not a valid date
        in_utc = parsed.replace(tzinfo=UTC) if offset is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError, TypeError):
        # dateutil and astimezone raise on impossible offsets and out-of-range values; a bad
        # date string is no date, never a failed article.
        return None
    if in_utc > now or in_utc.year < 1990:
        return None
    return parsed


def _parse_loose(text: str, *, now: datetime, dayfirst: bool) -> datetime | None:
    year_first = bool(_YEAR_FIRST.match(text))
    results: list[datetime] = []
    for default in _DEFAULTS:
        try:
            # A zone name dateutil does not know ("ZZ", "GST") leaves the time without a zone,
            # as intended; its warning would only be printed into the user's log, page after page.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UnknownTimezoneWarning)
                parsed = dateutil_parser.parse(
                    text,
                    dayfirst=dayfirst and not year_first,
                    yearfirst=year_first,
                    tzinfos=_TZINFOS,
                    fuzzy=True,
                    default=default,
                )
            results.append(parsed)
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
            found = datetime(int(match["y"]), int(match["m"]), int(match["d"]), tzinfo=UTC)
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


def falls_on(moment: datetime, day: date) -> bool:
    """Whether ``moment`` falls on ``day`` somewhere on Earth (UTC-12 to UTC+14)."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start - _EARLIEST_OFFSET <= moment < start + _DAY + _LATEST_OFFSET


def decide_published(
    candidates: Iterable[DateCandidate],
    *,
    now: datetime,
    url: str | None = None,
    monthfirst: bool = False,
    region: str | None = None,
) -> PublishedDate:
    """The one rule for the published date, whatever the input.

    Candidates come in order of trust (a feed's date, then the page's structured data, then its
    text); the first that parses wins. Numeric dates are read day-first unless ``monthfirst``
    (a page whose locale writes month first, such as en-US). A date the page prints near its
    headline (a ``text`` candidate) that is another of its declared dates (an update, a second
    published meta) picks that date: it is the one readers are shown. A full date in ``url``
    (``/2017/7/12/``) overrides a page date more than a day away from it (a related story's
    date, an old update) unless the printed date agrees with the page's or the page's date is
    on the local day after the URL's (a draft published the next day), and stands in when the
    page gives none. A last-modified date is used only when nothing else is there. The raw
    string keeps the publisher's local day (see :func:`_local_raw`; ``region`` is the country
    the page declares, ``es-AR``'s ``ar``, else the URL's country domain). Unparseable strings never
    raise: when nothing parses, the first string from the text is still returned as ``raw``
    (``at`` stays None).
    """
    first_text: str | None = None
    parsed: list[_Parsed] = []
    zone = publisher_zone(region, url)
    for candidate in candidates:
        written = parse_written(candidate.raw, now=now, dayfirst=not monthfirst)
        if written is None:
            if candidate.source == "text" and first_text is None:
                first_text = candidate.raw
            continue
        if candidate.source == "feed":
            return PublishedDate(_utc(written), candidate.raw, "feed")
        parsed.append(_Parsed(_utc(written, zone), written, candidate))
    declared = [p for p in parsed if p.candidate.source not in ("text", "modified")]
    modified = [p for p in parsed if p.candidate.source == "modified"]
    text = [p for p in parsed if p.candidate.source == "text"]
    chosen = declared[0] if declared else text[0] if text else None
    shown = text[0].written.date() if declared and text else None
    if shown is not None and chosen is not None and shown not in chosen.days:
        # Only a later date: an update, or the publication of a story first dated as a draft;
        # an earlier one the page prints is a related story's or an old page's.
        chosen = next((p for p in (*declared, *modified) if shown in p.days and p.at > chosen.at), chosen)
        # A numeric date that reads either way ("11/01/2023") that the page prints the other
        # way round (1 November): the page's own locale wrote it.
        swapped = _read_the_other_way(chosen, now=now, monthfirst=monthfirst, zone=zone)
        if swapped is not None and shown in swapped.days:
            chosen = swapped
    in_url = date_from_url(url, now=now)
    if in_url is not None:
        url_day = in_url[0]
        near = chosen is not None and falls_on(chosen.at, url_day.date())
        # The local day after the URL's: the story's publication after a draft that named its
        # URL (the URL's date is when the slug was made), not another story's date.
        next_day = chosen is not None and falls_on(chosen.at, (url_day + _DAY).date())
        if chosen is None or (
            shown not in chosen.days
            # a date found by searching the page is no match for the URL's
            and (chosen.candidate.source == "text" or not (near or next_day))
        ):
            return PublishedDate(url_day, url_day.date().isoformat(), "url")
        if near and chosen.at.date() != url_day.date() and url_day.date() not in chosen.days:
            # The same moment, on the publisher's local day that the URL names (a story of
            # 8 November, 17:49 in California, is 9 November in UTC): the exact time, and the
            # local day as the raw string's leading YYYY-MM-DD.
            return PublishedDate(chosen.at, url_day.date().isoformat(), "url")
    if chosen is None:
        chosen = modified[0] if modified else None
    if chosen is None:
        return PublishedDate(raw=first_text)
    found = chosen.candidate.source
    raw = _local_raw(chosen, parsed, zone)
    return PublishedDate(chosen.at, raw, "meta" if found == "modified" else found)


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A candidate that parsed: the moment in UTC and as written."""

    at: datetime
    written: datetime
    candidate: DateCandidate

    @property
    def days(self) -> tuple[date, date]:
        """The UTC day and the day as written (the local day when the string has its offset)."""
        return (self.at.date(), self.written.date())


_EITHER_WAY = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-]\d{4}\b")


def _read_the_other_way(
    parsed: _Parsed, *, now: datetime, monthfirst: bool, zone: tzinfo | None = None
) -> _Parsed | None:
    """``parsed`` read with day and month the other way round, when its string reads both ways
    (both numbers 12 or less, and not the same); else None. Its time is read as the first
    reading's was (in the publisher's ``zone``, see :func:`_utc`)."""
    match = _EITHER_WAY.match(parsed.candidate.raw)
    if match is None or match.group(1) == match.group(2) or max(int(match.group(1)), int(match.group(2))) > 12:
        return None
    written = parse_written(parsed.candidate.raw, now=now, dayfirst=monthfirst)
    return _Parsed(_utc(written, zone), written, parsed.candidate) if written is not None else None


def _utc(written: datetime, zone: tzinfo | None = None) -> datetime:
    """``written`` in UTC. A time of day written without a zone is the publisher's wall time
    when its ``zone`` is known (on the dev pages that also give the moment with an offset, 17 of
    22 such times are local, 2 UTC); a day without a time, or with nothing known, stays as UTC."""
    if written.tzinfo is not None:
        return written.astimezone(UTC)
    if zone is not None and (written.hour, written.minute, written.second) != (0, 0, 0):
        local = zone.localize(written) if isinstance(zone, pytz.BaseTzInfo) else written.replace(tzinfo=zone)
        return local.astimezone(UTC)
    return written.replace(tzinfo=UTC)


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
_HAS_TIME = re.compile(r"\d:\d\d")
_QUARTER_HOUR = 900


def _local_raw(chosen: _Parsed, parsed: list[_Parsed], zone: tzinfo | None = None) -> str:
    """The raw string of the decision, with the publisher's local day as its leading YYYY-MM-DD
    wherever the page says what that day is.

    A timestamp with its offset written another way (``Sat, 19 Oct 2019 00:04:00 +0200``,
    ``20180619T055000+0900``) is rewritten in ISO form in that offset. A timestamp in UTC (or
    without a zone) takes the local day from the page's other dates: the same moment with its
    offset (``2017-02-24T01:18Z`` and ``2017-02-23T17:18-08:00``), the same moment in local wall
    time (``…T07:25:06Z`` and ``…T21:25:06``, the same minutes and seconds whole hours apart), or
    a day without a time that the moment falls on somewhere on Earth (``3 de mayo de 2022`` for
    4 May 00:25 UTC). Failing those, a moment stated in UTC is written in the publisher's
    ``zone`` when one is known (:func:`publisher_zone`).
    """
    raw = chosen.candidate.raw.strip()
    offset = chosen.written.utcoffset()
    if offset:
        return raw if _ISO_DAY.match(raw) else chosen.written.isoformat()
    for other in parsed:
        if other is chosen or other.candidate.source == "text":
            continue
        other_offset = other.written.utcoffset()
        if other_offset and abs((other.at - chosen.at).total_seconds()) < 60:
            return other.written.isoformat()
        if not _HAS_TIME.search(other.candidate.raw):
            day = other.written.date()
            if day != chosen.at.date() and falls_on(chosen.at, day):
                return day.isoformat()
            continue
        if not other_offset:
            # Wall-clock time written as UTC or without a zone, whole quarter hours off the moment.
            shift = (other.written.replace(tzinfo=UTC) - chosen.at).total_seconds()
            if (
                shift
                and shift % _QUARTER_HOUR == 0
                and -_LATEST_OFFSET.total_seconds() <= shift <= _EARLIEST_OFFSET.total_seconds()
            ):
                return chosen.at.astimezone(timezone(timedelta(seconds=shift))).isoformat()
    if zone is not None and offset is not None:  # a moment in UTC ("Z", "GMT", "+00:00")
        local = chosen.at.astimezone(zone)
        if local.date() != chosen.at.date():
            return local.isoformat()
    return raw


#: Country domains that sites everywhere use for their letters, not their country.
_GENERIC_CC_DOMAINS = frozenset(
    {"io", "co", "tv", "me", "fm", "ai", "ly", "cc", "ws", "to", "gg", "im", "is", "la", "am", "ac", "sh", "so", "st"}
)
#: Countries whose first zone in the tz database's zone.tab is not where most of their press is.
_MAIN_ZONES = {
    "ca": "America/Toronto",
    "au": "Australia/Sydney",
    "br": "America/Sao_Paulo",
    "ru": "Europe/Moscow",
    "uk": "Europe/London",
}


def publisher_zone(region: str | None, url: str | None = None) -> tzinfo | None:
    """The time zone of the publisher's country: ``region`` (a two-letter country code), else
    the URL's country domain (``lanacion.com.ar``); the country's principal zone (its first in
    the tz database, or :data:`_MAIN_ZONES`). None when neither names a country."""
    country = (region or "").lower()
    if len(country) != 2:
        tld = (site_host(url) or "").rsplit(".", 1)[-1]
        country = tld if len(tld) == 2 and tld not in _GENERIC_CC_DOMAINS else ""
    return _country_zone(country) if len(country) == 2 else None


@lru_cache(maxsize=1024)  # one entry per country code met
def _country_zone(country: str) -> tzinfo | None:
    name = _MAIN_ZONES.get(country)
    if name is None:
        zones = pytz.country_timezones.get(country.upper())
        if not zones:
            return None
        name = zones[0]
    zone: tzinfo = pytz.timezone(name)
    return zone


# ---------------------------------------------------------------------------------------------
# A date line in the page's text, for pages that declare no date

_MONTH_NAMES: dict[str, int] = {}
# Per month: English, German, French, Spanish, Italian, Portuguese, Dutch, Scandinavian,
# Indonesian, Romanian, Polish, Czech, Turkish (and its dotless upper case lowered), Russian,
# Ukrainian, Greek (genitive, as dates are written), Hungarian, Arabic (the Egyptian/Gulf names
# and the Levantine ones that are one word: "kanun" and "tishrin" name two months each), Hebrew
# (with and without the prefix "b-", "in"), and abbreviations.
for _number, _names in enumerate(
    (
        "január january januar janvier enero gennaio janeiro januari jan jän janv ene gen ianuarie stycznia"
        " ledna ocak января січня ιανουαρίου يناير ינואר בינואר",
        "február february februar février fevrier febrero febbraio fevereiro februari feb febr févr fév"
        " februarie lutego února şubat subat февраля лютого φεβρουαρίου فبراير شباط פברואר בפברואר",
        "március march märz maerz mars marzo março maart mar mär mrz maret martie marca března mart марта"
        " березня μαρτίου مارس آذار מרץ במרץ",
        "április april avril abril aprile apr avr abr aprilie kwietnia dubna nisan апреля квітня απριλίου"
        " أبريل ابريل إبريل نيسان אפריל באפריל",
        "május may mai mayo maggio maio mei maj maja května mayıs mayis мая травня μαΐου مايو أيار ايار מאי במאי",
        "június june juni juin junio giugno junho jun juin iunie czerwca června haziran июня червня ιουνίου"
        " يونيو يونيه حزيران יוני ביוני",
        "július july juli juillet julio luglio julho jul juil lug iulie lipca července temmuz июля липня"
        " ιουλίου يوليو يوليه تموز יולי ביולי",
        "augusztus august août aout agosto augustus aug ago augusti agustus sierpnia srpna ağustos agustos"
        " августа серпня αυγούστου أغسطس اغسطس آب אוגוסט באוגוסט",
        "szeptember september septembre septiembre settembre setembro sep sept set septembrie września září"
        " eylül eylul сентября вересня σεπτεμβρίου سبتمبر أيلول ايلول ספטמבר בספטמבר",
        "október october oktober octobre octubre ottobre outubro oct okt ott out octombrie października"
        " října ekim октября жовтня οκτωβρίου أكتوبر اكتوبر אוקטובר באוקטובר",
        "november novembre noviembre novembro nov noiembrie listopada listopadu kasım kasim ноября"
        " листопада νοεμβρίου نوفمبر נובמבר בנובמבר",
        "december dezember décembre decembre diciembre dicembre dezembro dec dez déc dic desember"
        " decembrie grudnia prosince aralık aralik декабря грудня δεκεμβρίου ديسمبر דצמבר בדצמבר",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTH_NAMES[_name] = _number
# Any word, looked up in _MONTH_NAMES after the match: an alternation of the ~300 names, tried
# at every word of the text, cost over a millisecond a page (the date line runs on every page).
_MONTH_RE = r"[^\W\d_]{3,12}"
_TEXT_DATES = (
    # 2025-02-17, 2025/02/17, 2025.02.17, 2025年2月17日, 2025년 2월 17일
    (re.compile(r"(?<!\d)((?:19|20)\d{2})(?:[-/.]|年|년)\s?(\d{1,2})(?:[-/.]|月|월)\s?(\d{1,2})(?!\d)"), "ymd"),
    # 17.02.2025, 17/02/2025, 17-02-2025
    (re.compile(r"(?<![\d.])(\d{1,2})[./-]\s?(\d{1,2})[./-]\s?((?:19|20)\d{2})(?!\d)"), "dmy"),
    # 26 | 01 | 2022 (a kicker that sets the parts apart; two digits each, so no table row's numbers)
    (re.compile(r"(?<![\d|]\s)(?<!\d)(\d{2}) \| (\d{2}) \| ((?:19|20)\d{2})(?!\d)"), "dmy"),
    # 17. Februar 2025, 17 février 2025, 17 de febrero de 2025, 24 نيسان / أبريل 2020 (two names)
    (
        re.compile(
            rf"(?i)(?<!\d)(\d{{1,2}})\.?\s+(?:de\s+)?({_MONTH_RE})(?:\s?/\s?[^\W\d_]{{3,12}})?\.?,?\s+(?:de\s+)?((?:19|20)\d{{2}})(?!\d)"
        ),
        "d_m_y",
    ),
    # February 17, 2025; Feb. 17 2025
    (re.compile(rf"(?i)\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{{2}})(?!\d)"), "m_d_y"),
    # 2025. február 17. (Hungarian: the year first, a full stop after it and after the day)
    (re.compile(rf"(?i)(?<!\d)((?:19|20)\d{{2}})\.\s+({_MONTH_RE})\s+(\d{{1,2}})\.(?!\d)"), "y_m_d"),
)


# The words of a label saying the date after it is an update, in the dev set's languages.
_UPDATE_WORDS = (
    r"updated|update|aktualisiert|actualizado|actualisé|mis à jour|aggiornato|atualizado|bijgewerkt"
    r"|zaktualizowano|uppdaterad|opdateret|oppdatert|päivitetty|更新"
    r"|modified|modifié|modificado|modificato|änderung|geändert|gewijzigd|bearbeitet|edited"
)
# Such a label in the few words before a date.
_UPDATED = re.compile(rf"(?i)(?:{_UPDATE_WORDS})\W{{0,12}}(?:\w+\W{{1,3}}){{0,2}}$")
#: Such a label, anywhere.
UPDATE_LABEL = re.compile(rf"(?i)\b(?:{_UPDATE_WORDS})\b")


#: A photo's credit right after a date: the date is a wire photo's caption's ("Paris, France,
#: January 16, 2020. REUTERS/Gonzalo Fuentes", "... Julien De Rosa/Pool via REUTERS", "(AP Photo/Name)",
#: "... am 12.05.2020. Foto: dpa").
_PHOTO_CREDIT = re.compile(
    r"[.,]?\s{0,3}\(?(?:AP Photo/|REUTERS/|AFP/|EPA/|(?:Foto|Photo|Bild|Crédit photo|Credit)\s?:"
    r"|(?:[^\W\d_][\w'’.-]*[\s/]){1,4}(?:via\s)?(?:REUTERS|AFP|EPA|Getty Images|picture alliance)\b)"
)


#: Around the date of a line that is a date and nothing else: a bullet, and a label or a weekday
#: before it ("Veröffentlichung:", "Montag,", "الأربعاء،"), a time after it ("13:43", "10:00 Uhr",
#: "12:19 م"). Not quotes, pipes or a leading full stop: a line of code, a table row, a fragment
#: of a reference list ("| Founded | 28 February 1998 |", ". Retrieved 17 August 2023.").
_BEFORE_DATE = re.compile(r"[\s\-–—•·∙\[(]*(?:[^\W\d_]+\s*[:,،]?\s*)?")
_AFTER_DATE = re.compile(r"[\s,\-–—/•·∙]*(?:\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[^\W\d_]{1,4}\.?)?)?[\s)\]]*")
#: The longest line taken for a date line.
DATE_LINE_CHARS = 60
#: A year: the cheap test before the patterns look at a line (cleanup asks of every line).
_HAS_YEAR = re.compile(r"(?:19|20)\d\d")


def date_line(line: str) -> str | None:
    """The date of a line that is one date and nothing else (``15 августа 2016, 13:43``,
    ``Montag, 3. Februar 2025``, ``Veröffentlichung: 2. Februar 2022``), as written, for
    :func:`parse_written`; None for any other line (a sentence that holds a date)."""
    if len(line) > DATE_LINE_CHARS or not _HAS_YEAR.search(line):
        return None
    for pattern, order in _TEXT_DATES:
        match = pattern.search(line)
        if (
            match is not None
            and _BEFORE_DATE.fullmatch(line, 0, match.start())
            and _AFTER_DATE.fullmatch(line, match.end())
            and _matched_day(match, order, monthfirst=False) is not None
        ):
            return match.group(0)
    return None


def date_in_text(text: str, *, now: datetime, monthfirst: bool = False) -> str | None:
    """The first full date written in ``text`` (a date line under a headline: ``17.02.2025``,
    ``17. Februar 2025``, ``February 17, 2025``, ``2025年2月17日``), as ``YYYY-MM-DD``; None when
    there is none that is a real, past date."""
    best: tuple[int, str] | None = None
    for pattern, order in _TEXT_DATES:
        for match in pattern.finditer(text):
            if best is not None and match.start() >= best[0]:
                break
            found = _matched_day(match, order, monthfirst)
            if found is None:
                continue
            if _UPDATED.search(text, max(0, match.start() - 30), match.start()):
                continue  # "updated on 20.03.2025": the page's update, not its publication
            if _PHOTO_CREDIT.match(text, match.end()):
                continue  # "... in Paris, January 16, 2020. REUTERS/Name": a photo's caption
            if found <= now and found.year >= 1990:
                best = (match.start(), found.date().isoformat())
                break
    return best[1] if best else None


#: A numeric date with a two-digit year, day first (`02.12.19`, `19.10.19 um 14:34 Uhr`); not
#: with slashes, which US pages write month first. See :func:`short_year_date`.
_SHORT_YEAR_DATE = re.compile(r"(?<![\d.,/])(\d{1,2})\.(\d{1,2})\.(\d{2})(?![\d,/]|\.\d)")


def short_year_date(text: str, *, now: datetime, monthfirst: bool = False) -> str | None:
    """The first day written with a two-digit year in ``text`` (``02.12.19``: 2 December 2019), as
    ``YYYY-MM-DD``; None when there is none that is a real, past day of this century. A version
    number or a score looks the same: the caller looks only right by the headline, and only when
    nothing else gives a date."""
    for match in _SHORT_YEAR_DATE.finditer(text):
        a, b, year = (int(g) for g in match.groups())
        day, month = (b, a) if monthfirst else (a, b)
        try:
            found = datetime(2000 + year, month, day, tzinfo=UTC)
        except ValueError:
            continue
        if found <= now:
            return found.date().isoformat()
    return None


def _matched_day(match: re.Match[str], order: str, monthfirst: bool) -> datetime | None:
    """The day a match of one of _TEXT_DATES names, or None when it is no real day."""
    a, b, c = match.groups()
    if order == "ymd":
        year, month, day = int(a), int(b), int(c)
    elif order == "dmy":
        day, month, year = (int(b), int(a), int(c)) if monthfirst else (int(a), int(b), int(c))
    elif order == "d_m_y":
        day, month, year = int(a), _MONTH_NAMES.get(b.lower(), 0), int(c)
    elif order == "y_m_d":
        year, month, day = int(a), _MONTH_NAMES.get(b.lower(), 0), int(c)
    else:
        month, day, year = _MONTH_NAMES.get(a.lower(), 0), int(b), int(c)
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None
