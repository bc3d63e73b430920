"""Export a case as one self-contained evidence bundle: a BagIt bag (RFC 8493), as a folder or a zip.

The evidence is copied into the bag (:mod:`.bag`, which hashes each copy and checks it against the
ledger), then each stage of :mod:`.stages` adds its derived files, then the tag files close the bag.
The layout is described in :mod:`chain_of_custody.bundle`, which verifies it.

The export is itself a custody event, appended after the cut: the bundle's ledger ends at the head it
records (``Ledger-Head`` in bag-info.txt and ``data/ledger/head.json``), and the export event names that
head, the bundle's tag-manifest digest and, for ``--zip``, the zip's SHA-256 and BLAKE3.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chain_of_custody import bundle as layout
from chain_of_custody import bundle_signature
from chain_of_custody.clock import Clock, rfc3339
from chain_of_custody.hashing import CHUNK, hash_file
from chain_of_custody.keys import Identity
from chain_of_custody.ledger import Event, write_jsonl

from .. import TOOL
from ..case import Case
from ..errors import InvalidInput, OperationFailed
from ..machine import machine_facts
from . import leftovers, secrets, wacz, wacz_signing
from .bag import BagWriter, write_tag_files
from .contents import Contents, gather, mapping_json
from .job import ExportJob, ExportOptions
from .printing import Printer, chromium_path
from .stages import STAGES, Stage

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest zip time: a fixed date makes the zip reproducible

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ExportResult:
    path: Path  # the bundle folder, or the zip
    case_id: str
    head: str  # "SEQ:blake3:…" the bundle's ledger ends at
    event: Event  # the export custody event (after the cut)
    exhibits: int
    artefacts: int
    payload_oxum: str
    tagmanifest_sha256: str
    zip_sha256: str | None = None
    zip_blake3: str | None = None
    zip_size: int | None = None
    mla_missing: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    files: tuple[str, ...] = field(default_factory=tuple)
    cleaned: tuple[str, ...] = ()  # what interrupted exports had left, removed before this one

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path.resolve()),
            "case_id": self.case_id,
            "ledger_head": self.head,
            "export_event": self.event.seq,
            "export_event_hash": self.event.entry_hash,
            "exhibits": self.exhibits,
            "artefacts": self.artefacts,
            "payload_oxum": self.payload_oxum,
            "tagmanifest_sha256": self.tagmanifest_sha256,
            "zip_sha256": self.zip_sha256,
            "zip_blake3": self.zip_blake3,
            "zip_size": self.zip_size,
            "mla_missing": list(self.mla_missing),
            "warnings": list(self.warnings),
            "cleaned": list(self.cleaned),
        }


def write_zip(folder: Path, target: Path, top: str) -> None:
    """One deterministic zip: entries in sorted order under one top folder, fixed times and modes."""
    files = sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.relative_to(folder).as_posix())
    with zipfile.ZipFile(target, "x", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in files:
            rel = path.relative_to(folder).as_posix()
            info = zipfile.ZipInfo(f"{top}/{rel}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100444 if rel.startswith("data/artefacts/") else 0o100644) << 16
            info.create_system = 3  # Unix, so the modes above are read as such
            with (
                open(path, "rb") as source,
                archive.open(info, "w", force_zip64=path.stat().st_size > 1 << 31) as sink,
            ):
                shutil.copyfileobj(source, sink, CHUNK)


def _copy_case_files(contents: Contents, writer: BagWriter) -> None:
    case = contents.case
    writer.write_bytes("data/case.json", (case.path / "case.json").read_bytes())
    for key in sorted((case.path / "keys").glob("*")):
        if key.is_file() and key.suffix in (".pem", ".json"):
            writer.copy(key, f"{layout.KEYS}/{key.name}")
    for exhibit in contents.exhibits:
        if exhibit.record_path and exhibit.capture_id:
            source = case.path / "captures" / f"{exhibit.capture_id}.json"
            writer.copy(source, exhibit.record_path)
    # Evidence copies stream on worker threads while the rest of the export goes on (the stages, the
    # report's Chromium); images first (the report prints them), then the largest first, so that no
    # large file is left to copy alone at the end.
    order = sorted(
        contents.artefacts.items(),
        key=lambda item: (not (item[1].mime or "").startswith("image/"), -item[1].size, item[1].path),
    )
    for digest, artefact in order:
        writer.copy_evidence(contents.sources[digest], artefact.path, artefact.blake3, artefact.sha256, artefact.size)
    # Stamp records (copies of timestamp event details) for events inside the cut; a record of a later
    # stamp would rightly be reported as "no custody event records this stamp".
    for record in sorted((case.path / "timestamps").glob("*.json")):
        try:
            seq = int(json.loads(record.read_text("utf-8")).get("event_seq", 0))
        except (OSError, ValueError, TypeError, AttributeError):
            seq = 0
        if 0 < seq <= contents.head.seq:
            writer.copy(record, f"{layout.TIMESTAMP_RECORDS}/{record.name}")
    ledger_path = writer.path(layout.LEDGER)
    head = write_jsonl(contents.events, ledger_path)
    writer.adopt(layout.LEDGER)
    head_json = {
        "head": str(head),
        "seq": head.seq if head else 0,
        "entry_hash": head.entry_hash if head else None,
        "case_id": case.id,
        "note": "the export event is appended to the case ledger after this cut",
    }
    writer.write_bytes(layout.HEAD, (json.dumps(head_json, indent=2) + "\n").encode())
    writer.write_bytes(layout.MAPPING, mapping_json(contents))
    writer.write_bytes("data/README.txt", readme_text(contents).encode("utf-8"))


def readme_text(contents: Contents) -> str:
    """Plain words for whoever opens the folder first."""
    exhibits = "\n".join(f"  {e.number}  {e.title}" for e in contents.exhibits)
    return f"""Evidence bundle of case {contents.case.id}: {contents.case.info.get("title") or ""}

Start with report/report.pdf (the same as report/report.html, where images can be unblurred).

Exhibits:
{exhibits}

Where things are:
  artefacts/     the evidence files, named <exhibit>-<role>-<first 12 digits of BLAKE3>
  artefacts.json every file name with its SHA-256 and BLAKE3 fingerprints
  captures/      what each web capture recorded (URL, times, browser, server)
  wacz/          each web capture as a web archive, replayable in ReplayWeb.page
  ledger/        the signed custody log (one event per line) and the head it ends at
  keys/          the investigators' public keys
  timestamps/    RFC 3161 timestamp tokens and the certificates of the time-stamping authority
  case.jsonld    the same in CASE/UCO for forensic tools
  mla/           mutual legal assistance and preservation annexes, when requested

To check everything, from the folder that holds bagit.txt:
  sha256sum -c manifest-sha256.txt
  bagit.py --validate .
  python -m chain_of_custody verify .     (or: evidence-kit verify .)
The custody log ends at event {contents.head.seq}: {contents.head.entry_hash}
"""


def _bag_info(case: Case, identity: Identity, contents: Contents, when: Any, lang: str) -> list[tuple[str, str]]:
    title = str(case.info.get("title") or "")
    return [
        (
            "Source-Organization",
            str(
                case.info.get("organisation")
                or case.settings.organisation
                or "not recorded (set 'organisation' in the settings)"
            ),
        ),
        ("Contact-Name", identity.name),
        ("External-Identifier", case.id),
        (
            "External-Description",
            f"Evidence bundle of case {case.id}: {title}. Custody ledger cut at "
            f"event {contents.head.seq}; {len(contents.exhibits)} exhibits.",
        ),
        ("Bagging-Date", when.date().isoformat()),
        ("Bag-Software-Agent", f"{TOOL} (bag written by hand, RFC 8493)"),
        ("Bag-Group-Identifier", case.id),
        ("Ledger-Head", str(contents.head)),
        ("Exported-At", rfc3339(when)),
        ("Exported-By", f"{identity.name} ({identity.key_id})"),
        ("Report-Language", lang),  # of data/report/ and data/mla/
    ]


def export_case(
    case: Case,
    identity: Identity,
    out: Path,
    as_zip: bool = False,
    captures: list[str] | None = None,
    options: ExportOptions | None = None,
    clock: Clock | None = None,
    on_progress: Progress | None = None,
    stages: list[tuple[str, Stage]] | None = None,
) -> ExportResult:
    """Write the bundle for ``case`` at ``out`` (a new folder, or with ``as_zip`` a new ``.zip``).

    First removes what earlier exports of the case left when they were killed (:mod:`.leftovers`);
    ``ExportResult.cleaned`` says what was removed.
    """
    clock = clock if clock is not None else case.clock
    options = options or ExportOptions()
    out = Path(out)
    if as_zip and out.suffix.lower() != ".zip":
        out = out.with_name(out.name + ".zip")
    if out.exists():
        raise InvalidInput(f"{out} already exists; an export never overwrites (choose another --out)")
    if not out.parent.is_dir():
        raise InvalidInput(f"the folder {out.parent} does not exist")
    # What opening the case to write already removed (Case.identity), then anything left since.
    cleaned = [*case.cleaned, *(str(r) for r in leftovers.clean(case, identity))]
    contents = gather(case, captures)
    wacz_signer = None
    if wacz.needed(contents):  # enrolled before the cut, so the bundle's own chain vouches for the key
        enrolments = len(case.facts.wacz_keys)
        wacz_signer = wacz_signing.enrolled_signer(case, identity)
        if len(case.facts.wacz_keys) != enrolments:
            contents = gather(case, captures)
    exporting: ExportJob | None = None
    try:
        with leftovers.in_progress(case, out, clock) as staging:
            staging.folder.mkdir()
            chosen = stages if stages is not None else STAGES
            from . import mla  # here: report and mla import each other at load
            from .report import add_to_bag as print_report

            job = exporting = ExportJob(contents, BagWriter(staging.folder), options, wacz_signer=wacz_signer)
            try:
                if any(stage is print_report or (stage is mla.add_to_bag and options.mla_form) for _, stage in chosen):
                    # Chromium starts now, while the evidence is copied; the report and the annexes are
                    # printed beside the rest.
                    job.printer = Printer(options.chromium or chromium_path(case.settings.chromium))
                if on_progress:
                    on_progress("copying evidence")
                _copy_case_files(contents, job.writer)
                for name, stage in chosen:
                    if on_progress:
                        on_progress(name)
                    stage(job)
                if job.printer is not None:
                    job.printer.finish_later()  # Chromium closes after the last PDF, while the export ends
                    if on_progress:
                        on_progress("waiting for the copies and the report's PDF")
                tag_digest = write_tag_files(job.writer, _bag_info(case, identity, contents, clock(), options.lang))
                # The investigator's signature over the tag manifest: nothing in the bag can change unseen.
                signed = bundle_signature.sign(case.id, str(contents.head), tag_digest, identity, rfc3339(clock()))
                (staging.folder / bundle_signature.NAME).write_bytes(signed)
                secrets.check(job, staging.folder)  # refused here, before the bundle appears at ``out``
                zip_facts: dict[str, Any] = {}
                if as_zip:
                    try:
                        write_zip(staging.folder, staging.zip, out.stem)
                        digests = hash_file(staging.zip)
                        os.replace(staging.zip, out)
                    finally:
                        staging.zip.unlink(missing_ok=True)
                    zip_facts = {
                        "sha256": digests.sha256,
                        "blake3": digests.blake3,
                        "size": digests.size,
                        "name": out.name,
                    }
                    shutil.rmtree(staging.folder)
                else:
                    os.rename(staging.folder, out)
            except BaseException:
                job.writer.finish(cancel=True)  # no copy still writing into the folder being removed
                shutil.rmtree(staging.folder, ignore_errors=True)
                raise
        oxum = job.writer.payload_oxum
        details: dict[str, Any] = {
            "bundle": out.name,
            "format": layout.FORMAT,
            "lang": options.lang,
            "ledger_head": str(contents.head),
            "captures": [e.capture_id for e in contents.exhibits if e.capture_id],
            "exhibits": len(contents.exhibits),
            "artefacts": len(contents.artefacts),
            "payload_oxum": oxum,
            "tagmanifest_sha256": tag_digest,
            "bundle_signature": json.loads(signed)["signature"],
            "destination": str(out.resolve()),
            **machine_facts(),
        }
        if zip_facts:
            details["zip"] = zip_facts
        if job.mla_missing is not None:
            details["mla_missing_fields"] = list(job.mla_missing)
        if job.warnings:
            details["warnings"] = list(job.warnings)
        try:
            event = case.append(identity, "export", [], details)
        except Exception as exc:  # the bundle exists; say plainly that its custody event does not
            raise OperationFailed(
                f"the bundle was written to {out} but its export event could not be recorded: {exc}"
            ) from exc
        return ExportResult(
            out,
            case.id,
            str(contents.head),
            event,
            len(contents.exhibits),
            len(contents.artefacts),
            oxum,
            tag_digest,
            zip_facts.get("sha256"),
            zip_facts.get("blake3"),
            zip_facts.get("size"),
            mla_missing=tuple(job.mla_missing or ()),
            warnings=tuple(job.warnings),
            files=tuple(sorted(job.writer.digests)),
            cleaned=tuple(cleaned),
        )
    finally:
        # Chromium has been closing since the last PDF was printed (``finish_later``), while the manifests,
        # the signature and the export event were written; here it is waited for (or, on failure, stopped).
        if exporting is not None and exporting.printer is not None:
            exporting.printer.close()
