"""Facts about the machine a custody event was recorded on (ISO/IEC 27037: tool, system, location)."""

from __future__ import annotations

import platform
import socket

from . import TOOL


def machine_facts() -> dict[str, str]:
    return {"tool": TOOL, "host": socket.gethostname(), "os": platform.platform()}
