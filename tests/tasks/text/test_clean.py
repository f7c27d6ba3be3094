from dataclasses import replace

import pytest

from tasks.core.vocabulary import InputKind
from tasks.text.clean import (
    RULES,
    Draft,
    clean,
    clean_authors,
    comment_form,
    cookie_banner,
    credit_line,
    headline,
    mojibake,
    page_chrome,
    related_tail,
    repeated_body,
    stray_counter,
    title_echo,
)

P1 = "The harbour authority in Port Avalon confirmed on Tuesday that the northern breakwater will be rebuilt."
P2 = "Engineers found that winter waves had undermined the concrete blocks along a stretch of two hundred metres."
P3 = "Council members approved the emergency budget without debate, and the first barges arrive this month."
P4 = "Fishing crews said they were relieved, although several boats will have to moor in the next bay until June."


def _draft(*paragraphs: str, title: str | None = None, kind: InputKind = "text") -> Draft:
    return Draft(paragraphs=paragraphs, title=title, kind=kind)


def test_rules_are_the_documented_ones_in_order() -> None:
    assert [name for name, _ in RULES] == [
        "mojibake",
        "page_chrome",
        "related_tail",
        "cookie_banner",
        "comment_form",
        "stray_counter",
        "headline",
        "title_echo",
        "repeated_body",
        "credit_line",
    ]


def test_page_chrome() -> None:
    draft = _draft(
        "Loading",
        "Search",
        "▼ Menu",
        P1,
        "- Category:Other",
        "Tags: harbour, storms",
        "Share this article",
        "- 17/2 20:44",
        P2,
        "- Comment (0)",
        "- Trackback(0)",
        "© 2025 Avalon Gazette",
        "We use cookies to improve your visit",
        "Home is where the boats are, the harbour master joked.",
    )
    out, hits = page_chrome(draft)
    assert out.paragraphs == (P1, P2, "Home is where the boats are, the harbour master joked.")
    assert hits == 11
    # The bare date line is not lost: it is kept as a hint for date parsing.
    assert out.date_hints == ("17/2 20:44",)


@pytest.mark.parametrize("line", ["Zubereitungszeit: 25 Minuten", "Lesezeit ist für Kinder wichtig, sagt die Studie."])
def test_page_chrome_keeps_other_lines_about_minutes(line: str) -> None:
    assert page_chrome(_draft(P1, line, P2))[0].paragraphs == (P1, line, P2)


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("15 августа 2016, 13:43", "15 августа 2016"),
        ("Montag, 3. Februar 2025", "3. Februar 2025"),
        ("Veröffentlichung: 2. Februar 2022", "2. Februar 2022"),
        ("- Saturday, July 25, 2020", "July 25, 2020"),
        ("Dec 6, 2020, 15:48 IST", "Dec 6, 2020"),
        ("[Donnerstag, 22. November 2012]", "22. November 2012"),
        ("Samstag 22.12.2012", "22.12.2012"),
    ],
)
def test_page_chrome_takes_a_line_that_is_only_a_date(line: str, hint: str) -> None:
    out, hits = page_chrome(_draft(P1, line, P2))
    assert (out.paragraphs, hits, out.date_hints) == ((P1, P2), 1, (hint,))


@pytest.mark.parametrize(
    "line",
    [
        "| Founded | February 28, 1998 |",  # a table row
        '"Timestamp": "2024-08-14 17:43:12",',  # a line of code
        ". Retrieved August 17, 2023.",  # a reference list's fragment
        "HolzWerken 98 Januar/Februar 2022",  # no day
        "The port reopened on 3 February 2025.",  # a sentence
    ],
)
def test_page_chrome_keeps_lines_that_hold_a_date_and_more(line: str) -> None:
    out, hits = page_chrome(_draft(P1, line, P2))
    assert (out.paragraphs, hits) == ((P1, line, P2), 0)


@pytest.mark.parametrize(
    "line",
    [
        "Lea también: Puerto de San Antonio bate récord de contenedores",
        "LE PUEDE INTERESAR: Las obras del nuevo muelle comenzarán en junio",
        "Mira: El cantante da positivo",
        "Lesen Sie auch: Neue Buslinie zum Klinikum ab Mai",
        "Auch lesen: Diese drei Sternzeichen",
        "Lire aussi : Le port de Bayonne reçoit des masques",
        "À lire aussi » Ballonnements, lourdeurs",
        "Czytaj też: Wyścig zbrojeń ruszył",
        "Also read: Radio companies piggyback on digital services",
        "See also:",
        "Read more:",
        "To view the full story, please subscribe to the Island Courier.",
        "If you're seeing this message but you're already a subscriber, you can log in.",
        "Subscribe now to our e-edition for the full story.",
        "Pour lire la suite, abonnez-vous.",
        "Copyright: Gisela Brandt",
        "Beitragsbild: Reederei Nordsee / Archiv",
        "(Credit: Harbour Authority)",
        "Crédits photos : Port de Bayonne",
        "Aktualisiert am 12.05.2025, 14:30 Uhr",
        "Last updated: 03/10/2024 2:20pm",
        "Kategorie: Verkehr",
        "Categories",
        "Anzeige",
        "Jetzt zum Newsletter anmelden und keine Nachricht verpassen!",
        "Never miss the latest news by signing up to our newsletter today!",
        "Island Courier Newsletter",
        "Do you want to hear from us? Sign up here",
        "For the latest stories download the Courier apps for iOS and Android.",
        # reading-time notes
        "Lesezeit: 2 Minuten",
        "- Lesedauer etwa 2 Min",
        "Temps de lecture : 4 min",
        "Estimated reading time: 6 minutes",
        "5 min read",
        "Ten tekst przeczytasz w mniej niż minutę",
    ],
)
def test_page_chrome_drops_links_to_other_stories_and_paywall_notices(line: str) -> None:
    out, hits = page_chrome(_draft(P1, line, P2))
    assert (out.paragraphs, hits) == ((P1, P2), 1)


@pytest.mark.parametrize(
    "line",
    [
        "Auch interessant:",  # a heading with nothing after it: the related block's, left to related_tail
        "See also the council's report on the breakwater, published in March and discussed below.",
        "Mira lo que pasó: la marea subió dos metros en una hora y cubrió el muelle.",
        "The newsletter, first printed in 1952, went online last year and now reaches 40,000 readers a week.",
        "Photographs of the storm were shown at the council meeting: the harbour wall had cracked in two places.",
    ],
)
def test_page_chrome_keeps_a_heading_and_sentences_that_start_like_a_link(line: str) -> None:
    out, hits = page_chrome(_draft(P1, line, P2))
    assert (out.paragraphs, hits) == ((P1, line, P2), 0)


@pytest.mark.parametrize(
    "heading",
    [
        "Notas relacionadas",
        "NOTICIAS RELACIONADAS",
        "Schon gelesen?",
        "Zum Weiterlesen:",
        "Mehr Themen:",
        "Temas",
        "Comentar",
        "Kommentare",
    ],
)
def test_related_tail_drops_the_block_after_its_heading(heading: str) -> None:
    out, hits = related_tail(_draft(P1, P2, P3, P4, heading, "Harbour ferry timetable changes", "Boat show"))
    assert (out.paragraphs, hits) == ((P1, P2, P3, P4), 3)


def test_comment_form() -> None:
    draft = _draft(
        P1,
        "LEAVE A REPLY",
        "Please enter your comment!",
        "Please enter your name here",
        "You have entered an incorrect email address!",
        "Save my name, email, and website in this browser.",
        "Leave a comment below if you agree with the council.",
    )
    out, hits = comment_form(draft)
    assert out.paragraphs == (P1, "Leave a comment below if you agree with the council.")
    assert hits == 5


def test_comment_form_in_german() -> None:
    draft = _draft(
        P1,
        "Keine Kommentare",
        "Sie müssen eingeloggt sein, um einen Kommentar zu schreiben.",
        "Sie sind aktuell nicht eingeloggt.",
        "Kommentare insgesamt: 0",
        "Wer eingeloggt ist, sieht den Fahrplan auch in der App.",  # no comment form: kept
    )
    out, hits = comment_form(draft)
    assert out.paragraphs == (P1, "Wer eingeloggt ist, sieht den Fahrplan auch in der App.")
    assert hits == 4


def test_stray_counter() -> None:
    out, hits = stray_counter(_draft("0", P1, "12", "12345", "3 boats", P2))
    assert out.paragraphs == (P1, "12345", "3 boats", P2)
    assert hits == 2


def test_headline_takes_a_caps_first_line_of_flat_text() -> None:
    out, hits = headline(_draft("HARBOUR AUTHORITY ORDERS BREAKWATER REBUILD.", P1, P2))
    assert out.title == "HARBOUR AUTHORITY ORDERS BREAKWATER REBUILD"
    assert out.paragraphs == (P1, P2)
    assert hits == 1


def test_headline_takes_a_marked_or_unpunctuated_first_line() -> None:
    out, hits = headline(_draft("▼ Harbour authority orders rebuild.", P1))
    assert (out.title, out.paragraphs, hits) == ("Harbour authority orders rebuild", (P1,), 1)
    out, hits = headline(_draft("Harbour authority orders breakwater rebuild", P1))
    assert (out.title, out.paragraphs, hits) == ("Harbour authority orders breakwater rebuild", (P1,), 1)


@pytest.mark.parametrize(
    "draft",
    [
        _draft(P1, P2),  # first line is a full sentence
        _draft("Harbour authority orders rebuild"),  # nothing would be left as body
        _draft("Harbour rebuild", P1),  # too short for a headline
        _draft("Harbour authority orders breakwater rebuild", P1, title="Given title"),
        _draft("Harbour authority orders breakwater rebuild", P1, kind="html"),
    ],
)
def test_headline_leaves_other_drafts_alone(draft: Draft) -> None:
    out, hits = headline(draft)
    assert out == draft
    assert hits == 0


def test_title_echo() -> None:
    draft = _draft(
        "HARBOUR WORKS BEGIN.",
        P1,
        "▼ Harbour works begin",
        "harbour   works, begin!",
        P2,
        "Harbour works begin next week",
        title="Harbour works begin",
    )
    out, hits = title_echo(draft)
    assert out.paragraphs == (P1, P2, "Harbour works begin next week")
    assert hits == 3
    assert title_echo(_draft("Harbour works begin", P1)) == (_draft("Harbour works begin", P1), 0)


def test_title_echo_with_a_kicker_near_the_top() -> None:
    # The headline's line with the kicker its <h1> set apart ("Port news" over the headline).
    line = "Port news: Harbour works begin today"
    late = "The council said: harbour works begin today"
    draft = _draft(line, P1, P2, late, title="Harbour works begin today")
    assert title_echo(draft) == (_draft(P1, P2, late, title="Harbour works begin today"), 1)
    # A title of two words that a line of the body ends with is that line's own subheading.
    short = _draft("Five tips for a car loan", P1, title="Car loan")
    assert title_echo(short) == (short, 0)


def test_repeated_body() -> None:
    draft = _draft(P1, P2, P3, P4, P1, P2, P3, "Photo: Avalon Gazette")
    out, hits = repeated_body(draft)
    assert out.paragraphs == (P1, P2, P3, P4, "Photo: Avalon Gazette")
    assert hits == 1  # one run removed


def test_repeated_body_ignores_runs_shorter_than_three() -> None:
    draft = _draft(P1, P2, P3, P1, P2, P4)
    out, hits = repeated_body(draft)
    assert out.paragraphs == draft.paragraphs
    assert hits == 0


def test_a_paragraph_repeated_on_its_own_stays() -> None:
    # A tutorial prints the same output line after each step: it is the page's content.
    output = "1 files updated, 0 files merged, 0 files removed, 0 files unresolved"
    text = "\n".join([P1, output, P2, output, P3, output, P4])
    result = clean(text, title=None, kind="html")
    assert result.text.split("\n") == [P1, output, P2, output, P3, output, P4]
    assert sum(result.rule_hits.values()) == 0


def test_credit_line() -> None:
    draft = _draft(P1, "Edited by Mara Quill and Tobias Fenn", P2, "AVALON PRESS TEAM")
    out, hits = credit_line(draft)
    assert out.paragraphs == (P1, P2)
    assert hits == 2
    assert out.editors == ("Mara Quill", "Tobias Fenn")
    assert out.authors == ("AVALON PRESS TEAM",)
    assert out.credits == ("Edited by Mara Quill and Tobias Fenn", "AVALON PRESS TEAM")


def test_credit_line_reporting_and_editing_on_one_line() -> None:
    out, hits = credit_line(_draft(P1, "Reporting by Mara Quill and Ines Roy; Editing by Tobias Fenn."))
    assert out.paragraphs == (P1,)
    assert hits == 1
    assert out.authors == ("Mara Quill", "Ines Roy")
    assert out.editors == ("Tobias Fenn",)


def test_additional_reporting_is_a_credit_not_a_byline() -> None:
    line = "Additional reporting by Ines Roy; Editing by Tobias Fenn"
    out, hits = credit_line(_draft(P1, line))
    assert (out.paragraphs, hits, out.authors, out.editors, out.credits) == ((P1,), 1, (), ("Tobias Fenn",), (line,))


def test_by_lines_in_a_page_that_names_its_authors_are_teasers() -> None:
    teasers = ("By Ines Roy", "AVALON PRESS TEAM")
    draft = replace(_draft(P1, *teasers, P2), authors=("Mara Quill",))
    out, hits = credit_line(draft)
    assert (out.paragraphs, hits, out.authors, out.credits) == ((P1, P2), 2, ("Mara Quill",), teasers)
    # The same lines name the authors of a page that names none.
    assert credit_line(_draft(P1, *teasers, P2))[0].authors == ("Ines Roy", "AVALON PRESS TEAM")


def test_credit_line_keeps_long_lines() -> None:
    long_line = "Edited by " + "Mara Quill and " * 12 + "Tobias Fenn"
    assert len(long_line) > 160
    out, hits = credit_line(_draft(P1, long_line))
    assert (out.paragraphs, hits, out.editors) == ((P1, long_line), 0, ())


def test_credit_line_moves_a_byline() -> None:
    out, hits = credit_line(_draft("By Mara Quill and Tobias Fenn", P1))
    assert out.paragraphs == (P1,)
    assert hits == 1
    assert out.authors == ("Mara Quill", "Tobias Fenn")


@pytest.mark.parametrize(
    ("first", "last", "authors"),
    [
        ("Von Mara Quill", None, ("Mara Quill",)),
        (None, "Von Mara Quill", ("Mara Quill",)),  # at the end of the story, as German papers print it
        ("Por Inés Roy Díaz", None, ("Inés Roy Díaz",)),
        ("Par Léa Roux.", None, ("Léa Roux",)),
    ],
)
def test_a_byline_in_another_language_at_the_edges_of_the_body(
    first: str | None, last: str | None, authors: tuple[str, ...]
) -> None:
    lines = [line for line in (first, P1, P2, P3, P4, last) if line]
    out, hits = credit_line(_draft(*lines))
    assert (out.paragraphs, hits, out.authors) == ((P1, P2, P3, P4), 1, authors)


@pytest.mark.parametrize(
    "line",
    [
        "Por Agencia EFE",  # an organisation: never a person
        "Von Berlin nach Hamburg in drei Stunden",  # a sentence
        "Von 2019 Bis 2021",
    ],
)
def test_what_is_no_byline_in_another_language_stays(line: str) -> None:
    out, hits = credit_line(_draft(line, P1, P2))
    assert (out.paragraphs, hits, out.authors) == ((line, P1, P2), 0, ())


@pytest.mark.parametrize(
    ("line", "authors"),
    [
        ("Autorin: Mara Quill", ("Mara Quill",)),
        ("Text: Mara Quill", ("Mara Quill",)),
        ("Written by: Mara Quill", ("Mara Quill",)),
        ("Autor: Tobias Fenn, Projektleiter in Port Avalon.", ("Tobias Fenn",)),  # a role after the name
        ("Autorin: Ines Roy (Oktober 2008)", ("Ines Roy",)),
    ],
)
def test_a_labelled_author_line_anywhere_in_the_body(line: str, authors: tuple[str, ...]) -> None:
    out, hits = credit_line(_draft(P1, P2, P3, line, P4, P1 + " ", P2 + " ", P3 + " "))
    assert (hits, out.authors, out.credits) == (1, authors, (line,))
    assert line not in out.paragraphs


@pytest.mark.parametrize("line", ["Autor: red", "Autor: Die Redaktion", "Text: 12 Tipps für den Garten"])
def test_a_labelled_line_without_a_person_stays(line: str) -> None:
    out, hits = credit_line(_draft(P1, line, P2))
    assert (out.paragraphs, hits, out.authors) == ((P1, line, P2), 0, ())


def test_a_byline_like_line_inside_the_story_stays() -> None:
    # "Von Anfang An" in mid-text is a heading, not a byline: only the edges hold bylines.
    lines = (P1, P2, P3, "Von Mara Quill", P4, P1 + " ", P2 + " ", P3 + " ")
    out, hits = credit_line(_draft(*lines))
    assert (hits, out.authors) == (0, ())


def test_credit_line_keeps_a_sentence_that_starts_like_a_credit() -> None:
    sentence = "Produced by the harbour authority, the report blames winter storms for the damage."
    out, hits = credit_line(_draft(P1, sentence))
    assert out.paragraphs == (P1, sentence)
    assert hits == 0


def test_credit_line_wire_style_credit() -> None:
    out, _ = credit_line(_draft(P1, "Reporting by Mara Quill in Seoul; Writing by Ines Roy; Editing by Tobias Fenn"))
    assert out.authors == ("Mara Quill", "Ines Roy")
    assert out.editors == ("Tobias Fenn",)


def test_clean_authors_drops_junk() -> None:
    names = (
        "By",
        "Email the author",
        "17 February 2025",
        "2 hours ago",
        "jane.doe@news.example.org",
        "https://news.example.org/staff/jane",
        "Staff",
        "By Jane Doe",
        "Jane Doe",
        " Tobias Fenn, ",
    )
    assert clean_authors(names) == ("Jane Doe", "Tobias Fenn")


def test_clean_edited_by_gives_editors() -> None:
    result = clean(f"{P1}\n{P2}\nEdited by Mara Quill and Tobias Fenn", title=None, kind="text")
    assert result.editors == ("Mara Quill", "Tobias Fenn")
    assert result.authors == ()
    assert result.text == f"{P1}\n{P2}"
    assert result.credits == ("Edited by Mara Quill and Tobias Fenn",)


def test_clean_reporting_and_editing() -> None:
    result = clean(f"{P1}\n\nReporting by Mara Quill; Editing by Tobias Fenn\n", title=None, kind="text")
    assert result.authors == ("Mara Quill",)
    assert result.editors == ("Tobias Fenn",)
    assert result.text == P1


def test_clean_keeps_extractor_authors_and_cleans_them() -> None:
    result = clean(P1, title="Harbour works", kind="html", authors=("By Ines Roy", "Email the author"))
    assert result.authors == ("Ines Roy",)


def test_clean_noise_free_text_passes_unchanged() -> None:
    text = "\n".join(
        [
            P1,
            P2,
            "“We have waited long enough,” said harbour master Ines Roy.",
            "Read on.",
            P3,
            "Read on.",
            "The works are due to finish in 2026, at a cost of 4.5 million euros (about $4.9 million).",
            P4,
        ]
    )
    result = clean(text, title=None, kind="text")
    assert result.text == text
    assert result.text.split() == text.split()
    assert result.title is None
    assert result.rule_hits == {name: 0 for name, _ in RULES}
    assert (result.authors, result.editors, result.credits, result.date_hints) == ((), (), (), ())


def test_clean_text_starting_with_a_sentence_gets_no_title() -> None:
    text = f"{P1}\n{P2}\n{P3}"
    result = clean(text, title=None, kind="text")
    assert result.title is None
    assert result.text.splitlines()[0] == P1
    assert result.rule_hits["headline"] == 0


def test_clean_runs_rules_together_on_a_noisy_flat_text() -> None:
    text = "\n".join(
        [
            "HARBOUR AUTHORITY ORDERS BREAKWATER REBUILD",
            "",
            "0",
            "Harbour authority orders breakwater rebuild.",
            P1,
            P2,
            P3,
            P1,
            P2,
            P3,
            "AVALON PRESS TEAM",
            "LEAVE A REPLY",
            "Please enter your comment!",
        ]
    )
    result = clean(text, title=None, kind="text")
    assert result.title == "HARBOUR AUTHORITY ORDERS BREAKWATER REBUILD"
    assert result.text == f"{P1}\n{P2}\n{P3}"
    assert result.authors == ("AVALON PRESS TEAM",)
    assert result.rule_hits == {
        "mojibake": 0,
        "page_chrome": 0,
        "related_tail": 0,
        "cookie_banner": 0,
        "comment_form": 2,
        "stray_counter": 1,
        "headline": 1,
        "title_echo": 1,
        "repeated_body": 1,
        "credit_line": 1,
    }


def test_mojibake_is_repaired_and_clean_text_untouched() -> None:
    broken = "Seoul\u00e2\u20ac\u2122s envoy said \u00e2\u20ac\u0153no decision\u00e2\u20ac\u009d was made."
    fine = "Seoul’s envoy said “no decision” was made — Cho Tae-yul (조태열) agreed."
    out, hits = mojibake(_draft(broken, fine))
    assert out.paragraphs == ("Seoul’s envoy said “no decision” was made.", fine)
    assert hits == 1


def test_cookie_banner_needs_three_consent_terms() -> None:
    consent = "We and our partners use cookies and process personal data for personalised advertising."
    news = "Lawmakers said the treaty needs the consent of parliament and of both partners."
    out, hits = cookie_banner(_draft(P1, consent, news))
    assert out.paragraphs == (P1, news)
    assert hits == 1


def test_a_term_said_several_ways_counts_once() -> None:
    # An article about tracking: "opt out", "opt-out", "cookies", "cookie" are two terms, not four.
    news = (
        'Advertisers say you can "opt out" of tracking, but the opt-out often fails: the cookie '
        "that records it is deleted with the other cookies."
    )
    out, hits = cookie_banner(_draft(P1, news))
    assert out.paragraphs == (P1, news)
    assert hits == 0
