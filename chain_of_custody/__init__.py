"""Chain of custody: hashing, a signed hash-chained ledger, keys, timestamps and verification.

This package stands alone: it never imports evidence_kit and needs no browser, so a court expert can
verify a case or an exported bundle with it alone (``python -m chain_of_custody verify TARGET``).
"""

from importlib.metadata import PackageNotFoundError, version

try:  # one version source: the evidence-kit distribution's metadata
    __version__ = version("evidence-kit")
except PackageNotFoundError:  # copied on its own to a court expert's machine
    __version__ = "0+standalone"
