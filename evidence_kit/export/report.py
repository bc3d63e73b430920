"""The evidence report for people: ``data/report/report.html`` and ``report.pdf``.

Written for a prosecutor who has never heard of hashes and for the court expert who will check every
one of them: a case summary, one section per exhibit (exhibit numbers and file names match the bundle),
the custody timeline, the timestamps, and a chapter saying exactly how to verify everything by hand.
Images are blurred by default (victims may be in them) with a switch in the HTML; the PDF is printed
through the same Chromium the captures use, with page numbers in the footer.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import TOOL
from ..capture.browser import LAUNCH_ARGS, find_chromium
from ..errors import OperationFailed
from ..social import history as social_history
from .contents import BagArtefact, Contents, Exhibit
from .job import ExportJob
from .mla.providers import social_profile
from .templating import render

HTML_PATH = "data/report/report.html"
PDF_PATH = "data/report/report.pdf"


TEMPLATE = "report.html.j2"  # in evidence_kit/templates/


def _present(pairs: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The facts worth a table row: empty values are left out, not printed blank."""
    return [(k, v) for k, v in pairs if v not in (None, "", [], {})]


def timestamps_of(contents: Contents) -> list[dict[str, Any]]:
    """Every ``timestamp`` event in the cut, with what it covers."""
    stamps = []
    for event in contents.events_of("timestamp"):
        d = event.details
        token = (d.get("token") or {}).get("blake3")
        stamps.append(
            {
                "seq": event.seq,
                "tsa": d.get("tsa"),
                "gen_time": d.get("gen_time"),
                "serial": d.get("serial"),
                "policy": d.get("policy"),
                "covered": {str(a.get("blake3")) for a in d.get("covered_artefacts", [])},
                "covered_head": d.get("covered_head"),
                "token_path": contents.artefacts[token].path if token in contents.artefacts else None,
                "manifest_path": _path_of(contents, (d.get("manifest") or {}).get("blake3")),
                "certificates_path": _path_of(contents, (d.get("certificates") or {}).get("blake3")),
                "root_path": _path_of(contents, (d.get("root") or {}).get("blake3")),
            }
        )
    return stamps


def _path_of(contents: Contents, digest: Any) -> str | None:
    item = contents.artefacts.get(str(digest))
    return item.path if item else None


def openssl_commands(contents: Contents) -> list[str]:
    commands = []
    for stamp in timestamps_of(contents):
        if all(stamp[k] for k in ("token_path", "manifest_path", "certificates_path", "root_path")):
            commands.append(
                f"openssl ts -verify -in {stamp['token_path']} -data {stamp['manifest_path']} "
                f"-CAfile {stamp['root_path']} -untrusted {stamp['certificates_path']}"
            )
    return commands


def _stamp_for(artefacts: Iterable[BagArtefact], stamps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    digests = {a.blake3 for a in artefacts}
    return [s for s in stamps if digests & s["covered"]]


def _files(exhibit: Exhibit) -> list[dict[str, Any]]:
    return [
        {
            "name": a.path.rsplit("/", 1)[-1],
            # The same bytes were collected again: stored once, under the first exhibit's name.
            "same_as": a.exhibit if a.exhibit and a.exhibit != exhibit.number else None,
            "role": a.role,
            "size": f"{a.size:,}",
            "mime": a.mime,
            "sha256": a.sha256.split(":", 1)[1],
            "blake3": a.blake3.split(":", 1)[1],
        }
        for a in exhibit.artefacts
    ]


def _metadata(contents: Contents, exhibit: Exhibit) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Key facts of each file's metadata description, and the selectors found in them (each once)."""
    parts = []
    selectors: list[dict[str, Any]] = []
    for artefact in exhibit.artefacts:
        description = contents.description(artefact.blake3)
        if not description:
            continue
        embedded = description.get("embedded") or {}
        gps = embedded.get("gps") if isinstance(embedded, dict) else None
        highlights = embedded.get("highlights") if isinstance(embedded, dict) else None
        facts = [("file type", (description.get("filetype") or {}).get("description"))]
        if gps:
            facts.append(("GPS position", gps.get("readable") if isinstance(gps, dict) else gps))
        if isinstance(highlights, dict):
            facts += [(k, v) for k, v in list(highlights.items())[:12]]
        page = description.get("page") or {}
        if isinstance(page, dict) and page.get("title"):
            facts.append(("page title", page.get("title")))
        if _present(facts):
            parts.append({"name": artefact.path.rsplit("/", 1)[-1], "facts": _present(facts)})
        selectors += [s for s in description.get("selectors", []) if isinstance(s, dict)]
    unique: dict[tuple[Any, Any], dict[str, Any]] = {}
    for s in selectors:
        unique.setdefault((s.get("kind"), s.get("value")), s)
    return parts, list(unique.values())


def _capture_facts(exhibit: Exhibit) -> list[tuple[str, Any]]:
    record = exhibit.record or {}
    env = record.get("environment") or {}
    page = record.get("page") or {}
    investigator = record.get("investigator") or {}
    viewport = env.get("viewport") or {}
    return [
        ("what", "capture of a web page"),
        ("requested URL", record.get("url")),
        ("final URL", record.get("final_url")),
        ("redirects", " → ".join(str(r.get("url")) for r in record.get("redirects", []))),
        ("page title", page.get("title")),
        ("HTTP status", page.get("http_status")),
        (
            "server address",
            f"{page.get('server_ip')}:{page.get('server_port')}" if page.get("server_ip") else None,
        ),
        ("capture started (UTC)", record.get("started")),
        ("capture finished (UTC)", record.get("finished")),
        ("clock", record.get("clock_source")),
        ("status", record.get("status")),
        ("errors", "; ".join(record.get("errors") or [])),
        ("legal basis", record.get("legal_basis")),
        ("purpose", record.get("purpose")),
        (
            "collected by",
            f"{investigator.get('name')} ({investigator.get('key_id')})" if investigator else None,
        ),
        ("tool", env.get("tool")),
        ("browser", env.get("browser")),
        ("user agent", env.get("user_agent")),
        ("viewport", f"{viewport.get('width')}×{viewport.get('height')}" if viewport else None),
        ("operating system", env.get("os")),
        ("machine", env.get("hostname")),
        ("capture record", exhibit.record_path),
        ("custody event", exhibit.event.seq),
    ]


def _file_facts(exhibit: Exhibit) -> list[tuple[str, Any]]:
    d = exhibit.event.details
    return [
        ("what", "a file obtained elsewhere and added to the case"),
        ("original name", d.get("original_name")),
        ("source", d.get("source")),
        ("added (UTC)", exhibit.event.time),
        ("added by", exhibit.event.actor),
        ("file's own modification time", d.get("original_modified")),
        ("custody event", exhibit.event.seq),
    ]


def _image(exhibit: Exhibit) -> dict[str, str] | None:
    """The picture shown (blurred) in the exhibit's section: its screenshot, or an added image."""
    if exhibit.record:
        shot = exhibit.artefact("screenshot") or exhibit.artefact("screenshot-viewport")
        if shot is None:
            return None
        return {
            "alt": f"screenshot of exhibit {exhibit.number}",
            "src": "../" + shot.path[len("data/") :],
            "caption": f"Screenshot {shot.path.rsplit('/', 1)[-1]} (blurred by default)",
        }
    first = exhibit.artefacts[0]
    if not (first.mime or "").startswith("image/"):
        return None
    return {"alt": f"image of exhibit {exhibit.number}", "src": "../" + first.path[len("data/") :], "caption": ""}


def _exhibit(contents: Contents, exhibit: Exhibit, stamps: list[dict[str, Any]]) -> dict[str, Any]:
    metadata, selectors = _metadata(contents, exhibit)
    return {
        "number": exhibit.number,
        "title": exhibit.title,
        "kind": "web capture" if exhibit.record else "added file",
        "collected": (exhibit.record or {}).get("started") or exhibit.event.time,
        "facts": _present(_capture_facts(exhibit) if exhibit.record else _file_facts(exhibit)),
        "image": _image(exhibit),
        "files": _files(exhibit),
        "metadata": metadata,
        "selectors": selectors,
        "stamps": _stamp_for(exhibit.artefacts, stamps),
    }


def _accounts(contents: Contents) -> list[dict[str, Any]]:
    """The social-media accounts the exported captures recorded, each with its captures and changes."""
    groups: list[tuple[dict[str, Any], list[tuple[Exhibit, dict[str, Any]]]]] = []
    for exhibit in contents.exhibits:
        profile = social_profile(contents, exhibit)
        if profile is None or profile.get("account") is None:
            continue
        group = next((g for g in groups if social_history.same_account(g[0], profile)), None)
        if group is None:
            groups.append((profile, [(exhibit, profile)]))
        else:
            group[1].append((exhibit, profile))
    out = []
    for first, members in groups:
        rows = []
        for exhibit, profile in members:
            diff = _history_of(contents, exhibit)
            walls = ", ".join(w.get("code", "") for w in profile.get("walls") or [])
            rows.append(
                {
                    "exhibit": exhibit.number,
                    "captured": (profile.get("capture") or {}).get("started"),
                    "handle": "@" + str(_value(profile.get("handle"))) if profile.get("handle") else "",
                    "status": str(profile.get("status")) + (f" ({walls})" if walls else ""),
                    "posts_read": profile.get("posts_read"),
                    "changes": (social_history.sentences(diff) or ["no change"]) if diff else [],
                }
            )
        last = members[-1][1]
        out.append(
            {
                "platform": first.get("platform"),
                "title": "@" + str(_value(last.get("handle"))) if last.get("handle") else str(first.get("account")),
                "facts": _present(
                    [
                        ("stable id", _value(last.get("account_id"))),
                        ("handles seen", ", ".join(dict.fromkeys(str(r["handle"]) for r in rows if r["handle"]))),
                        ("display name", _value(last.get("display_name"))),
                        ("address", last.get("url")),
                        ("extractor", f"{last['extractor']['name']} {last['extractor']['version']}"),
                    ]
                ),
                "captures": rows,
            }
        )
    return out


def _value(item: Any) -> Any:
    return item.get("value") if isinstance(item, dict) else None


def _history_of(contents: Contents, exhibit: Exhibit) -> dict[str, Any] | None:
    for item in exhibit.artefacts:
        path = contents.sources.get(item.blake3)
        if item.role == "social-history" and path is not None:
            try:
                value = json.loads(path.read_bytes())
            except (OSError, ValueError):
                return None
            return value if isinstance(value, dict) else None
    return None


def _summarise(details: dict[str, Any]) -> str:
    keep = [
        f"{k}: {v}"
        for k, v in details.items()
        if k
        in (
            "to",
            "from",
            "note",
            "url",
            "capture_id",
            "original_name",
            "source",
            "tsa",
            "gen_time",
            "title",
            "status",
            "bundle",
        )
        and v not in (None, "", [])
    ]
    return "; ".join(keep)


def render_html(contents: Contents) -> str:
    case = contents.case
    info = case.info
    stamps = timestamps_of(contents)
    investigators = ", ".join(f"{i['name']} ({i['key_id']})" for i in info.get("investigators", []))
    summary = [
        ("case", case.id),
        ("offence", info.get("offence")),
        ("jurisdiction", info.get("jurisdiction")),
        ("organisation", info.get("organisation")),
        ("investigators", investigators),
        ("case opened (UTC)", info.get("created")),
        ("exhibits", len(contents.exhibits)),
        ("files in the bundle", len(contents.artefacts)),
        ("custody log", f"{len(contents.events)} events, ending at event {contents.head.seq}"),
        ("custody log head", contents.head.entry_hash),
        ("report made by", TOOL),
    ]
    timeline = [
        {
            "seq": e.seq,
            "time": e.time,
            "actor": e.actor,
            "action": e.action,
            "details": _summarise(e.details),
            "entry_hash": e.entry_hash.split(":", 1)[1][:16],
        }
        for e in contents.events
    ]
    openssl = openssl_commands(contents) or [
        "openssl ts -verify -in data/timestamps/<token>.tsr -data data/timestamps/<manifest>.json "
        "-CAfile data/timestamps/<root>.pem -untrusted data/timestamps/<certificates>.pem"
    ]
    return render(
        TEMPLATE,
        case=case,
        info={"title": info.get("title")},
        summary=_present(summary),
        exhibits=[_exhibit(contents, e, stamps) for e in contents.exhibits],
        timeline=timeline,
        accounts=_accounts(contents),
        stamps=stamps,
        head=contents.head,
        openssl=openssl,
    )


def chromium_path(configured: str | None = None) -> str:
    """The same Chromium the captures use (settings or EVIDENCE_KIT_CHROMIUM, Playwright's own, Debian's)."""
    return find_chromium(configured)


def print_pdfs(
    jobs: list[tuple[Path, Path, str]], executable: str | None = None, configured: str | None = None
) -> None:
    """Print HTML files to PDF (A4, page numbers in the footer) with one headless Chromium; no network."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    executable = executable or chromium_path(configured)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=list(LAUNCH_ARGS))
            try:
                page = browser.new_page()
                # Only the bundle's own files may load: nothing leaves the machine while printing.
                page.route(
                    "**/*",
                    lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
                )
                for html_file, pdf_file, footer in jobs:
                    footer_html = (
                        f"<div style='font-size:8px;width:100%;text-align:center;color:#444'>"
                        f"{html.escape(footer)} — <span class='pageNumber'></span> / "
                        "<span class='totalPages'></span></div>"
                    )
                    page.goto(html_file.resolve().as_uri(), wait_until="load")
                    page.pdf(
                        path=str(pdf_file),
                        format="A4",
                        print_background=True,
                        display_header_footer=True,
                        header_template="<div></div>",
                        footer_template=footer_html,
                        margin={"top": "14mm", "bottom": "16mm", "left": "10mm", "right": "10mm"},
                    )
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise OperationFailed(f"printing to PDF failed: {exc}") from None


def add_to_bag(job: ExportJob) -> None:
    contents, writer = job.contents, job.writer
    writer.write_bytes(HTML_PATH, render_html(contents).encode("utf-8"))
    pdf = writer.path(PDF_PATH)
    print_pdfs(
        [(writer.root / HTML_PATH, pdf, f"Case {contents.case.id} — evidence report — page")],
        job.options.chromium,
        contents.case.settings.chromium,
    )
    writer.adopt(PDF_PATH)
