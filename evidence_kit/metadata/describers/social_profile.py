"""A recorded social-media Profile (role ``social-profile``): its account identifiers as selectors.

Kind ``account``, two values per account: ``<platform>:id:<stable id>`` and ``<platform>:@<handle>``
(lower case), each with the other in its context, so that ``search --all`` finds the same account in
another case by its id even after a rename, and by either handle.
"""

from __future__ import annotations

import json

from .. import selectors
from .base import Item, Out


def describe(item: Item, out: Out) -> None:
    if item.work.role != "social-profile":
        return
    try:
        profile = json.loads(item.work.path.read_bytes())
    except ValueError:
        return
    if not isinstance(profile, dict):
        return
    platform = str(profile.get("platform") or "")
    ident = (profile.get("account_id") or {}).get("value")
    handle = (profile.get("handle") or {}).get("value")
    url = profile.get("url") or ""
    context = (
        f"{platform} account" + (f" id {ident}" if ident else "") + (f" @{handle}" if handle else "") + f" ({url})"
    )
    if ident:
        out.selectors.append(selectors.Selector("account", f"{platform}:id:{ident}", str(ident), context, "metadata"))
    if handle:
        value = f"{platform}:@{str(handle).lower()}"
        out.selectors.append(selectors.Selector("account", value, f"@{handle}", context, "metadata"))
    out.body["social_profile"] = {"platform": platform, "account_id": ident, "handle": handle, "url": url}
