"""evidence-kit: capture, preserve and verify online evidence."""

__version__ = "0.1.0"
TOOL = f"evidence-kit {__version__}"
