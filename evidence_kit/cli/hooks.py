"""Extension points that let later features add to existing commands without editing them.

``SHOW_EXTRAS``: callables ``(case, summary_dict)`` that add keys (e.g. timestamps, warnings) to
``case show``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SHOW_EXTRAS: list[Callable[[Any, dict[str, Any]], None]] = []

