"""Facts about the machine a custody event was recorded on (ISO/IEC 27037: tool, system, location)."""

from __future__ import annotations

import platform
import socket


def machine_facts() -> dict[str, str]:
    from . import TOOL  # the version is read on first use

    return {"tool": TOOL, "host": socket.gethostname(), "os": platform.platform()}
