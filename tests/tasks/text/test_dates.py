import warnings
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tasks.text.dates import (
    CandidateSource,
    DateCandidate,
    PublishedDate,
    date_from_url,
    date_in_text,
    decide_published,
    parse_datetime,
    parse_written,
    publisher_zone,
    short_year_date,
)

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


def test_an_unknown_zone_name_is_ignored_quietly() -> None:
    # dateutil warns about every zone name it does not know; in a run that is one log line per page.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_datetime("February 17, 2025 20:44 ZZ", now=NOW) == _utc(2025, 2, 17, 20, 44)


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
        ("https://news.example.org/notices/17-02-2025", _utc(2025, 2, 17), "17-02-2025"),
        ("https://news.example.org/17.02.2025/harbour", _utc(2025, 2, 17), "17.02.2025"),
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
        "https://news.example.org/17-02.2025/mixed-separators",
        "https://news.example.org/31-02-2025/impossible-day",
    ],
)
def test_date_from_url_none(url: str | None) -> None:
    assert date_from_url(url, now=NOW) is None


@pytest.mark.parametrize(
    "raw", ["2025-02-17T20:44:00+99:00", "17 Feb 2025 20:44 +9900", "2025-02-17T20:44:00-25:00", "99999-01-01"]
)
def test_impossible_offsets_and_values_are_no_date_never_an_error(raw: str) -> None:
    assert parse_datetime(raw, now=NOW) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("20250217", _utc(2025, 2, 17)), ("20250217T204400+0900", _utc(2025, 2, 17, 11, 44))],
)
def test_basic_iso_8601(raw: str, expected: datetime) -> None:
    assert parse_datetime(raw, now=NOW) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example.org/news/20250217/harbour-rebuilt", _utc(2025, 2, 17)),
        ("https://news.example.org/local/2025-02/17/c_1125597921.htm", _utc(2025, 2, 17)),
        ("https://news.example.org/world/20250217-OYT1T50240/", _utc(2025, 2, 17)),
    ],
)
def test_more_url_date_forms(url: str, expected: datetime) -> None:
    found = date_from_url(url, now=NOW)
    assert found is not None and found[0] == expected


def test_one_digit_day_followed_by_a_slug_is_not_a_date() -> None:
    assert date_from_url("https://blog.example.org/2025/02/3-questions-for-the-mayor/", now=NOW) is None


def _decide(
    *candidates: tuple[str, CandidateSource], url: str | None = None, monthfirst: bool = False
) -> PublishedDate:
    return decide_published(
        [DateCandidate(raw, source) for raw, source in candidates], now=NOW, url=url, monthfirst=monthfirst
    )


def test_first_parseable_candidate_wins_in_order_of_trust() -> None:
    got = _decide(("garbage", "json-ld"), ("2025-02-17T20:44:00+09:00", "meta"), ("2025-01-01", "text"))
    assert got == PublishedDate(_utc(2025, 2, 17, 11, 44), "2025-02-17T20:44:00+09:00", "meta")


def test_feed_date_wins_over_everything() -> None:
    got = _decide(("2025-02-17T20:44:00Z", "feed"), url="https://news.example.org/2024/01/05/story")
    assert (got.at, got.source) == (_utc(2025, 2, 17, 20, 44), "feed")


def test_modified_only_as_a_last_resort() -> None:
    assert _decide(("2025-03-01T00:00:00Z", "modified"), ("2025-02-17", "json-ld")).at == _utc(2025, 2, 17)
    assert _decide(("2025-03-01T00:00:00Z", "modified")).at == _utc(2025, 3, 1)


def test_url_overrides_a_page_date_days_away_and_a_text_search() -> None:
    url = "https://news.example.org/2025/02/17/story"
    assert _decide(("2024-11-02T08:00:00Z", "json-ld"), url=url) == PublishedDate(
        _utc(2025, 2, 17), "2025-02-17", "url"
    )
    assert _decide(("2025-02-17T09:00:00Z", "text"), url=url).source == "url"


def test_a_page_date_on_the_day_after_the_urls_stands() -> None:
    # A draft whose URL was made on 6 May, published on 7 May (13:43 at UTC-5): the page's date.
    url = "https://news.example.org/2025/05/06/story"
    got = _decide(("2025-05-07T13:43:46-05:00", "json-ld"), url=url)
    assert (got.at, got.raw, got.source) == (
        _utc(2025, 5, 7, 18, 43) + timedelta(seconds=46),
        "2025-05-07T13:43:46-05:00",
        "json-ld",
    )
    # Two days after it is another story's date or an old update: the URL's.
    assert _decide(("2025-05-08T13:43:46-05:00", "json-ld"), url=url).source == "url"


def test_same_day_in_another_zone_keeps_the_exact_time_and_the_local_day() -> None:
    url = "https://news.example.org/2025/02/16/story"
    got = _decide(("2025-02-17T01:49:00Z", "json-ld"), url=url)
    assert got == PublishedDate(_utc(2025, 2, 17, 1, 49), "2025-02-16", "url")
    # On the URL's own day, nothing changes.
    same = _decide(("2025-02-16T13:00:00Z", "json-ld"), url=url)
    assert same == PublishedDate(_utc(2025, 2, 16, 13), "2025-02-16T13:00:00Z", "json-ld")


def test_one_day_first_rule_unless_the_locale_writes_month_first() -> None:
    assert _decide(("3/2/2025", "meta")).at == _utc(2025, 2, 3)
    assert _decide(("3/2/2025", "meta"), monthfirst=True).at == _utc(2025, 3, 2)


def test_nothing_parses_keeps_the_text_string() -> None:
    # A day and month without a year, too long before NOW to guess the year: no date, but the
    # string stays for the record.
    got = _decide(("17/11 20:44", "text"))
    assert (got.at, got.raw, got.source) == (None, "17/11 20:44", "none")


def test_date_in_text() -> None:
    now = NOW
    assert date_in_text("Veröffentlicht am 17. Februar 2025, 10:00", now=now) == "2025-02-17"
    assert date_in_text("Posted February 17, 2025 by Mara Quill", now=now) == "2025-02-17"
    assert date_in_text("le 17 février 2025", now=now) == "2025-02-17"
    assert date_in_text("2025年2月17日 10:00", now=now) == "2025-02-17"
    assert date_in_text("03.02.2025", now=now) == "2025-02-03"
    assert date_in_text("03.02.2025", now=now, monthfirst=True) == "2025-03-02"
    assert date_in_text("version 12.13.2020, due 2031-01-01", now=now) is None


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("Германия 15 августа 2016, 13:43", "2016-08-15"),  # Russian (genitive)
        ("Київ, 3 березня 2024", "2024-03-03"),  # Ukrainian
        ("Warszawa, 12 października 2023", "2023-10-12"),  # Polish, 12 letters
        ("Praha 5. května 2022", "2022-05-05"),  # Czech
        ("İstanbul, 29 Ekim 2021 Cuma", "2021-10-29"),  # Turkish
        ("Αθήνα, 7 Σεπτεμβρίου 2020", "2020-09-07"),  # Greek (genitive)
        ("București, 1 decembrie 2019", "2019-12-01"),  # Romanian
        ("Jakarta, 17 Agustus 2018", "2018-08-17"),  # Indonesian
        ("القاهرة: الأربعاء، 07 أكتوبر 2020 12:19 م", "2020-10-07"),  # Arabic
        ("نشر الجمعة 24 نيسان / أبريل 2020 09:22", "2020-04-24"),  # Levantine and Egyptian names
        ("פורסם 17 בפברואר 2025", "2025-02-17"),  # Hebrew, with the prefix "in"
        ("입력 2023년 11월 7일 오후", "2023-11-07"),  # Korean
        ("Budapest, 2022. március 15. 10:00", "2022-03-15"),  # Hungarian, year first
    ],
)
def test_date_in_text_reads_month_names_of_many_languages(line: str, day: str) -> None:
    assert date_in_text(line, now=NOW) == day


def test_a_wire_photos_caption_date_is_passed_over() -> None:
    caption = "Protesters gather in Paris, France, January 16, 2020. Julien De Rosa/Pool via REUTERS"
    assert date_in_text(f"{caption}\nJanuary 18, 2020\nPARIS (Reuters) - Protesters", now=NOW) == "2020-01-18"
    assert date_in_text("The mayor, March 3, 2021. REUTERS/Ana Lima\nMarch 4, 2021", now=NOW) == "2021-03-04"
    assert date_in_text("In Ohio on May 2, 2022 (AP Photo/Tom Kay)", now=NOW) is None
    assert date_in_text("Demonstranten in Berlin am 12.05.2020. Foto: dpa", now=NOW) is None
    # A date in a sentence about the agency is a date.
    assert date_in_text("On May 2, 2022 the agency said", now=NOW) == "2022-05-02"


def test_a_month_name_that_names_two_months_is_no_date() -> None:
    # Levantine "kanun" is December ("kanun al-awwal") or January ("kanun al-thani"): no guess.
    assert date_in_text("15 كانون الثاني 2020", now=NOW) is None


def test_a_printed_date_picks_the_later_declared_date_it_shows() -> None:
    # The page prints its update day near the headline: that is the date readers are shown.
    got = _decide(("2025-01-10T08:00:00Z", "json-ld"), ("2025-02-03T09:30:00Z", "modified"), ("2025-02-03", "text"))
    assert (got.at, got.source) == (_utc(2025, 2, 3, 9, 30), "meta")
    # An earlier declared date the page prints is a related story's: the published one stays.
    kept = _decide(("2025-02-03T09:30:00Z", "json-ld"), ("2024-05-01T00:00:00Z", "meta"), ("2024-05-01", "text"))
    assert kept.at == _utc(2025, 2, 3, 9, 30)
    # A printed date that is none of the declared ones changes nothing.
    assert _decide(("2025-02-03T09:30:00Z", "json-ld"), ("2025-01-20", "text")).at == _utc(2025, 2, 3, 9, 30)


def test_a_time_without_a_zone_is_the_publishers_wall_time() -> None:
    def decide(raw: str, region: str | None) -> PublishedDate:
        return decide_published([DateCandidate(raw, "json-ld")], now=NOW, region=region)

    # 22:30 in Berlin (UTC+1 in February) is 21:30 UTC; the raw string keeps the local day.
    assert decide("2025-02-17 22:30:00", "de") == PublishedDate(
        _utc(2025, 2, 17, 21, 30), "2025-02-17 22:30:00", "json-ld"
    )
    # 22:17 in Bogotá (UTC-5) is the next day in UTC.
    assert decide("2025-05-05 22:17:36", "co").at == _utc(2025, 5, 6, 3, 17) + timedelta(seconds=36)
    # A day without a time, or a publisher of no known country: as written, in UTC.
    assert decide("2025-02-17", "de").at == _utc(2025, 2, 17)
    assert decide("2025-02-17 22:30:00", None).at == _utc(2025, 2, 17, 22, 30)


def test_a_declared_date_that_reads_either_way_takes_the_printed_reading() -> None:
    # "11/01/2023" read day first is 11 January; the page prints 1 November: month first.
    got = _decide(("11/01/2023 12:43:00", "meta"), ("2023-11-01", "text"))
    assert got.at == _utc(2023, 11, 1, 12, 43)
    # A printed date that is neither reading changes nothing; nor does one on a date that reads one way.
    assert _decide(("11/01/2023 12:43:00", "meta"), ("2023-05-01", "text")).at == _utc(2023, 1, 11, 12, 43)
    assert _decide(("13/01/2023", "meta"), ("2023-01-13", "text")).at == _utc(2023, 1, 13)
    # Its time is the publisher's wall time, as in the first reading (12:43 in Zurich is 11:43 UTC).
    candidates = [DateCandidate("11/01/2023 12:43:00", "meta"), DateCandidate("2023-11-01", "text")]
    assert decide_published(candidates, now=NOW, region="ch").at == _utc(2023, 11, 1, 11, 43)


def test_a_printed_date_that_agrees_with_the_page_stands_against_the_url() -> None:
    url = "https://news.example.org/2025/02/03/story"
    got = _decide(("2025-02-09T11:00:00Z", "json-ld"), ("2025-02-09", "text"), url=url)
    assert (got.at, got.source) == (_utc(2025, 2, 9, 11), "json-ld")
    assert _decide(("2025-02-09T11:00:00Z", "json-ld"), url=url).source == "url"


@pytest.mark.parametrize(
    ("candidates", "raw"),
    [
        # The same moment with its offset, in another candidate.
        ((("2025-02-18T01:18:13Z", "json-ld"), ("2025-02-17T17:18:13-08:00", "meta")), "2025-02-17T17:18:13-08:00"),
        # The same moment in local wall time, written as UTC: the same minutes and seconds.
        ((("2025-02-18T07:25:06Z", "json-ld"), ("2025-02-17T21:25:06+00:00", "meta")), "2025-02-17T21:25:06-10:00"),
        # A day without a time that the moment falls on somewhere.
        ((("Tue, 18 Feb 2025 00:25:56 GMT", "json-ld"), ("February 17, 2025", "meta")), "2025-02-17"),
        # An offset written another way is rewritten in ISO form, in that offset.
        ((("Tue, 18 Feb 2025 00:04:00 +0200", "json-ld"),), "2025-02-18T00:04:00+02:00"),
        ((("20250218T055000+0900", "json-ld"),), "2025-02-18T05:50:00+09:00"),
        # Nothing says otherwise: the raw string as found.
        ((("2025-02-18T07:25:06Z", "json-ld"), ("2025-02-18T09:00:00Z", "modified")), "2025-02-18T07:25:06Z"),
    ],
)
def test_raw_string_leads_with_the_publishers_local_day(
    candidates: tuple[tuple[str, CandidateSource], ...], raw: str
) -> None:
    got = _decide(*candidates)
    assert got.raw == raw
    assert got.at is not None and got.at == parse_datetime(candidates[0][0], now=NOW)


def test_parse_written_keeps_the_offset_and_naive_strings() -> None:
    assert parse_written("2025-02-17T20:44:00+09:00", now=NOW) == datetime(
        2025, 2, 17, 20, 44, tzinfo=timezone(timedelta(hours=9))
    )
    assert parse_written("2025-02-17 20:44", now=NOW) == datetime(2025, 2, 17, 20, 44)
    assert parse_written("2025-02-17T20:44:00+99:00", now=NOW) is None


@pytest.mark.parametrize(
    ("raw", "day"),
    [("3 de mayo de 2025", "2025-05-03"), ("17. Februar 2025", "2025-02-17"), ("2 avril 2025", "2025-04-02")],
)
def test_parse_written_reads_month_names_in_the_pages_language(raw: str, day: str) -> None:
    assert parse_written(raw, now=NOW) == datetime.fromisoformat(day)
    # ... but not a date inside a sentence.
    assert parse_written(f"Die Stadt teilte am Donnerstag, dem {raw}, mit", now=NOW) is None


def test_a_worded_local_day_gives_the_local_day_of_a_utc_moment() -> None:
    got = _decide(("Sun, 04 May 2025 00:25:56 GMT", "json-ld"), ("3 de mayo de 2025", "meta"))
    assert got.at == _utc(2025, 5, 4, 0, 25) + timedelta(seconds=56) and got.raw == "2025-05-03"


@pytest.mark.parametrize(
    ("region", "url", "raw"),
    [
        # The country's zone, from the page's locale or its country domain: 3 May, 22:41 in La Paz.
        ("bo", None, "2025-05-03T22:41:00-04:00"),
        (None, "https://eldiario.example.com.bo/nota", "2025-05-03T22:41:00-04:00"),
        (None, "https://www.example.com.ar/nota", "2025-05-03T23:41:00-03:00"),
        # The same UTC day there: the string as found.
        ("de", None, "Sun, 04 May 2025 02:41:00 GMT"),
        # No country: a generic domain, or a country domain used for its letters.
        (None, "https://example.com/nota", "Sun, 04 May 2025 02:41:00 GMT"),
        (None, "https://example.io/nota", "Sun, 04 May 2025 02:41:00 GMT"),
    ],
)
def test_a_utc_moment_is_written_in_the_publishers_zone(region: str | None, url: str | None, raw: str) -> None:
    got = decide_published([DateCandidate("Sun, 04 May 2025 02:41:00 GMT", "json-ld")], now=NOW, url=url, region=region)
    assert got.at == _utc(2025, 5, 4, 2, 41) and got.raw == raw


def test_publisher_zone_takes_a_countrys_main_zone() -> None:
    assert str(publisher_zone("us")) == "America/New_York"
    assert str(publisher_zone("au")) == "Australia/Sydney"  # not Lord Howe Island, zone.tab's first
    assert publisher_zone("zz") is None and publisher_zone(None) is None


def test_an_update_line_is_not_the_date_line() -> None:
    assert date_in_text("Von Anna Berger, aktualisiert am 20.03.2025, 14.03.2025", now=NOW) == "2025-03-14"
    assert date_in_text("Updated: March 20, 2025", now=NOW) is None
    assert date_in_text("Published March 14, 2025. Updated March 20, 2025", now=NOW) == "2025-03-14"
    # A change is an update too: "Letzte Änderung", "Last modified", "modifié le".
    assert date_in_text("Letzte Änderung: 20.03.2025 - 14:49 Erschienen am: 14.03.2025", now=NOW) == "2025-03-14"
    assert date_in_text("Last modified: March 20, 2025", now=NOW) is None
    assert date_in_text("Article modifié le 20 mars 2025", now=NOW) is None


def test_a_date_written_with_pipes() -> None:
    # A kicker that writes the day, month and year apart: "26 | 01 | 2022 Schweiz | Praxis".
    assert date_in_text("26 | 01 | 2022 Schweiz | Praxis | Video", now=NOW) == "2022-01-26"
    assert date_in_text("Rang | 12 | 3 | 2019 Punkte", now=NOW) is None  # a table row's numbers
    assert date_in_text("| 7 | 12 | 03 | 2019 |", now=NOW) is None


@pytest.mark.parametrize(
    ("text", "monthfirst", "expected"),
    [
        ("In the media 02.12.19 Headline", False, "2019-12-02"),
        ("Veröffentlicht am 19.10.19 um 14:34 Uhr", False, "2019-10-19"),
        ("In the media 02.12.19 Headline", True, "2019-02-12"),
        ("Version 1.2.3 is out", False, None),  # no two-digit year
        ("Release 3.10.25.4", False, None),  # a longer number
        ("12/10/19", False, None),  # slashes: month first on US pages
        ("31.02.19, then 01.03.19", False, "2019-03-01"),  # no 31 February
    ],
)
def test_a_two_digit_year_date(text: str, monthfirst: bool, expected: str | None) -> None:
    assert short_year_date(text, now=NOW, monthfirst=monthfirst) == expected
