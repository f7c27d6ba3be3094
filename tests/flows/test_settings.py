"""Settings from the environment (flows/settings.py), and how the CLI reports bad ones."""

import os
import subprocess
from pathlib import Path

import pytest

from flows.settings import load_settings, pipeline_options
from tests.conftest import NEWSFLOW, ROOT


def test_entity_model_settings_reach_the_tagger_options() -> None:
    settings = load_settings(
        {"NEWSFLOW_NER_MODEL": "en_core_web_md", "NEWSFLOW_NER_LABELS": "POLITICIAN=PERSON, FAC=LOC"}
    )
    tag = pipeline_options(settings).tag
    assert tag.model == "en_core_web_md"
    assert tag.labels == (("POLITICIAN", "PERSON"), ("FAC", "LOC"))
    assert pipeline_options(load_settings({})).tag.model == "default"


def test_malformed_label_mappings_are_rejected() -> None:
    with pytest.raises(ValueError, match="expected LABEL=OURS"):
        load_settings({"NEWSFLOW_NER_LABELS": "POLITICIAN"})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NEWSFLOW_NER_MODEL": "en_no_such_model"}, "neither an installed spaCy package nor a directory"),
        ({"NEWSFLOW_NER_LABELS": "POLITICIAN=POL"}, "is not one of"),
        ({"NEWSFLOW_NER_LABELS": "POLITICIAN"}, "expected LABEL=OURS"),
    ],
)
def test_the_cli_reports_a_bad_model_setting_before_starting(tmp_path: Path, env: dict[str, str], message: str) -> None:
    proc = subprocess.run(
        [
            NEWSFLOW,
            "ingest",
            str(ROOT / "examples" / "articles"),
            "--out",
            str(tmp_path),
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert not any(tmp_path.iterdir())  # nothing was started, nothing written
