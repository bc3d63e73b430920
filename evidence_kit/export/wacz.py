"""One WACZ 1.1.1 per web capture (``data/wacz/E01-<capture-id>.wacz``), replayable in ReplayWeb.page.

Built with the ``wacz`` package (``wacz create``): it writes the CDX index, ``pages/pages.jsonl``,
``datapackage.json`` and ``datapackage-digest.json`` exactly as ``wacz validate`` re-derives them. The
captured WARC goes in byte for byte (so its SHA-256 in datapackage.json is the one in the ledger), and it
already holds the screenshots and the capture's provenance as resource/metadata records.
Each WACZ is then signed with the exporting investigator's enrolled WACZ key (:mod:`.wacz_signing`, by
the WACZ Signing and Verification spec, anonymous mode), so ReplayWeb.page shows it as signed by that key;
``wacz create``'s own signing needs an outside signing server and is not used.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import OperationFailed
from .contents import Contents, Exhibit
from .job import ExportJob
from .wacz_signing import WaczSigner, sign_wacz

FOLDER = "data/wacz"


class NoPage(OperationFailed):
    """A capture whose WARC holds no HTTP response at all (it failed before the page answered)."""


def wacz_path(exhibit: Exhibit) -> str:
    return f"{FOLDER}/{exhibit.number}-{exhibit.capture_id}.wacz"


def _warc_name(source: Path, capture_id: str) -> str:
    with open(source, "rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    return f"{capture_id}.warc.gz" if gzipped else f"{capture_id}.warc"


def _response_date(warc: Path, url: str) -> tuple[str, str] | None:
    """(URL, WARC-Date) of the page's own response: the index knows the page by exactly these."""
    from warcio.archiveiterator import ArchiveIterator

    fallback: tuple[str, str, bool] | None = None
    with open(warc, "rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type not in ("response", "revisit"):
                continue
            target = record.rec_headers.get_header("WARC-Target-URI")
            date = record.rec_headers.get_header("WARC-Date")
            status = record.http_headers.get_statuscode() if record.http_headers else ""
            if target == url:
                return target, date
            content_type = record.http_headers.get_header("Content-Type", "") if record.http_headers else ""
            ok_html = status.startswith("2") and content_type.startswith("text/html")
            if fallback is None or (ok_html and not fallback[2]):
                fallback = (target, date, ok_html)
    return (fallback[0], fallback[1]) if fallback else None


def build(contents: Contents, exhibit: Exhibit, target: Path, signer: WaczSigner | None) -> None:
    """Write the WACZ of one capture exhibit to ``target``, signed by ``signer``.

    ``signer`` is None only for a WACZ that never leaves this machine (the web UI's replay of a capture,
    built in a temporary folder): it is left unsigned, since signing would need the investigator's key and
    an enrolment event in the case, and a replay must not write to the case.
    """
    from wacz.main import main as wacz_main

    record = exhibit.record or {}
    warc = exhibit.artefact("warc")
    if warc is None:
        raise OperationFailed(f"exhibit {exhibit.number} ({exhibit.capture_id}) has no WARC to package as WACZ")
    source = contents.sources[warc.blake3]
    found = _response_date(source, str(record.get("final_url") or record.get("url")))
    if found is None:
        raise NoPage(f"exhibit {exhibit.number}: its WARC holds no HTTP response, so no page to replay")
    url, warc_date = found
    title = str((record.get("page") or {}).get("title") or url)
    with tempfile.TemporaryDirectory(prefix="evidence-wacz-") as temp:
        folder = Path(temp)
        warc_copy = folder / _warc_name(source, str(exhibit.capture_id))
        os.symlink(source, warc_copy)  # wacz create copies it into the WACZ: no second copy here
        pages = folder / "pages.jsonl"
        pages.write_text(
            json.dumps({"format": "json-pages-1.0", "id": "pages", "title": f"Exhibit {exhibit.number}"})
            + "\n"
            + json.dumps({"id": str(exhibit.capture_id), "url": url, "ts": warc_date, "title": title})
            + "\n",
            "utf-8",
        )
        output = folder / "unsigned.wacz"
        args = [
            "create",
            "-o",
            str(output),
            str(warc_copy),
            "-p",
            str(pages),
            "--url",
            url,
            "--title",
            f"Case {contents.case.id} exhibit {exhibit.number}",
            "--desc",
            f"Web capture {exhibit.capture_id} of {record.get('url')} (evidence-kit; see the bundle's custody ledger)",
        ]
        log = io.StringIO()
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            try:
                code = wacz_main(args)
            except SystemExit as exc:  # argparse errors
                code = exc.code if isinstance(exc.code, int) else 1
        if code != 0 or not output.is_file():
            output.unlink(missing_ok=True)
            raise OperationFailed(f"WACZ of exhibit {exhibit.number} failed: {log.getvalue().strip()[-400:]}")
        if signer is None:
            shutil.move(output, target)
        else:
            sign_wacz(output, target, signer)


def needed(contents: Contents) -> bool:
    """Will this export write a WACZ (so the investigator's WACZ key must be enrolled before the cut)?"""
    return any(e.kind == "capture" and e.artefact("warc") is not None for e in contents.exhibits)


def add_to_bag(job: ExportJob) -> None:
    for exhibit in job.contents.exhibits:
        if exhibit.kind != "capture" or exhibit.artefact("warc") is None:
            continue
        if job.wacz_signer is None:
            raise OperationFailed("no WACZ signing key was enrolled for this export; every WACZ is signed")
        rel = wacz_path(exhibit)
        try:
            build(job.contents, exhibit, job.writer.path(rel), job.wacz_signer)
        except NoPage as exc:
            job.warnings.append(f"no WACZ for {exc}")
            continue
        job.writer.adopt(rel)
