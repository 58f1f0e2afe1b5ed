"""Known-vulnerability gate over the pinned requirements, built on pip-audit.

pip-audit says "No known vulnerabilities found" and exits 0 even when it could not look up a single
package (a registry mirror without per-version JSON skips them all). This gate counts what was
actually audited and never reports a clean result for packages nobody checked.

Exit codes: 0 when at least one package was audited and none is vulnerable (or when nothing could be
audited and AUDIT_MAY_BE_UNAVAILABLE=1 is set); 1 for a known vulnerability, for an audit that checked
nothing, and for a pip-audit run that crashed or wrote no readable report.

Usage: python scripts/audit_dependencies.py [--requirement FILE ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REQUIREMENTS = ("requirements-dev.txt",)
SKIPPED_NAMES_SHOWN = 10
UNAVAILABLE_ENV = "AUDIT_MAY_BE_UNAVAILABLE"


class MalformedReport(ValueError):
    """pip-audit's JSON is missing or does not have the shape this gate reads."""


@dataclass(frozen=True)
class Vulnerability:
    id: str
    fix_versions: tuple[str, ...]
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dependency:
    name: str
    version: str | None = None
    skip_reason: str | None = None
    vulns: tuple[Vulnerability, ...] = ()

    @property
    def skipped(self) -> bool:
        return self.skip_reason is not None


@dataclass(frozen=True)
class Verdict:
    exit_code: int
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunOutcome:
    returncode: int
    report_text: str | None
    stderr: str


def _strings(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise MalformedReport(f"{where} is not a list of strings")
    return tuple(value)


def parse_report(text: str | None) -> list[Dependency]:
    """The dependencies of a pip-audit `--format json` report; MalformedReport for anything else."""
    if text is None or not text.strip():
        raise MalformedReport("pip-audit wrote no JSON report")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedReport(f"pip-audit's report is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        raise MalformedReport('pip-audit\'s report has no "dependencies" list')
    dependencies = []
    for index, entry in enumerate(data["dependencies"]):
        where = f"dependencies[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise MalformedReport(f"{where} has no name")
        if "skip_reason" in entry:
            if not isinstance(entry["skip_reason"], str):
                raise MalformedReport(f"{where}.skip_reason is not a string")
            dependencies.append(Dependency(name=entry["name"], skip_reason=entry["skip_reason"]))
            continue
        if not isinstance(entry.get("version"), str) or not isinstance(entry.get("vulns"), list):
            raise MalformedReport(f"{where} has neither a skip_reason nor a version and vulns")
        vulns = []
        for vuln_index, vuln in enumerate(entry["vulns"]):
            vuln_where = f"{where}.vulns[{vuln_index}]"
            if not isinstance(vuln, dict) or not isinstance(vuln.get("id"), str):
                raise MalformedReport(f"{vuln_where} has no id")
            vulns.append(
                Vulnerability(
                    id=vuln["id"],
                    fix_versions=_strings(vuln.get("fix_versions", []), f"{vuln_where}.fix_versions"),
                    aliases=_strings(vuln.get("aliases", []), f"{vuln_where}.aliases"),
                )
            )
        dependencies.append(Dependency(name=entry["name"], version=entry["version"], vulns=tuple(vulns)))
    return dependencies


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _skipped_names(skipped: list[Dependency]) -> str:
    names = ", ".join(dep.name for dep in skipped[:SKIPPED_NAMES_SHOWN])
    more = len(skipped) - SKIPPED_NAMES_SHOWN
    return f"{names} and {more} more" if more > 0 else names


def decide(dependencies: list[Dependency], *, may_be_unavailable: bool) -> Verdict:
    """The gate's verdict over the parsed report; no I/O, so every outcome is testable."""
    total = len(dependencies)
    if total == 0:
        # pip-audit collected no packages at all, which points at the requirements, not the network.
        return Verdict(1, ["FAILED: pip-audit reported no packages; the requirements could not be read"])
    skipped = [dep for dep in dependencies if dep.skipped]
    audited = total - len(skipped)
    lines = [f"audited {audited} of {total} packages, skipped {len(skipped)}"]
    if skipped:
        lines.append(f"skipped: {_skipped_names(skipped)}")
        lines.append(f"first skip reason: {skipped[0].skip_reason}")

    if audited == 0:
        lines.append(f"NOT AUDITED: no advisory source answered for any of the {total} packages")
        if may_be_unavailable:
            lines.append(f"{UNAVAILABLE_ENV}=1: not failing the run on an audit that checked nothing")
            return Verdict(0, lines)
        return Verdict(1, lines)

    vulnerable = [dep for dep in dependencies if dep.vulns]
    if vulnerable:
        for dep in vulnerable:
            for vuln in dep.vulns:
                aliases = f" ({', '.join(vuln.aliases)})" if vuln.aliases else ""
                fixes = ", ".join(vuln.fix_versions) if vuln.fix_versions else "none released"
                lines.append(f"VULNERABLE: {dep.name} {dep.version} {vuln.id}{aliases}; fixed in: {fixes}")
        count = sum(len(dep.vulns) for dep in vulnerable)
        lines.append(
            f"FAILED: {_plural(count, 'known vulnerability', 'known vulnerabilities')} in "
            f"{_plural(len(vulnerable), 'package', 'packages')}"
        )
        return Verdict(1, lines)

    lines.append(f"audited {audited} of {total} packages: no known vulnerabilities in those {audited}")
    return Verdict(0, lines)


def judge(outcome: RunOutcome, *, may_be_unavailable: bool) -> Verdict:
    """The verdict over a finished pip-audit run: its exit code, its JSON report and its stderr."""
    stderr = outcome.stderr.rstrip()
    try:
        dependencies = parse_report(outcome.report_text)
    except MalformedReport as exc:
        lines = [f"FAILED: pip-audit exited {outcome.returncode} and {exc}"]
        if stderr:
            lines += ["pip-audit stderr:", stderr]
        return Verdict(1, lines)
    verdict = decide(dependencies, may_be_unavailable=may_be_unavailable)
    # pip-audit exits 1 when it finds vulnerabilities; any other failure is a crash that a partial
    # report must not cover up.
    found_vulnerabilities = any(dep.vulns for dep in dependencies)
    if outcome.returncode != 0 and not (outcome.returncode == 1 and found_vulnerabilities):
        lines = [*verdict.lines, f"FAILED: pip-audit exited {outcome.returncode}"]
        if stderr:
            lines += ["pip-audit stderr:", stderr]
        return Verdict(1, lines)
    return verdict


def pip_audit_command(requirements: list[Path]) -> list[str]:
    command = [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"]
    command += ["--skip-editable", "--desc", "off", "--aliases", "on"]
    for requirement in requirements:
        command += ["--requirement", str(requirement)]
    return command


def run_pip_audit(command: list[str]) -> RunOutcome:
    """Runs pip-audit with its JSON report in a file of its own, so log lines cannot corrupt it."""
    with tempfile.TemporaryDirectory(prefix="pip-audit-") as tmp:
        report = Path(tmp) / "report.json"
        try:
            completed = subprocess.run(  # noqa: S603 - the command is built here, never from input
                [*command, "--output", str(report)], capture_output=True, text=True, check=False
            )
        except OSError as exc:
            return RunOutcome(returncode=127, report_text=None, stderr=f"could not start pip-audit: {exc}")
        report_text = report.read_text(encoding="utf-8") if report.exists() else None
    return RunOutcome(completed.returncode, report_text, completed.stderr)


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requirement",
        "-r",
        action="append",
        type=Path,
        help="pinned requirements file (repeatable; default: requirements-dev.txt)",
    )
    args = parser.parse_args(argv)
    environ = os.environ if environ is None else environ
    requirements = args.requirement or [ROOT / name for name in DEFAULT_REQUIREMENTS]
    outcome = run_pip_audit(pip_audit_command(requirements))
    verdict = judge(outcome, may_be_unavailable=environ.get(UNAVAILABLE_ENV) == "1")
    print("\n".join(verdict.lines))
    return verdict.exit_code


if __name__ == "__main__":
    sys.exit(main())
