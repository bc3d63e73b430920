"""The error hierarchy every user-caused failure comes from.

The CLI catches :class:`CustodyError` in one place, prints ``str(error)`` as one line and exits with
``error.exit_code``. Anything else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


class CustodyError(Exception):
    """Anything a user can cause: bad input, missing files, a broken ledger."""

    exit_code = 2


class LedgerCorrupt(CustodyError):
    """The ledger file cannot be read as a ledger at all."""


class KeyProblem(CustodyError):
    """An identity key is missing, unreadable or does not match."""


class OperationFailed(CustodyError):
    """An operation (capture, timestamp request, export) could not be completed."""

    exit_code = 3


@dataclass(frozen=True)
class Finding:
    """One failed check, with the exact place it failed."""

    check: str  # "artefact-digest", "chain-link", "signature", "timestamp", ...
    where: str  # artefact digest, event seq, token file
    message: str
    expected: str | None = None
    found: str | None = None

    def __str__(self) -> str:
        text = f"[{self.check}] {self.where}: {self.message}"
        if self.expected is not None or self.found is not None:
            text += f" (expected {self.expected}, found {self.found})"
        return text

    def to_json(self) -> dict[str, str | None]:
        return {
            "check": self.check,
            "where": self.where,
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
        }


class VerificationFailed(CustodyError):
    """Raised by callers that want an exception rather than a report."""

    exit_code = 1

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        first = str(findings[0]) if findings else "verification failed"
        more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
        super().__init__(first + more)
