"""Whether a capture ended still logged in: the rule, in one place.

A persona counts as logged in at the end of a capture when both hold:

1. every one of its session cookies (chosen when it was made: ``--session-cookie``, else the imported
   ``HttpOnly`` cookies, else all of them) is still in the browser, with a value, not expired; a logout
   or a session the site threw away drops or expires them;
2. the page does not show a login form (a visible password field), which is what a site shows a
   visitor whose session it no longer accepts.

Both are read from the browser context before it is closed (``capture/contexts.py``).
"""

from __future__ import annotations

import time
from typing import Any

from .store import Persona

# A visible password field: what a login form has and a logged-in page does not.
LOGIN_FORM_JS = """() => [...document.querySelectorAll('input[type=password]')].some(
  e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length))"""


def judge(persona: Persona, end_state: dict[str, Any] | None, login_form: bool | None) -> tuple[bool, str]:
    """(logged in, why) at the end of a capture."""
    if end_state is None:
        return False, "the browser's cookies could not be read at the end of the capture"
    now = time.time()
    present = {
        c["name"]
        for c in end_state.get("cookies", [])
        if c.get("value") and (float(c.get("expires", -1)) < 0 or float(c.get("expires", -1)) > now)
    }
    gone = [name for name in persona.session_cookies if name not in present]
    if gone:
        return False, f"its session cookie(s) {', '.join(gone)} were dropped"
    if login_form:
        return False, "the page shows a login form"
    return (
        True,
        f"its session cookie(s) {', '.join(persona.session_cookies)} were still set and the page showed no login form",
    )
