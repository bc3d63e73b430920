"""WACZ 1.1.1 checks of the web archives inside a bundle: datapackage.json and its digest, every file.

Reading a WACZ goes through :func:`chain_of_custody.safezip.check_zip` first (the same bounds as a
bundle zip); a zip that cannot be read, or whose members fail their CRC, is a finding, never a crash.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

from .checks import failed as _fail
from .checks import passed as _ok
from .hashing import CHUNK
from .report import Report
from .safezip import ZIP_READ_ERRORS, UnsafeBundle, check_zip, describe_zip_error
from .wacz_signature import WaczKey
from .wacz_signature import check as check_signature


def check_wacz(
    path: Path,
    rel: str,
    report: Report,
    recorded_sha256: set[str] | None = None,
    wacz_keys: Mapping[str, WaczKey] | None = None,
) -> None:
    """A damaged or malformed WACZ (bad CRC, broken data, odd JSON) is a finding, never a traceback.

    ``wacz_keys``: the WACZ keys the bundle's chain enrolled; each WACZ's signature is checked against its
    own public key and that key must be one of these. A bundle whose chain enrolled none was exported before
    WACZs were signed: an unsigned WACZ there is said in a warning (the bag manifests and the bundle
    signature still cover its bytes), never passed off as signed.
    """
    try:
        _check_wacz(path, rel, report, recorded_sha256, wacz_keys)
    except (*ZIP_READ_ERRORS, KeyError, TypeError, AttributeError, RecursionError) as exc:  # type: ignore[misc]
        _fail(report, "wacz", rel, f"cannot be checked: it {describe_zip_error(exc)}")


def _check_wacz(
    path: Path,
    rel: str,
    report: Report,
    recorded_sha256: set[str] | None = None,
    wacz_keys: Mapping[str, WaczKey] | None = None,
) -> None:
    """WACZ 1.1.1: datapackage.json lists every file with its size and hash; datapackage-digest.json "
    "hashes it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        _fail(report, "wacz", rel, f"is not a readable zip: {exc}")
        return
    with archive:
        try:
            check_zip(archive)
            package_bytes = archive.read("datapackage.json")
            package = json.loads(package_bytes)
            if not isinstance(package, dict):
                raise ValueError("datapackage.json is not a JSON object")
        except (KeyError, ValueError, UnsafeBundle, zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            _fail(report, "wacz", rel, f"has no readable datapackage.json: {exc}")
            return
        try:
            digest = json.loads(archive.read("datapackage-digest.json"))
            claimed = str(digest.get("hash", ""))
            found = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
            if claimed != found:
                _fail(
                    report,
                    "wacz",
                    f"{rel}: datapackage-digest.json",
                    "does not hold the digest of datapackage.json",
                    claimed,
                    found,
                )
            else:
                _ok(report, "wacz")
            if wacz_keys is not None:
                signed = digest.get("signedData")
                if signed is None and not wacz_keys:
                    report.warnings.append(
                        f"{rel} carries no WACZ signature: the bundle's chain enrolled no WACZ key (exported "
                        "before WACZs were signed); its bytes are still covered by the bag manifests"
                    )
                else:
                    check_signature(signed, found, package, rel, wacz_keys, report)
        except (KeyError, ValueError, AttributeError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            _fail(report, "wacz", f"{rel}: datapackage-digest.json", f"is missing or unreadable: {exc}")
        names = set(archive.namelist())
        resources = package.get("resources")
        for resource in resources if isinstance(resources, list) else []:
            if not isinstance(resource, dict):
                _fail(report, "wacz", f"{rel}: datapackage.json", "lists a resource that is not an object")
                continue
            name = str(resource.get("path", ""))
            if name not in names:
                _fail(report, "wacz", f"{rel}: {name}", "is listed in datapackage.json but missing")
                continue
            algorithm, _, claimed = str(resource.get("hash", "")).partition(":")
            if algorithm not in ("sha256", "md5"):
                _fail(report, "wacz", f"{rel}: {name}", f"unsupported hash {algorithm!r} in datapackage.json")
                continue
            hasher = hashlib.new(algorithm)
            size = 0
            try:
                with archive.open(name) as handle:
                    while chunk := handle.read(CHUNK):
                        hasher.update(chunk)
                        size += len(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
                _fail(report, "wacz", f"{rel}: {name}", f"cannot be read from the WACZ: {exc}")
                continue
            if (
                recorded_sha256 is not None
                and name.startswith("archive/")
                and algorithm == "sha256"
                and f"sha256:{hasher.hexdigest()}" not in recorded_sha256
            ):
                _fail(
                    report,
                    "wacz",
                    f"{rel}: {name}",
                    "this WARC is not an artefact recorded in the ledger",
                    None,
                    f"sha256:{hasher.hexdigest()}",
                )
            if hasher.hexdigest() != claimed or str(size) != str(resource.get("bytes")):
                _fail(
                    report,
                    "wacz",
                    f"{rel}: {name}",
                    "differs from the digest or size datapackage.json records",
                    f"{algorithm}:{claimed} ({resource.get('bytes')} bytes)",
                    f"{algorithm}:{hasher.hexdigest()} ({size} bytes)",
                )
            else:
                _ok(report, "wacz")
