"""Printing helpers shared by the commands: JSON for machines, rich for people."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from rich.console import Console


class _OnFirstUse:
    """A rich Console made when first used: ``--json`` and error paths start without importing rich."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            class ToAReader(Console):
                def on_broken_pipe(self) -> None:
                    """The reader stopped reading (``verify … | head``): print the rest to the null device
                    and let the command end as it would have. rich's own answer, exit 1, would say a
                    check failed."""
                    self.quiet = True
                    null = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(null, sys.stdout.fileno())
                    os.close(null)

            self._console = ToAReader(**self._options)
        return getattr(self._console, name)


# No emoji codes: evidence text is printed as it is (":id:" in an account selector stays ":id:").
console = cast("Console", _OnFirstUse(highlight=False, emoji=False))
err_console = cast("Console", _OnFirstUse(stderr=True, highlight=False, emoji=False))


def readable(text: str) -> str:
    """Text with the bytes of a non-UTF-8 file name (lone surrogates from argv) as ``\\xNN`` escapes."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def print_json(data: Any) -> None:
    # Valid UTF-8 JSON even when a file name is not: its odd bytes appear as \xNN, as in the ledger.
    sys.stdout.write(readable(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n")


def tolerate_undecodable_names() -> None:
    """People's output shows a non-UTF-8 file name's bytes as they are (like ``ls``) instead of failing
    after the work is done; without this, only the C locale does."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape")


@contextmanager
def progress_bar(
    description: str, enabled: bool = True, unit: str = "items", total: int | None = None
) -> Iterator[Callable[[int, int], None] | None]:
    """The one progress bar of the CLI: on stderr, driven by the library's ``on_progress(done, total)``.

    ``unit`` is ``"bytes"`` (sizes and time left) or ``"items"`` (a count). Shown on a terminal only:
    elsewhere rich would leave a blank line before an error's one line.
    """
    # A pipe or a file is never a terminal: known without loading rich (``verify`` starts without it).
    if not enabled or not (sys.stderr.isatty() or os.environ.get("FORCE_COLOR")) or not err_console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn  # 20 ms: here

    count = (DownloadColumn(),) if unit == "bytes" else (TextColumn("{task.completed}/{task.total}"),)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        *count,
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    with progress:
        task = progress.add_task(description, total=total)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def short(digest: str, length: int = 12) -> str:
    algorithm, _, hex_digest = digest.partition(":")
    return f"{algorithm}:{hex_digest[:length]}…" if hex_digest else digest
