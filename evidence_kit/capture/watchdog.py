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


def _proc_parents() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
    return parents


def _proc_details(pid: int, ppid: int) -> Process | None:
    try:
        rss_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except (OSError, ValueError, IndexError):
        return None
    return Process(pid, ppid, rss_pages * os.sysconf("SC_PAGE_SIZE"), cmdline)


def _descendants(root: int) -> list[Process]:
    """Every process below ``root`` (psutil if installed, else /proc), with its RSS and command line."""
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        parents = _proc_parents()
        children: dict[int, list[int]] = {}
        for pid, ppid in parents.items():
            children.setdefault(ppid, []).append(pid)
        found, stack = [], [root]
        while stack:
            for pid in children.get(stack.pop(), []):
                details = _proc_details(pid, parents[pid])
                if details is not None:
                    found.append(details)
                stack.append(pid)
        return found
    try:
        below = psutil.Process(root).children(recursive=True)
    except psutil.Error:
        return []
    found = []
    for proc in below:
        try:
            found.append(Process(proc.pid, proc.ppid(), proc.memory_info().rss, " ".join(proc.cmdline())))
        except psutil.Error:
            continue
    return found


def browser_tree(root: int | None = None) -> list[Process]:
    """The Chromium processes started under ``root`` (default: this process), with all their children."""
    below = _descendants(root if root is not None else os.getpid())
    inside = {p.pid for p in below if BROWSER_MARK in p.cmdline}
    grown = True
    while grown:  # add children of the tree until none is left out
        grown = False
        for proc in below:
            if proc.pid not in inside and proc.ppid in inside:
                inside.add(proc.pid)
                grown = True
    return [p for p in below if p.pid in inside]


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
