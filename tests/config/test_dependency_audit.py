"""The vulnerability gate over pip-audit's JSON: it never calls an audit that checked nothing clean."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit_dependencies.py"
_spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
audit = importlib.util.module_from_spec(_spec)
sys.modules["audit_dependencies"] = audit
_spec.loader.exec_module(audit)

NAMES = [
    "django",
    "celery",
    "crispy-bootstrap5",
    "django-axes",
    "django-crispy-forms",
    "django-csp",
    "django-environ",
    "django-filter",
    "django-htmx",
    "django-otp",
    "django-template-partials",
    "djangorestframework",
]


def _not_found(name, version="1.0"):
    return {
        "name": name,
        "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} ({version})",
    }


# What this machine's mirror produces: every package skipped, pip-audit exit code 0.
ALL_SKIPPED = json.dumps({"dependencies": [_not_found(name) for name in NAMES], "fixes": []})

SOME_AUDITED_CLEAN = json.dumps(
    {
        "dependencies": [
            {"name": "django", "version": "5.2.19", "vulns": []},
            {"name": "celery", "version": "5.7.0", "vulns": []},
            _not_found("django-axes", "8.3.1"),
        ],
        "fixes": [],
    }
)

ONE_VULNERABLE = json.dumps(
    {
        "dependencies": [
            {"name": "django", "version": "5.2.19", "vulns": []},
            {
                "name": "pillow",
                "version": "11.0.0",
                "vulns": [
                    {
                        "id": "GHSA-xxxx-yyyy-zzzz",
                        "fix_versions": ["11.1.0", "12.0.0"],
                        "aliases": ["CVE-2025-1"],
                    }
                ],
            },
            _not_found("django-axes", "8.3.1"),
        ],
        "fixes": [],
    }
)


def _judge(report_text, returncode=0, stderr="", may_be_unavailable=False):
    return audit.judge(
        audit.RunOutcome(returncode=returncode, report_text=report_text, stderr=stderr),
        may_be_unavailable=may_be_unavailable,
    )


def test_all_skipped_is_not_audited_and_fails():
    verdict = _judge(ALL_SKIPPED, stderr="No known vulnerabilities found\n")

    assert verdict.exit_code == 1
    assert verdict.lines == [
        "audited 0 of 12 packages, skipped 12",
        "skipped: django, celery, crispy-bootstrap5, django-axes, django-crispy-forms, django-csp, "
        "django-environ, django-filter, django-htmx, django-otp and 2 more",
        "first skip reason: Dependency not found on PyPI and could not be audited: django (1.0)",
        "NOT AUDITED: no advisory source answered for any of the 12 packages",
    ]


def test_all_skipped_with_advisories_unavailable_passes_but_still_says_not_audited():
    verdict = _judge(ALL_SKIPPED, stderr="No known vulnerabilities found\n", may_be_unavailable=True)

    assert verdict.exit_code == 0
    assert verdict.lines[-2:] == [
        "NOT AUDITED: no advisory source answered for any of the 12 packages",
        "AUDIT_MAY_BE_UNAVAILABLE=1: not failing the run on an audit that checked nothing",
    ]
    assert "no known vulnerabilities" not in "\n".join(verdict.lines).lower()


def test_some_audited_and_clean_passes_naming_what_was_skipped():
    verdict = _judge(SOME_AUDITED_CLEAN, stderr="No known vulnerabilities found\n")

    assert verdict.exit_code == 0
    assert verdict.lines == [
        "audited 2 of 3 packages, skipped 1",
        "skipped: django-axes",
        "first skip reason: Dependency not found on PyPI and could not be audited: django-axes (8.3.1)",
        "audited 2 of 3 packages: no known vulnerabilities in those 2",
    ]


def test_everything_audited_and_clean_lists_no_skips():
    report = json.dumps({"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}], "fixes": []})

    verdict = _judge(report)

    assert verdict.exit_code == 0
    assert verdict.lines == [
        "audited 1 of 1 packages, skipped 0",
        "audited 1 of 1 packages: no known vulnerabilities in those 1",
    ]


@pytest.mark.parametrize("may_be_unavailable", [False, True])
def test_one_vulnerable_package_fails_with_id_and_fix_versions(may_be_unavailable):
    verdict = _judge(ONE_VULNERABLE, returncode=1, may_be_unavailable=may_be_unavailable)

    assert verdict.exit_code == 1
    assert verdict.lines == [
        "audited 2 of 3 packages, skipped 1",
        "skipped: django-axes",
        "first skip reason: Dependency not found on PyPI and could not be audited: django-axes (8.3.1)",
        "VULNERABLE: pillow 11.0.0 GHSA-xxxx-yyyy-zzzz (CVE-2025-1); fixed in: 11.1.0, 12.0.0",
        "FAILED: 1 known vulnerability in 1 package",
    ]


def test_vulnerability_without_a_released_fix_says_so():
    report = json.dumps(
        {
            "dependencies": [
                {"name": "pyyaml", "version": "6.0", "vulns": [{"id": "PYSEC-1", "fix_versions": []}]},
                {
                    "name": "pyyaml-extra",
                    "version": "1.0",
                    "vulns": [{"id": "PYSEC-2", "fix_versions": ["1.1"]}],
                },
            ],
            "fixes": [],
        }
    )

    verdict = _judge(report, returncode=1)

    assert verdict.exit_code == 1
    assert verdict.lines == [
        "audited 2 of 2 packages, skipped 0",
        "VULNERABLE: pyyaml 6.0 PYSEC-1; fixed in: none released",
        "VULNERABLE: pyyaml-extra 1.0 PYSEC-2; fixed in: 1.1",
        "FAILED: 2 known vulnerabilities in 2 packages",
    ]


@pytest.mark.parametrize(
    ("report_text", "reason"),
    [
        (None, "pip-audit wrote no JSON report"),
        ("", "pip-audit wrote no JSON report"),
        ('{"dependencies": [', "pip-audit's report is not JSON: Expecting value: line 1 column 19 (char 18)"),
        ('["django"]', 'pip-audit\'s report has no "dependencies" list'),
        ('{"dependencies": [{"version": "1.0", "vulns": []}]}', "dependencies[0] has no name"),
        (
            '{"dependencies": [{"name": "django", "version": "5.2"}]}',
            "dependencies[0] has neither a skip_reason nor a version and vulns",
        ),
        (
            '{"dependencies": [{"name": "django", "version": "5.2", "vulns": [{"fix_versions": []}]}]}',
            "dependencies[0].vulns[0] has no id",
        ),
    ],
)
def test_malformed_report_fails_with_pip_audit_stderr(report_text, reason):
    verdict = _judge(report_text, returncode=0, stderr="Traceback (most recent call last):\nKeyError: 'x'\n")

    assert verdict.exit_code == 1
    assert verdict.lines == [
        f"FAILED: pip-audit exited 0 and {reason}",
        "pip-audit stderr:",
        "Traceback (most recent call last):\nKeyError: 'x'",
    ]


def test_crash_without_a_report_fails_even_when_advisories_may_be_unavailable():
    verdict = _judge(
        None,
        returncode=1,
        stderr="ERROR:pip_audit._cli:requirements-dev.txt: not found\n",
        may_be_unavailable=True,
    )

    assert verdict.exit_code == 1
    assert verdict.lines == [
        "FAILED: pip-audit exited 1 and pip-audit wrote no JSON report",
        "pip-audit stderr:",
        "ERROR:pip_audit._cli:requirements-dev.txt: not found",
    ]


def test_failing_exit_code_with_a_clean_report_is_a_crash_not_a_pass():
    verdict = _judge(SOME_AUDITED_CLEAN, returncode=2, stderr="boom\n")

    assert verdict.exit_code == 1
    assert verdict.lines[-3:] == ["FAILED: pip-audit exited 2", "pip-audit stderr:", "boom"]


def test_report_without_packages_fails_even_when_advisories_may_be_unavailable():
    verdict = _judge('{"dependencies": [], "fixes": []}', may_be_unavailable=True)

    assert verdict.exit_code == 1
    assert verdict.lines == ["FAILED: pip-audit reported no packages; the requirements could not be read"]


# A stand-in pip-audit process: writes the given report to the file after --output, then exits.
FAKE_PIP_AUDIT = (
    "import sys\n"
    "out = sys.argv[sys.argv.index('--output') + 1]\n"
    "report, code = sys.argv[1], int(sys.argv[2])\n"
    "if report != '-':\n"
    "    open(out, 'w').write(report)\n"
    "sys.stderr.write('No known vulnerabilities found\\n')\n"
    "sys.exit(code)\n"
)


def _fake_command(report_text, code):
    return lambda requirements: [sys.executable, "-c", FAKE_PIP_AUDIT, report_text, str(code)]


@pytest.mark.parametrize(
    ("environ", "exit_code", "last_line"),
    [
        ({}, 1, "NOT AUDITED: no advisory source answered for any of the 12 packages"),
        (
            {"AUDIT_MAY_BE_UNAVAILABLE": "1"},
            0,
            "AUDIT_MAY_BE_UNAVAILABLE=1: not failing the run on an audit that checked nothing",
        ),
    ],
)
def test_main_runs_the_command_and_prints_the_verdict(monkeypatch, capsys, environ, exit_code, last_line):
    monkeypatch.setattr(audit, "pip_audit_command", _fake_command(ALL_SKIPPED, 0))

    assert audit.main([], environ=environ) == exit_code

    out = capsys.readouterr().out
    assert out.splitlines()[0] == "audited 0 of 12 packages, skipped 12"
    assert out.splitlines()[-1] == last_line
    assert "no known vulnerabilities" not in out.lower()


def test_main_reports_a_crashed_pip_audit_with_its_stderr(monkeypatch, capsys):
    monkeypatch.setattr(audit, "pip_audit_command", _fake_command("-", 2))

    assert audit.main([], environ={"AUDIT_MAY_BE_UNAVAILABLE": "1"}) == 1

    assert capsys.readouterr().out.splitlines() == [
        "FAILED: pip-audit exited 2 and pip-audit wrote no JSON report",
        "pip-audit stderr:",
        "No known vulnerabilities found",
    ]


def test_pip_audit_command_asks_for_json_over_each_requirements_file():
    command = audit.pip_audit_command([Path("requirements-dev.txt")])

    assert command[:3] == [sys.executable, "-m", "pip_audit"]
    assert command[command.index("--format") + 1] == "json"
    assert command[command.index("--requirement") + 1] == "requirements-dev.txt"
    assert "--skip-editable" in command
