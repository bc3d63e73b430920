"""Pure parts of capture, without a browser: URL checks, address rules, WARC writing, charsets."""

from __future__ import annotations

import io
import ipaddress
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence_kit.capture import network, recorder, warc
from evidence_kit.capture.browser import find_chromium
from evidence_kit.errors import BrowserNotFound, InvalidInput
from tests.capture_helpers import read_warc, warcio_check


@given(st.text(max_size=60))
def test_check_url_accepts_only_http_urls_or_says_why(text: str) -> None:
    try:
        url = network.check_url(text)
    except InvalidInput as exc:
        assert str(exc)
        return
    assert url.lower().startswith(("http://", "https://")) and network.host_of(url)


@given(
    st.sampled_from(["http", "https", "HTTP"]),
    st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6}){1,2}", fullmatch=True),
    st.integers(1, 65535),
)
def test_check_url_keeps_valid_urls(scheme: str, host: str, port: int) -> None:
    url = f"{scheme}://{host}:{port}/a?b=c"
    assert network.check_url(f"  {url} ") == url


@pytest.mark.parametrize(
    "bad",
    [
        "ftp://x.org/",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://",
        "http://exa mple.org/",
        "http://x.org:0x50/",
        "//x.org/",
        "x.org",
    ],
)
def test_check_url_rejects(bad: str) -> None:
    with pytest.raises(InvalidInput):
        network.check_url(bad)


@given(
    st.one_of(
        st.ip_addresses(v=4, network="10.0.0.0/8"),
        st.ip_addresses(v=4, network="172.16.0.0/12"),
        st.ip_addresses(v=4, network="192.168.0.0/16"),
        st.ip_addresses(v=4, network="127.0.0.0/8"),
        st.ip_addresses(v=4, network="169.254.0.0/16"),
        st.ip_addresses(v=6, network="fc00::/7"),
        st.ip_addresses(v=6, network="fe80::/10"),
    )
)
def test_private_loopback_and_link_local_addresses_are_private(address: ipaddress._BaseAddress) -> None:
    assert network.is_private_address(str(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "151.101.1.69", "2a00:1450:4001:82b::200e"])
def test_public_addresses_are_not_private(address: str) -> None:
    assert not network.is_private_address(address)


def test_ipv4_mapped_ipv6_and_names_are_judged_by_what_they_are() -> None:
    assert network.is_private_address("::ffff:192.168.1.1")
    assert network.is_private_address("[::1]")
    assert network.check_host("localhost").private
    assert network.check_host("127.0.0.1").addresses == ("127.0.0.1",)


def _exchange(headers: list[tuple[str, str]], body: bytes | None, finished: bool = True) -> recorder.Exchange:
    hop = recorder.Hop(
        "http://127.0.0.1:8000/ad/17", "GET", [("Accept", "*/*"), ("Cookie", "a=1")], 1_772_355_600.5
    )
    hop.status, hop.status_text, hop.response_headers, hop.remote_ip = 200, "OK", headers, "127.0.0.1"
    exchange = recorder.Exchange("1", "Document", "F1", [hop], finished=finished, body=body)
    return exchange


def test_warc_keeps_duplicate_headers_and_rewrites_the_encoding_it_removed(tmp_path: Path) -> None:
    headers = [
        ("Content-Type", "text/html"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("Content-Encoding", "br"),
        ("Content-Length", "10"),
    ]
    body = b"<html>decoded</html>"
    out = tmp_path / "t.warc.gz"
    with open(out, "wb") as sink:
        count = warc.write(
            sink,
            [_exchange(headers, body)],
            [
                warc.Resource(
                    "urn:fullPage:http://127.0.0.1:8000/ad/17", "resource", "image/png", b"\x89PNG fake"
                )
            ],
            {"software": "test"},
            "t.warc.gz",
        )
    assert count == 1
    assert warcio_check(out).returncode == 0
    records = read_warc(out)
    assert [r.type for r in records] == ["warcinfo", "response", "request", "resource"]
    response = records[1]
    assert response.body == body
    assert [v for n, v in response.http_headers if n == "Set-Cookie"] == ["a=1", "b=2"]
    assert ("X-Archive-Orig-Content-Encoding", "br") in response.http_headers
    assert ("X-Archive-Orig-Content-Length", "10") in response.http_headers
    assert ("Content-Length", str(len(body))) in response.http_headers
    assert response.warc_headers["WARC-Date"] == "2026-03-01T09:00:00.500000Z"
    assert response.warc_headers["WARC-IP-Address"] == "127.0.0.1"
    assert records[2].warc_headers["WARC-Concurrent-To"] == response.warc_headers["WARC-Record-ID"]
    assert ("Cookie", "a=1") in records[2].http_headers


def test_warc_marks_a_body_that_never_finished(tmp_path: Path) -> None:
    sink = io.BytesIO()
    warc.write(sink, [_exchange([("Content-Type", "text/html")], None, finished=False)], [], {}, "t.warc.gz")
    out = tmp_path / "t.warc.gz"
    out.write_bytes(sink.getvalue())
    response = read_warc(out)[1]
    assert response.warc_headers["WARC-Truncated"] == "time" and response.body == b""
    assert "had not finished" in response.warc_headers["X-Evidence-Kit-Body"]


@pytest.mark.parametrize(
    "charset, text", [("windows-1251", "Работа в чужбина"), ("iso-8859-2", "Łódź"), ("utf-8", "€ 3000")]
)
def test_text_bodies_are_re_encoded_in_the_charset_the_browser_used(charset: str, text: str) -> None:
    hop = recorder.Hop("http://x/", "GET", [], 0.0)
    hop.charset = charset
    data, note = recorder._body_bytes({"base64Encoded": False, "body": text}, hop)
    assert data == text.encode(charset) and charset in (note or "")


def test_split_headers_undoes_cdp_joining() -> None:
    assert recorder._split_headers({"set-cookie": "a=1\nb=2", ":status": "200", "x": "y"}) == [
        ("set-cookie", "a=1"),
        ("set-cookie", "b=2"),
        ("x", "y"),
    ]


def test_a_configured_browser_that_does_not_exist_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BrowserNotFound, match="apt-get install chromium"):
        find_chromium(str(tmp_path / "no-such-chromium"))
