"""``ui``: the local web interface."""

from __future__ import annotations

import typer

from .application import app, settings
from .output import console


@app.command("ui")
def ui(
    ctx: typer.Context,
    port: int = typer.Option(
        0, "--port", min=0, max=65535, help="Port of the UI on 127.0.0.1 (default: any free one)."
    ),
    replay_port: int = typer.Option(
        0, "--replay-port", min=0, max=65535, help="Port of the replay origin (default: any)."
    ),
    no_open: bool = typer.Option(False, "--no-open", help="Do not open the desktop's web browser."),
    home: str = typer.Option(None, "--home", help="Folder where cases live (as the global --home)."),
) -> None:
    """Serve the web interface on 127.0.0.1 behind a printed access token (Ctrl-C stops it).

    Only this machine can reach it, and only with the printed address (it carries a random token that
    the browser exchanges for a session cookie). Replays run on a second port, isolated from the UI.
    """
    import asyncio

    from .. import config
    from ..web import assets
    from ..web.server import Running, desktop_browser_available

    running = Running(config.load(home) if home else settings(ctx), port, replay_port)
    console.print("Open this address in your browser (it holds your access token):")
    console.print(running.address, soft_wrap=True, highlight=False)
    for name in assets.missing():
        console.print(f"[yellow]warning:[/yellow] {name} is not installed: {assets.SETUP_HINT}")
    if not no_open and desktop_browser_available():
        import webbrowser

        webbrowser.open(running.address)
    try:
        asyncio.run(running.serve())
    except KeyboardInterrupt:
        pass
