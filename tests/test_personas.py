"""Personas (issue 13): logged-in captures that keep everything the persona saw and never leak the account.

One world, built once: a local site with accounts, persona "anna" (a cookies.txt) and persona "boris"
(a Playwright storage state, encrypted), logged-in captures of pages that embed the session id and the
CSRF token, public captures, a logout, then the case exported as a folder and as a zip. Every byte of
the case and of both bundles (decompressed: gzipped WARCs, zip and WACZ members, PDF streams,
quoted-printable MHTML) is searched for every secret value the site ever handed out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evidence_kit import config, verification
from evidence_kit.capture import CaptureOptions, capture_urls
from evidence_kit.capture import redaction as red
from evidence_kit.case import Case
from evidence_kit.cli import app
from evidence_kit.export.bundle import export_case
from evidence_kit.export.job import ExportOptions
from evidence_kit.personas import making
from evidence_kit.personas.store import PersonaStore

from .capture_helpers import artefact, read_warc, warcio_check
from .decoded_layers import layers
from .persona_site import PASSPHRASE, PASSWORD, USER, AccountSite, cookies_txt, serve

TIMEOUT = 45.0
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _options(**extra: Any) -> CaptureOptions:
    return CaptureOptions(timeout=TIMEOUT, video=False, allow_private=True, **extra)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("personas")
    env = {
        "EVIDENCE_KIT_HOME": str(root / "cases"),
        "EVIDENCE_KIT_KEYS": str(root / "keys"),
        "EVIDENCE_KIT_CONFIG": str(root / "config" / "config.json"),
        "EVIDENCE_KIT_JOURNAL": str(root / "journal"),
        "EVIDENCE_KIT_PERSONAS": str(root / "config" / "personas"),
    }
    with pytest.MonkeyPatch.context() as patch, serve() as site:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.delenv("EVIDENCE_KIT_PERSONA_PASSPHRASE", raising=False)
        settings = config.load()
        sid_a, csrf_a = site.new_session()
        making.create(settings, "anna", "vk", "@anna.k", cookies=cookies_txt(root / "cookies.txt", sid_a, csrf_a))
        sid_b, csrf_b = site.new_session()
        token = site.issue("tok-" + os.urandom(12).hex())
        state = {
            "cookies": [
                {"name": "sid", "value": sid_b, "domain": "127.0.0.1", "path": "/", "expires": -1, "httpOnly": True},
                {"name": "csrftoken", "value": csrf_b, "domain": "127.0.0.1", "path": "/", "expires": -1},
            ],
            "origins": [{"origin": site.base, "localStorage": [{"name": "api_token", "value": token}]}],
        }
        (root / "state.json").write_text(json.dumps(state))
        making.create(settings, "boris", "facebook", None, storage_state=root / "state.json", passphrase=PASSPHRASE)
        store = PersonaStore.for_settings(settings)
        case = Case.create(settings, "OP-PERSONA", "Closed group recruiting", "Insp. A. Petrova")
        identity = case.identity()
        case.update(identity, {"authorisation": "Prosecutor's order 17/2026"})
        anna = capture_urls(
            case,
            identity,
            [site.url("/home"), site.url("/embed"), site.url("/new-cookie"), site.url("/visible")],
            _options(persona="anna", purpose="test: closed group posts"),
        )
        boris = capture_urls(
            case, identity, [site.url("/home")], _options(persona="boris", persona_passphrase=PASSPHRASE)
        )
        public = capture_urls(case, identity, [site.url("/public")], _options())
        kept_from = len(site.issued)
        kept = capture_urls(case, identity, [site.url("/public")], _options(keep_cookies=True))
        kept_values = site.issued[kept_from:]
        before_logout = store.unlock("anna").state
        # The CLI, so that its summary is checked too: the logout drops the session.
        runner = CliRunner()
        logout = runner.invoke(
            app,
            ["capture", site.url("/logout"), "--case", case.id, "--persona", "anna", "--allow-private", "--no-video"],
        )
        after_logout = store.unlock("anna").state
        # The site forgets boris's session but his browser keeps the cookie: the page shows the login form.
        site.sessions.pop(sid_b)
        forgotten = capture_urls(
            case, identity, [site.url("/home")], _options(persona="boris", persona_passphrase=PASSPHRASE)
        )
        options = ExportOptions(persona_passphrase=PASSPHRASE)
        folder = export_case(case, identity, root / "bundle", options=options)
        zipped = export_case(case, identity, root / "bundle-zip", as_zip=True, options=options)
        yield {
            "root": root,
            "env": env,
            "site": site,
            "settings": settings,
            "store": store,
            "case": case,
            "anna": anna,
            "boris": boris,
            "public": public[0],
            "kept": kept[0],
            "kept_values": kept_values,
            "logout": logout,
            "before_logout": before_logout,
            "after_logout": after_logout,
            "forgotten": forgotten[0],
            "folder": folder.path,
            "zip": zipped.path,
            "sids": (sid_a, sid_b),
        }
        case.close()


@pytest.fixture(autouse=True)
def own_personas(monkeypatch: pytest.MonkeyPatch) -> None:
    """The world's persona folder is set for the module's lifetime; other tests use their own."""
    monkeypatch.delenv("EVIDENCE_KIT_PERSONAS", raising=False)


@pytest.fixture
def in_world(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for name, value in world["env"].items():
        monkeypatch.setenv(name, value)
    return world


def _secrets(world: dict[str, Any]) -> set[str]:
    return set(world["site"].issued) - set(world["kept_values"])


def _every_layer(paths: list[Path]) -> Iterator[tuple[str, bytes]]:
    for top in paths:
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in files:
            yield from layers(path.read_bytes(), str(path))


# -- the heart of it: not one secret value anywhere ----------------------------------------------------


def test_no_secret_value_anywhere_in_the_case_or_its_bundles(world: dict[str, Any]) -> None:
    secrets = _secrets(world)
    assert len(secrets) >= 7  # two sessions with their tokens, a local-storage token, fresh and visitor cookies
    wanted = [s.encode() for s in secrets]
    hits, seen, warcs_inside = [], 0, 0
    for where, data in _every_layer([world["case"].path, world["folder"], world["zip"]]):
        seen += 1
        if ".wacz!" in where and "(gunzip)" in where:
            warcs_inside += 1  # a WARC inside a WACZ inside the zip, decompressed: searched too
        hits += [(where, s) for s in wanted if s in data]
    assert seen > 100 and warcs_inside > 0
    assert hits == []
    # The persona folder is outside the case and the bundle, and does hold them (the test can fail).
    persona_files = b"".join(p.read_bytes() for p in Path(world["env"]["EVIDENCE_KIT_PERSONAS"]).rglob("*.json"))
    assert world["sids"][0].encode() in persona_files


def test_the_kept_cookies_are_kept_and_the_record_says_so(world: dict[str, Any]) -> None:
    kept = world["kept"]
    warc = read_warc(artefact(kept, "warc"))
    value = world["kept_values"][0]
    assert any(("Set-Cookie", f"visitor={value}; Path=/") in r.http_headers for r in warc if r.type == "response")
    assert kept.record["redaction"]["cookies_kept"] is True
    assert kept.record["options"]["keep_cookies"] is True
    assert "--keep-cookies" in kept.record["redaction"]["note"]


# -- markers: keyed hashes that show equal values equal -------------------------------------------------


def _hmac(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def test_header_values_are_markers_with_the_personas_keyed_hash(in_world: dict[str, Any]) -> None:
    unlocked = in_world["store"].unlock("anna")
    key, key_id = unlocked.key, unlocked.persona.key_id
    sid = in_world["sids"][0]
    home, _embed, fresh, _visible = in_world["anna"]
    records = read_warc(artefact(home, "warc"))
    requests = [r for r in records if r.type == "request" and r.uri.endswith("/home")]
    cookie = dict(requests[0].http_headers)["Cookie"]
    assert f"sid=redacted:hmac-sha256:{key_id}:{_hmac(key, sid)}" in cookie
    api = [r for r in records if r.type == "request" and r.uri.endswith("/api/me")]
    csrf = dict(api[0].http_headers)["X-CSRF-Token"]
    assert csrf.startswith(f"redacted:hmac-sha256:{key_id}:")
    # Equal values show equal: the CSRF header, the csrftoken cookie, and the token in the page's meta tag.
    assert csrf.rsplit(":", 1)[1] in cookie
    set_cookie = [v for r in read_warc(artefact(fresh, "warc")) for n, v in r.http_headers if n == "Set-Cookie"]
    assert set_cookie and all(
        re.fullmatch(rf"fresh=redacted:hmac-sha256:{key_id}:[0-9a-f]{{64}}; Path=/", v) for v in set_cookie
    )
    har = json.loads(artefact(home, "har").read_bytes())
    headers = [h for e in har["log"]["entries"] for h in e["request"]["headers"] if h["name"].lower() == "cookie"]
    assert headers and all("redacted:hmac-sha256:" in h["value"] for h in headers)


def test_declared_body_redactions_are_exactly_what_differs_from_what_the_server_sent(in_world: dict[str, Any]) -> None:
    key = in_world["store"].unlock("anna").key
    embed = in_world["anna"][1]
    served = in_world["site"].served["/embed"]
    stored = next(r for r in read_warc(artefact(embed, "warc")) if r.type == "response" and r.uri.endswith("/embed"))
    declared = [
        p
        for p in embed.record["redaction"]["places"]
        if p["artefact"] == "warc" and p["record"] == "response" and p["url"].endswith("/embed")
    ]
    assert len(declared) == 3  # the session id in a script, the token in a script and in a hidden field
    assert len(stored.body) == len(served) and stored.body != served
    rebuilt = bytearray(served)
    for place in declared:
        original = served[place["offset"] : place["offset"] + place["length"]]
        assert _hmac(key, original.decode()) == place["hmac_sha256"]  # the holder can prove what was there
        rebuilt[place["offset"] : place["offset"] + place["length"]] = red.same_length_marker(
            place["hmac_sha256"], place["length"]
        )
    assert bytes(rebuilt) == stored.body  # nothing else differs
    header = stored.warc_headers["X-Evidence-Kit-Redacted"]
    assert header.count("hmac-sha256:") == 3 and f"{declared[0]['offset']}+{declared[0]['length']}" in header
    # The rendered DOM: the same values replaced and declared.
    dom = artefact(embed, "dom").read_bytes()
    assert b"REDACTED-" in dom
    assert {p["name"] for p in embed.record["redaction"]["places"] if p["artefact"] == "dom"} >= {
        "persona cookie sid",
        "persona cookie csrftoken",
    }
    assert "EMBED-PAGE-MARKER" in artefact(embed, "text").read_text()  # what the persona saw is kept


def test_the_json_that_echoes_the_session_id_is_redacted_and_declared(world: dict[str, Any]) -> None:
    home = world["anna"][0]
    api = next(r for r in read_warc(artefact(home, "warc")) if r.type == "response" and r.uri.endswith("/api/me"))
    body = json.loads(api.body)
    assert body["user"] == USER and body["session"].startswith("REDACTED-") and len(body["session"]) == 32


def test_a_secret_shown_as_text_is_redacted_and_the_pictures_are_said_to_show_it(world: dict[str, Any]) -> None:
    visible = world["anna"][3]
    text = artefact(visible, "text").read_text()
    assert "VISIBLE-PAGE-MARKER your API token is REDACTED-" in text
    [warning] = [w for w in visible.record["warnings"] if "visible text" in w]
    assert "persona cookie csrftoken" in warning and "full-page screenshot" in warning and "may show it" in warning
    home = world["anna"][0]
    assert not [w for w in home.record["warnings"] if "visible text" in w]  # only where it was so


# -- who saw the page, and on what basis ---------------------------------------------------------------


def test_the_record_and_report_name_the_persona_and_the_legal_basis(world: dict[str, Any]) -> None:
    home = world["anna"][0]
    record = home.record
    assert home.status == "complete", home.errors
    assert record["persona"]["name"] == "anna" and record["persona"]["platform"] == "vk"
    assert record["persona"]["handle"] == "@anna.k" and record["persona"]["logged_in"] is True
    assert record["legal_basis"].startswith("accessed with the undercover account @anna.k on vk (persona anna)")
    assert record["authorisation"]["purpose"] == "test: closed group posts"
    assert record["authorisation"]["case_title"] == "Closed group recruiting"
    assert record["authorisation"]["authorisation"] == "Prosecutor's order 17/2026"
    assert "MEMBERS-ONLY-MARKER" in artefact(home, "text").read_text()
    fp = record["persona"]["fingerprint"]
    assert (
        record["environment"]["viewport"] == fp["viewport"] and record["environment"]["user_agent"] == fp["user_agent"]
    )
    assert world["boris"][0].record["legal_basis"].startswith("accessed with an undercover account on facebook")
    assert world["public"].record["legal_basis"].startswith("publicly accessible")
    assert world["public"].record["persona"] is None
    report = (world["folder"] / "data" / "report" / "report.html").read_text()
    assert "accessed with the undercover account @anna.k on vk" in report
    assert "anna (vk, @anna.k); still logged in at the end" in report


def test_public_captures_redact_the_cookies_the_site_sets(world: dict[str, Any]) -> None:
    public = world["public"]
    values = [v for r in read_warc(artefact(public, "warc")) for n, v in r.http_headers if n == "Set-Cookie"]
    assert values and all(v.startswith("visitor=redacted:hmac-sha256:") for v in values)
    assert public.record["redaction"]["key"]["kind"] == "one-time"
    assert public.record["redaction"]["cookies_kept"] is False


# -- logged in or not, and the saved session -----------------------------------------------------------


def test_a_logged_in_capture_saves_the_new_session_back(world: dict[str, Any]) -> None:
    names = {c["name"] for c in world["before_logout"]["cookies"]}
    assert {"sid", "csrftoken", "fresh"} <= names  # /new-cookie's cookie, kept because still logged in


def test_the_logout_is_detected_and_does_not_overwrite_the_saved_session(world: dict[str, Any]) -> None:
    logout = world["logout"]
    assert logout.exit_code == 0, logout.output
    assert "persona anna is not logged in" in logout.output
    records = [json.loads(p.read_text()) for p in (world["case"].path / "captures").glob("*.json")]
    record = next(r for r in records if r["url"].endswith("/logout"))
    assert record["persona"]["name"] == "anna" and record["status"] == "partial"
    assert any(e.startswith("persona anna is not logged in") for e in record["errors"])
    assert "session cookie(s) sid were dropped" in record["persona"]["logged_in_check"]
    assert world["after_logout"] == world["before_logout"]
    assert world["store"].get("anna").logged_in is False


def test_a_session_the_site_forgot_shows_the_login_form(world: dict[str, Any]) -> None:
    forgotten = world["forgotten"]
    assert forgotten.status == "partial"
    assert forgotten.record["persona"]["logged_in_check"] == "the page shows a login form"
    assert any("persona boris is not logged in" in e for e in forgotten.errors)


# -- the validators ------------------------------------------------------------------------------------


def test_warcs_stay_valid_and_the_case_and_bundles_verify(
    in_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDENCE_KIT_PERSONA_PASSPHRASE", PASSPHRASE)  # boris's secrets are looked for too
    case: Case = in_world["case"]
    for result in [*in_world["anna"], *in_world["boris"], in_world["public"], in_world["forgotten"]]:
        check = warcio_check(artefact(result, "warc"))
        assert check.returncode == 0, check.stdout + check.stderr
    report = verification.verify_case(case.path, settings=in_world["settings"])
    assert report.ok, [str(f) for f in report.findings]
    assert not [w for w in report.warnings if "secret" in w]
    for bundle in (in_world["folder"], in_world["zip"]):
        checked = verification.verify_bundle(bundle, settings=in_world["settings"])
        assert checked.ok, [str(f) for f in checked.findings]
        assert not [w for w in checked.warnings if "secret" in w]


# -- the second lock: export refuses, verify warns (last: it adds a file to the case) --------------------


def test_export_refuses_a_secret_and_verify_warns(
    in_world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    leak = tmp_path / "notes.txt"
    leak.write_text(f"the session was {in_world['sids'][0]}\n")  # anna's first session id, long gone
    runner = CliRunner()
    added = runner.invoke(app, ["add", str(leak), "--case", "OP-PERSONA"])
    assert added.exit_code == 0, added.output
    out = tmp_path / "bundle"
    refused = runner.invoke(
        app, ["export", "OP-PERSONA", "--out", str(out)], env={"EVIDENCE_KIT_PERSONA_PASSPHRASE": PASSPHRASE}
    )
    assert refused.exit_code == 2, refused.output
    assert "holds a secret value (persona cookie sid of persona anna)" in refused.output
    assert "data/artefacts/" in refused.output and not out.exists()
    checked = runner.invoke(
        app, ["verify", "OP-PERSONA", "--json"], env={"EVIDENCE_KIT_PERSONA_PASSPHRASE": PASSPHRASE}
    )
    assert checked.exit_code == 0, checked.output  # the chain is sound: a warning, never a failed check
    warnings = json.loads(checked.stdout)["warnings"]
    assert any("artefacts/" in w and "holds a secret value (persona cookie sid of persona anna)" in w for w in warnings)
    # A bundle folder with a file holding a secret: verify fails it (an unexpected file) and warns.
    copy = tmp_path / "copied-bundle"
    shutil.copytree(in_world["folder"], copy)
    (copy / "data" / "notes.txt").write_bytes(leak.read_bytes())
    monkeypatch.setenv("EVIDENCE_KIT_PERSONA_PASSPHRASE", PASSPHRASE)
    report = verification.verify_bundle(copy, settings=in_world["settings"])
    assert any(w.startswith("data/notes.txt holds a secret value (persona cookie sid") for w in report.warnings)
    monkeypatch.delenv("EVIDENCE_KIT_PERSONA_PASSPHRASE")
    # Without the passphrase of the encrypted persona, the export cannot check, and says so.
    unchecked = runner.invoke(
        app, ["export", "OP-PERSONA", "--out", str(tmp_path / "b2")], env={"EVIDENCE_KIT_PERSONA_PASSPHRASE": ""}
    )
    assert unchecked.exit_code == 2 and "persona boris" in unchecked.output


def _free_display() -> int:
    for number in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    pytest.skip("no free X display number")


@pytest.fixture
def display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed: no display for a visible browser")
    number = _free_display()
    process = subprocess.Popen([xvfb, f":{number}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"])
    try:
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                break
            time.sleep(0.05)
        monkeypatch.setenv("DISPLAY", f":{number}")
        yield f":{number}"
    finally:
        process.terminate()
        process.wait(10)


def test_log_in_by_hand_in_a_visible_browser(display: str, tmp_path: Path) -> None:
    async def log_in(page: Any) -> None:  # the investigator's hands, scripted
        await page.fill("input[name=user]", USER)
        await page.fill("input[type=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url("**/home")

    site: AccountSite
    with serve() as site:
        persona = making.create(config.load(), "hand", "generic", "agent", login_url=site.url("/login"), drive=log_in)
        unlocked = PersonaStore.for_settings(config.load()).unlock("hand")
        sids = [c["value"] for c in unlocked.state["cookies"] if c["name"] == "sid"]
        assert sids and sids[0] in site.sessions  # a live session of the site
    assert persona.session_cookies == ("sid",) and persona.source.startswith("logged in by hand at")
