"""How many captures run at once when the investigator does not say: chosen from the cores and the memory.

A capture spends much of its time waiting (the network, the page settling, the scroll's pauses), so more
captures than cores keep the cores busy: on a 2-core machine, 100 local pages took 113 s one at a time,
68 s two at a time and 64 s four at a time (``make bench``, the README's speed table). Each capture in
flight costs a browser context and its renderer, about :data:`MIB_PER_CAPTURE` at peak (screenshots of
long pages), so the number is also held under the memory the machine has free and under the browser's
memory bound (``--max-browser-memory-mb``), beyond which a capture would be ended as partial.
"""

from __future__ import annotations

import os

from .bounds import Bounds

MIB_PER_CAPTURE = 512  # peak memory of one capture in flight (context, renderer, full-page screenshot)
PER_CORE = 2  # captures in flight per core: each waits on the page about half the time
MOST = 8  # the CLI's upper limit for --concurrency


def available_mib() -> int | None:
    """Memory the system can give without swapping (``MemAvailable``), in MiB; None where not known."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def default_concurrency(
    cores: int | None = None, free_mib: int | None = None, browser_mib: int = Bounds.browser_rss_mb
) -> int:
    """Captures in parallel: two per core, within free memory and the browser's memory bound (1 to 8)."""
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    free = free_mib if free_mib is not None else available_mib()
    limits = [PER_CORE * cores, MOST, browser_mib // MIB_PER_CAPTURE]
    if free is not None:
        limits.append(free // MIB_PER_CAPTURE)
    return max(1, min(limits))
