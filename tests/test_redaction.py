"""The redaction rules one by one (capture/redaction.py): which header values become keyed markers, and
same-length replacement in bodies and quoted-printable MHTML."""

from __future__ import annotations

import quopri

from evidence_kit.capture import redaction as red


def test_header_rules() -> None:
    key = red.Key(b"k" * 32, "persona", "p")
    redactor = red.Redactor(red.Policy(key))
    value, names = redactor.header_value("Cookie", "a=1; session=abcdefgh123")
    assert value == f"a={key.marker('1')}; session={key.marker('abcdefgh123')}" and names == [
        "cookie a",
        "cookie session",
    ]
    value, _ = redactor.header_value("Set-Cookie", "s=xyz; Path=/; HttpOnly")
    assert value == f"s={key.marker('xyz')}; Path=/; HttpOnly"
    assert redactor.header_value("Authorization", "Bearer tok123")[0] == f"Bearer {key.marker('tok123')}"
    assert (
        redactor.header_value("Proxy-Authorization", "Basic dXNlcjpwYXNz")[0] == f"Basic {key.marker('dXNlcjpwYXNz')}"
    )
    for name in ("x-csrf-token", "X-CSRFToken", "x-xsrf-token", "csrf-token", "X-CSRF-Whatever"):
        assert redactor.header_value(name, "v4lue")[0] == key.marker("v4lue")
    assert redactor.header_value("Accept", "text/html")[0] == "text/html"
    kept = red.Redactor(red.Policy(key, keep_cookies=True))
    assert kept.header_value("Set-Cookie", "s=xyz; Path=/")[0] == "s=xyz; Path=/"
    assert kept.header_value("Authorization", "Bearer t")[0] == f"Bearer {key.marker('t')}"  # never kept


def test_same_length_replacement_in_bodies_and_quoted_printable() -> None:
    key = red.Key(b"k" * 32, "persona", "p")
    secret = "s3cr3t-value-0123456789"
    redactor = red.Redactor(red.Policy(key, (red.Secret(secret, "cookie sid"),)))
    body = f'<script>var a = "{secret}"; var b = "{secret}";</script>'.encode()
    out, places = redactor.replace(body)
    assert len(out) == len(body) and secret.encode() not in out and len(places) == 2
    assert [p["offset"] for p in places] == [body.index(secret.encode()), body.rindex(secret.encode())]
    mhtml = b'Content-Transfer-Encoding: quoted-printable\r\n\r\n<p data=3D"s3cr3t-val=\r\nue-0123456789">x</p>'
    out, places = redactor.replace_mhtml(mhtml)
    assert len(out) == len(mhtml) and secret.encode() not in quopri.decodestring(out) and places
    assert b"=\r\n" in out  # the soft line break stays where it was
    # Short values are replaced in their headers, never hunted for in bodies (they would match anything).
    short = red.Redactor(red.Policy(key, (red.Secret("en", "cookie lang"),)))
    assert short.replace(b"<html lang=en>")[1] == []


def test_what_is_hunted_beyond_its_header() -> None:
    assert not red.hunted("accepted") and not red.hunted("1") and not red.hunted("dismissed-all")
    assert red.hunted("abc12345") and red.hunted("abcdefghijklmnop") and red.hunted("s3cr3t-value")


def test_a_secret_written_escaped_or_encoded_is_replaced_and_looked_for_at_export() -> None:
    """A site writes a token with '/', '+' and '=' JSON-escaped, percent-encoded in lower case, as HTML
    character references or base64: every form is replaced (same length) and the export check finds each."""
    from evidence_kit.personas import scan
    from tests.hostile_persona_site import SID, forms

    key = red.Key(b"k" * 32, "persona", "p")
    redactor = red.Redactor(red.Policy(key, (red.Secret(SID, "cookie sid"),)))
    wanted = scan.needles([(SID, "cookie sid")])
    for kind, form in forms(SID).items():
        body = f'{{"a": "x", "{kind}": "{form}", "b": "y"}}'.encode()
        out, places = redactor.replace(body)
        assert len(out) == len(body) and places, kind
        assert form.encode() not in out and b"Ux3" not in out, kind
        assert scan.find_in_bytes(body, kind, wanted) is not None, kind
        assert scan.find_in_bytes(out, kind, wanted) is None, kind
    # A cookie sent percent-encoded and written decoded by the page (Laravel's XSRF-TOKEN does so).
    encoded = red.Redactor(red.Policy(key, (red.Secret("eyJpdiI6%2BQk9z%3D%3D", "cookie XSRF-TOKEN"),)))
    assert encoded.replace(b"<meta content='eyJpdiI6+Qk9z=='>")[1]


def test_a_downloads_name_and_bytes_lose_the_secret() -> None:
    from datetime import UTC, datetime

    from evidence_kit.capture.outcome import Download, PageCapture

    secret = "s3cr3t-value-0123456789"
    page = PageCapture("http://127.0.0.1/x", datetime.now(UTC))
    page.downloads = [Download(f"http://127.0.0.1/dl?t={secret}", f"export-{secret}.csv", f"id,{secret}\n".encode())]
    key = red.Key(b"k" * 32, "persona", "p")
    red.redact(page, red.Policy(key, (red.Secret(secret, "cookie sid"),)))
    (download,) = page.downloads
    assert secret not in download.url + download.suggested_filename
    assert download.suggested_filename.startswith("export-REDACTED-") and download.suggested_filename.endswith(".csv")
    assert download.data is not None and secret.encode() not in download.data


def test_the_address_asked_for_loses_the_secret() -> None:
    from datetime import UTC, datetime

    from evidence_kit.capture.outcome import PageCapture

    secret = "s3cr3t-value-0123456789"
    page = PageCapture(f"http://127.0.0.1/login-link?token={secret}", datetime.now(UTC))
    red.redact(page, red.Policy(red.Key(b"k" * 32, "persona", "p"), (red.Secret(secret, "persona token"),)))
    assert secret not in page.url and page.url.startswith("http://127.0.0.1/login-link?token=REDACTED-")


def test_a_token_header_the_site_hands_out_is_a_marker_and_its_value_is_hunted() -> None:
    """An SPA's X-Auth-Token (not a cookie, not Authorization): replaced in its header, then wherever
    the page repeats it; a header that only names such headers is left alone."""
    key = red.Key(b"k" * 32, "one-time")
    redactor = red.Redactor(red.Policy(key))
    token = "eyJhbGciOi.tok3n.value99"
    redactor.learn_headers([("X-Auth-Token", token), ("Access-Control-Allow-Headers", "X-Auth-Token")])
    for name in ("X-Auth-Token", "X-Session-Id", "X-Api-Key", "x-guest-token"):
        assert redactor.header_value(name, token)[0] == key.marker(token)
    assert redactor.header_value("Access-Control-Allow-Headers", "X-Auth-Token")[0] == "X-Auth-Token"
    assert redactor.header_value("Content-Type", "text/html")[0] == "text/html"
    out, places = redactor.replace(f'{{"token": "{token}"}}'.encode())
    assert token.encode() not in out and places


def test_a_token_in_the_pages_json_is_learned_in_persona_captures() -> None:
    key = red.Key(b"k" * 32, "persona", "p")
    redactor = red.Redactor(red.Policy(key, csrf_fields=True))
    body = b'<script>window._sharedData = {"config": {"csrf_token": "Qm9ndXNUb2tlbjEy", "viewer": null}};</script>'
    redactor.learn_csrf_fields(body)
    redactor.learn_csrf_fields(b'{"access_token": "at-5e2f9c0b7a61", "session_id": "short"}')
    assert redactor.secrets == {
        "Qm9ndXNUb2tlbjEy": "token in the page's JSON",
        "at-5e2f9c0b7a61": "token in the page's JSON",
    }
    out, places = redactor.replace(body)
    assert b"Qm9ndXNUb2tlbjEy" not in out and len(places) == 1


def test_a_token_inside_a_json_local_storage_value_is_hunted_on_its_own() -> None:
    """A web app keeps {"token": "…", "user": {…}} in local storage and sends the token alone: the token
    is replaced where it appears, and the export check looks for it too."""
    from evidence_kit.personas import scan

    token = "tg-5f0c2a9e81d7b3c4"
    stored = '{"user": {"id": 7, "name": "anna"}, "auth": {"token": "' + token + '"}}'
    key = red.Key(b"k" * 32, "persona", "p")
    redactor = red.Redactor(red.Policy(key, (red.Secret(stored, "localStorage app"),)))
    out, places = redactor.replace(f"GET /api?t={token}".encode())
    assert token.encode() not in out and places[0]["name"] == "localStorage app (token)"
    assert scan.find_in_bytes(token.encode(), "x", scan.needles([(stored, "localStorage app")])) is not None
    assert redactor.replace(b"anna")[1] == []  # a name under a key that names no credential stays


def test_what_the_behaviours_fetched_loses_the_secret() -> None:
    """A social reader lists every URL it fetched in the record (behaviours): a next-page URL with the
    session's token in it is replaced there too."""
    from datetime import UTC, datetime

    from evidence_kit.capture.outcome import PageCapture

    secret = "s3cr3t-value-0123456789"
    page = PageCapture("http://127.0.0.1/feed", datetime.now(UTC))
    page.behaviours = [
        {"name": "read-timeline", "fetched": [{"url": f"http://127.0.0.1/feed?before=9&t={secret}", "status": 200}]}
    ]
    page.main_blocked = {"url": f"http://127.0.0.1/x?t={secret}", "why": "blocked"}
    red.redact(page, red.Policy(red.Key(b"k" * 32, "persona", "p"), (red.Secret(secret, "persona token"),)))
    assert secret not in repr(page.behaviours) + repr(page.main_blocked)
    assert page.behaviours[0]["fetched"][0]["status"] == 200


def test_a_pdf_title_written_as_utf16_hex_is_replaced() -> None:
    """Chromium writes a title that is not ASCII as a UTF-16BE hex string: the secret in it is replaced
    by X characters, same length, and declared."""
    secret = "Zq8/Ux3+Kd7=Wm2/Pn5+Rt"
    title = ("Лента " + secret).encode("utf-16-be").hex().upper()
    pdf = f"%PDF-1.4\n1 0 obj\n<</Title <FEFF{title}>>>\nendobj\n".encode()
    redactor = red.Redactor(red.Policy(red.Key(b"k" * 32, "persona", "p"), (red.Secret(secret, "cookie sid"),)))
    out, places = redactor.replace_pdf(pdf)
    assert len(out) == len(pdf) and places and places[0]["form"].startswith("UTF-16BE")
    hex_title = out.split(b"<FEFF")[1].split(b">")[0]
    assert bytes.fromhex(hex_title.decode()).decode("utf-16-be") == "Лента " + "X" * len(secret)
