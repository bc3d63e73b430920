"""Investigator personas: undercover accounts for logged-in captures, kept outside every case.

``store.py`` where they live and what is kept (``vault.py`` seals it with a passphrase);
``imports.py`` cookies.txt and Playwright storage states; ``login.py`` logging in by hand in a visible
browser; ``fingerprint.py`` the persona's stable browser; ``logged_in.py`` the rule for "still logged
in"; ``scan.py`` finding a persona's secrets in files (export refuses, verify warns); ``used.py`` the
personas a case's captures used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import PLATFORMS, Persona, PersonaStore, Unlocked

__all__ = ["PLATFORMS", "Persona", "PersonaStore", "Unlocked"]


def __getattr__(name: str) -> Any:
    """The store's names, loaded when first asked for: ``verify`` imports ``personas.used`` and, for a case
    no persona captured, never needs the store (issue 16: start-up)."""
    if name in __all__:
        from . import store

        return getattr(store, name)
    raise AttributeError(name)
