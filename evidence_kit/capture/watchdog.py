"""A watchdog on the resident memory of the whole browser process tree.

A page that allocates memory in a loop outside V8's heap (typed arrays, canvases, images) is not stopped
by the renderer's heap limit. Every ``interval`` seconds the watchdog sums the RSS of the browser's
processes (psutil if installed, else /proc); above the bound it kills the largest renderer, which ends
that page's capture as partial with the reason (the capture keeps what it had). The sum counts pages
shared between processes once per process, so it overstates: the bound errs on the safe side.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from .bounds import MIB

BROWSER_MARK = "--remote-debugging-pipe"  # Playwright launches Chromium with it; the tree starts there


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int
    rss: int  # bytes
    cmdline: str


def _proc_processes() -> list[Process]:
    found = []
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            rss_pages = int((entry / "statm").read_text().split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile, or not ours to read
        found.append(Process(int(entry.name), int(fields[1]), rss_pages * page, cmdline))
    return found


def processes() -> list[Process]:
    """Every process on the machine with its parent, RSS and command line."""
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        return _proc_processes()
    found = []
    for proc in psutil.process_iter(["pid", "ppid", "memory_info", "cmdline"]):
        info = proc.info
        if info.get("memory_info") is None:
            continue
        found.append(Process(info["pid"], info["ppid"], info["memory_info"].rss, " ".join(info["cmdline"] or [])))
    return found


def browser_tree(root: int | None = None) -> list[Process]:
    """The Chromium processes started under ``root`` (default: this process), with all their children."""
    everything = processes()
    children: dict[int, list[Process]] = {}
    for proc in everything:
        children.setdefault(proc.ppid, []).append(proc)
    mine: list[Process] = []
    stack = [root if root is not None else os.getpid()]
    inside: set[int] = set()
    while stack:
        pid = stack.pop()
        for child in children.get(pid, []):
            if child.pid in inside:
                continue
            if pid in inside or BROWSER_MARK in child.cmdline:
                inside.add(child.pid)
                mine.append(child)
            stack.append(child.pid)
    return mine


@dataclass(frozen=True)
class Kill:
    at: float  # time.monotonic()
    pid: int
    rss: int
    total: int
    what: str  # "renderer" or "browser"


class MemoryWatchdog:
    """Watches the browser tree's RSS while captures run; ends the largest renderer above the bound."""

    def __init__(self, limit_mb: int, interval: float = 0.25):
        self.limit = limit_mb * MIB
        self.interval = interval
        self.peak = 0
        self.kills: list[Kill] = []
        self._claimed = 0
        self._task: asyncio.Task[None] | None = None
        self._windows: dict[int, int] = {}  # open window -> peak seen while it was open
        self._next = 0

    def begin(self) -> int:
        """Open a window (one capture) whose peak :meth:`end` returns."""
        self._next += 1
        self._windows[self._next] = 0
        return self._next

    def end(self, window: int) -> int:
        return self._windows.pop(window, 0)

    def sample(self) -> int:
        tree = browser_tree()
        total = sum(p.rss for p in tree)
        self.peak = max(self.peak, total)
        for window, peak in list(self._windows.items()):
            self._windows[window] = max(peak, total)
        if total > self.limit and tree:
            renderers = [p for p in tree if "--type=renderer" in p.cmdline]
            victim = max(renderers or [p for p in tree if BROWSER_MARK in p.cmdline] or tree, key=lambda p: p.rss)
            try:
                os.kill(victim.pid, signal.SIGKILL)
            except OSError:
                return total
            what = "renderer" if "--type=renderer" in victim.cmdline else "browser"
            self.kills.append(Kill(time.monotonic(), victim.pid, victim.rss, total, what))
        return total

    async def _run(self) -> None:
        while True:
            await asyncio.to_thread(self.sample)
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001  a sampling error ends nothing else
                pass
            self._task = None

    def claim(self, within: float = 10.0) -> Kill | None:
        """The latest kill not yet claimed by a crashed page, if it happened in the last ``within`` s."""
        if self._claimed < len(self.kills) and time.monotonic() - self.kills[-1].at <= within:
            self._claimed = len(self.kills)
            return self.kills[-1]
        return None

    def reason(self, kill: Kill) -> str:
        return (
            f"the browser's processes used {kill.total // MIB} MiB, above the {self.limit // MIB} MiB bound: "
            f"the watchdog ended the page's {kill.what} ({kill.rss // MIB} MiB) and the capture with it"
        )
