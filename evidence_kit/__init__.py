"""evidence-kit: capture, preserve and verify online evidence."""

from __future__ import annotations

import functools


@functools.cache
def _version() -> str:
    # One version source: the package's metadata (pyproject.toml). Read on first use: importlib.metadata
    # and its search of the installed distributions cost a command's start-up about 30 ms.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("evidence-kit")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> str:
    """``__version__`` and ``TOOL`` ("evidence-kit <version>"), computed when first asked for."""
    if name == "__version__":
        return _version()
    if name == "TOOL":
        return f"evidence-kit {_version()}"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
