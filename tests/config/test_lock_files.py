"""The lock files hold every requirement at its pinned version, with hashes (scripts/check_lock.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_lock.py"
FILES = ("requirements.txt", "requirements-dev.txt", "requirements.lock", "requirements-dev.lock")


def _run(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(root)], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def copy(tmp_path) -> Path:
    for name in FILES:
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_repository_s_requirements_and_locks_agree():
    done = _run(ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "requirements*.txt and the lock files agree.\n"


def test_every_locked_package_has_hashes_and_celery_brings_its_redis_extra():
    lock = (ROOT / "requirements.lock").read_text()
    assert "celery==5.7.0 \\\n    --hash=sha256:" in lock
    # The extra's own requirements are locked too.
    assert "\nredis==" in lock
    assert "#   kombu\n" in lock


def test_a_pin_changed_without_relocking_fails(copy):
    _edit(copy / "requirements.txt", "Django==5.2.19", "Django==5.2.18")
    done = _run(copy)
    assert done.returncode == 1
    assert "requirements.txt pins django==5.2.18 but requirements.lock has 5.2.19" in done.stderr
    assert "requirements-dev.txt pins django==5.2.18 but requirements-dev.lock has 5.2.19" in done.stderr
    assert "run `make lock`" in done.stderr


def test_a_new_requirement_missing_from_the_lock_fails(copy):
    _edit(copy / "requirements-dev.txt", "pytest==", "not-a-locked-package==1.0.0\npytest==")
    done = _run(copy)
    assert done.returncode == 1
    assert (
        done.stderr.splitlines()[0]
        == "requirements-dev.txt pins not-a-locked-package==1.0.0, which requirements-dev.lock lacks"
    )


def test_a_loose_requirement_fails(copy):
    _edit(copy / "requirements.txt", "segno==1.6.6", "segno>=1.6")
    done = _run(copy)
    assert done.returncode == 1
    assert "requirements.txt: segno is not pinned exactly (==)" in done.stderr


def test_a_lock_entry_without_hashes_fails(copy):
    lock = copy / "requirements.lock"
    lines = lock.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("segno=="))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("    --hash"))
    lock.write_text("\n".join([*lines[:start], lines[start].rstrip(" \\"), *lines[end:]]) + "\n")
    done = _run(copy)
    assert done.returncode == 1
    assert "requirements.lock: segno==1.6.6 has no --hash" in done.stderr


def test_the_two_locks_must_pin_shared_packages_alike(copy):
    lock = copy / "requirements-dev.lock"
    text = lock.read_text()
    version = text.split("\nvine==", 1)[1].split(" ", 1)[0]
    _edit(lock, f"\nvine=={version}", "\nvine==9.9.9")
    done = _run(copy)
    assert done.returncode == 1
    assert f"vine differs between the locks ({version} and 9.9.9, or their hashes)" in done.stderr
