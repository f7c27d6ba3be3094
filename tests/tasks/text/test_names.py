from tasks.text.names import given_names, is_given_name


def test_first_names_of_many_locales_are_known() -> None:
    for name in ("Wolfgang", "moritz", "Bianca", "Matthias", "Karoline", "Alexander", "Giulia", "Łukasz"):
        assert is_given_name(name), name
    assert len(given_names()) > 10_000


def test_words_that_only_the_generic_list_holds_are_no_names() -> None:
    # Faker's generic "en" list takes US birth records as they are: "Royal", "Star", "Delta".
    for word in ("Royal", "Star", "North", "Delta", "Statistics", "Twin", "Globe", "Vancouver", "Malay"):
        assert not is_given_name(word), word
