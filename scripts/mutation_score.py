"""Prints the mutation score of each engine module from mutmut's results, beside its target.

Run after `mutmut run` (`make mutation` does both). Reads the `.meta` files mutmut writes under
`mutants/`; a mutant counts as killed when a test failed (or timed out) with it applied, as
survived when every test passed, and as untested when no test reaches its code. The score is
killed / (killed + survived + untested): code that no test reaches is not protected.
Exits 1 when a module misses its target, or when there are no results to read.
`--markdown` prints the same table as Markdown, as the README shows it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ENGINE = Path("mutants/questionnaires/engine")
TARGETS = {
    "scoring.py": 90.0,
    "checks.py": 90.0,
    "facts.py": 90.0,
    "rules.py": 90.0,
    "answers.py": 85.0,
    "display.py": 85.0,
    "intake.py": 90.0,
    "upgrade.py": 90.0,
    "documents.py": 90.0,
}
COLUMNS = ("module", "mutants", "killed", "survived", "untested", "score", "target")
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


def rows(metas: list[Path]) -> tuple[list[tuple[str, ...]], list[str]]:
    """One row per module with mutants (the cells of COLUMNS, as text), and the modules below target."""
    table = []
    missed = []
    for meta in metas:
        module = meta.name.removesuffix(".meta")
        counts = tally(json.loads(meta.read_text())["exit_code_by_key"])
        total = sum(counts.values())
        if not total:
            continue
        target = TARGETS.get(module)
        if target is not None and score(counts) < target:
            missed.append(module)
        table.append(
            (
                module,
                str(total),
                str(counts["killed"]),
                str(counts["survived"]),
                str(counts["untested"]),
                f"{score(counts):.1f}%",
                f"{target:.0f}%" if target is not None else "—",
            )
        )
    return table, missed


def plain(table: list[tuple[str, ...]]) -> str:
    widths = [14, 9, 8, 10, 10, 8, 8]
    lines = []
    for cells in [COLUMNS, *table]:
        lines.append(
            "".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
            )
        )
    return "\n".join(lines)


def markdown(table: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|---|" + "--:|" * (len(COLUMNS) - 1)]
    lines += ["| " + " | ".join(cells) + " |" for cells in table]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    metas = sorted(ENGINE.glob("*.py.meta"))
    if not metas:
        print(f"No mutation results under {ENGINE}: run `mutmut run` first.")
        return 1
    table, missed = rows(metas)
    print(markdown(table) if args.markdown else plain(table))
    if missed:
        print(f"\nBelow target: {', '.join(missed)}. `mutmut results` lists the surviving mutants.")
        return 1
    print("\nEvery module meets its target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
