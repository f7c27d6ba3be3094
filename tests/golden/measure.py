"""Body F1 on the golden corpus: bare trafilatura (default, favor_precision, favor_recall) and
newsflow (default options, and each trafilatura mode inside newsflow). Prints a table.

    .venv/bin/python -m tests.golden.measure

Flat ``.txt`` inputs are already text: trafilatura has nothing to extract from them, so its
"output" for those is the input itself (which is what a pipeline without cleanup would keep).
"""

from dataclasses import replace
from typing import Any

import trafilatura

from tasks.pipeline import PipelineOptions
from tasks.sources.load import decode
from tasks.text.extract import ExtractOptions
from tests.golden.golden import f1_score, load_cases, run_newsflow, shingle_match


def bare(path_text: str, is_html: bool, **kwargs: Any) -> str:
    if not is_html:
        return path_text
    return trafilatura.extract(path_text, **kwargs) or ""


def main() -> None:
    cases = load_cases()
    rows: dict[str, list[tuple[float, float, float]]] = {}
    for case in cases:
        raw = decode(case.path.read_bytes())
        is_html = case.path.suffix != ".txt"
        truth = case.truth_body
        for label, kwargs in (
            ("trafilatura default", {}),
            ("trafilatura favor_precision", {"favor_precision": True}),
            ("trafilatura favor_recall", {"favor_recall": True}),
        ):
            rows.setdefault(label, []).append(shingle_match(truth, bare(raw, is_html, **kwargs)))
        for label, extract in (
            ("newsflow (default: fast)", ExtractOptions()),
            ("newsflow, fast=False", ExtractOptions(fast=False)),
            ("newsflow, favor_precision", replace(ExtractOptions(), favor_precision=True)),
            ("newsflow, favor_recall", replace(ExtractOptions(), favor_recall=True)),
        ):
            out = run_newsflow(case, PipelineOptions(extract=extract))
            rows.setdefault(label, []).append(shingle_match(truth, out.get("text", "")))
    print(f"body shingle F1 on {len(cases)} golden cases ({sum(c.path.suffix != '.txt' for c in cases)} HTML)")
    print(f"{'extractor':<30} {'precision':>9} {'recall':>9} {'F1':>7}")
    for label, matches in rows.items():
        m = f1_score(matches)
        print(f"{label:<30} {m['precision']:>9.3f} {m['recall']:>9.3f} {m['f1']:>7.3f}")


if __name__ == "__main__":
    main()
