"""Pure parts of capture, without a browser: URL checks, address rules, WARC writing, charsets."""

from __future__ import annotations

import io
import ipaddress
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence_kit.capture import check_targets, guard, network, record, recorder, warc, watchdog
from evidence_kit.capture.bounds import Bounds
from evidence_kit.capture.browser import find_chromium
from evidence_kit.capture.outcome import Download, PageCapture
from evidence_kit.capture.recorder import NetworkRecorder
from evidence_kit.errors import BrowserNotFound, InvalidInput
from tests.capture_helpers import read_warc, warcio_check


@given(st.text(max_size=60))
def test_check_url_accepts_only_http_urls_or_says_why(text: str) -> None:
    try:
        url = network.check_url(text)
    except InvalidInput as exc:
        assert str(exc)
        return
    assert url.lower().startswith(("http://", "https://")) and guard.host_and_port(url)[0]


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
    assert not guard.AddressGuard().check("localhost").allowed
    assert guard.AddressGuard().check("127.0.0.1").addresses == ("127.0.0.1",)


def _exchange(headers: list[tuple[str, str]], body: bytes | None, finished: bool = True) -> recorder.Exchange:
    hop = recorder.Hop("http://127.0.0.1:8000/ad/17", "GET", [("Accept", "*/*"), ("Cookie", "a=1")], 1_772_355_600.5)
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
            [warc.Resource("urn:fullPage:http://127.0.0.1:8000/ad/17", "resource", "image/png", b"\x89PNG fake")],
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


# -- address rules (guard.py) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "address, kind",
    [
        ("169.254.169.254", "link-local, cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("10.0.0.1", "private"),
        ("fd12:3456::1", "unique-local"),
        ("127.0.0.2", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:a00:1::1", "private"),  # 6to4 of 10.0.0.1
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "reserved"),
        ("240.0.0.1", "reserved"),
        ("not-an-address", "not an IP address"),
        ("93.184.216.34", None),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert network.address_kind(address) == kind


FAKE_DNS = {
    "127.0.0.1": ["127.0.0.1"],
    "localhost": ["127.0.0.1"],
    "intranet.example": ["10.1.2.3"],
    "public.example": ["93.184.216.34"],
    "mixed.example": ["93.184.216.34", "192.168.1.1"],
}


def _fake_resolver(host: str) -> list[str]:
    return list(FAKE_DNS.get(host, []))


def test_allow_private_lets_through_only_the_command_line_host_and_port() -> None:
    rules = guard.AddressGuard([("127.0.0.1", 8000)], _fake_resolver)
    assert rules.request("http://127.0.0.1:8000/a", rules.check("127.0.0.1")) is None
    assert "port 8001" in (rules.request("http://127.0.0.1:8001/a", rules.check("127.0.0.1")) or "")
    assert rules.request("http://localhost:8000/a", rules.check("localhost")) == (
        "private address 127.0.0.1 (loopback: localhost)"
    )
    assert rules.check("intranet.example").reason == "private address 10.1.2.3 (private)"
    assert rules.check("mixed.example").reason == "private address 192.168.1.1 (private)"
    assert rules.check("nonexistent.invalid").reason == "the host does not resolve"
    assert rules.request("http://public.example/", rules.check("public.example")) is None


def test_a_response_from_a_private_address_is_blocked_unless_it_is_the_pinned_command_line_host() -> None:
    rules = guard.AddressGuard([("127.0.0.1", 8000)], _fake_resolver)
    rules.check("127.0.0.1"), rules.check("public.example")
    assert rules.response("http://127.0.0.1:8000/", "127.0.0.1") is None
    assert rules.response("http://public.example/", "93.184.216.34") is None
    # DNS rebinding: checked as public, answered from loopback.
    assert rules.response("http://public.example/", "[::1]") == (
        "answered from private address ::1 (loopback); public.example had resolved to 93.184.216.34"
    )


def test_checked_host_names_are_pinned_for_the_browser() -> None:
    rules = guard.AddressGuard([("intranet.example", 80)], _fake_resolver)
    for host in ("intranet.example", "public.example", "127.0.0.1", "localhost", "nonexistent.invalid"):
        rules.check(host)
    # IP literals need no pin, localhost Chromium answers itself, a blocked host is never pinned.
    pins, fence = rules.resolver_rules().split(", MAP 0.*.*.* ~NOTFOUND, ")
    assert pins == "MAP intranet.example 10.1.2.3, MAP public.example 93.184.216.34"
    # Behind the pins, private IP literals are refused by the browser's resolver (WebSockets too).
    assert "MAP 169.254.*.* ~NOTFOUND" in fence and "MAP 172.31.*.* ~NOTFOUND" in fence and "EXCLUDE" not in fence
    loopback = guard.AddressGuard([("127.0.0.1", 8000), ("::1", 8000)], _fake_resolver).resolver_rules()
    assert loopback.endswith("MAP [ff* ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE ::1, EXCLUDE [::1]")


def test_check_targets_refuses_an_unresolvable_host_even_with_allow_private() -> None:
    for allow in (False, True):
        with pytest.raises(InvalidInput, match="does not resolve"):
            check_targets(["http://nonexistent.invalid/"], allow, _fake_resolver)
    with pytest.raises(InvalidInput, match="--allow-private"):
        check_targets(["http://intranet.example/"], False, _fake_resolver)
    targets = check_targets(["http://intranet.example/"], True, _fake_resolver)
    [rules] = targets.browser_args()
    assert rules.startswith("--host-resolver-rules=MAP intranet.example 10.1.2.3, MAP 0.*.*.* ~NOTFOUND")


# -- bounds in the WARC and the record ----------------------------------------------------------------


def test_a_body_cut_by_a_bound_is_marked_truncated_length(tmp_path: Path) -> None:
    bounds = Bounds(body_bytes=1000, capture_bytes=1500)
    recorder = NetworkRecorder(None, bounds)  # type: ignore[arg-type]  no browser: only the bounds are used
    first, second = _exchange([], None), _exchange([("Content-Length", "1200")], None)
    first.body = recorder._within_bounds(first, b"a" * 900)
    second.body = recorder._within_bounds(second, b"b" * 1200)
    assert first.cut is None and len(first.body) == 900
    assert len(second.body) == 600 and "capture's 1.5 KiB of bodies, used up" in (second.cut or "")
    out = tmp_path / "t.warc.gz"
    with open(out, "wb") as sink:
        warc.write(sink, [second], [], {}, "t.warc.gz")
    assert warcio_check(out).returncode == 0
    response = read_warc(out)[1]
    assert response.warc_headers["WARC-Truncated"] == "length" and response.body == b"b" * 600
    assert ("X-Archive-Orig-Content-Length", "1200") in response.http_headers
    assert "cut to its first 600 bytes of 1.2 KiB" in response.warc_headers["X-Evidence-Kit-Body"]


def test_a_body_from_a_blocked_address_is_not_kept(tmp_path: Path) -> None:
    exchange = _exchange([("Content-Type", "text/plain")], b"secret from the metadata service")
    result = PageCapture(url="http://x/", started=datetime(2026, 3, 1, tzinfo=UTC), exchanges=[exchange])
    rules = guard.AddressGuard([], _fake_resolver)
    assert guard.check_responses(rules, result, [exchange]) == 1  # _exchange answers from 127.0.0.1
    out = tmp_path / "t.warc.gz"
    with open(out, "wb") as sink:
        warc.write(sink, [exchange], [], {}, "t.warc.gz")
    response = read_warc(out)[1]
    assert response.body == b"" and response.warc_headers["WARC-Truncated"] == "unspecified"
    assert response.warc_headers["X-Evidence-Kit-Blocked"].startswith("answered from private address 127.0.0.1")
    assert result.blocked[0]["stage"] == "response" and result.blocked[0]["address"] == "127.0.0.1"


def _tall_page(main_body_whole: bool) -> PageCapture:
    exchange = _exchange([], b"<html>" if main_body_whole else None)
    if not main_body_whole:
        exchange.cut = "body not kept: 300 MiB received, beyond the 64 MiB kept per response"
    result = PageCapture(url="http://x/", started=datetime(2026, 3, 1, tzinfo=UTC), exchanges=[exchange])
    result.main_frame_id = "F1"
    result.cut["screenshot"] = "the top 15000 px of a 90000 px page (browser limit)"
    return result


def test_what_the_record_says_holds_the_rest_was_stored_whole() -> None:
    result = _tall_page(main_body_whole=True)
    result.cut["pdf"] = "the first 200 printed pages of a 90000 px page"
    [shot, pdf] = record.artefact_warnings(result, {"screenshot", "pdf", "dom", "text"})
    assert shot == (
        "the full-page screenshot holds the top 15000 px of a 90000 px page (browser limit); "
        "the DOM, text and WARC hold the rest"
    )
    assert pdf.startswith("the PDF holds the first 200 printed pages")
    # Nothing whole stored: the record says so instead of naming artefacts that do not hold it.
    [alone] = record.artefact_warnings(_tall_page(main_body_whole=False), {"screenshot"})
    assert alone.endswith("; no stored artefact holds the rest")
    # A cut artefact that was not stored at all gets no sentence (its step's error says why).
    assert record.artefact_warnings(_tall_page(main_body_whole=True), {"dom"}) == []


# -- the memory watchdog --------------------------------------------------------------------------------


def test_watchdog_sees_only_our_browser_tree_and_ends_its_largest_renderer() -> None:
    import subprocess

    assert watchdog.browser_tree() == []  # no browser under this process
    fake = subprocess.Popen(["sh", "-c", "sleep 30", watchdog.BROWSER_MARK, "--type=renderer"])
    try:
        for _ in range(50):
            tree = watchdog.browser_tree()
            if tree:
                break
            time.sleep(0.05)
        assert [p.pid for p in tree][0] == fake.pid
        dog = watchdog.MemoryWatchdog(limit_mb=0)
        window = dog.begin()
        dog.sample()
        assert fake.wait(5) == -9 and dog.kills[0].pid == fake.pid
        assert dog.end(window) > 0 and "above the 0 MiB bound" in dog.reason(dog.claim() or dog.kills[0])
    finally:
        fake.kill()


def test_blocks_beyond_the_listed_bound_are_counted() -> None:
    result = PageCapture(url="http://x/", started=datetime(2026, 3, 1, tzinfo=UTC))
    exchanges = [_exchange([], b"x") for _ in range(guard.MAX_LISTED + 7)]
    assert guard.check_responses(guard.AddressGuard([], _fake_resolver), result, exchanges) == guard.MAX_LISTED + 7
    assert len(result.blocked) == guard.MAX_LISTED and result.blocked_unlisted == 7


def test_a_download_url_says_whether_the_file_was_kept() -> None:
    result = PageCapture(url="http://x/file.bin", started=datetime(2026, 3, 1, tzinfo=UTC), is_download=True)
    assert record.artefact_warnings(result, set()) == [
        "the URL is a file download, not a page: the file could not be kept (see downloads)"
    ]
    result.downloads.append(Download("http://x/file.bin", "file.bin", b"data", cut="cut to its first 4 bytes"))
    assert record.artefact_warnings(result, {"download"}) == [
        "the URL is a file download, not a page: the file is kept as a download, cut by its bound (see downloads)"
    ]
