"""Fails when requirements*.txt and the lock files disagree (offline, in a fraction of a second).

    requirements.txt      -> requirements.lock       (the production image installs this)
    requirements-dev.txt  -> requirements-dev.lock   (make install; runtime and test tools)

Every requirement must be in its lock at the very version it pins, every lock entry must carry a
hash, and a package in both locks must have the same version and hashes in each. `make lock`
rewrites the locks; run it after changing a requirements file.

Usage: python scripts/check_lock.py [--root DIR]     exit 0 when all agree, 1 otherwise
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

PAIRS = (("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock"))
# name[extras]==version ; markers   (exact pins only: anything else is an error in itself)
REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(?P<spec>[^;#]*)")
PIN = re.compile(r"^==\s*(?P<version>[^\s,]+)$")
HASH = re.compile(r"--hash=(sha256:[0-9a-f]{64})")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Locked:
    version: str
    hashes: set[str] = field(default_factory=set)


def _logical_lines(path: Path) -> list[str]:
    """Lines with comments stripped and backslash continuations joined."""
    lines, current = [], ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip():
            lines.append(current.strip())
        current = ""
    if current.strip():
        lines.append(current.strip())
    return lines


def read_requirements(path: Path, problems: list[str]) -> dict[str, str]:
    """name -> pinned version, following `-r other.txt` includes."""
    pins: dict[str, str] = {}
    for line in _logical_lines(path):
        if line.startswith(("-r ", "--requirement ")):
            pins.update(read_requirements(path.parent / line.split(None, 1)[1], problems))
            continue
        if line.startswith("-"):
            continue
        match = REQUIREMENT.match(line)
        if match is None:
            problems.append(f"{path.name}: cannot read {line!r}")
            continue
        pin = PIN.match(match["spec"].strip())
        if pin is None:
            problems.append(f"{path.name}: {match['name']} is not pinned exactly (==)")
            continue
        pins[normalize(match["name"])] = pin["version"]
    return pins


def read_lock(path: Path, problems: list[str]) -> dict[str, Locked]:
    locked: dict[str, Locked] = {}
    for line in _logical_lines(path):
        if line.startswith("-"):
            continue
        match = REQUIREMENT.match(line)
        pin = PIN.match(match["spec"].split("--hash", 1)[0].strip()) if match else None
        if match is None or pin is None:
            problems.append(f"{path.name}: not an exact pin: {line[:80]!r}")
            continue
        entry = Locked(version=pin["version"], hashes=set(HASH.findall(line)))
        if not entry.hashes:
            problems.append(f"{path.name}: {match['name']}=={entry.version} has no --hash")
        locked[normalize(match["name"])] = entry
    return locked


def check(root: Path) -> list[str]:
    problems: list[str] = []
    locks: dict[str, dict[str, Locked]] = {}
    for requirements_name, lock_name in PAIRS:
        requirements_path, lock_path = root / requirements_name, root / lock_name
        if not lock_path.exists():
            problems.append(f"{lock_name} is missing: run `make lock`")
            continue
        pins = read_requirements(requirements_path, problems)
        locked = locks[lock_name] = read_lock(lock_path, problems)
        for name, version in sorted(pins.items()):
            if name not in locked:
                problems.append(f"{requirements_name} pins {name}=={version}, which {lock_name} lacks")
            elif locked[name].version != version:
                problems.append(
                    f"{requirements_name} pins {name}=={version} but {lock_name} has {locked[name].version}"
                )
    if len(locks) == len(PAIRS):
        runtime, dev = (locks[lock] for _, lock in PAIRS)
        for name, entry in sorted(runtime.items()):
            other = dev.get(name)
            if other is None:
                problems.append(
                    f"{name}=={entry.version} is in requirements.lock but not in requirements-dev.lock"
                )
            elif (other.version, other.hashes) != (entry.version, entry.hashes):
                problems.append(
                    f"{name} differs between the locks ({entry.version} and {other.version}, or their hashes)"
                )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args(argv)
    problems = check(args.root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("The lock files disagree with requirements*.txt: run `make lock`.", file=sys.stderr)
        return 1
    print("requirements*.txt and the lock files agree.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
