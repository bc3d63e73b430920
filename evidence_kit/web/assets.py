"""The browser code the UI serves from this machine, installed by ``scripts/setup.sh`` with npm.

``package.json`` at the repository root pins ReplayWeb.page (AGPL-3.0, used unmodified as a separate
program: its prebuilt ``ui.js`` and ``sw.js``), htmx and axe-core (used by the tests). Nothing is fetched
from the internet while the UI runs. ``EVIDENCE_KIT_NODE_MODULES`` points elsewhere when installed apart.
"""

from __future__ import annotations

import os
from pathlib import Path

# What the UI serves, by the name it serves it under, and where npm put it.
FILES = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "axe.min.js": "axe-core/axe.min.js",
    "ui.js": "replaywebpage/ui.js",
    "sw.js": "replaywebpage/sw.js",
}
SETUP_HINT = "run scripts/setup.sh (it installs ReplayWeb.page and htmx with npm)"


def node_modules() -> Path:
    configured = os.environ.get("EVIDENCE_KIT_NODE_MODULES")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "node_modules"


def path_of(name: str) -> Path | None:
    """The installed file served as ``name``, or None when npm has not installed it."""
    relative = FILES.get(name)
    if relative is None:
        return None
    path = node_modules() / relative
    return path if path.is_file() else None


def missing() -> list[str]:
    return [name for name in FILES if path_of(name) is None]
