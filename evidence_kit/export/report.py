"""The evidence report for people: ``data/report/report.html`` and ``report.pdf``.

Written for a prosecutor who has never heard of hashes and for the court expert who will check every
one of them: a case summary, one section per exhibit (exhibit numbers and file names match the bundle),
the custody timeline, the timestamps, and a chapter saying exactly how to verify everything by hand.
Images are blurred by default (victims may be in them) with a switch in the HTML; the PDF is printed
through the same Chromium the captures use, with page numbers in the footer.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import TOOL
from ..capture.browser import LAUNCH_ARGS, find_chromium
from ..errors import OperationFailed
from .contents import BagArtefact, Contents, Exhibit

HTML_PATH = "data/report/report.html"
PDF_PATH = "data/report/report.pdf"


CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: #111; margin: 0 1.2em; }
h1 { font-size: 20pt; margin-bottom: 0.2em; } h2 { font-size: 15pt; border-bottom: 2px solid #333;
margin-top: 1.6em; } h3 { font-size: 12pt; margin-bottom: 0.3em; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0 0.8em; }
th, td { border: 1px solid #bbb; padding: 3px 5px; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: #eee; } td.hash, code { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt;
word-break: break-all; }
.exhibit { page-break-before: always; } .chapter { page-break-before: always; }
.note { background: #f4f4f4; border-left: 4px solid #888; padding: 0.4em 0.8em; }
.shot img { max-width: 100%; max-height: 420px; object-fit: cover; object-position: top;
border: 1px solid #999; }
body.blurred .shot img { filter: blur(14px); }
.switch { position: sticky; top: 0; background: #ffd; padding: 0.3em; border: 1px solid #cc9; }
@media print { .switch { display: none; } }
pre { white-space: pre-wrap; font-size: 8.5pt; background: #f7f7f7; padding: 0.5em; }
"""

SWITCH = """<div class="switch"><label><input type="checkbox" id="show-images"
onchange="document.body.classList.toggle('blurred', !this.checked)"> Show images unblurred
(they are blurred by default: victims may be shown)</label></div>"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _rows(pairs: Iterable[tuple[str, Any]]) -> str:
    return "".join(
        f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in pairs if v not in (None, "", [], {})
    )


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


def _files_table(artefacts: Iterable[BagArtefact], number: str | None = None) -> str:
    def name(a: BagArtefact) -> str:
        text = _e(a.path.rsplit("/", 1)[-1])
        if number and a.exhibit and a.exhibit != number:
            # The same bytes were collected again: stored once, under the first exhibit's name.
            text += f"<br><small>(the same bytes as in exhibit {_e(a.exhibit)})</small>"
        return text

    rows = "".join(
        f"<tr><td>{name(a)}</td><td>{_e(a.role)}</td><td>{a.size:,}</td>"
        f"<td>{_e(a.mime)}</td>"
        f"<td class='hash'>{_e(a.sha256.split(':', 1)[1])}</td>"
        f"<td class='hash'>{_e(a.blake3.split(':', 1)[1])}</td></tr>"
        for a in artefacts
    )
    return (
        "<table><tr><th>file in the bundle (data/artefacts/)</th><th>role</th><th>bytes</th><th>type</th>"
        f"<th>SHA-256</th><th>BLAKE3</th></tr>{rows}</table>"
    )


def _metadata_section(contents: Contents, exhibit: Exhibit) -> str:
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
        rows = _rows(facts)
        if rows:
            parts.append(f"<h4>{_e(artefact.path.rsplit('/', 1)[-1])}</h4><table>{rows}</table>")
        selectors += [s for s in description.get("selectors", []) if isinstance(s, dict)]
    if selectors:
        seen = set()
        lines = []
        for s in selectors:
            key = (s.get("kind"), s.get("value"))
            if key in seen:
                continue
            seen.add(key)
            lines.append(
                f"<tr><td>{_e(s.get('kind'))}</td><td>{_e(s.get('value'))}</td>"
                f"<td>{_e(s.get('context'))}</td></tr>"
            )
        parts.append(
            "<h4>Selectors found (phone numbers, e-mail addresses, handles, wallets)</h4>"
            f"<table><tr><th>kind</th><th>value</th><th>context</th></tr>{''.join(lines)}</table>"
        )
    return "<h3>Key metadata</h3>" + "".join(parts) if parts else ""


def _exhibit_section(contents: Contents, exhibit: Exhibit, stamps: list[dict[str, Any]]) -> str:
    record = exhibit.record or {}
    out = [
        f"<section class='exhibit' id='{exhibit.number}'><h2>Exhibit {exhibit.number}: "
        f"{_e(exhibit.title)}</h2>"
    ]
    if record:
        env = record.get("environment") or {}
        page = record.get("page") or {}
        investigator = record.get("investigator") or {}
        viewport = env.get("viewport") or {}
        out.append(
            "<table>"
            + _rows(
                [
                    ("what", "capture of a web page"),
                    ("requested URL", record.get("url")),
                    ("final URL", record.get("final_url")),
                    ("redirects", " → ".join(str(r.get("url")) for r in record.get("redirects", []))),
                    ("page title", page.get("title")),
                    ("HTTP status", page.get("http_status")),
                    (
                        "server address",
                        f"{page.get('server_ip')}:{page.get('server_port')}"
                        if page.get("server_ip")
                        else None,
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
                        f"{investigator.get('name')} ({investigator.get('key_id')})"
                        if investigator
                        else None,
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
            )
            + "</table>"
        )
        shot = exhibit.artefact("screenshot") or exhibit.artefact("screenshot-viewport")
        if shot:
            out.append(
                f"<div class='shot'><img alt='screenshot of exhibit {exhibit.number}' "
                f"src='../{_e(shot.path[len('data/') :])}'><br><small>Screenshot "
                f"{_e(shot.path.rsplit('/', 1)[-1])} (blurred by default)</small></div>"
            )
    else:
        d = exhibit.event.details
        out.append(
            "<table>"
            + _rows(
                [
                    ("what", "a file obtained elsewhere and added to the case"),
                    ("original name", d.get("original_name")),
                    ("source", d.get("source")),
                    ("added (UTC)", exhibit.event.time),
                    ("added by", exhibit.event.actor),
                    ("file's own modification time", d.get("original_modified")),
                    ("custody event", exhibit.event.seq),
                ]
            )
            + "</table>"
        )
        first = exhibit.artefacts[0]
        if (first.mime or "").startswith("image/"):
            out.append(
                f"<div class='shot'><img alt='image of exhibit {exhibit.number}' "
                f"src='../{_e(first.path[len('data/') :])}'></div>"
            )
    out.append("<h3>Files</h3>" + _files_table(exhibit.artefacts, exhibit.number))
    out.append(_metadata_section(contents, exhibit))
    covering = _stamp_for(exhibit.artefacts, stamps)
    if covering:
        out.append(
            "<h3>Trusted timestamps</h3><table><tr><th>time-stamping authority</th><th>time (genTime, UTC)"
            "</th><th>serial</th><th>policy</th><th>token</th></tr>"
            + "".join(
                f"<tr><td>{_e(s['tsa'])}</td><td>{_e(s['gen_time'])}</td><td>{_e(s['serial'])}</td>"
                f"<td>{_e(s['policy'])}</td><td>{_e(s['token_path'])}</td></tr>"
                for s in covering
            )
            + "</table>"
        )
    else:
        out.append(
            "<p class='note'>No RFC 3161 timestamp in this bundle covers this exhibit's files yet.</p>"
        )
    out.append("</section>")
    return "".join(out)


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
    exhibits_rows = "".join(
        f"<tr><td><a href='#{e.number}'>{e.number}</a></td>"
        f"<td>{'web capture' if e.record else 'added file'}</td>"
        f"<td>{_e(e.title)}</td><td>{_e((e.record or {}).get('started') or e.event.time)}</td>"
        f"<td>{len(e.artefacts)}</td></tr>"
        for e in contents.exhibits
    )
    timeline = "".join(
        f"<tr><td>{e.seq}</td><td>{_e(e.time)}</td><td>{_e(e.actor)}</td><td>{_e(e.action)}</td>"
        f"<td>{_e(_summarise(e.details))}</td>"
        f"<td class='hash'>{_e(e.entry_hash.split(':', 1)[1][:16])}…</td></tr>"
        for e in contents.events
    )
    stamp_rows = "".join(
        f"<tr><td>{s['seq']}</td><td>{_e(s['tsa'])}</td><td>{_e(s['gen_time'])}</td><td>{_e(s['serial'])}</td>"
        f"<td>{_e(s['policy'])}</td><td>{len(s['covered'])}</td><td>{_e(s['token_path'])}</td></tr>"
        for s in stamps
    )
    investigators = ", ".join(f"{i['name']} ({i['key_id']})" for i in info.get("investigators", []))
    openssl = openssl_commands(contents) or [
        "openssl ts -verify -in data/timestamps/<token>.tsr -data data/timestamps/<manifest>.json "
        "-CAfile data/timestamps/<root>.pem -untrusted data/timestamps/<certificates>.pem"
    ]
    body = f"""
<h1>Evidence report — case {_e(case.id)}</h1>
<p><strong>{_e(info.get("title"))}</strong></p>
<table>{
        _rows(
            [
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
        )
    }</table>
<div class="note"><p><strong>How to read this report.</strong> Every file in this bundle has a
<em>fingerprint</em> (a hash: SHA-256 and BLAKE3) — a long number computed from its exact bytes. Changing a
single byte of a file changes its fingerprint completely, so anybody can recompute the fingerprints and
compare them with the ones printed here and recorded at the time of collection. The custody log lists
every step taken with the evidence, each step signed by the investigator who took it and linked to the
step before it, so no step can be changed, removed or inserted unnoticed. Trusted timestamps from an
independent time-stamping authority prove the evidence and the log existed at the time they state.
The last chapter says how an expert checks all of this without this software.</p></div>
<h2>Exhibits</h2>
<table><tr><th>exhibit</th><th>kind</th><th>what</th><th>collected (UTC)</th><th>files</th></tr>{
        exhibits_rows
    }</table>
{"".join(_exhibit_section(contents, e, stamps) for e in contents.exhibits)}
<section class="chapter"><h2>Custody timeline</h2>
<p>Every event of the custody log up to the head this bundle was cut at (event {
        contents.head.seq
    }). The export
that produced this bundle is recorded as the next event in the case's own log.</p>
<table><tr><th>#</th><th>time (UTC)</th><th>who</th><th>what</th><th>details</th><th>entry hash</th></tr>{
        timeline
    }</table>
<h2>Trusted timestamps (RFC 3161)</h2>
{
        (
            "<table><tr><th>event</th><th>authority</th><th>genTime (UTC)</th><th>serial</th><th>policy</th>"
            "<th>files covered</th><th>token</th></tr>" + stamp_rows + "</table>"
        )
        if stamps
        else '<p class="note">This bundle holds no RFC 3161 timestamp.</p>'
    }
</section>
<section class="chapter"><h2>How to verify this bundle by hand</h2>
<p>Unpack the zip if you received one. All commands run in the bundle's folder (where <code>bagit.txt</code>
is) and need no network. Each must report success; any failure names the file or event concerned.</p>
<ol>
<li><strong>Every file is intact.</strong> <code>sha256sum -c manifest-sha256.txt</code> — every line must say
<code>OK</code>. (<code>sha512sum -c manifest-sha512.txt</code> checks the same with SHA-512; <code>b3sum -c
manifest-blake3.txt</code> with BLAKE3.)</li>
<li><strong>The bag is complete</strong> (no file added or missing): <code>bagit.py --validate .</code>
(from the <code>bagit</code> Python package) must end with "is valid".</li>
<li><strong>The timestamps are genuine.</strong> For each token:
<pre>{
        "<br>".join(_e(c) for c in openssl)
    }</pre> must print <code>Verification: OK</code>. The time it proves is the
token's genTime: <code>openssl ts -reply -in TOKEN.tsr -text</code>.</li>
<li><strong>The custody log is unbroken and signed</strong>, every file in it is in the bundle and every
timestamp matches: <code>python -m chain_of_custody verify .</code> (only needs the Python packages
<code>blake3</code>, <code>cryptography</code> and <code>rfc3161-client</code>), or with the full toolkit
<code>evidence-kit verify .</code>. Add <code>--expect-head {contents.head.seq}:{
        _e(contents.head.entry_hash)
    }</code>
to confirm the log reaches the head printed in this report.</li>
<li><strong>The file names match the fingerprints.</strong> <code>data/artefacts.json</code> maps every file
name in this report to its SHA-256 and BLAKE3; <code>data/ledger/ledger.jsonl</code> is the custody log, one
event per line; <code>data/keys/</code> holds the investigators' public keys; <code>data/case.jsonld</code>
describes the same in CASE/UCO for forensic tools; <code>data/wacz/</code> holds one web archive per capture,
replayable in ReplayWeb.page.</li>
</ol></section>
"""
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Evidence report {_e(case.id)}"
        f"</title><style>{CSS}</style></head><body class='blurred'>{SWITCH}{body}</body></html>"
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
                    lambda route: (
                        route.continue_() if route.request.url.startswith("file:") else route.abort()
                    ),
                )
                for html_file, pdf_file, footer in jobs:
                    footer_html = (
                        f"<div style='font-size:8px;width:100%;text-align:center;color:#444'>"
                        f"{_e(footer)} — <span class='pageNumber'></span> / "
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


def add_to_bag(contents: Contents, writer: Any, options: dict[str, Any]) -> None:
    html_text = render_html(contents)
    writer.write_bytes(HTML_PATH, html_text.encode("utf-8"))
    pdf = writer.path(PDF_PATH)
    print_pdfs(
        [(writer.root / HTML_PATH, pdf, f"Case {contents.case.id} — evidence report — page")],
        options.get("chromium"),
        contents.case.settings.chromium,
    )
    writer.adopt(PDF_PATH)
