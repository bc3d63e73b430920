"""evidence-kit: capture, preserve and verify online evidence."""

from importlib.metadata import PackageNotFoundError, version

try:  # one version source: the package's metadata (pyproject.toml)
    __version__ = version("evidence-kit")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
TOOL = f"evidence-kit {__version__}"
