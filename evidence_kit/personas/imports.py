"""A logged-in session brought in from elsewhere: a Netscape ``cookies.txt`` or a Playwright storage state.

Both become one Playwright storage state (``{"cookies": [...], "origins": [...]}``), the form a browser
context is built from. Files are read bounded and refused with one line naming what is wrong.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

from ..errors import InvalidInput

MAX_BYTES = 16 << 20
SAME_SITE = {"strict": "Strict", "lax": "Lax", "none": "None"}


def _read(path: Path) -> str:
    from ..store import open_regular

    try:
        with open_regular(path) as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise InvalidInput(f"{path} is larger than {MAX_BYTES:,} bytes: not a cookie file")
    try:
        return str(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text") from None


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def cookies_txt(path: Path) -> dict[str, Any]:
    """A Netscape cookies.txt (what browser extensions and curl write) as a storage state."""
    cookies = []
    for number, line in enumerate(_read(path).splitlines(), 1):
        http_only = line.startswith("#HttpOnly_")
        if http_only:
            line = line[len("#HttpOnly_") :]
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 7:
            raise InvalidInput(f"{path} line {number}: not a cookies.txt line (7 tab-separated fields)")
        domain, subdomains, cookie_path, secure, expires, name, value = fields
        try:
            expiry = int(expires)
        except ValueError:
            raise InvalidInput(f"{path} line {number}: the expiry {expires!r} is not a number") from None
        host = domain.lstrip(".")
        if subdomains.upper() == "TRUE" and not _is_address(host):
            domain = "." + host
        else:
            domain = host
        cookies.append(
            {
                "name": name,
                "value": value,
                "domain": domain,
                "path": cookie_path or "/",
                "expires": float(expiry) if expiry > 0 else -1,
                "httpOnly": http_only,
                "secure": secure.upper() == "TRUE",
                "sameSite": "Lax",
            }
        )
    if not cookies:
        raise InvalidInput(f"{path} holds no cookies")
    return {"cookies": cookies, "origins": []}


def storage_state(path: Path) -> dict[str, Any]:
    """A Playwright storage state (``context.storage_state(path=...)``), checked for its shape."""
    try:
        data = json.loads(_read(path))
    except ValueError as exc:
        raise InvalidInput(f"{path} is not valid JSON: {exc}") from None
    return check_state(data, str(path))


def check_state(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("cookies", []), list):
        raise InvalidInput(f"{what}: not a Playwright storage state (an object with 'cookies' and 'origins')")
    cookies = []
    for number, cookie in enumerate(data.get("cookies", []), 1):
        if not isinstance(cookie, dict) or not all(isinstance(cookie.get(k), str) for k in ("name", "value", "domain")):
            raise InvalidInput(f"{what}: cookie {number} needs a name, a value and a domain")
        same_site = SAME_SITE.get(str(cookie.get("sameSite", "Lax")).lower(), "Lax")
        cookies.append(
            {
                "name": cookie["name"],
                "value": cookie["value"],
                "domain": cookie["domain"],
                "path": str(cookie.get("path") or "/"),
                "expires": float(cookie.get("expires", -1)),
                "httpOnly": bool(cookie.get("httpOnly", False)),
                "secure": bool(cookie.get("secure", False)),
                "sameSite": same_site,
            }
        )
    origins = []
    for origin in data.get("origins", []) or []:
        if not isinstance(origin, dict) or not isinstance(origin.get("origin"), str):
            raise InvalidInput(f"{what}: each origin needs an 'origin'")
        items = [
            {"name": str(i["name"]), "value": str(i["value"])}
            for i in origin.get("localStorage", []) or []
            if isinstance(i, dict) and "name" in i and "value" in i
        ]
        origins.append({"origin": origin["origin"], "localStorage": items})
    if not cookies and not origins:
        raise InvalidInput(f"{what} holds no cookies and no local storage: nothing to log in with")
    return {"cookies": cookies, "origins": origins}
