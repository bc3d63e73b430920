"""TLS facts of the main document: certificate subject, issuer, validity, SANs, fingerprint, protocol."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.capture_helpers import read_warc, responses
from tests.fixtures.site import TlsSite

pytestmark = pytest.mark.browser


def _create(cli: Any) -> None:
    assert cli("case", "create", "OP-TLS", "--title", "tls", "--investigator", "Insp. A. Petrova").exit_code == 0


def test_tls_certificate_is_recorded(cli: Any, tls_site: TlsSite) -> None:
    _create(cli)
    result = cli(
        "capture",
        tls_site.base + "/normal",
        "--case",
        "OP-TLS",
        "--allow-private",
        "--no-video",
        "--ignore-https-errors",
        "--json",
        "--timeout",
        "30",
    )
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.stdout)
    record = json.loads(Path(next(a["path"] for a in item["artefacts"] if a["role"] == "capture-record")).read_bytes())
    tls = record["page"]["tls"]
    assert tls["sha256_fingerprint"] == "sha256:" + hashlib.sha256(tls_site.certificate_der).hexdigest()
    assert tls["protocol"] in ("TLS 1.3", "TLS 1.2")
    assert tls["subject"] == "star-models.test"
    assert (
        "CN=star-models.test" in tls["chain"][0]["subject"] and tls["chain"][0]["issuer"] == tls["chain"][0]["subject"]
    )
    assert set(tls["sans"]) >= {"localhost", "127.0.0.1"}
    assert tls["not_before"] < tls["not_after"]
    assert tls["chain"][0]["pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert record["options"]["ignore_https_errors"] is True
    warc = read_warc(next(a["path"] for a in item["artefacts"] if a["role"] == "warc"))
    assert responses(warc, tls_site.base + "/normal")[0].status == 200


def test_tls_error_fails_the_capture_with_a_record(cli: Any, tls_site: TlsSite) -> None:
    _create(cli)
    result = cli(
        "capture",
        tls_site.base + "/normal",
        "--case",
        "OP-TLS",
        "--allow-private",
        "--no-video",
        "--json",
        "--timeout",
        "20",
    )
    assert result.exit_code == 3
    [item] = json.loads(result.stdout)
    assert item["status"] == "failed" and "ERR_CERT" in item["errors"][0]
    assert {a["role"] for a in item["artefacts"]} == {"warc", "har", "capture-record"}
