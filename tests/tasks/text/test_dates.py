from datetime import UTC, datetime, timedelta

import pytest

from tasks.text.dates import date_from_url, parse_datetime

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-02-17T20:44:00+09:00", _utc(2025, 2, 17, 11, 44)),
        ("2025-02-17T20:44:00+0900", _utc(2025, 2, 17, 11, 44)),
        ("2025-02-17T06:44:00-05:00", _utc(2025, 2, 17, 11, 44)),
        ("2025-02-17T11:44:00Z", _utc(2025, 2, 17, 11, 44)),
    ],
)
def test_iso_with_offset_or_z_becomes_utc(raw: str, expected: datetime) -> None:
    parsed = parse_datetime(raw, now=NOW)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "raw",
    [
        "17 Feb 2025 20:44 KST",
        "Feb 17, 2025 8:44 PM JST",
        "2025-02-17 20:44 KST",
        "February 17, 2025 06:44 EST",
    ],
)
def test_named_zones_are_honoured(raw: str) -> None:
    # 20:44 in Seoul/Tokyo (UTC+9) and 06:44 in New York (UTC-5) are all 11:44 UTC.
    assert parse_datetime(raw, now=NOW) == _utc(2025, 2, 17, 11, 44)


def test_string_without_zone_is_taken_as_utc() -> None:
    assert parse_datetime("2025-02-17T20:44:00", now=NOW) == _utc(2025, 2, 17, 20, 44)


def test_day_first_numeric_date() -> None:
    assert parse_datetime("17/2/2025 20:44", now=NOW) == _utc(2025, 2, 17, 20, 44)
    # Ambiguous: day-first by default, month-first only when asked.
    assert parse_datetime("3/2/2025", now=NOW) == _utc(2025, 2, 3)
    assert parse_datetime("3/2/2025", now=NOW, dayfirst=False) == _utc(2025, 3, 2)


def test_bare_day_month_takes_the_year_of_now() -> None:
    assert parse_datetime("17/2 20:44", now=NOW) == _utc(2025, 2, 17, 20, 44)


def test_iso_date_is_year_month_day_even_when_day_first() -> None:
    assert parse_datetime("2025-02-03", now=NOW, dayfirst=True) == _utc(2025, 2, 3)
    assert parse_datetime("2025-02-03", now=NOW, dayfirst=False) == _utc(2025, 2, 3)


@pytest.mark.parametrize("raw", ["2025/02/03", "2025.02.03", "2025/2/3 10:00"])
def test_year_first_slash_and_dot_dates_are_year_month_day(raw: str) -> None:
    parsed = parse_datetime(raw, now=NOW)
    assert parsed is not None
    assert (parsed.month, parsed.day) == (2, 3)


def test_future_dates_are_rejected() -> None:
    assert parse_datetime("2025-06-01T12:00:01Z", now=NOW) is None
    assert parse_datetime("2025-06-01T20:59:00+09:00", now=NOW) == _utc(2025, 6, 1, 11, 59)
    assert parse_datetime("2025-06-01T21:01:00+09:00", now=NOW) is None
    assert parse_datetime("2026-01-01", now=NOW) is None


def test_dates_before_1990_are_rejected() -> None:
    assert parse_datetime("1989-12-31T23:59:00Z", now=NOW) is None
    assert parse_datetime("1990-01-01T00:00:00Z", now=NOW) == _utc(1990, 1, 1)


@pytest.mark.parametrize("raw", [None, "", "   ", "garbage", "Loading", "Comment (0)", "2025-02-30"])
def test_garbage_is_none(raw: str | None) -> None:
    assert parse_datetime(raw, now=NOW) is None


@pytest.mark.parametrize("raw", ["5 minutes ago", "version 2.0", "12"])
def test_strings_without_a_date_are_none(raw: str) -> None:
    assert parse_datetime(raw, now=NOW) is None


@pytest.mark.parametrize(
    ("url", "expected", "matched"),
    [
        ("https://news.example.org/2025/02/17/harbour-rebuilt", _utc(2025, 2, 17), "2025/02/17"),
        ("https://news.example.org/world/2025/2/7/", _utc(2025, 2, 7), "2025/2/7"),
        ("https://news.example.org/2025-02-17-harbour-rebuilt", _utc(2025, 2, 17), "2025-02-17"),
        ("https://news.example.org/2025/02/17", _utc(2025, 2, 17), "2025/02/17"),
    ],
)
def test_date_from_url(url: str, expected: datetime, matched: str) -> None:
    assert date_from_url(url, now=NOW) == (expected, matched)


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "https://news.example.org/world/harbour-rebuilt",
        "https://news.example.org/2025/13/01/impossible-month",
        "https://news.example.org/2025/02/30/impossible-day",
        "https://news.example.org/2026/01/01/in-the-future",
        "https://news.example.org/1899/02/17/too-old",
        "https://news.example.org/story/12025/02/17x",
    ],
)
def test_date_from_url_none(url: str | None) -> None:
    assert date_from_url(url, now=NOW) is None
