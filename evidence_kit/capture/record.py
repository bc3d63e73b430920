"""The capture record (``evidence-kit-capture/1``, see docs/capture-record.md): what one capture produced.

Other stages (metadata, timestamps, export, MLA) read captures only through this record, so every fact
a court or a later stage needs is here: the request and what answered it, the environment, every
option, what the capture did to the page, and every artefact with both digests.
"""

from __future__ import annotations

import json
import platform
import socket
from dataclasses import dataclass
from typing import Any

from chain_of_custody.clock import rfc3339
from chain_of_custody.keys import Identity

from .. import TOOL
from . import network
from .browser import BrowserInfo
from .options import CaptureOptions
from .outcome import PageCapture, main_exchanges, main_hop

FORMAT = "evidence-kit-capture/1"
CLOCK_SOURCE = "system clock (not synchronised: see RFC 3161 timestamps)"
# Budapest Convention Art. 32(a): access to publicly available data wherever it is stored.
LEGAL_BASIS = "publicly accessible, not logged in (Budapest Convention Art. 32(a))"
# With a persona the page was not public: the record says whose account saw it, and under what authority.
PERSONA_LEGAL_BASIS = (
    "accessed with {account} (persona {name}), logged in: not publicly accessible; "
    "collected under the authorisation recorded with the case and the purpose stated"
)


def legal_basis(persona: dict[str, Any] | None) -> str:
    if persona is None:
        return LEGAL_BASIS
    handle, platform = persona.get("handle"), persona["platform"]
    account = f"the undercover account {handle} on {platform}" if handle else f"an undercover account on {platform}"
    return PERSONA_LEGAL_BASIS.format(account=account, name=persona["name"])


# The MIME type a role's bytes have; libmagic sees a gzipped WARC as gzip and MHTML as text.
ROLE_MIME = {
    "warc": "application/warc",
    "screenshot": "image/png",
    "screenshot-viewport": "image/png",
    "pdf": "application/pdf",
    "mhtml": "multipart/related",
    "dom": "text/html",
    "text": "text/plain",
    "video": "video/webm",
    "capture-record": "application/json",
    "har": "application/json",
}


@dataclass(frozen=True)
class ArtefactEntry:
    role: str
    blake3: str
    sha256: str
    size: int
    mime: str
    path: str  # absolute path in the case store
    extra: tuple[tuple[str, str], ...] = ()

    def to_record(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "blake3": self.blake3,
            "sha256": self.sha256,
            "size": self.size,
            "mime": self.mime,
            **dict(self.extra),
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.to_record(), "path": self.path}


def redirects(result: PageCapture) -> list[dict[str, Any]]:
    """Every main-document answer before the final one: HTTP redirects (3xx with a Location) and
    client-side ones (a page that sent the browser on by script or ``<meta http-equiv=refresh>``)."""
    chain = []
    hops = [hop for exchange in main_exchanges(result) for hop in exchange.hops if hop.status is not None]
    final = main_hop(result)
    for index, hop in enumerate(hops):
        if hop is final:
            continue
        location = next((v for n, v in hop.response_headers or [] if n.lower() == "location"), None)
        kind = "http" if hop.status is not None and 300 <= hop.status < 400 and location else "client"
        if kind == "client" and index + 1 < len(hops):
            location = hops[index + 1].url
        chain.append({"url": hop.url, "status": hop.status, "location": location, "kind": kind})
    return chain


def page_facts(result: PageCapture) -> dict[str, Any]:
    hop = main_hop(result)
    tls = None
    if hop is not None and (hop.security or result.tls_chain):
        tls = network.certificate_facts(result.tls_chain, hop.security)
    return {
        "title": result.title,
        "http_status": hop.status if hop else None,
        "status_text": hop.status_text if hop else None,
        "protocol": hop.protocol if hop else None,
        "headers": [list(pair) for pair in (hop.response_headers or [])] if hop else [],
        "server_ip": (hop.remote_ip or "").strip("[]") or None if hop else None,
        "server_port": hop.remote_port if hop else None,
        "dns": result.dns,
        "tls": tls,
        "frames": result.frames,
    }


def environment(info: BrowserInfo, options: CaptureOptions, user_agent: str | None) -> dict[str, Any]:
    return {
        "tool": TOOL,
        "browser": f"{info.name} {info.version}",
        "browser_executable": info.executable,
        "user_agent": user_agent or info.user_agent,
        "viewport": {"width": options.viewport_width, "height": options.viewport_height},
        "locale": options.locale,
        "timezone": options.timezone,
        "os": platform.platform(),
        "hostname": socket.gethostname(),
        "python": platform.python_version(),
    }


def build(
    *,
    capture_id: str,
    case_id: str,
    result: PageCapture,
    identity: Identity,
    role: str | None,
    organisation: str | None,
    options: CaptureOptions,
    info: BrowserInfo,
    artefacts: list[ArtefactEntry],
    resources: int | None,
    persona: dict[str, Any] | None = None,
    authorisation: dict[str, Any] | None = None,
    redaction: dict[str, Any] | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "format": FORMAT,
        "id": capture_id,
        "case_id": case_id,
        "url": result.url,
        "final_url": result.final_url,
        "status": result.status,
        "errors": list(result.errors),
        "warnings": list(result.warnings),
        "started": rfc3339(result.started),
        "loaded": rfc3339(result.loaded) if result.loaded else None,
        "finished": rfc3339(result.finished) if result.finished else None,
        "clock_source": CLOCK_SOURCE,
        "legal_basis": legal_basis(persona),
        "persona": persona,
        "authorisation": authorisation,
        "investigator": {
            "name": identity.name,
            "key_id": identity.key_id,
            "role": role,
            "organisation": organisation,
        },
        "purpose": options.purpose,
        "redirects": redirects(result),
        "page": page_facts(result),
        "environment": environment(info, options, result.user_agent),
        "options": options.to_json(),
        "behaviours": result.behaviours,
        "address_rules": result.address_rules,
        "blocked_requests": result.blocked,
        "blocked_requests_not_listed": result.blocked_unlisted,
        "dialogs": result.dialogs,
        "popups": result.popups,
        "downloads": [],
        "video": result.video_note,
        "timings": result.timings,
        "memory": result.memory,
        "resources": resources,
        "artefacts": [a.to_record() for a in artefacts],
        "redaction": redaction,
    }
    for download in result.downloads:
        entry = next((a for a in artefacts if a.role == "download" and dict(a.extra).get("url") == download.url), None)
        record["downloads"].append(
            {
                "url": download.url,
                "suggested_filename": download.suggested_filename,
                "blake3": entry.blake3 if entry else None,
                "error": download.error,
                "cut": download.cut,
            }
        )
    return record


# What each role is called in a sentence of the record.
ROLE_NAMES = {
    "screenshot": "full-page screenshot",
    "screenshot-viewport": "viewport screenshot",
    "pdf": "PDF",
    "mhtml": "MHTML snapshot",
    "dom": "DOM",
    "text": "text",
    "video": "video",
}


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def main_body_whole(result: PageCapture) -> bool:
    """Whether the WARC holds the main document's body whole (not cut by a bound, withheld or missing)."""
    final = main_exchanges(result)[-1:]
    return bool(final) and final[0].body is not None and not final[0].cut and not final[0].withheld


def artefact_warnings(result: PageCapture, stored: set[str]) -> list[str]:
    """Sentences about what the stored artefacts hold, each true of what was stored (``stored``: roles)."""
    sentences = []
    if result.is_download:
        kept = [d for d in result.downloads if d.data is not None]
        if "download" not in stored or not kept:
            what = "the file could not be kept (see downloads)"
        elif any(d.cut for d in kept):
            what = "the file is kept as a download, cut by its bound (see downloads)"
        else:
            what = "the file is kept as a download"
        sentences.append(f"the URL is a file download, not a page: {what}")
    whole = [ROLE_NAMES[r] for r in ("pdf", "dom", "text") if r in stored and r not in result.cut]
    if main_body_whole(result):
        whole.append("WARC")
    for role, part in result.cut.items():
        if role not in stored:
            continue  # not stored at all: the step's error says so
        rest = (
            f"the {_listed(whole)} {'holds' if len(whole) == 1 else 'hold'} the rest"
            if whole
            else "no stored artefact holds the rest"
        )
        sentences.append(f"the {ROLE_NAMES[role]} holds {part}; {rest}")
    main = result.main_blocked or {}
    answered = [
        b
        for b in result.blocked
        if b.get("stage") == "response" and (b.get("url"), b.get("stage")) != (main.get("url"), main.get("stage"))
    ]
    if answered:
        sentence = (
            f"{len(answered)} response(s) came from blocked addresses: the WARC keeps their headers, not their bodies"
        )
        shown = [ROLE_NAMES[r] for r in ROLE_NAMES if r in stored]
        if shown:
            sentence += f"; the page had received them, so the {_listed(shown)} may show what they held"
        sentences.append(sentence)
    return sentences


def to_bytes(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
