"""The import-layer contracts (pyproject.toml) hold, and they do fail on an import in the wrong direction."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "config",
    "accounts",
    "questionnaires",
    "vendors",
    "procurement",
    "reports",
    "search",
    "portal",
    "api",
    "demo",
]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def product_copy(tmp_path: Path) -> Path:
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_product_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_a_lower_layer_importing_a_higher_one_fails(product_copy: Path):
    roles = product_copy / "accounts" / "roles.py"
    roles.write_text(roles.read_text() + "\nfrom procurement.models import Evaluation  # noqa\n")
    result = lint_imports(product_copy)
    assert result.returncode == 1
    assert "Each layer imports only the layers below it BROKEN" in result.stdout
    assert "accounts.roles -> procurement.models" in result.stdout


def test_the_engine_importing_a_model_fails(product_copy: Path):
    scoring = product_copy / "questionnaires" / "engine" / "scoring.py"
    scoring.write_text(scoring.read_text() + "\nfrom questionnaires.models import Question  # noqa\n")
    result = lint_imports(product_copy)
    assert result.returncode == 1
    assert "The questionnaire engine is pure" in result.stdout
    assert "questionnaires.engine.scoring -> questionnaires.models" in result.stdout


def test_a_module_importing_its_importer_back_fails(product_copy: Path):
    services = product_copy / "procurement" / "services" / "scoring.py"
    services.write_text(services.read_text() + "\nfrom procurement import tasks  # noqa\n")
    result = lint_imports(product_copy)
    assert result.returncode == 1
    assert "No module imports a module that imports it back BROKEN" in result.stdout
