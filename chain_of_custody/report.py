"""A verification report: every check run, how many items it covered, and every failure found."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import Finding

# What a report on a bundle says when asked for --fast (a bundle's manifests need every file read anyway)
FAST_ON_A_BUNDLE = "--fast applies to case folders: this bundle was checked in full"


@dataclass
class CheckResult:
    name: str
    description: str
    checked: int = 0
    failed: int = 0

    @property
    def passed(self) -> bool:
        return self.failed == 0


@dataclass
class Report:
    target: str
    kind: str  # "case", "bundle", "file"
    checks: dict[str, CheckResult] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)  # what a court expert can run by hand
    not_checked: list[str] = field(default_factory=list)  # what this run left out on purpose (verify --fast)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def verdict(self) -> str:
        """The report's first word: VERIFIED only when every check passed and nothing was left out."""
        if not self.ok:
            return "VERIFICATION FAILED"
        if self.not_checked:
            return "VERIFIED, BUT NOT CHECKED: " + "; ".join(self.not_checked)
        return "VERIFIED"

    def mark_unchecked(self, what: str, why: str) -> None:
        """Record that ``what`` was not checked (``why``): in the verdict, as a fact and as a warning."""
        if what not in self.not_checked:
            self.not_checked.append(what)
            self.warnings.append(f"{what} was not checked: {why}")

    def check(self, name: str, description: str) -> CheckResult:
        if name not in self.checks:
            self.checks[name] = CheckResult(name, description)
        return self.checks[name]

    def passed_item(self, name: str, description: str) -> None:
        self.check(name, description).checked += 1

    def fail(self, name: str, description: str, finding: Finding) -> None:
        result = self.check(name, description)
        result.checked += 1
        result.failed += 1
        self.findings.append(finding)

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "kind": self.kind,
            "ok": self.ok,
            "complete": not self.not_checked,
            "not_checked": list(self.not_checked),
            "checks": [
                {
                    "name": c.name,
                    "description": c.description,
                    "checked": c.checked,
                    "failed": c.failed,
                    "passed": c.passed,
                }
                for c in self.checks.values()
            ],
            "findings": [f.to_json() for f in self.findings],
            "warnings": list(self.warnings),
            "facts": self.facts,
            "commands": list(self.commands),
        }


def fact_lines(report: Report) -> list[str]:
    """The report's facts as lines for people; each signing key with its fingerprint, to pin with --trust."""
    lines = []
    for key, value in report.facts.items():
        if key == "signing_keys":
            lines.append(f"signing keys: {len(value)}")
            for item in value:
                state = "enrolled" if item.get("enrolled") else "NOT ENROLLED"
                lines.append(
                    f"  {item.get('name') or '?'} {item.get('key_id')} fingerprint {item.get('fingerprint')}"
                    f" ({state}, {item.get('events')} events)"
                )
        elif key == "wacz_signers":
            lines.append(f"signed WACZs: {len(value)}")
            for rel, item in value.items():
                lines.append(
                    f"  {rel}: {item.get('investigator')} {item.get('key_id')} (enrolled at event "
                    f"{item.get('enrolled_at')})"
                )
        elif key != "cases":
            lines.append(f"{key}: {value}")
    return lines


def print_to_a_reader(write: Callable[[], None]) -> None:
    """Print a report; when its reader stops reading (``verify … | head``), stop printing quietly.

    The verdict is already known, so the exit code stays what the checks found: a closed pipe is neither
    a failed check (exit 1) nor a traceback. What was not printed goes to the null device.
    """
    try:
        write()
        sys.stdout.flush()
    except BrokenPipeError:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def wants_colour(stream: Any) -> bool:
    """Colours for a person at a terminal only (never in a file or a pipe; ``NO_COLOR`` turns them off)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def report_lines(report: Report, colour: bool = False) -> list[str]:
    """The report for people, as both verifiers print it (``evidence-kit verify`` and ``python -m
    chain_of_custody verify``): the verdict, the facts, one line per check of the catalogue, then every
    finding, warning, the cases a loose file is recorded in, and the commands to check by hand."""

    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if colour else text

    green, yellow, red = "32", "33", "1;31"
    verdict_colour = red if not report.ok else yellow if report.not_checked else green
    lines = [f"{paint(report.verdict, verdict_colour)}  {report.kind} {report.target}"]
    lines.extend(f"  {line}" for line in fact_lines(report))
    for check in report.checks.values():
        result = paint("[pass]", green) if check.passed else paint("[FAIL]", red)
        lines.append(f"  {result} {check.name}: {check.description} ({check.checked} checked, {check.failed} failed)")
    lines.extend(f"{paint('FAIL', red)} {finding}" for finding in report.findings)
    lines.extend(f"{paint('warning', yellow)}: {warning}" for warning in report.warnings)
    for match in report.facts.get("cases", []):
        lines.append(f"in case {match['case_id']}:")
        lines.extend(
            f"  event {item['seq']} {item['time']} {item['actor']}: {item['action']}" for item in match["history"]
        )
    if report.commands:
        lines.append("To check by hand:")
        lines.extend(f"  {command}" for command in report.commands)
    return lines
