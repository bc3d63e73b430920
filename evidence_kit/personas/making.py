"""Making a persona: its session from one source, its fingerprint and key, stored outside every case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chain_of_custody.clock import Clock, utc_now

from .. import config
from ..errors import InvalidInput
from . import fingerprint, imports
from .store import PersonaStore, new_key, platform_name

if TYPE_CHECKING:
    from playwright.async_api import Page

    from .store import Persona


def create(
    settings: config.Settings,
    name: str,
    platform: str,
    handle: str | None = None,
    cookies: Path | None = None,
    storage_state: Path | None = None,
    login_url: str | None = None,
    passphrase: str | None = None,
    locale: str = "en-GB",
    timezone: str = "UTC",
    user_agent: str | None = None,
    session_cookies: Sequence[str] = (),
    clock: Clock | None = None,
    drive: Callable[[Page], Awaitable[None]] | None = None,
) -> Persona:
    """Make persona ``name`` from exactly one of ``cookies``, ``storage_state`` or ``login_url``.

    With ``passphrase`` its secrets are sealed (scrypt + AES-256-GCM). ``drive`` logs in by script in
    the visible browser (tests); without it the investigator logs in and closes the window.
    """
    given = [s for s in (cookies, storage_state, login_url) if s is not None]
    if len(given) != 1:
        raise InvalidInput("give exactly one of --cookies FILE, --storage-state FILE or --login URL")
    platform = platform_name(platform)
    store = PersonaStore.for_settings(settings)
    if store.exists(name):
        raise InvalidInput(f"persona {name} already exists (delete it first, or choose another name)")
    key = new_key()
    from ..capture.browser import find_chromium

    try:
        major = fingerprint.chromium_major(find_chromium(settings.chromium))
    except Exception:  # noqa: BLE001  no browser here yet: a recent version; captures will need one anyway
        major = "120"
    chosen = fingerprint.choose(key, major, locale, timezone, user_agent)
    state: dict[str, Any]
    if cookies is not None:
        state, source = imports.cookies_txt(cookies), f"imported from a cookies.txt ({cookies.name})"
    elif storage_state is not None:
        state, source = imports.storage_state(storage_state), f"imported from a storage state ({storage_state.name})"
    else:
        from . import login

        assert login_url is not None
        state = imports.check_state(login.login(login_url, chosen, settings.chromium, drive), "the login")
        source = f"logged in by hand at {login_url}"
    return store.create(
        name,
        platform,
        handle,
        state,
        chosen,
        source,
        (clock or utc_now)(),
        key,
        passphrase,
        session_cookies,
    )
