"""Bounded browser steps inside a capture's hard deadline.

A step that fails or runs out of time becomes an error sentence in the record, never an exception: the
capture goes on with the next step and keeps what it got.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from .outcome import PageCapture

T = TypeVar("T")


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line.replace("Page.goto: ", "").replace("CDPSession.send: ", "")[:300]


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        # Kept back for closing the context and collecting bodies, whatever the steps before did.
        self.reserve = min(max(seconds * 0.1, 1.5), 8.0)
        # Kept back from the behaviours for the artefacts: a slow page still gets its screenshot, DOM,
        # MHTML and PDF, even if scrolling had to be cut short.
        self.artefact_time = min(max(seconds * 0.3, 3.0), 40.0)

    def left(self) -> float:
        return self.end - time.monotonic()

    def for_step(self, bound: float, keep: float = 0.0) -> float:
        return min(bound, self.left() - self.reserve - keep)

    def for_behaviours(self) -> float:
        """Seconds the behaviours may still use."""
        return self.left() - self.reserve - self.artefact_time


class Steps:
    """Runs browser steps, each bounded; failures become error sentences, never exceptions."""

    def __init__(self, result: PageCapture, deadline: Deadline):
        self.result = result
        self.deadline = deadline

    async def run(
        self,
        name: str,
        make: Callable[[], Awaitable[T]],
        bound: float,
        required: bool = True,
        final: bool = False,
        keep: float = 0.0,
    ) -> T | None:
        """Run one step within ``bound`` seconds, leaving ``keep`` seconds for the steps after it.

        Final steps (collecting bodies, closing) may use the reserve kept back for them.
        """
        if self.result.crashed and not final:
            # A dead renderer answers some CDP calls never (Page.captureSnapshot waited out its whole
            # bound): skip, say so, and keep the deadline for storing what was obtained.
            if required:
                self.result.errors.append(f"{name}: skipped, the renderer had crashed")
            return None
        limit = min(bound, max(self.deadline.left(), 1.0)) if final else self.deadline.for_step(bound, keep)
        if limit <= 0.05:
            if required:
                self.result.errors.append(
                    f"{name}: skipped, the capture deadline ({self.deadline.seconds:g} s) was reached"
                )
            return None
        begun = time.monotonic()
        try:
            return await asyncio.wait_for(make(), limit)
        except TimeoutError:
            if required:
                self.result.errors.append(f"{name}: did not finish within {limit:.1f} s")
            return None
        except Exception as exc:  # noqa: BLE001  a browser step failing is recorded, not raised
            if required:
                self.result.errors.append(f"{name}: {first_line(exc)}")
            return None
        finally:
            self.result.timings[name] = round(time.monotonic() - begun, 3)
