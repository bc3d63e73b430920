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
