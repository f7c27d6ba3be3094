"""The vendored first names are what Faker gives (tools/build_given_names.py)."""

from tasks.text.names import GIVEN_NAMES_FILE
from tools.build_given_names import build, main


def test_the_vendored_names_are_faker_s() -> None:
    assert main(["--check"]) == 0
    names = build()
    assert names == sorted(set(names)) and "wolfgang" in names and "royal" not in names
    assert GIVEN_NAMES_FILE.read_text(encoding="utf-8").count("\n") == len(names)
