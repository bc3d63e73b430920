"""Where personas live: a folder of their own in the configuration folder, never inside a case.

``<config folder>/personas/<name>/persona.json`` holds what may be shown (platform, handle, when made and
last used, whether the session still looked logged in, the browser fingerprint, the key id);
``secrets.json`` (or ``secrets.sealed`` with ``--encrypt``) holds what must never be shown: the session
(a Playwright storage state), the HMAC key markers are made with, and every secret value the persona's
captures replaced (so an export can check that none of them is in a bundle). Folders are 0700, files
0600, written whole through a temporary file and renamed.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import secrets as random
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from chain_of_custody.clock import rfc3339

from .. import config
from ..errors import InvalidInput
from . import vault
from .fingerprint import Fingerprint

FORMAT = "evidence-kit-persona/1"
SECRETS_FORMAT = "evidence-kit-persona-secrets/1"
PLATFORMS = ("generic", "telegram", "mastodon", "vk", "instagram", "tiktok", "x", "facebook")
ALIASES = {"twitter": "x", "activitypub": "mastodon", "fediverse": "mastodon"}
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_SEEN = 5000
PERSONAS_ENV = "EVIDENCE_KIT_PERSONAS"


def personas_dir(settings: config.Settings) -> Path:
    """``$EVIDENCE_KIT_PERSONAS``, else ``personas/`` beside the settings file; refused inside the cases home."""
    root = Path(os.environ.get(PERSONAS_ENV) or config.settings_file().parent / "personas").expanduser()
    home = settings.home.expanduser().resolve()
    resolved = root.resolve()
    if resolved == home or home in resolved.parents:
        raise InvalidInput(
            f"the persona folder {root} is inside the cases folder {settings.home}: personas live outside every case"
        )
    return root


def platform_name(value: str) -> str:
    name = ALIASES.get(value.strip().lower(), value.strip().lower())
    if name not in PLATFORMS:
        raise InvalidInput(f"unknown platform {value!r}: one of {', '.join(PLATFORMS)}")
    return name


@dataclass(frozen=True)
class Persona:
    """What may be shown of a persona (never a secret)."""

    name: str
    platform: str
    handle: str | None
    created: str
    fingerprint: Fingerprint
    key_id: str
    encrypted: bool
    source: str
    session_cookies: tuple[str, ...]
    last_used: str | None = None
    logged_in: bool | None = None  # at its last capture
    sites: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "name": self.name,
            "platform": self.platform,
            "handle": self.handle,
            "created": self.created,
            "last_used": self.last_used,
            "logged_in_at_last_use": self.logged_in,
            "encrypted": self.encrypted,
            "source": self.source,
            "sites": list(self.sites),
            "session_cookies": list(self.session_cookies),
            "fingerprint": self.fingerprint.to_json(),
            "key_id": self.key_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Persona:
        return cls(
            name=str(data["name"]),
            platform=str(data["platform"]),
            handle=data.get("handle"),
            created=str(data["created"]),
            fingerprint=Fingerprint.from_json(data["fingerprint"]),
            key_id=str(data["key_id"]),
            encrypted=bool(data.get("encrypted")),
            source=str(data.get("source", "")),
            session_cookies=tuple(data.get("session_cookies", [])),
            last_used=data.get("last_used"),
            logged_in=data.get("logged_in_at_last_use"),
            sites=tuple(data.get("sites", [])),
        )

    @property
    def account(self) -> str:
        """How the account is named in a sentence: its handle on its platform, or the persona's name."""
        return f"{self.handle} on {self.platform}" if self.handle else f"of persona {self.name} on {self.platform}"


@dataclass
class Unlocked:
    """A persona with its secrets, in memory only for the length of a command."""

    persona: Persona
    state: dict[str, Any]
    key: bytes
    seen: list[dict[str, str]] = field(default_factory=list)
    passphrase: str | None = None

    def state_copy(self) -> dict[str, Any]:
        """A copy for one browser context: whatever the capture does to it never touches the saved one."""
        return copy.deepcopy(self.state)

    def secrets(self) -> list[tuple[str, str]]:
        """(value, what it is) of every secret this persona holds or its captures saw."""
        found = [(c["value"], f"persona cookie {c['name']}") for c in self.state.get("cookies", [])]
        for origin in self.state.get("origins", []):
            found += [(i["value"], f"persona localStorage {i['name']}") for i in origin.get("localStorage", [])]
        found += [(s["value"], s["name"]) for s in self.seen]
        return [(v, n) for v, n in found if v]


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{random.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _mkdir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def key_id(key: bytes) -> str:
    from ..capture.redaction import Key

    return Key(key, "persona").key_id


class PersonaStore:
    def __init__(self, root: Path):
        self.root = root

    @classmethod
    def for_settings(cls, settings: config.Settings) -> PersonaStore:
        return cls(personas_dir(settings))

    def _folder(self, name: str) -> Path:
        if not NAME.match(name):
            raise InvalidInput(
                f"{name!r} is not a persona name (up to 64 letters, digits, '.', '_', '-'; first a letter or digit)"
            )
        return self.root / name

    def exists(self, name: str) -> bool:
        return (self._folder(name) / "persona.json").is_file()

    def create(
        self,
        name: str,
        platform: str,
        handle: str | None,
        state: dict[str, Any],
        fingerprint: Fingerprint,
        source: str,
        clock_now: datetime,
        key: bytes,
        passphrase: str | None = None,
        session_cookies: Iterable[str] = (),
    ) -> Persona:
        folder = self._folder(name)
        if folder.exists():
            raise InvalidInput(f"persona {name} already exists (delete it first, or choose another name)")
        names = [c["name"] for c in state.get("cookies", [])]
        chosen = tuple(session_cookies)
        missing = [c for c in chosen if c not in names]
        if missing:
            raise InvalidInput(f"session cookie(s) {', '.join(missing)} are not among the imported cookies")
        if not chosen:  # the cookies a site keeps from scripts are its session; else every cookie
            chosen = tuple(c["name"] for c in state.get("cookies", []) if c.get("httpOnly")) or tuple(names)
        persona = Persona(
            name=name,
            platform=platform_name(platform),
            handle=handle,
            created=rfc3339(clock_now),
            fingerprint=fingerprint,
            key_id=key_id(key),
            encrypted=passphrase is not None,
            source=source,
            session_cookies=chosen,
            sites=tuple(sorted({c["domain"].lstrip(".") for c in state.get("cookies", [])})),
        )
        _mkdir(self.root)
        _mkdir(folder)
        unlocked = Unlocked(persona, state, key, [], passphrase)
        self.save_secrets(unlocked)
        self._save_meta(persona)
        return persona

    def _save_meta(self, persona: Persona) -> None:
        _write(self._folder(persona.name) / "persona.json", (json.dumps(persona.to_json(), indent=2) + "\n").encode())

    def save_secrets(self, unlocked: Unlocked) -> None:
        folder = self._folder(unlocked.persona.name)
        data = {
            "format": SECRETS_FORMAT,
            "storage_state": unlocked.state,
            "hmac_key": base64.b64encode(unlocked.key).decode(),
            "seen": unlocked.seen[-MAX_SEEN:],
        }
        if unlocked.persona.encrypted:
            if unlocked.passphrase is None:
                raise InvalidInput(f"persona {unlocked.persona.name} is encrypted: its passphrase is needed")
            _write(folder / "secrets.sealed", vault.seal(data, unlocked.passphrase))
        else:
            _write(folder / "secrets.json", (json.dumps(data, indent=2) + "\n").encode())

    def get(self, name: str) -> Persona:
        path = self._folder(name) / "persona.json"
        try:
            return Persona.from_json(json.loads(path.read_text("utf-8")))
        except FileNotFoundError:
            raise InvalidInput(f"no persona named {name} (see 'evidence-kit persona list')") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(f"persona {name}: {path} cannot be read ({exc})") from None

    def list(self) -> list[Persona]:
        if not self.root.is_dir():
            return []
        return [self.get(p.parent.name) for p in sorted(self.root.glob("*/persona.json")) if NAME.match(p.parent.name)]

    def unlock(self, name: str, passphrase: str | None = None) -> Unlocked:
        """The persona with its secrets; an encrypted one needs ``passphrase`` (or the environment's)."""
        persona = self.get(name)
        folder = self._folder(name)
        if persona.encrypted:
            passphrase = passphrase if passphrase is not None else os.environ.get(vault.PASSPHRASE_ENV)
            if not passphrase:
                raise InvalidInput(
                    f"persona {name} is encrypted: give its passphrase (prompt, or {vault.PASSPHRASE_ENV})"
                )
            data = vault.open_sealed((folder / "secrets.sealed").read_bytes(), passphrase, f"persona {name}")
        else:
            passphrase = None
            data = json.loads((folder / "secrets.json").read_text("utf-8"))
        return Unlocked(
            persona,
            data["storage_state"],
            base64.b64decode(data["hmac_key"]),
            list(data.get("seen", [])),
            passphrase,
        )

    def used(self, unlocked: Unlocked, when: datetime, logged_in: bool | None, state: dict[str, Any] | None) -> None:
        """After a capture: the session saved back only when it ended logged in (``state``), and the
        secret values it saw remembered; then when it was used and how it ended."""
        if state is not None:
            unlocked.state = state
        self.save_secrets(unlocked)
        unlocked.persona = replace(unlocked.persona, last_used=rfc3339(when), logged_in=logged_in)
        self._save_meta(unlocked.persona)

    def delete(self, name: str) -> None:
        folder = self._folder(name)
        if not (folder / "persona.json").is_file():
            raise InvalidInput(f"no persona named {name} (see 'evidence-kit persona list')")
        shutil.rmtree(folder)


def new_key() -> bytes:
    return random.token_bytes(32)
