"""``capture URL... --case CASE_ID``: capture web pages as evidence."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..capture.bounds import MIB, Bounds  # not the capture package's other modules: they load Playwright
from ..errors import InvalidInput
from .application import app, settings
from .output import console, print_json, progress_bar

if TYPE_CHECKING:
    from ..capture.options import CaptureOptions

MAX_URL_FILE_BYTES = 16 << 20
DEFAULT_BOUNDS = Bounds()


# The options of a capture, shared by every command that captures pages (capture, capture-profile).
TIMEOUT = typer.Option(120.0, "--timeout", min=3.0, help="Hard deadline per capture, in seconds.")
NO_VIDEO = typer.Option(False, "--no-video", help="Do not record a screen video of the capture.")
CONCURRENCY = typer.Option(
    1, "--concurrency", min=1, max=8, help="Captures in parallel (browser contexts in one browser)."
)
# capture's own: without --concurrency, chosen from the cores and the free memory (capture/concurrency.py).
AUTO_CONCURRENCY = typer.Option(
    None,
    "--concurrency",
    min=1,
    max=8,
    help="Captures in parallel (browser contexts in one browser). Default: chosen from the cores and the free "
    "memory (two per core, 512 MiB each, within --max-browser-memory-mb).",
    show_default=False,
)
ALLOW_PRIVATE = typer.Option(
    False,
    "--allow-private",
    help="Allow the hosts of these URLs to be private or loopback addresses (no other private host).",
)
IGNORE_HTTPS_ERRORS = typer.Option(
    False, "--ignore-https-errors", help="Capture despite TLS certificate errors (recorded)."
)
MAX_RESPONSE_MB = typer.Option(
    DEFAULT_BOUNDS.body_bytes // MIB,
    "--max-response-mb",
    min=1,
    help="Bytes kept per response body, in MiB (beyond: cut, and the record says so).",
)
MAX_BROWSER_MB = typer.Option(
    DEFAULT_BOUNDS.browser_rss_mb,
    "--max-browser-memory-mb",
    min=256,
    help="Memory of the browser's processes, in MiB, above which the capture is ended (partial).",
)
PURPOSE = typer.Option(None, "--purpose", help="Why this is collected (written into the record).")
PERSONA = typer.Option(
    None, "--persona", help="Capture logged in as this persona (see 'persona create'); its secrets are redacted."
)
KEEP_COOKIES = typer.Option(
    False, "--keep-cookies", help="Public captures: keep the cookies the site sets (redacted by default; recorded)."
)


def capture_options(
    timeout: float,
    no_video: bool,
    allow_private: bool,
    ignore_https_errors: bool,
    concurrency: int,
    purpose: str | None,
    max_response_mb: int,
    max_browser_mb: int,
    *,
    persona: str | None = None,
    keep_cookies: bool = False,
    persona_passphrase: str | None = None,
) -> CaptureOptions:
    """The CaptureOptions the shared options above say (one place, for every capturing command)."""
    from ..capture.options import CaptureOptions

    return CaptureOptions(
        timeout=timeout,
        video=not no_video,
        allow_private=allow_private,
        ignore_https_errors=ignore_https_errors,
        concurrency=concurrency,
        purpose=purpose,
        persona=persona,
        keep_cookies=keep_cookies,
        persona_passphrase=persona_passphrase,
        bounds=Bounds(body_bytes=max_response_mb * MIB, browser_rss_mb=max_browser_mb),
    )


def read_url_file(path: Path) -> list[str]:
    """One URL per line; blank lines and lines starting with '#' are skipped."""
    from ..store import open_regular  # a FIFO or /dev/zero is refused unread, not waited on or read forever

    try:
        with open_regular(path) as handle:
            raw = handle.read(MAX_URL_FILE_BYTES + 1)
        if len(raw) > MAX_URL_FILE_BYTES:
            raise InvalidInput(f"{path} is larger than {MAX_URL_FILE_BYTES:,} bytes: not a list of URLs")
        lines = raw.decode("utf-8").splitlines()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not a UTF-8 text file of URLs") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def urls_given(urls: list[str] | None, from_file: Path | None) -> list[str]:
    """The URLs on the command line, then those of --from-file; none at all is bad input."""
    targets = list(urls or [])
    if from_file is not None:
        targets += read_url_file(from_file)
    if not targets:
        raise InvalidInput("no URL to capture (give URLs or --from-file)")
    return targets


def persona_passphrase(ctx: typer.Context, name: str | None) -> str | None:
    """An encrypted persona's passphrase, asked for here when the environment does not give it."""
    if name is None:
        return None
    from ..personas.store import PersonaStore
    from .personas import passphrase

    return passphrase(confirm=False) if PersonaStore.for_settings(settings(ctx)).get(name).encrypted else None


@app.command("capture")
def capture(
    ctx: typer.Context,
    urls: list[str] = typer.Argument(None, help="Web addresses to capture (http or https)."),
    case_id: str = typer.Option(..., "--case", help="Case id."),
    from_file: Path = typer.Option(None, "--from-file", help="A text file with one URL per line."),
    timeout: float = TIMEOUT,
    no_video: bool = NO_VIDEO,
    concurrency: int | None = AUTO_CONCURRENCY,
    allow_private: bool = ALLOW_PRIVATE,
    ignore_https_errors: bool = IGNORE_HTTPS_ERRORS,
    max_response_mb: int = MAX_RESPONSE_MB,
    max_browser_mb: int = MAX_BROWSER_MB,
    purpose: str = PURPOSE,
    persona: str = PERSONA,
    keep_cookies: bool = KEEP_COOKIES,
    investigator: str = typer.Option(None, "--investigator", help="Who captures (default: the case lead)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per capture."),
) -> None:
    """Capture web pages: WARC, screenshots, PDF, MHTML, DOM, text, video and a capture record.

    Each URL is loaded once in a fresh browser context; every artefact is hashed (BLAKE3 + SHA-256),
    stored read-only and named in one custody event. Exit 3 if any capture failed.
    """
    from rich.table import Table

    from ..capture import capture_urls, check_targets
    from ..capture.concurrency import default_concurrency
    from ..case import Case

    targets = urls_given(urls, from_file)
    options = capture_options(
        timeout,
        no_video,
        allow_private,
        ignore_https_errors,
        concurrency or default_concurrency(browser_mib=max_browser_mb),
        purpose,
        max_response_mb,
        max_browser_mb,
        persona=persona,
        keep_cookies=keep_cookies,
        persona_passphrase=persona_passphrase(ctx, persona),
    )
    checked = check_targets(targets, allow_private)  # bad input ends here, before a browser starts
    with Case.open(settings(ctx), case_id) as case:
        identity = case.identity(investigator)
        with progress_bar("capturing", enabled=not as_json, total=len(targets)) as progress:
            results = capture_urls(case, identity, checked, options, on_progress=progress)
    if as_json:
        print_json([r.to_json() for r in results])
    else:
        table = Table(title=f"captures into {case_id}")
        table.add_column("capture", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("url", overflow="fold")
        table.add_column("files", justify="right")
        table.add_column("note", overflow="fold")
        for r in results:
            colour = {"complete": "green", "partial": "yellow"}.get(r.status, "red")
            notes = list(r.errors) + list(r.record.get("warnings", []))
            note = notes[0] + (f" (+{len(notes) - 1} more)" if len(notes) > 1 else "") if notes else ""
            table.add_row(r.id, f"[{colour}]{r.status}[/{colour}]", r.final_url or r.url, str(len(r.artefacts)), note)
        console.print(table)
        for r in results:
            for error in r.errors[1:]:
                console.print(f"[yellow]{r.id}[/yellow] {error}", soft_wrap=True)
        for r in results:
            seen_as = r.record.get("persona") or {}
            if seen_as and not seen_as.get("logged_in"):
                console.print(
                    f"[yellow]{r.id}[/yellow] persona {seen_as.get('name')} is not logged in "
                    f"({seen_as.get('logged_in_check')}): its saved session was left as it was",
                    soft_wrap=True,
                )
        console.print(f"Records: {settings(ctx).home / case_id / 'captures'}/<capture>.json")
    if any(r.status == "failed" for r in results):
        raise typer.Exit(3)
