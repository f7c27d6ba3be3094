import pytest

from tasks.text.authors import ParsedAuthors, named_like_a_publication, parse_authors


@pytest.mark.parametrize(
    ("raw", "persons"),
    [
        ("Von Vanessa Franke", ("Vanessa Franke",)),
        ("By Mara Quill", ("Mara Quill",)),
        ("Por Juan Pérez", ("Juan Pérez",)),
        ("Text: Ines Roy", ("Ines Roy",)),
        ("Text und Interview: Ines Roy", ("Ines Roy",)),
        ("Posted on September 21, 2020 by Ines Roy", ("Ines Roy",)),
        ("06.11.2023 13:30 von Ines Roy", ("Ines Roy",)),
        ("Rechtsanwalt Tobias Fenn", ("Tobias Fenn",)),
        ("Words and photos: Ines Roy and Mara Quill", ("Ines Roy", "Mara Quill")),
        ("Veröffentlicht von Tobias Fenn am 12. März 2024", ("Tobias Fenn",)),
        ("von lupa am 26/10/13, 03:48 pm", ("lupa",)),
        ("Posted by Ines Roy at 18:52", ("Ines Roy",)),
        ("Dr. Mara Quill", ("Mara Quill",)),
        ("Mara Quill, PhD", ("Mara Quill",)),
        ("© Ines Roy Ines Roy", ("Ines Roy",)),
    ],
)
def test_prefixes_dates_and_honorifics_are_stripped(raw: str, persons: tuple[str, ...]) -> None:
    assert parse_authors([raw]).persons == persons


@pytest.mark.parametrize(
    "raw",
    [
        "By Mara Quill and Tobias Fenn",
        "Von Mara Quill und Tobias Fenn",
        "Por Mara Quill y Tobias Fenn",
        "Mara Quill, Tobias Fenn",
        "Mara Quill; Tobias Fenn",
        "Mara Quill / Tobias Fenn",
        "Mara Quill & Tobias Fenn",
    ],
)
def test_lists_are_split(raw: str) -> None:
    assert parse_authors([raw]).persons == ("Mara Quill", "Tobias Fenn")


def test_one_letter_conjunction_only_in_lower_case() -> None:
    assert parse_authors(["Maria Rossi e Luca Bianchi"]).persons == ("Maria Rossi", "Luca Bianchi")
    # A capital initial is part of the name.
    assert parse_authors(["By Jane A Roe"]).persons == ("Jane A Roe",)


@pytest.mark.parametrize(
    "raw",
    [
        "Mara Quill im Gespräch mit Tobias Fenn",
        "Mara Quill in conversation with Tobias Fenn",
        "Mara Quill en conversación con Tobias Fenn",
    ],
)
def test_an_interview_names_both_sides(raw: str) -> None:
    assert parse_authors([raw]).persons == ("Mara Quill", "Tobias Fenn")


@pytest.mark.parametrize(
    ("raw", "persons"),
    [
        # A role compound that names the outlet, before the name.
        ("NACHRICHTEN-Online-Experte Tobias Fenn", ("Tobias Fenn",)),
        ("dpa-Korrespondentin Mara Quill", ("Mara Quill",)),
        # A section or a teaser before "by"/"von".
        ("Tech Industry by Mara Quill", ("Mara Quill",)),
        ("Alles von Tobias Fenn", ("Tobias Fenn",)),
        # "von" inside a name stays.
        ("Walter von Aachen", ("Walter von Aachen",)),
        ("Ursula von der Brücke", ("Ursula von der Brücke",)),
        # Someone credited for something else is no author.
        ("Revised Edition Edited by Mara Quill", ()),
        ("Photograph by Mara Quill", ()),
    ],
)
def test_what_comes_before_the_name(raw: str, persons: tuple[str, ...]) -> None:
    assert parse_authors([raw], sitenames=["Nachrichten Online"]).persons == persons


def test_last_first_order_is_turned_round() -> None:
    assert parse_authors(["Quill, Mara"]).persons == ("Mara Quill",)


def test_role_after_the_name_is_dropped() -> None:
    raw = "Jane Roe, Chief Technology Officer and head of research at Avalon Labs"
    assert parse_authors([raw]).persons == ("Jane Roe",)
    assert parse_authors(["Ben Silverman Games Editor"]).persons == ("Ben Silverman",)


@pytest.mark.parametrize(
    "raw",
    [
        "USA Today",
        "The Daily Journal",
        "TC Redazione",
        "dpa",
        "AFP",
        "Redaktion",
        "gazette.example.com",
        "Acme GmbH",
        "The Reporters",
        "The Hollywood Reporter",
        "Redação",
        "redaktori",
        "Bayerische Landesanstalt für Wald und Forstwirtschaft - LWF",
        "Institute for Health and Welfare",
        "Landesjagdverband Bayern",
    ],
)
def test_organisations_are_not_people(raw: str) -> None:
    parsed = parse_authors([raw])
    assert parsed.persons == ()
    assert parsed.organisations


def test_an_organisation_named_with_and_is_one_organisation() -> None:
    parsed = parse_authors(["Bayerische Landesanstalt für Wald und Forstwirtschaft"])
    assert parsed == ParsedAuthors(organisations=("Bayerische Landesanstalt für Wald und Forstwirtschaft",))
    # Names joined by "und" are still a list.
    assert parse_authors(["Mara Quill und Tobias Fenn"]).persons == ("Mara Quill", "Tobias Fenn")


def test_an_affiliation_after_the_name_ends_the_byline() -> None:
    raw = "Mara Quill, ACLU Speech, Privacy, and Technology Project"
    assert parse_authors([raw]).persons == ("Mara Quill",)
    assert parse_authors(["Mara Quill, Avalon Gazette"]).persons == ("Mara Quill",)
    # Names in capitals are no acronyms.
    assert parse_authors(["MARA QUILL, TOBIAS FENN"]).persons == ("MARA QUILL", "TOBIAS FENN")


def test_an_article_alone_is_no_name_and_particles_start_names() -> None:
    assert parse_authors(["Mara Quill and The Staff"]) == parse_authors(["Mara Quill"])
    assert parse_authors(["Der Michel"]).persons == ("Der Michel",)  # a blogger's pen name
    assert parse_authors(["Ines Le Pen, La Toya Quill"]).persons == ("Ines Le Pen", "La Toya Quill")


def test_a_user_name_keeps_its_number() -> None:
    assert parse_authors(["freeman1984"]).persons == ("freeman1984",)
    assert parse_authors(["Mara Quill 22 Dec 2016 651"]).persons == ("Mara Quill",)
    assert parse_authors(["Top 10"]).persons == ()


def test_co_is_a_surname() -> None:
    assert parse_authors(["Mara Co"]).persons == ("Mara Co",)
    assert parse_authors(["Mara Co Ltd"]).persons == ()


def test_the_site_is_an_organisation_unless_it_is_a_blog_on_a_platform() -> None:
    assert parse_authors(["Autoblog"], sitenames=["Autoblog", "autoblog.com"]).organisations == ("Autoblog",)
    assert parse_authors(["Madame Quill"], sitenames=["Madame Quill"]).organisations == ("Madame Quill",)
    # The site's name with a bracketed addition, or the byline with an article before it.
    assert parse_authors(["Avalon Radio"], sitenames=["Avalon Radio (www.avalon.example)"]).persons == ()
    assert parse_authors(["Die FURCHE"], sitenames=["furche"]).organisations == ("Die FURCHE",)
    # A blog on a blogging platform is named after its author.
    assert parse_authors(["quillblog"], sitenames=["quillblog"], personal_site=True).persons == ("quillblog",)


def test_particles_are_part_of_the_name() -> None:
    assert parse_authors(["Alejandro de la Garza"]).persons == ("Alejandro de la Garza",)
    assert parse_authors(["Maria do Carmo"]).persons == ("Maria do Carmo",)
    assert parse_authors(["Christoph Hein Chefredakteur"]).persons == ("Christoph Hein",)
    assert parse_authors(["About the Author"]).persons == ()


@pytest.mark.parametrize(
    "raw",
    [
        "Unsere Autoren",
        "Follow",
        "No Author",
        "Updated 3 hours ago",
        "Share",
        "Posted on",
        "Username",
        "Sign in",
        "Hinterlasse einen Kommentar",
        "3 Kommentare",
        "publisher",
        "anónimo",
        "Cortesía",
    ],
)
def test_junk_is_no_author(raw: str) -> None:
    assert parse_authors([raw]).persons == ()


def test_same_person_twice_and_first_name_alone_are_one() -> None:
    assert parse_authors(["Nils", "Nils Pickert", "Nils Pickert"]).persons == ("Nils Pickert",)


@pytest.mark.parametrize(
    ("name", "publication"),
    [
        ("Le Monde", True),
        ("El Universal", True),
        ("LA NACION", True),
        ("Die FURCHE", True),
        ("ARD Mediathek", True),
        ("Courrier international", True),
        ("Stardew Valley Wiki", True),
        ("Moritz Meyer", False),
        ("Dr. Alexander Klier", False),
        ("Jan de Vries", False),
        ("Telebasel", False),  # one word: nothing to tell
    ],
)
def test_named_like_a_publication(name: str, publication: bool) -> None:
    assert named_like_a_publication(name) is publication


@pytest.mark.parametrize(
    ("byline", "persons"),
    [
        ("Munich, Germany", ()),  # a dateline given as the author
        ("Süddeutsche.de GmbH, Munich, Germany", ()),  # the publisher's address
        ("Jane Roe, Germany", ("Jane Roe",)),
        ("Jane Roe, John Doe, United States", ("Jane Roe", "John Doe")),
    ],
)
def test_a_city_and_its_country_are_no_authors(byline: str, persons: tuple[str, ...]) -> None:
    assert parse_authors([byline]).persons == persons
