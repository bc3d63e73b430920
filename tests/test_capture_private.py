"""``--allow-private`` allows the command-line hosts only; every other private address stays blocked and recorded.

The loopback tests run against the local test site on 127.0.0.1. The test that must show that a
non-loopback private address (10.0.0.1, the metadata address 169.254.169.254) is blocked runs the capture
in its own network namespace with only loopback up, those two addresses put on loopback inside it, and a
trap server listening on each: nothing can leave the machine even if the code is wrong, and a request
that got through would be seen by the trap. Run as a script (``python -m tests.test_capture_private``)
this module is the part that runs inside the namespace.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from evidence_kit.capture import CaptureOptions, browser, check_targets, guard, network, session
from evidence_kit.capture.contexts import ContextPool
from evidence_kit.capture.page import capture_page
from tests.capture_helpers import read_warc, responses, warcio_check
from tests.fixtures.site import Site

ROOT = Path(__file__).resolve().parent.parent
TRAPS = ("10.0.0.1", "169.254.169.254")


def _record(item: dict[str, Any]) -> dict[str, Any]:
    path = next(a["path"] for a in item["artefacts"] if a["role"] == "capture-record")
    return json.loads(Path(path).read_bytes())


def _warc(item: dict[str, Any]) -> Any:
    return read_warc(next(a["path"] for a in item["artefacts"] if a["role"] == "warc"))


def _create(cli: Any, case: str = "OP-PRIV") -> None:
    assert cli("case", "create", case, "--title", "private", "--investigator", "Insp. A. Petrova").exit_code == 0


def test_a_host_that_does_not_resolve_is_refused_before_the_browser(cli: Any) -> None:
    _create(cli)
    for extra in ((), ("--allow-private",)):
        result = cli("capture", "http://nonexistent.invalid/", "--case", "OP-PRIV", *extra)
        assert result.exit_code == 2, result.output
        assert "nonexistent.invalid does not resolve" in result.output
    assert not list((Path(os.environ["EVIDENCE_KIT_HOME"]) / "OP-PRIV" / "captures").glob("*.json"))


@pytest.mark.browser
def test_redirects_and_sub_requests_to_other_loopback_hosts_are_blocked_and_recorded(
    cli: Any, test_site: Site
) -> None:
    """Only 127.0.0.1 and this port are on the command line: localhost, 127.0.0.2, another port and an
    unresolvable host are blocked as redirect targets and as sub-requests, and every block is recorded."""
    _create(cli)
    port = test_site.base.rsplit(":", 1)[1]
    others = [f"http://localhost:{port}/img/2.png", f"http://127.0.0.2:{port}/img/3.png",
              "http://127.0.0.1:1/other-port.png", "http://nonexistent.invalid/x.png"]
    urls = [
        test_site.url(f"/redirect-to?to=http://127.0.0.2:{port}/normal"),
        test_site.url(f"/redirect-to?to=http://localhost:{port}/normal"),
        test_site.url("/redirect-to?to=http://nonexistent.invalid/"),
        test_site.url("/probe?" + "&".join(f"src={u}" for u in others)),
        test_site.url(f"/websocket?to=ws://localhost:{port}/socket"),
    ]
    result = cli("capture", *urls, "--case", "OP-PRIV", "--allow-private", "--no-video", "--json",
                 "--timeout", "30")
    assert result.exit_code == 3, result.output  # the unresolvable redirect failed the third capture
    loop2, local, unresolvable, probe, socket = json.loads(result.stdout)

    for item, target, reason in (
        (loop2, f"http://127.0.0.2:{port}/normal", "private address 127.0.0.2 (loopback)"),
        (local, f"http://localhost:{port}/normal", "private address 127.0.0.1 (loopback: localhost)"),
    ):
        record = _record(item)
        assert item["status"] == "partial", item["errors"]
        assert record["blocked_requests"] == [{"url": target, "host": target.split("/")[2].rsplit(":", 1)[0],
                                               "address": reason.split()[2], "reason": reason,
                                               "stage": "redirect", "type": "Document"}]
        assert f"the main document was blocked (a redirect to it): {target}: {reason}" in item["errors"]
        assert item["final_url"] == item["url"]  # the last answer kept (the redirect), not the blocked target
        warc = _warc(item)
        assert [r.status for r in responses(warc, item["url"])] == [302]  # the redirect itself is kept
        assert not responses(warc, target)
        assert {"screenshot", "dom", "pdf"}.isdisjoint(a["role"] for a in item["artefacts"])

    assert unresolvable["status"] == "failed"
    assert _record(unresolvable)["blocked_requests"][0]["reason"] == "the host does not resolve"

    assert probe["status"] == "complete", probe["errors"]
    blocked = {(b["url"], b["type"]): b for b in _record(probe)["blocked_requests"]}
    for url in others:
        assert (url, "Image") in blocked and (url, "XHR") in blocked, (url, list(blocked))
    assert blocked[(others[0], "Image")]["reason"] == "private address 127.0.0.1 (loopback: localhost)"
    assert blocked[(others[1], "Image")]["address"] == "127.0.0.2"
    assert blocked[(others[2], "Image")]["reason"] == "port 1 of 127.0.0.1 was not given on the command line"
    assert blocked[(others[3], "Image")]["reason"] == "the host does not resolve"
    warc = _warc(probe)
    for url in others:
        assert not responses(warc, url)  # localhost would have answered (same server): it was never asked
    assert warcio_check(Path(next(a["path"] for a in probe["artefacts"] if a["role"] == "warc"))).returncode == 0
    # A WebSocket is not paused by Fetch: it is checked on its own, and recorded the same way.
    assert _record(socket)["blocked_requests"] == [{
        "url": f"ws://localhost:{port}/socket", "host": "localhost", "address": "127.0.0.1",
        "reason": "private address 127.0.0.1 (loopback: localhost)", "stage": "request", "type": "WebSocket"}]


@pytest.mark.browser
def test_the_command_line_host_is_pinned_to_the_address_checked(make_case: Any, test_site: Site) -> None:
    """A name only our resolver knows: the browser can load it only through the pin it was given."""
    case = make_case()
    port = test_site.base.rsplit(":", 1)[1]
    url = f"http://pinned.test:{port}/normal"
    targets = check_targets([url], True, lambda host: ["127.0.0.1"] if host == "pinned.test" else [])
    assert targets.browser_args()[0].startswith("--host-resolver-rules=MAP pinned.test 127.0.0.1, ")
    options = CaptureOptions(timeout=30, video=False, allow_private=True)
    [result] = session.capture_urls(case, case.identity(), targets, options)
    assert result.status == "complete", result.errors
    assert result.record["page"]["server_ip"] == "127.0.0.1"
    assert result.record["page"]["dns"] == [{"host": "pinned.test", "addresses": ["127.0.0.1"]}]


@pytest.mark.browser
def test_a_response_from_a_rebound_address_is_a_finding_and_its_body_is_not_kept(
    make_case: Any, test_site: Site
) -> None:
    """DNS rebinding: the host checks as public, the browser's own lookup answers loopback. The remote
    address CDP reports is checked: the response is recorded as blocked and its body is not in the WARC."""
    case = make_case()
    port = test_site.base.rsplit(":", 1)[1]
    rebound = f"http://rebind.test:{port}/img/1.png"
    url = test_site.url(f"/probe?src={rebound}")
    rules = guard.AddressGuard(
        [guard.host_and_port(url)],
        lambda host: ["93.184.216.34"] if host == "rebind.test" else network.resolve(host),
    )
    options = CaptureOptions(timeout=30, video=False)

    redirected = test_site.url(f"/redirect-to?to=http://rebind.test:{port}/normal")

    async def run() -> Any:
        # The browser's resolver answers rebind.test with loopback: what a rebinding DNS server does.
        args = ("--host-resolver-rules=MAP rebind.test 127.0.0.1",)
        async with browser.launched(browser.find_chromium(), args) as (chromium, info):
            pool = ContextPool(chromium, options, info.user_agent, 2)
            stored = []
            for target in (url, redirected):
                page = await capture_page(pool, target, options, case.clock, rules)
                stored.append(session.store(case, case.identity(), page, options, info, case.clock))
            await pool.close()
            return stored

    result, main = asyncio.run(run())
    # The main document itself answered from the rebound address: nothing is rendered from it.
    assert main.status == "partial"
    assert main.record["blocked_requests"][0]["stage"] == "response"
    assert any(e.startswith("the main document was blocked (its answer): http://rebind.test") for e in main.errors)
    assert {"screenshot", "dom", "text", "pdf", "mhtml"}.isdisjoint(a.role for a in main.artefacts)
    [answer] = responses(read_warc(next(a.path for a in main.artefacts if a.role == "warc")),
                         f"http://rebind.test:{port}/normal")
    assert answer.body == b"" and answer.warc_headers["WARC-Truncated"] == "unspecified"
    found = [b for b in result.record["blocked_requests"] if b["url"] == rebound]
    assert found and all(b["stage"] == "response" and b["address"] == "127.0.0.1" for b in found), found
    assert found[0]["reason"] == (
        "answered from private address 127.0.0.1 (loopback); rebind.test had resolved to 93.184.216.34"
    )
    warc = read_warc(next(a.path for a in result.artefacts if a.role == "warc"))
    answers = responses(warc, rebound)
    assert answers and all(r.body == b"" for r in answers)
    assert all(r.warc_headers["WARC-Truncated"] == "unspecified" for r in answers)
    assert all(r.warc_headers["X-Evidence-Kit-Blocked"] == found[0]["reason"] for r in answers)
    [sentence] = [w for w in result.record["warnings"] if "came from blocked addresses" in w]
    assert "the WARC keeps their headers, not their bodies" in sentence
    assert "full-page screenshot" in sentence and "video" not in sentence  # only what was stored


# -- inside a network namespace: 10.0.0.1 and 169.254.169.254 with trap servers ------------------------


def _unshare_works() -> str | None:
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "unshare or ip is not installed"
    done = subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"], capture_output=True, text=True)
    if done.returncode != 0:
        return f"cannot make a network namespace here (unshare -n: {done.stderr.strip() or done.returncode})"
    return None


@pytest.mark.browser
def test_non_loopback_private_addresses_are_blocked_inside_a_network_namespace(tmp_path: Path) -> None:
    why = _unshare_works()
    if why:
        pytest.skip(why)
    setup = " && ".join(["ip link set lo up", *(f"ip addr add {a}/32 dev lo" for a in TRAPS)])
    out = tmp_path / "outcome.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "EVIDENCE_KIT_HOME": str(tmp_path / "cases"),
           "EVIDENCE_KIT_KEYS": str(tmp_path / "keys"), "EVIDENCE_KIT_CONFIG": str(tmp_path / "config.json")}
    done = subprocess.run(
        ["unshare", "-n", "sh", "-c", f'{setup} && exec "$0" -m tests.test_capture_private "$1"',
         sys.executable, str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    outcome = json.loads(out.read_text())
    assert outcome["trap_hits"] == [], outcome["trap_hits"]  # nothing reached 10.0.0.1 or 169.254.169.254
    assert outcome["exit_code"] == 0, outcome["output"]
    metadata, intranet, probe, socket = outcome["captures"]
    for item, address, kind in ((metadata, "169.254.169.254", "link-local, cloud metadata"),
                                (intranet, "10.0.0.1", "private")):
        assert item["status"] == "partial"
        [blocked] = item["record"]["blocked_requests"]
        assert blocked["stage"] == "redirect" and blocked["address"] == address
        assert blocked["reason"] == f"private address {address} ({kind})"
        assert any(e.startswith("the main document was blocked (a redirect to it)") for e in item["errors"])
    reasons = {(b["url"], b["type"]): b["reason"] for b in probe["record"]["blocked_requests"]}
    assert reasons[("http://169.254.169.254/latest/meta-data/", "XHR")].endswith("(link-local, cloud metadata)")
    assert reasons[("http://10.0.0.1/x.png", "Image")] == "private address 10.0.0.1 (private)"
    assert probe["status"] == "complete"
    [blocked] = socket["record"]["blocked_requests"]
    assert blocked["type"] == "WebSocket" and blocked["reason"] == "private address 10.0.0.1 (private)"


def _trap(address: str, hits: list[str]) -> ThreadingHTTPServer:
    class Trap(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(f"{address}{self.path}")
            self.send_response(200)
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"SECRET")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((address, 80), Trap)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _inside_namespace(out: Path) -> None:
    from typer.testing import CliRunner

    from evidence_kit.cli import app
    from tests.fixtures.site import _normal, make_handler

    hits: list[str] = []
    traps = [_trap(address, hits) for address in TRAPS]
    stop = threading.Event()
    site = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(stop, _normal(), b""))
    site.daemon_threads = True
    threading.Thread(target=site.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{site.server_address[1]}"
    runner = CliRunner()
    created = runner.invoke(app, ["case", "create", "OP-NETNS", "--title", "t", "--investigator", "Insp"])
    assert created.exit_code == 0, created.output
    urls = [
        f"{base}/redirect-to?to=http://169.254.169.254/latest/meta-data/",
        f"{base}/redirect-to?to=http://10.0.0.1/",
        f"{base}/probe?src=http://169.254.169.254/latest/meta-data/&src=http://10.0.0.1/x.png",
        f"{base}/websocket?to=ws://10.0.0.1/socket",
    ]
    result = runner.invoke(app, ["capture", *urls, "--case", "OP-NETNS", "--allow-private", "--no-video",
                                 "--json", "--timeout", "30"])
    captures = json.loads(result.stdout) if result.exit_code in (0, 3) else []
    for item in captures:
        item["record"] = _record(item)
    stop.set()
    for server in (*traps, site):
        server.shutdown()
    out.write_text(json.dumps({"exit_code": result.exit_code, "output": result.output[-3000:],
                               "trap_hits": hits, "captures": captures}))


if __name__ == "__main__":
    _inside_namespace(Path(sys.argv[1]))
