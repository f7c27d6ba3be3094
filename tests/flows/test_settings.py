"""Settings from the environment (flows/settings.py), and how the CLI reports bad ones."""

import os
import subprocess
from pathlib import Path

import pytest

from flows.settings import DEFAULTS, SettingsError, env_name, load_settings, pipeline_options
from tests.support import NEWSFLOW, ROOT


def test_entity_model_settings_reach_the_tagger_options() -> None:
    settings = load_settings({"NEWSFLOW_NER_MODEL": "none", "NEWSFLOW_NER_LABELS": "POLITICIAN=PERSON, FAC=LOC"})
    tag = pipeline_options(settings).tag
    assert tag.model == "none"
    assert tag.labels == (("POLITICIAN", "PERSON"), ("FAC", "LOC"))
    assert pipeline_options(load_settings({})).tag.model == "default"


def test_unset_and_empty_variables_keep_the_defaults() -> None:
    assert load_settings({}) == DEFAULTS == load_settings({"NEWSFLOW_WORKERS": "", "NEWSFLOW_OUT": " "})
    assert DEFAULTS.batch_size == 100 and DEFAULTS.flush_rows == 500 and DEFAULTS.out == "data/news"


def test_values_are_parsed_and_bounded() -> None:
    settings = load_settings(
        {
            "NEWSFLOW_WORKERS": "3",
            "NEWSFLOW_ALLOW_PRIVATE_HOSTS": "on",
            "NEWSFLOW_GAZETTEERS": os.pathsep.join(["/a.jsonl", "", "/b.jsonl"]),
            "NEWSFLOW_FETCH_DELAY": "0",
        }
    )
    assert settings.worker_count == 3 and settings.allow_private_hosts is True
    assert settings.gazetteers == ("/a.jsonl", "/b.jsonl") and settings.fetch_delay == 0
    assert load_settings({"NEWSFLOW_ALLOW_PRIVATE_HOSTS": "off"}).allow_private_hosts is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NEWSFLOW_WORKERS": "abc"}, "NEWSFLOW_WORKERS='abc': Input should be a valid integer"),
        ({"NEWSFLOW_WORKERS": "-1"}, "NEWSFLOW_WORKERS='-1': Input should be greater than or equal to 0"),
        ({"NEWSFLOW_BATCH_SIZE": "0"}, "accepts 1 to 10000"),
        ({"NEWSFLOW_ALLOW_PRIVATE_HOSTS": "maybe"}, "NEWSFLOW_ALLOW_PRIVATE_HOSTS='maybe'"),
        ({"NEWSFLOW_SERVER_PORT": "99999"}, "NEWSFLOW_SERVER_PORT='99999'"),
        ({"NEWSFLOW_NER_LABELS": "POLITICIAN"}, "NEWSFLOW_NER_LABELS='POLITICIAN': expected LABEL=OURS"),
        ({"NEWSFLOW_NER_LABELS": "POLITICIAN=POL"}, "POL is not one of PERSON, ORG, GPE, LOC, NORP"),
        ({"NEWSFLOW_NER_MODEL": "en_no_such_model"}, "neither an installed spaCy package nor a spaCy pipeline"),
        ({"NEWSFLOW_NER_MODEL": "/"}, "neither an installed spaCy package nor a spaCy pipeline"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(env)
    text = str(raised.value)
    assert message in text and "\n" not in text
    assert text.startswith(next(iter(env)))


def test_every_setting_names_its_variable() -> None:
    names = [env_name(field) for field in type(DEFAULTS).model_fields]
    assert len(names) == len(set(names))
    assert all(n.startswith(("NEWSFLOW_", "PREFECT_")) for n in names)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NEWSFLOW_NER_MODEL": "en_no_such_model"}, "neither an installed spaCy package nor a spaCy pipeline"),
        ({"NEWSFLOW_NER_LABELS": "POLITICIAN=POL"}, "is not one of"),
        ({"NEWSFLOW_WORKERS": "abc"}, "NEWSFLOW_WORKERS='abc'"),
    ],
)
def test_the_cli_reports_a_bad_setting_before_starting(tmp_path: Path, env: dict[str, str], message: str) -> None:
    proc = subprocess.run(
        [NEWSFLOW, "ingest", str(ROOT / "examples" / "articles"), "--out", str(tmp_path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not any(tmp_path.iterdir())  # nothing was started, nothing written


def test_a_model_per_language_comes_from_its_own_variable(tmp_path: Path) -> None:
    (tmp_path / "config.cfg").write_text("[nlp]\n", encoding="utf-8")
    settings = load_settings({"NEWSFLOW_NER_MODEL_DE": str(tmp_path), "NEWSFLOW_NER_MODEL_FR": " "})
    assert settings.ner_models == (("de", str(tmp_path)),)
    assert pipeline_options(settings).tag.models == (("de", str(tmp_path)),)
    with pytest.raises(SettingsError, match=r"^NEWSFLOW_NER_MODEL_RU='ru_nope': neither"):
        load_settings({"NEWSFLOW_NER_MODEL_RU": "ru_nope"})
