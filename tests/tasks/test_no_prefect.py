"""tasks/ and storage/ must run in worker processes without prefect."""

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_in_tasks_or_storage_imports_prefect() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("tasks", "storage")
        for path in (ROOT / package).rglob("*.py")
        if "prefect" in _imports(path)
    ]
    assert offenders == []


def test_importing_the_pipeline_does_not_load_prefect_transitively() -> None:
    code = "import sys, tasks.pipeline, storage.dataset; print('prefect' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
