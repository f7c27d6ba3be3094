"""tools/eval_extract.py: its plumbing, on a two-page dev set of our own with a stand-in scorer."""

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from tests.tasks.text.test_extract import _page
from tools import eval_extract

# A stand-in for the dev set's score.py: the same functions, trivial scoring (matched pages).
SCORER = """
import gzip, json
from pathlib import Path
HERE = Path(__file__).resolve().parent
def load_gold():
    return [json.loads(l) for l in (HERE / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
def page_html(rec):
    return gzip.decompress((HERE / "pages" / f"{rec['id']}.html.gz").read_bytes()).decode("utf-8")
def page_url(rec):
    return rec.get("url") or f"https://devset.invalid/{rec['id']}"
def score(gold, preds):
    return {"all": {"pages": len(gold), "matched": len(preds), "title": sum(
        (preds.get(i) or {}).get("title") == g.get("title") for i, g in enumerate(gold)) / len(gold)}}
"""


@pytest.fixture
def devset(tmp_path: Path) -> Path:
    (tmp_path / "pages").mkdir()
    records: list[dict[str, Any]] = [
        {"id": "a", "sources": ["x"], "url": "https://gazette.example/a", "title": "Council orders breakwater rebuild"},
        {"id": "b", "sources": ["x"], "title": "Nothing here"},
    ]
    pages = {"a": _page(), "b": "<html><body><nav><a href='/'>Home</a></nav></body></html>"}
    for record in records:
        (tmp_path / "pages" / f"{record['id']}.html.gz").write_bytes(gzip.compress(pages[record["id"]].encode()))
    (tmp_path / "gold.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    (tmp_path / "score.py").write_text(SCORER, encoding="utf-8")
    return tmp_path


def test_without_the_dev_set_it_says_so_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert eval_extract.main(["--devset", str(tmp_path / "absent")]) == 0
    assert "no dev set" in capsys.readouterr().err


def test_scores_both_systems_and_times_them(devset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert eval_extract.main(["--devset", str(devset), "--json", "--budget"]) == 0
    out = json.loads(capsys.readouterr().out)
    newsflow, bare = out["results"]["newsflow"]["all"], out["results"]["trafilatura"]["all"]
    assert (newsflow["pages"], newsflow["matched"], newsflow["title"]) == (2, 1, 0.5)  # the menu page is empty
    assert bare["pages"] == 2
    assert set(out["cpu_ms_per_page"]) == {"newsflow", "trafilatura", "extract"}
    assert all(ms > 0 for ms in out["cpu_ms_per_page"].values())


def test_a_copy_of_an_article_is_written_once_and_also_scored_as_its_original(
    devset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (devset / "pages" / "c.html.gz").write_bytes((devset / "pages" / "a.html.gz").read_bytes())
    copy = {"id": "c", "sources": ["x"], "title": "Council orders breakwater rebuild"}
    with (devset / "gold.jsonl").open("a", encoding="utf-8") as gold:
        gold.write(json.dumps(copy) + "\n")
    assert eval_extract.main(["--devset", str(devset), "--json", "--no-baseline"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert results["newsflow"]["all"]["matched"] == 1  # the copy has no row of its own
    assert results[eval_extract.COPIES_CREDITED]["all"]["matched"] == 2
    assert results[eval_extract.COPIES_CREDITED]["all"]["title"] == pytest.approx(2 / 3)
