"""Service providers and accounts found in the exported evidence: the site captured itself, the accounts
at known platforms the captured pages name or link to, and those named in handed-over files (a chat's
participants on WhatsApp, a Telegram username, the mailbox an e-mail came from)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..contents import Contents, Exhibit

# Where a platform's data is held and who answers for it (public law-enforcement guidelines).
PROVIDERS: dict[str, tuple[str, str]] = {
    "facebook.com": ("Meta Platforms Ireland Limited", "Ireland"),
    "instagram.com": ("Meta Platforms Ireland Limited", "Ireland"),
    "whatsapp.com": ("WhatsApp Ireland Limited", "Ireland"),
    "x.com": ("Twitter International Unlimited Company (X)", "Ireland"),
    "twitter.com": ("Twitter International Unlimited Company (X)", "Ireland"),
    "tiktok.com": ("TikTok Technology Limited", "Ireland"),
    "youtube.com": ("Google LLC", "United States"),
    "google.com": ("Google LLC", "United States"),
    "t.me": ("Telegram FZ-LLC", "United Arab Emirates"),
    "telegram.org": ("Telegram FZ-LLC", "United Arab Emirates"),
    "vk.com": ("VK Company Limited", "Russian Federation"),
    "linkedin.com": ("LinkedIn Ireland Unlimited Company", "Ireland"),
    "reddit.com": ("Reddit, Inc.", "United States"),
    "snapchat.com": ("Snap Inc.", "United States"),
    "olx.bg": ("OLX Bulgaria EOOD", "Bulgaria"),
    "viber.com": ("Viber Media S.à r.l.", "Luxembourg"),
    "signal.org": ("Signal Messenger LLC", "United States"),
    # Mailbox providers (an e-mail address's domain names who holds the mailbox).
    "gmail.com": ("Google LLC", "United States"),
    "outlook.com": ("Microsoft Ireland Operations Limited", "Ireland"),
    "yahoo.com": ("Yahoo EMEA Limited", "Ireland"),
    "icloud.com": ("Apple Distribution International Limited", "Ireland"),
    "proton.me": ("Proton AG", "Switzerland"),
    "gmx.net": ("1&1 Mail & Media GmbH", "Germany"),
    "mail.ru": ("VK Company Limited", "Russian Federation"),
    "yandex.ru": ("Yandex LLC", "Russian Federation"),
}
# Other domains of the same mailbox providers.
MAIL_ALIASES = {
    "googlemail.com": "gmail.com",
    "hotmail.com": "outlook.com",
    "live.com": "outlook.com",
    "msn.com": "outlook.com",
    "me.com": "icloud.com",
    "mac.com": "icloud.com",
    "protonmail.com": "proton.me",
    "pm.me": "proton.me",
    "gmx.de": "gmx.net",
    "gmx.com": "gmx.net",
    "web.de": "gmx.net",
    "bk.ru": "mail.ru",
    "inbox.ru": "mail.ru",
    "list.ru": "mail.ru",
    "yandex.com": "yandex.ru",
    "ya.ru": "yandex.ru",
}
# The headers that name the sender's own mailbox (not the recipients').
SENDER_HEADERS = ("From", "Sender", "Reply-To", "Return-Path")
HANDLE_PLATFORMS = {
    "instagram.com",
    "x.com",
    "twitter.com",
    "tiktok.com",
    "t.me",
    "vk.com",
    "facebook.com",
    "youtube.com",
    "reddit.com",
    "snapchat.com",
    "linkedin.com",
}
NOT_HANDLES = {
    "p",
    "reel",
    "status",
    "watch",
    "share",
    "groups",
    "pages",
    "profile.php",
    "story",
    "stories",
    "explore",
    "hashtag",
    "search",
    "in",
    "company",
    "user",
    "u",
    "r",
    "channel",
    "c",
    "video",
    "s",
}


@dataclass
class Account:
    key: str
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)
    exhibits: list[Exhibit] = field(default_factory=list)

    def add(self, kind: str, value: str) -> None:
        if value and (kind, value) not in self.identifiers:
            self.identifiers.append((kind, value))


@dataclass
class Provider:
    name: str
    jurisdiction: str
    hosts: list[str] = field(default_factory=list)
    accounts: dict[str, Account] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "-", self.name).strip("-").lower()[:60] or "provider"

    @property
    def exhibits(self) -> list[Exhibit]:
        seen: dict[str, Exhibit] = {}
        for account in self.accounts.values():
            for exhibit in account.exhibits:
                seen.setdefault(exhibit.number, exhibit)
        return [seen[k] for k in sorted(seen)]


# Short links and second domains of the same services.
ALIASES = {
    "wa.me": "whatsapp.com",
    "fb.com": "facebook.com",
    "fb.me": "facebook.com",
    "telegram.me": "t.me",
    "instagr.am": "instagram.com",
    "youtu.be": "youtube.com",
    "viber.me": "viber.com",
}
# Selector kinds (evidence_kit.metadata.selectors) that name an account on one platform.
PLATFORM_KINDS = {
    "telegram": "t.me",
    "instagram": "instagram.com",
    "tiktok": "tiktok.com",
    "x": "x.com",
    "facebook": "facebook.com",
    "whatsapp": "whatsapp.com",
    "viber": "viber.com",
    "signal": "signal.org",
}


def _registered(host: str) -> str:
    host = host.lower().split(":")[0]
    for alias, known in ALIASES.items():
        if host == alias or host.endswith("." + alias):
            return known
    for known in PROVIDERS:
        if host == known or host.endswith("." + known):
            return known
    return host


def _account_of(url: str, record: dict[str, Any]) -> tuple[str, str, list[tuple[str, str]]]:
    """(provider key, account key, identifiers) for one captured URL."""
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    domain = _registered(parts.hostname or netloc)
    identifiers: list[tuple[str, str]] = [("URL", url)]
    key = url
    segments = [s for s in parts.path.split("/") if s]
    query = parse_qs(parts.query)
    if "id" in query and query["id"][0].isdigit():
        identifiers.append(("numeric id", query["id"][0]))
        key = f"{domain}:id:{query['id'][0]}"
    elif domain in HANDLE_PLATFORMS and segments and segments[0] not in NOT_HANDLES:
        handle = segments[0].lstrip("@")
        identifiers.append(("handle", "@" + handle))
        key = f"{domain}:@{handle.lower()}"
    profile = record.get("profile") if isinstance(record.get("profile"), dict) else {}
    for kind, name in (
        ("handle", "handle"),
        ("numeric id", "id"),
        ("numeric id", "numeric_id"),
        ("display name", "display_name"),
    ):
        value = (profile or {}).get(name)
        if value:
            identifiers.append((kind, ("@" + str(value).lstrip("@")) if kind == "handle" else str(value)))
            if kind == "numeric id":
                key = f"{domain}:id:{value}"
    return (domain if domain in PROVIDERS else netloc), key, identifiers


def _linked_accounts(selectors: list[dict[str, Any]]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Accounts at known platforms a captured page names or links to (t.me/…, wa.me/…, "Telegram: @…")."""
    found = []
    for item in selectors:
        kind, value = str(item.get("kind") or ""), str(item.get("value") or "")
        if kind == "url":
            parts = urlsplit(value)
            domain = _registered(parts.hostname or "")
            if domain not in PROVIDERS:
                continue
            digits = parts.path.strip("/")
            if domain == "whatsapp.com" and digits.isdigit():
                found.append(
                    (
                        domain,
                        f"{domain}:+{digits}",
                        [("phone number", "+" + digits), ("URL linked from the page", value)],
                    )
                )
                continue
            _, key, identifiers = _account_of(value, {})
            if len(identifiers) > 1:  # a profile link, not just a page of the platform
                found.append((domain, key, [("URL linked from the page", value), *identifiers[1:]]))
        elif kind in PLATFORM_KINDS and value:
            domain = PLATFORM_KINDS[kind]
            label = "phone number" if value.startswith("+") else "handle"
            found.append((domain, f"{domain}:{value.lower()}", [(label, value)]))
    return found


def _mail_provider(address: str) -> str:
    domain = address.rsplit("@", 1)[-1].lower()
    domain = MAIL_ALIASES.get(domain, domain)
    return domain if domain in PROVIDERS else _registered(domain)


def _handed_over_accounts(descriptions: list[dict[str, Any]]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Accounts named in a handed-over file: the platform accounts its selectors name (a WhatsApp
    participant's number, a Telegram username), every address at a known mailbox provider, and the
    mailbox a handed-over e-mail came from (From, Sender, Reply-To, Return-Path) at any domain."""
    selectors = [s for d in descriptions for s in d.get("selectors", []) if isinstance(s, dict)]
    found = _linked_accounts(selectors)
    senders = {
        str(address).lower()
        for d in descriptions
        for header, addresses in ((d.get("email") or {}).get("addresses") or {}).items()
        if header in SENDER_HEADERS and isinstance(addresses, list)
        for address in addresses
    }
    for item in selectors:
        value = str(item.get("value") or "").lower()
        if item.get("kind") == "email" and "@" in value and _mail_provider(value) in PROVIDERS:
            senders.add(value)
    for address in sorted(senders):
        provider = _mail_provider(address)
        found.append((provider, f"{provider}:{address}", [("e-mail address", address)]))
    return found


# The provider of a platform the social extractors name (evidence_kit.social.registry), by its domain.
SOCIAL_PLATFORMS = {
    "telegram": "t.me",
    "instagram": "instagram.com",
    "tiktok": "tiktok.com",
    "x": "x.com",
    "facebook": "facebook.com",
    "vk": "vk.com",
}


def social_profile(contents: Contents, exhibit: Exhibit) -> dict[str, Any] | None:
    """The recorded Profile of a capture of an account (``capture-profile``), if it has one."""
    return contents.recorded_json(exhibit, "social-profile")


def _social_account(profile: dict[str, Any]) -> tuple[str, str, list[tuple[str, str]]] | None:
    """(provider key, account key, identifiers) of a recorded Profile: platform, id, handle, URL."""

    def value(name: str) -> str | None:
        item = profile.get(name)
        found = item.get("value") if isinstance(item, dict) else None
        return str(found) if found not in (None, "") else None

    ident, handle = value("account_id"), value("handle")
    if ident is None and handle is None:
        return None
    platform = str(profile.get("platform") or "")
    url = str(profile.get("url") or "")
    domain = SOCIAL_PLATFORMS.get(platform) or _registered(urlsplit(ident or url).hostname or "")
    identifiers = [("platform", platform)]
    if ident:
        identifiers.append(("numeric id" if ident.lstrip("-").isdigit() else "account id", ident))
    if handle:
        identifiers.append(("handle", "@" + handle.lstrip("@")))
    identifiers.append(("URL", url))
    if value("display_name"):
        identifiers.append(("display name", str(value("display_name"))))
    key = f"{domain}:id:{ident}" if ident else f"{domain}:@{str(handle).lower()}"
    return domain, key, identifiers


def providers_of(contents: Contents) -> list[Provider]:
    """Every service provider and account the exported captures show, with the exhibits for each: the
    site captured itself, and the accounts at known platforms the captured pages name or link to."""
    providers: dict[str, Provider] = {}

    def account(provider_key: str, account_key: str) -> Account:
        name, jurisdiction = PROVIDERS.get(
            provider_key,
            (f"operator of {provider_key}", "to be established (domain registration data: CETS 224 Art. 6)"),
        )
        provider = providers.setdefault(provider_key, Provider(name, jurisdiction))
        if provider_key not in provider.hosts:
            provider.hosts.append(provider_key)
        return provider.accounts.setdefault(account_key, Account(account_key))

    for exhibit in contents.exhibits:
        record = exhibit.record
        if not record:
            described = [d for a in exhibit.artefacts if (d := contents.description(a.blake3))]
            for linked_provider, linked_key, linked in _handed_over_accounts(described):
                target = account(linked_provider, linked_key)
                for kind, value in linked:
                    target.add(kind, value)
                if exhibit not in target.exhibits:
                    target.exhibits.append(exhibit)
            continue
        url = str(record.get("final_url") or record.get("url"))
        profile = social_profile(contents, exhibit)
        social = _social_account(profile) if profile else None
        provider_key, account_key, identifiers = social or _account_of(url, record)
        if record.get("url") and record.get("url") != url:
            identifiers.append(("URL as requested", str(record["url"])))
        captured = account(provider_key, account_key)
        for kind, value in identifiers:
            captured.add(kind, value)
        captured.exhibits.append(exhibit)
        selectors = [
            s
            for a in exhibit.artefacts
            for s in (contents.description(a.blake3) or {}).get("selectors", [])
            if isinstance(s, dict)
        ]
        for linked_provider, linked_key, linked in _linked_accounts(selectors):
            if linked_key == account_key:
                continue
            target = account(linked_provider, linked_key)
            for kind, value in linked:
                target.add(kind, value)
            if exhibit not in target.exhibits:
                target.exhibits.append(exhibit)
    return sorted(providers.values(), key=lambda p: p.name)
