"""Build ``tasks/text/data/given_names.txt`` (the first names :mod:`tasks.text.names` knows)
from Faker's person providers.

Run from the repository root (Faker is a development dependency)::

    .venv/bin/python -m tools.build_given_names           # rewrite the file
    .venv/bin/python -m tools.build_given_names --check   # fail if the file is not what Faker gives

Every locale's own first names (male, female, non-binary and unmarked lists), lower-cased, one a
line, sorted; except Faker's generic ``en`` list, which takes US birth records as they are and
holds words such as "Royal", "Star", "North" and "Delta" as names. A locale without lists of its
own inherits the generic ones and adds nothing.
"""

import argparse
import importlib
import pkgutil
import sys

from tasks.text.names import GIVEN_NAMES_FILE

#: Faker's locale whose first names are too many common words to tell a name from a word.
WORDLIKE_LOCALES = frozenset({"en"})
_ATTRIBUTES = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")


def build() -> list[str]:
    """The names, sorted, as the file holds them."""
    import faker.providers.person as person

    names: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        if module.name in WORDLIKE_LOCALES:
            continue
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        for attribute in _ATTRIBUTES:
            listed = provider.__dict__.get(attribute)  # the locale's own class only
            if isinstance(listed, dict):  # (names weighted by frequency)
                listed = list(listed)
            if isinstance(listed, tuple | list):
                names.update(
                    " ".join(name.split()).lower() for name in listed if isinstance(name, str) and name.strip()
                )
    return sorted(names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the file against Faker")
    args = parser.parse_args(argv)
    text = "".join(f"{name}\n" for name in build())
    path = GIVEN_NAMES_FILE
    if args.check:
        if path.read_text(encoding="utf-8") != text:
            print(f"{path} is not what Faker gives: run python -m tools.build_given_names", file=sys.stderr)
            return 1
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10))} names to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
