"""The import rule of tasks/__init__.py, enforced: every import of every module, checked by area."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

#: Area -> the areas of ours it may import (its own included). The longest matching prefix of a
#: module's name is its area.
ALLOWED: dict[str, frozenset[str]] = {
    "tasks.core": frozenset({"tasks.core"}),
    "tasks.sources": frozenset({"tasks.core", "tasks.sources"}),
    "tasks.text": frozenset({"tasks.core", "tasks.text"}),
    "tasks.ner": frozenset({"tasks.core", "tasks.ner"}),
    "tasks.pipeline": frozenset({"tasks.core", "tasks.sources", "tasks.text", "tasks.ner", "tasks.pipeline"}),
    "tasks": frozenset({"tasks"}),  # the package's own __init__
    "storage": frozenset({"tasks.core", "storage"}),
    "flows": frozenset({"tasks", "storage", "flows"}),
    "tools": frozenset({"tasks", "storage", "tools"}),
}
OURS = ("tasks", "storage", "flows", "tools", "tests")
#: Third-party packages only some areas may import.
ONLY_IN: dict[str, frozenset[str]] = {"prefect": frozenset({"flows"})}


def _area(module: str) -> str | None:
    matches = [area for area in ALLOWED if module == area or module.startswith(area + ".")]
    return max(matches, key=len) if matches else ("tests" if module.split(".")[0] == "tests" else None)


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, root: Path) -> set[str]:
    """Absolute names of everything ``path`` imports (relative imports resolved)."""
    package = _module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.update(f"{module}.{alias.name}" if not node.module else module for alias in node.names)
    return names


def _violations(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted(p for area in ("tasks", "storage", "flows", "tools") for p in (root / area).rglob("*.py")):
        area = _area(_module_name(path, root))
        assert area is not None, path
        for name in sorted(_imports(path, root)):
            top = name.split(".")[0]
            if top in OURS:
                target = _area(name)
                if target is None or not any(target == a or target.startswith(a + ".") for a in ALLOWED[area]):
                    found.append(f"{path.relative_to(root)}: {area} may not import {name}")
            elif top in ONLY_IN and area not in ONLY_IN[top]:
                found.append(f"{path.relative_to(root)}: only {sorted(ONLY_IN[top])} may import {top}")
    return found


def test_every_import_follows_the_rule() -> None:
    assert _violations() == []


def test_the_rule_sees_forbidden_imports(tmp_path: Path) -> None:
    # The checker itself must be able to fail: text reaching into storage and ner, prefect in tasks,
    # core importing a sibling through a relative import, storage importing the pipeline.
    files = {
        "tasks/text/probe.py": "from storage.schema import TABLES\nimport prefect\nfrom tasks.ner import tagger\n",
        "tasks/core/probe.py": "from ..sources import discover\nfrom . import records\n",
        "storage/probe.py": "import tasks.pipeline\nfrom tasks.core.records import Article\n",
        "flows/probe.py": "import prefect\nimport tasks.ner.tagger\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert _violations(tmp_path) == [
        "storage/probe.py: storage may not import tasks.pipeline",
        "tasks/core/probe.py: tasks.core may not import tasks.sources",
        "tasks/text/probe.py: only ['flows'] may import prefect",
        "tasks/text/probe.py: tasks.text may not import storage.schema",
        "tasks/text/probe.py: tasks.text may not import tasks.ner",
    ]


@pytest.mark.slow
def test_importing_the_pipeline_and_storage_does_not_load_prefect() -> None:
    code = "import sys, tasks.pipeline, storage.dataset; print('prefect' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
