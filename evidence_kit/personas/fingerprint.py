"""A persona's browser, kept the same capture after capture: user agent, locale, time zone, viewport.

Why: a platform that sees one account come from a new device every day asks it to log in again or
flags it. The fingerprint is chosen once, when the persona is made, and every capture uses it.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from typing import Any

# Common desktop sizes; one is chosen from the persona's key, so two personas rarely share one.
VIEWPORTS = ((1366, 768), (1440, 900), (1536, 864), (1280, 800), (1600, 900), (1920, 1080))
UA_TEMPLATE = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"
)


@dataclass(frozen=True)
class Fingerprint:
    user_agent: str
    locale: str
    timezone: str
    viewport_width: int
    viewport_height: int

    def to_json(self) -> dict[str, Any]:
        return {
            "user_agent": self.user_agent,
            "locale": self.locale,
            "timezone": self.timezone,
            "viewport": {"width": self.viewport_width, "height": self.viewport_height},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fingerprint:
        return cls(
            str(data["user_agent"]),
            str(data["locale"]),
            str(data["timezone"]),
            int(data["viewport"]["width"]),
            int(data["viewport"]["height"]),
        )


def chromium_major(executable: str) -> str:
    """The major version of the Chromium that will capture (``chromium --version``), or a recent one."""
    try:
        answer = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=20, check=False)
        match = re.search(r"(\d+)\.\d+\.\d+", answer.stdout)
    except (OSError, subprocess.SubprocessError):
        match = None
    return match.group(1) if match else "120"


def choose(seed: bytes, major: str, locale: str, timezone: str, user_agent: str | None = None) -> Fingerprint:
    width, height = VIEWPORTS[seed[0] % len(VIEWPORTS)]
    return Fingerprint(user_agent or UA_TEMPLATE.format(major=major), locale, timezone, width, height)
