"""Rewrite tests/golden/expected/*.json from newsflow's current output. Run on purpose only:

    .venv/bin/python -m tests.golden.regenerate

then review ``git diff tests/golden/expected`` before committing: every change is a change in
what newsflow extracts.
"""

import json

from tests.golden.golden import EXPECTED, expected_path, load_cases, run_newsflow


def main() -> None:
    EXPECTED.mkdir(exist_ok=True)
    cases = load_cases()
    for case in cases:
        out = json.dumps(run_newsflow(case), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        expected_path(case).write_text(out, encoding="utf-8")
    known = {expected_path(c).name for c in cases}
    for stale in EXPECTED.glob("*.json"):
        if stale.name not in known:
            stale.unlink()
    print(f"wrote {len(cases)} snapshots to {EXPECTED}")


if __name__ == "__main__":
    main()
