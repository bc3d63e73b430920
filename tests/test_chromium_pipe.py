"""The PDF printer's Chromium, driven over a DevTools pipe without Playwright (issue 16).

It must print what the page shows with its page numbers, open no connection and load nothing but local
files (a bundle's report names the addresses investigators captured: printing it must never reach them),
fail at once with a clear message when Chromium does not start or dies, and leave no process behind.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from evidence_kit.capture.browser import find_chromium
from evidence_kit.export.chromium_pipe import Chromium, ChromiumError

FOOTER = "CASE-7"


class Listener:
    """A TCP port on 127.0.0.1 that counts the connections made to it (and answers none)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    port = Listener()
    yield port
    port.close()


@pytest.fixture
def chromium() -> Iterator[Chromium]:
    browser = Chromium(find_chromium())
    yield browser
    browser.close()


def _alive_in_group(group: int) -> list[int]:
    """The processes of a process group still running (killed ones not yet reaped are left out)."""
    deadline = time.monotonic() + 5
    while True:
        alive = []
        for entry in Path("/proc").iterdir():
            try:
                stat = (entry / "stat").read_text()
            except (OSError, ValueError):
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if fields[0] != "Z" and int(fields[2]) == group:
                alive.append(int(entry.name))
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


@pytest.mark.browser
def test_it_prints_the_page_with_its_page_numbers_in_the_footer(chromium, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(
        "<!doctype html><meta charset=utf-8><h1>Exhibit E01 — ünïcode</h1>"
        + "".join(f"<p style='page-break-after: always'>page body {n}</p>" for n in range(1, 4)),
        encoding="utf-8",
    )
    session = chromium.open_page()
    chromium.load(session, page.as_uri())
    chromium.print_pdf(session, tmp_path / "report.pdf", FOOTER)
    text = _text_of(tmp_path / "report.pdf")
    assert "Exhibit E01 — ünïcode" in text
    assert "page body 3" in text
    assert "CASE-7 — 1 / 3" in text and "CASE-7 — 3 / 3" in text
    info = subprocess.run(["pdfinfo", str(tmp_path / "report.pdf")], check=True, capture_output=True, text=True)
    assert "pts (A4)" in info.stdout


@pytest.mark.browser
def test_a_footer_is_printed_as_written_whatever_characters_it_holds(chromium, tmp_path):
    # Quotes, a backslash, braces, a closing tag and letters beyond ASCII: each is printed as itself and
    # none ends the footer's CSS string or rule early.
    page = tmp_path / "annex.html"
    page.write_text("<!doctype html><meta charset=utf-8><p>annex body</p>", encoding="utf-8")
    footer = 'OP "Ünïcø" \\ {x}; </style> <b>'
    session = chromium.open_page()
    chromium.load(session, page.as_uri())
    chromium.print_pdf(session, tmp_path / "annex.pdf", footer)
    text = _text_of(tmp_path / "annex.pdf")
    assert f"{footer} — 1 / 1" in text
    assert "annex body" in text


@pytest.mark.browser
def test_a_page_naming_network_addresses_reaches_none_of_them(chromium, tmp_path, listener):
    # An image, a stylesheet, a script, a preconnect hint and a link, by address and by name: Chromium
    # asks for none of them, and no connection reaches the port (not even an empty preconnect).
    by_address, by_name = f"http://127.0.0.1:{listener.port}", f"http://localhost:{listener.port}"
    local = tmp_path / "local.png"
    local.write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2210bc50000000049454e44ae426082"
        )
    )
    page = tmp_path / "page.html"
    page.write_text(
        f"<!doctype html><link rel=preconnect href='{by_address}'><link rel=dns-prefetch href='{by_name}'>"
        f"<link rel=stylesheet href='{by_address}/s.css'><script src='{by_name}/x.js'></script>"
        f"<p><img src='{by_address}/photo.png' alt='remote photo'><img src='local.png' id=local>"
        f"<a href='{by_address}/ad/17'>the advert</a> printed offline</p>",
        encoding="utf-8",
    )
    session = chromium.open_page()
    chromium.load(session, page.as_uri())
    chromium.print_pdf(session, tmp_path / "page.pdf", FOOTER)
    loaded = chromium.send(
        "Runtime.evaluate",
        {"expression": "document.getElementById('local').naturalWidth", "returnByValue": True},
        session,
    )
    assert loaded["result"]["value"] == 1  # local files do load
    assert "printed offline" in _text_of(tmp_path / "page.pdf")
    assert listener.accepted == 0


def _fake_chromium(folder: Path, script: str) -> str:
    """A shell script standing in for Chromium (``script`` is its body after the #! line)."""
    fake = folder / "chromium"
    fake.write_text(f"#!/bin/sh\n{script}")
    fake.chmod(0o755)
    return str(fake)


def test_a_chromium_that_is_not_there_fails_at_once_with_one_line(tmp_path):
    with pytest.raises(ChromiumError, match="did not start"):
        Chromium(str(tmp_path / "no-such-chromium"))


def test_a_chromium_that_exits_at_once_fails_its_first_command_and_says_what_it_wrote(tmp_path):
    browser = Chromium(_fake_chromium(tmp_path, "echo 'no usable display here' >&2\nexit 1\n"), timeout=20)
    try:
        with pytest.raises(ChromiumError, match="Chromium exited: no usable display here"):
            browser.open_page()
    finally:
        browser.close()


def test_a_chromium_whose_pipe_broke_before_it_exited_still_says_what_it_wrote(tmp_path):
    # It stops reading commands first and exits a moment later: the first command meets a broken pipe
    # before the end of Chromium's answers is seen, and the error still carries Chromium's last line.
    script = "exec 3<&-\necho 'no usable display here' >&2\nsleep 0.5\nexit 1\n"
    browser = Chromium(_fake_chromium(tmp_path, script), timeout=20)
    try:
        deadline = time.monotonic() + 5
        while Path(f"/proc/{browser._pid}/fd/3").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        with pytest.raises(ChromiumError, match="Chromium exited: no usable display here"):
            browser.open_page()
    finally:
        browser.close()


def test_a_chromium_that_never_answers_times_out_and_is_ended(tmp_path):
    browser = Chromium(_fake_chromium(tmp_path, "sleep 60 & wait\n"), timeout=1)
    with pytest.raises(ChromiumError, match="did not answer Target.createTarget in 1 s"):
        browser.open_page()
    pid = browser._pid
    browser.close()
    assert _alive_in_group(pid) == []  # the sleep it started was ended with it


@pytest.mark.browser
def test_closing_leaves_no_process_of_it_and_removes_its_profile(tmp_path):
    browser = Chromium(find_chromium())
    browser.open_page()
    pid, profile = browser._pid, Path(browser._profile.name)
    assert profile.is_dir()
    browser.close()
    assert _alive_in_group(pid) == []
    assert not profile.exists()
