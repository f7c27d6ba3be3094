"""Given names, to tell a person's name from a publication's where nothing else does.

A site named after its host ("Wolfgang Michal" on wolfgangmichal.de, "Statistics Globe" on
statisticsglobe.com) reads the same either way; only knowing that "Wolfgang" is a first name
and "Statistics" is not tells them apart. The names are Faker's (its person providers, ~30,000
first names from 85 locales), except its generic ``en`` list, which draws on US birth records
and holds words such as "Royal", "Star", "North" and "Delta" as names.
"""

import functools
import importlib
import pkgutil

#: Faker's locale whose first names are too many common words to tell a name from a word.
_WORDLIKE_LOCALES = frozenset({"en"})
_ATTRIBUTES = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")


@functools.cache
def given_names() -> frozenset[str]:
    """Every first name the locales hold, lower-cased (loaded once per process, ~0.2 s)."""
    import faker.providers.person as person

    names: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        if module.name in _WORDLIKE_LOCALES:
            continue
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        for attribute in _ATTRIBUTES:
            # Read from the locale's own class only: a locale without its own list inherits the
            # generic one, which is left out above.
            listed = provider.__dict__.get(attribute)
            if isinstance(listed, dict):  # (names weighted by frequency)
                listed = list(listed)
            if isinstance(listed, tuple | list):
                names.update(name.lower() for name in listed if isinstance(name, str))
    return frozenset(names)


def is_given_name(word: str) -> bool:
    """Whether ``word`` is a first name in any of the locales (case does not matter)."""
    return word.lower() in given_names()
