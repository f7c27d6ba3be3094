"""The README's configuration table lists every setting, by its variable (and nothing else)."""

import re

from flows.settings import DEFAULTS, env_name
from tests.support import ROOT


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| variable | default | meaning |") :].split("\n\n")[0]
    listed = set(re.findall(r"`((?:NEWSFLOW|PREFECT)_[A-Z_]+(?:<LANG>)?)`", table))
    wanted = {env_name(field) for field in type(DEFAULTS).model_fields}
    assert wanted - listed == set()
    assert listed - wanted <= {"PREFECT_HOME"}  # Prefect's own, which newsflow defaults
