"""``capture-profile URL... --case CASE_ID`` and ``profile-history CASE_ID HANDLE_OR_ID``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ..errors import InvalidInput
from .application import app, settings
from .capture import (
    ALLOW_PRIVATE,
    CONCURRENCY,
    IGNORE_HTTPS_ERRORS,
    KEEP_COOKIES,
    MAX_BROWSER_MB,
    MAX_RESPONSE_MB,
    NO_VIDEO,
    PERSONA,
    PURPOSE,
    TIMEOUT,
    capture_options,
    persona_passphrase,
    urls_given,
)
from .output import console, print_json, progress_bar

PLATFORM_HELP = (
    "Read the page as this platform: generic, telegram, mastodon, vk, instagram, tiktok, x, facebook "
    "(also twitter, activitypub, fediverse). Default: by the host, then by the page's markup."
)


@app.command("capture-profile")
def capture_profile(
    ctx: typer.Context,
    urls: list[str] = typer.Argument(None, help="Addresses of account pages (http or https)."),
    case_id: str = typer.Option(..., "--case", help="Case id."),
    from_file: Path = typer.Option(None, "--from-file", help="A text file with one URL per line."),
    max_posts: int = typer.Option(50, "--max-posts", min=1, max=2000, help="Read the timeline up to this many posts."),
    capture_posts: bool = typer.Option(
        False, "--capture-posts", help="Also capture each post's permalink as a page capture of its own."
    ),
    platform: str = typer.Option(None, "--platform", help=PLATFORM_HELP),
    timeout: float = TIMEOUT,
    no_video: bool = NO_VIDEO,
    concurrency: int = CONCURRENCY,
    allow_private: bool = ALLOW_PRIVATE,
    ignore_https_errors: bool = IGNORE_HTTPS_ERRORS,
    max_response_mb: int = MAX_RESPONSE_MB,
    max_browser_mb: int = MAX_BROWSER_MB,
    purpose: str = PURPOSE,
    persona: str = PERSONA,
    keep_cookies: bool = KEEP_COOKIES,
    investigator: str = typer.Option(None, "--investigator", help="Who captures (default: the case lead)."),
    as_json: bool = typer.Option(False, "--json", help="Print the profiles, posts and capture ids as JSON."),
) -> None:
    """Capture social-media accounts: the page in full, then its Profile and Posts as evidence.

    Each page gets the whole capture of `capture`; the timeline is read in the same recorded page until
    --max-posts or its end (scrolling, "more" links and buttons, the platform's paging, the ActivityPub
    actor and RSS/Atom feeds, all through the capture's browser, so all in the WARC). The Profile and
    Posts name, for every value, the WARC record and the place in it. A login wall, consent wall, bot
    check, missing, suspended, private or restricted account is said as such, never taken for an empty
    account; the capture is then partial. On an account already in the case, the changes since its last
    capture are recorded too. Exit 3 if any capture failed.
    """
    from ..capture.session import check_targets
    from ..case import Case
    from ..social import registry
    from ..social.session import capture_profiles

    targets = urls_given(urls, from_file)
    if platform:
        registry.by_name(platform)
    options = capture_options(
        timeout,
        no_video,
        allow_private,
        ignore_https_errors,
        concurrency,
        purpose,
        max_response_mb,
        max_browser_mb,
        persona=persona,
        keep_cookies=keep_cookies,
        persona_passphrase=persona_passphrase(ctx, persona),
    )
    checked = check_targets(targets, allow_private)
    with Case.open(settings(ctx), case_id) as case:
        identity = case.identity(investigator)
        with progress_bar("capturing accounts", enabled=not as_json, total=len(targets)) as progress:
            bar = progress
            # One bar: the accounts, then their posts' pages after them (rich shows one live bar at a time).
            posts_progress = (lambda done, total: bar(len(targets) + done, len(targets) + total)) if bar else None
            results = capture_profiles(
                case,
                identity,
                checked,
                options,
                max_posts=max_posts,
                platform=platform,
                capture_posts=capture_posts,
                on_progress=progress,
                on_posts_progress=posts_progress,
            )
    if as_json:
        print_json([r.to_json() for r in results])
    else:
        for r in results:
            _say(r)
    if any(r.capture.status == "failed" for r in results):
        raise typer.Exit(3)


def say(text: str, soft_wrap: bool = True) -> None:
    """One line of the summary (page text escaped by the caller; the console prints no emoji codes)."""
    console.print(text, soft_wrap=soft_wrap)


def _say(r: Any) -> None:
    from rich.markup import escape

    from ..social.session import summary

    status = r.capture.status
    colour = {"complete": "green", "partial": "yellow"}.get(status, "red")
    say(f"[{colour}]{r.capture.id}[/{colour}] {status}: {escape(r.capture.final_url or r.url)}", soft_wrap=True)
    for kind, line in summary(r):
        text = escape(line)
        if kind == "wall":
            text = f"[yellow]{text}[/yellow]"
        say(f"    {text}" if kind == "change" else f"  {text}", soft_wrap=True)


# A VK community's id is negative (-123): an argument, not an unknown option.
@app.command("profile-history", context_settings={"ignore_unknown_options": True})
def profile_history(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    account: str = typer.Argument(..., help="The account: a handle (@name), its id, or platform:id:…"),
    as_json: bool = typer.Option(False, "--json", help="Print the account's timeline as JSON."),
) -> None:
    """An account's captures over time, and every change between them (posts deleted, new, edited; a
    renamed handle; a changed name, bio, links, avatar or counts), each with the two captures it lies
    between."""
    from rich.markup import escape

    from ..case import Case
    from ..social import history

    with Case.open(settings(ctx), case_id) as case:
        found = history.timeline(case, account)
    if found is None:
        raise InvalidInput(f"no captured account {account!r} in case {case_id}")
    if as_json:
        print_json(found)
        return
    handles = ", ".join(f"@{h}" for h in found["handles"])
    say(escape(f"{found['platform']} account {found['account']} ({handles})"), soft_wrap=True)
    for entry in found["captures"]:
        walls = f" [yellow]{', '.join(entry['walls'])}[/yellow]" if entry["walls"] else ""
        handle = escape(f"@{entry['handle']}")
        say(
            f"{entry['captured']}  {entry['capture_id']}  {entry['status']}{walls}  {handle}  "
            f"{entry['posts_read']} post(s)",
            soft_wrap=True,
        )
        if entry["changes"]:
            for line in history.sentences(entry["changes"]) or ["no change"]:
                say(
                    f"    {escape(line)}  (between {entry['changes']['from']['capture_id']} and {entry['capture_id']})",
                    soft_wrap=True,
                )
    for other in found.get("also") or []:
        say(
            escape(
                f"note: {account!r} also names another account, not this one: {other['account']} "
                f"({len(other['captures'])} capture(s)); see profile-history {case_id} {other['account']}"
            ),
            soft_wrap=True,
        )
