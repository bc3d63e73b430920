"""Every failure a user can cause. The CLI prints ``str(error)`` as one line and exits with its code."""

from __future__ import annotations

from chain_of_custody.errors import CustodyError, OperationFailed, VerificationFailed

__all__ = [
    "EvidenceKitError",
    "CaseNotFound",
    "CaseExists",
    "InvalidInput",
    "CaptureFailed",
    "OperationFailed",
    "VerificationFailed",
    "BrowserNotFound",
]


class EvidenceKitError(CustodyError):
    """Bad input or usage: exit 2."""

    exit_code = 2


class CaseNotFound(EvidenceKitError):
    pass


class CaseExists(EvidenceKitError):
    pass


class InvalidInput(EvidenceKitError):
    pass


class CaptureFailed(OperationFailed):
    """A capture could not be done at all (exit 3)."""


class BrowserNotFound(OperationFailed):
    pass
