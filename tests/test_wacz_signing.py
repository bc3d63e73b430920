"""Issue 15: every WACZ of a bundle is signed by the WACZ Signing and Verification spec (anonymous mode),
with a WACZ key the case's chain enrolled; verify checks each signature and the enrolment.

The signatures are checked here by two outside implementations, not by our verifier: OpenSSL
(``openssl dgst -sha256 -verify`` on the extracted public key and signature) and Chromium's WebCrypto, called
exactly as ReplayWeb.page's wabac.js ``verifyWACZSignature`` calls it (SPKI import as ECDSA P-384, verify
ECDSA/SHA-256 of the UTF-8 hash string, signature as WebCrypto's raw r ‖ s).
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from chain_of_custody.bundle import verify_bundle
from chain_of_custody.facts import ENROL_WACZ, CaseFacts
from chain_of_custody.ledger import read_jsonl
from tests.test_bundle import rewrite_manifests

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WEBCRYPTO_CHECK = """async ({signature, publicKey, hash, curve}) => {
  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  let key;
  try {
    key = await crypto.subtle.importKey("spki", b64(publicKey), {name: "ECDSA", namedCurve: curve}, true, ["verify"]);
  } catch (e) {
    return "import failed: " + e.name;
  }
  const ok = await crypto.subtle.verify({name: "ECDSA", hash: "SHA-256"}, key, b64(signature),
                                        new TextEncoder().encode(hash));
  return ok ? "valid" : "invalid";
}"""


def waczs(bag: Path) -> list[Path]:
    found = sorted((bag / "data" / "wacz").glob("*.wacz"))
    assert found, "the bundle holds no WACZ"
    return found


def read_digest(wacz: Path) -> tuple[dict, bytes]:
    with zipfile.ZipFile(wacz) as archive:
        return json.loads(archive.read("datapackage-digest.json")), archive.read("datapackage.json")


def rewrite_digest(wacz: Path, digest: dict) -> None:
    """Write the WACZ again with another datapackage-digest.json (every other member as it was)."""
    with zipfile.ZipFile(wacz) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(wacz, "w") as archive:
        for info, data in members:
            if info.filename == "datapackage-digest.json":
                data = json.dumps(digest, indent=2).encode()
            archive.writestr(info, data)


def test_every_wacz_carries_an_anonymous_signature_of_its_datapackage(exported_case):
    ledger = list(read_jsonl(exported_case.folder / "data" / "ledger" / "ledger.jsonl"))
    enrolments = [e for e in ledger if e.action == ENROL_WACZ]
    assert len(enrolments) == 1  # the exporting investigator's key, enrolled before the cut
    enrolled_key = enrolments[0].details["wacz_key"]["public_key"]
    assert enrolments[0].details["key_created"] is True
    for wacz in waczs(exported_case.folder):
        digest, package_bytes = read_digest(wacz)
        signed = digest["signedData"]
        package = json.loads(package_bytes)
        assert set(signed) == {"hash", "created", "software", "signature", "publicKey"}
        assert signed["hash"] == digest["hash"] == "sha256:" + hashlib.sha256(package_bytes).hexdigest()
        assert signed["created"] == package["created"]
        assert signed["software"].startswith("evidence-kit ")
        assert signed["publicKey"] == enrolled_key
        # The spec's public key: base64 DER SubjectPublicKeyInfo, here on the P-384 curve.
        key = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
        assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp384r1"
        assert len(base64.b64decode(signed["signature"])) == 96  # r ‖ s, 48 bytes each


def test_openssl_verifies_each_signature_over_the_hash_string(exported_case, tmp_path):
    for number, wacz in enumerate(waczs(exported_case.folder)):
        signed = read_digest(wacz)[0]["signedData"]
        der_key = base64.b64decode(signed["publicKey"])
        raw = base64.b64decode(signed["signature"])
        (tmp_path / f"key{number}.der").write_bytes(der_key)
        # openssl wants the DER form of (r, s); WebCrypto's raw form is the two numbers side by side.
        signature = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
        (tmp_path / f"sig{number}.der").write_bytes(signature)
        (tmp_path / f"hash{number}.txt").write_bytes(signed["hash"].encode("utf-8"))
        command = [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            str(tmp_path / f"key{number}.der"),
            "-keyform",
            "DER",
            "-signature",
            str(tmp_path / f"sig{number}.der"),
        ]
        good = subprocess.run([*command, str(tmp_path / f"hash{number}.txt")], capture_output=True, text=True)
        assert good.returncode == 0 and "Verified OK" in good.stdout, good.stdout + good.stderr
        # The signed message is the hash string: the same check on anything else fails.
        (tmp_path / "other.txt").write_bytes(signed["hash"].upper().encode())
        bad = subprocess.run([*command, str(tmp_path / "other.txt")], capture_output=True, text=True)
        assert bad.returncode != 0 and "Verification failure" in bad.stdout + bad.stderr


def test_webcrypto_verifies_as_replaywebpage_does(exported_case, tmp_path):
    from playwright.sync_api import sync_playwright

    from evidence_kit.capture.browser import LAUNCH_ARGS, find_chromium

    page_file = tmp_path / "blank.html"  # a file: page is a secure context, where crypto.subtle exists
    page_file.write_text("<!DOCTYPE html><title>check</title>")
    p256 = ec.generate_private_key(ec.SECP256R1())
    p256_public = base64.b64encode(
        p256.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ).decode()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(None), args=list(LAUNCH_ARGS))
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri())
            for wacz in waczs(exported_case.folder):
                signed = read_digest(wacz)[0]["signedData"]
                args = {**{k: signed[k] for k in ("signature", "publicKey", "hash")}, "curve": "P-384"}
                assert page.evaluate(WEBCRYPTO_CHECK, args) == "valid"
                forged = base64.b64decode(signed["signature"])
                forged = bytes([forged[0] ^ 1]) + forged[1:]
                assert page.evaluate(WEBCRYPTO_CHECK, {**args, "signature": base64.b64encode(forged).decode()}) == (
                    "invalid"
                )
            # Why P-384: ReplayWeb.page imports every anonymous key as P-384, and a P-256 key does not load.
            der = p256.sign(b"sha256:00", ec.ECDSA(hashes.SHA256()))
            r, s = decode_dss_signature(der)
            p256_signature = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
            check = {"signature": p256_signature, "publicKey": p256_public, "hash": "sha256:00", "curve": "P-384"}
            assert page.evaluate(WEBCRYPTO_CHECK, check).startswith("import failed")
        finally:
            browser.close()


def test_verify_reports_each_signed_wacz_and_its_enrolled_signer(exported_case):
    report = verify_bundle(exported_case.folder)
    assert report.ok, report.findings
    count = len(waczs(exported_case.folder))
    assert report.checks["wacz-signature"].checked == count
    assert report.checks["wacz-signer-enrolled"].checked == count
    signers = report.facts["wacz_signers"]
    assert {item["investigator"] for item in signers.values()} == {"Insp. A. Petrova"}


def test_a_changed_signature_fails_verify_even_when_the_bag_is_rebuilt(exported_case, tmp_path):
    bag = exported_case.copy(tmp_path)
    wacz = waczs(bag)[0]
    digest, _ = read_digest(wacz)
    raw = bytearray(base64.b64decode(digest["signedData"]["signature"]))
    raw[50] ^= 0x04
    digest["signedData"]["signature"] = base64.b64encode(bytes(raw)).decode()
    rewrite_digest(wacz, digest)
    rewrite_manifests(bag)
    report = verify_bundle(bag)
    assert not report.ok
    rel = wacz.relative_to(bag).as_posix()
    assert any(
        f.check == "wacz-signature" and f.where.startswith(rel) and "does not check" in f.message
        for f in report.findings
    ), report.findings


def test_a_wacz_signed_by_an_unenrolled_key_fails_verify(exported_case, tmp_path):
    """A forger who re-signs an edited WACZ with a key of their own: the signature checks, the key is nobody's."""
    bag = exported_case.copy(tmp_path)
    wacz = waczs(bag)[0]
    digest, _ = read_digest(wacz)
    stranger = ec.generate_private_key(ec.SECP384R1())
    r, s = decode_dss_signature(stranger.sign(digest["hash"].encode(), ec.ECDSA(hashes.SHA256())))
    public = stranger.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest["signedData"]["signature"] = base64.b64encode(r.to_bytes(48, "big") + s.to_bytes(48, "big")).decode()
    digest["signedData"]["publicKey"] = base64.b64encode(public).decode()
    rewrite_digest(wacz, digest)
    rewrite_manifests(bag)
    report = verify_bundle(bag)
    checks = {f.check for f in report.findings}
    assert "wacz-signer-enrolled" in checks
    assert "wacz-signature" not in checks  # the signature itself is sound: it is the key nobody enrolled


def test_a_stripped_signature_fails_verify(exported_case, tmp_path):
    bag = exported_case.copy(tmp_path)
    wacz = waczs(bag)[0]
    digest, _ = read_digest(wacz)
    del digest["signedData"]
    rewrite_digest(wacz, digest)
    rewrite_manifests(bag)
    report = verify_bundle(bag)
    assert any(f.check == "wacz-signature" and "not signed" in f.message for f in report.findings)


def test_an_enrolment_of_someone_elses_wacz_key_is_refused():
    """Only the investigator a WACZ key belongs to enrols it, signing as themselves."""
    key = ec.generate_private_key(ec.SECP384R1())
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    from chain_of_custody.wacz_signature import key_id_of

    record = {"key_id": key_id_of(der), "public_key": base64.b64encode(der).decode()}
    facts = CaseFacts("C-1")
    lead = {"name": "Lead", "key_id": "ed25519:" + "1" * 32}
    assert facts.apply(1, "2026-01-01T00:00:00Z", "case-create", "Lead", lead["key_id"], {"investigator": lead}) is None
    assert "belongs to" in str(
        facts.apply(2, "t", ENROL_WACZ, "Lead", lead["key_id"], {"investigator": "Other", "wacz_key": record})
    )
    wrong = {**record, "key_id": "ecdsa-p384:" + "0" * 32}
    assert "not the key id" in str(
        facts.apply(3, "t", ENROL_WACZ, "Lead", lead["key_id"], {"investigator": "Lead", "wacz_key": wrong})
    )
    assert facts.apply(4, "t", ENROL_WACZ, "Lead", lead["key_id"], {"investigator": "Lead", "wacz_key": record}) is None
    assert facts.wacz_key_of(lead["key_id"]).key_id == record["key_id"]


def test_the_report_names_the_key_replaywebpage_shows(exported_case):
    page = (exported_case.folder / "data" / "report" / "report.html").read_text("utf-8")
    assert "WACZ signing keys (publicKey, as ReplayWeb.page shows it)" in page
    for wacz in waczs(exported_case.folder):
        assert read_digest(wacz)[0]["signedData"]["publicKey"] in page
