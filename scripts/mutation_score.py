"""Prints the mutation score of each engine module from mutmut's results, beside its target.

Run after `mutmut run` (`make mutation` does both). Reads the `.meta` files mutmut writes under
`mutants/`; a mutant counts as killed when a test failed (or timed out) with it applied, as
survived when every test passed, and as untested when no test reaches its code. The score is
killed / (killed + survived + untested): code that no test reaches is not protected.
Exits 1 when a module misses its target, or when there are no results to read.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ENGINE = Path("mutants/questionnaires/engine")
TARGETS = {"scoring.py": 90.0, "checks.py": 90.0, "rules.py": 90.0, "answers.py": 85.0}
KILLED = {1, 3, 24, -24, 36, 152, 255}
SURVIVED = {0}
UNTESTED = {5, 33}


def tally(exit_codes: dict[str, int | None]) -> Counter:
    counts: Counter = Counter()
    for code in exit_codes.values():
        if code in KILLED:
            counts["killed"] += 1
        elif code in SURVIVED:
            counts["survived"] += 1
        elif code in UNTESTED:
            counts["untested"] += 1
        else:
            counts["other"] += 1
    return counts


def score(counts: Counter) -> float:
    judged = counts["killed"] + counts["survived"] + counts["untested"]
    return 100.0 * counts["killed"] / judged if judged else 0.0


def main() -> int:
    metas = sorted(ENGINE.glob("*.py.meta"))
    if not metas:
        print(f"No mutation results under {ENGINE}: run `mutmut run` first.")
        return 1
    print(
        f"{'module':<14}{'mutants':>9}{'killed':>8}{'survived':>10}{'untested':>10}{'score':>8}{'target':>8}"
    )
    missed = []
    for meta in metas:
        module = meta.name.removesuffix(".meta")
        counts = tally(json.loads(meta.read_text())["exit_code_by_key"])
        total = sum(counts.values())
        if not total:
            continue
        target = TARGETS.get(module)
        value = score(counts)
        print(
            f"{module:<14}{total:>9}{counts['killed']:>8}{counts['survived']:>10}{counts['untested']:>10}"
            f"{value:>7.1f}%{(f'{target:.0f}%' if target else '—'):>8}"
        )
        if target is not None and value < target:
            missed.append(module)
    if missed:
        print(f"Below target: {', '.join(missed)}. `mutmut results` lists the surviving mutants.")
        return 1
    print("Every module meets its target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
