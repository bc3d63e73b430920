"""A screen recording of the capture session: CDP screencast frames encoded to WebM with ffmpeg.

The browser sends a frame whenever the page repaints; each frame keeps the time the browser gave it, so
the video plays at the real pace (a still page is one long frame, not hundreds of copies).
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import CDPSession

MAX_FRAMES = 1500


@dataclass
class ScreenRecorder:
    cdp: CDPSession
    frames: list[tuple[float, bytes]] = field(default_factory=list)
    running: bool = False
    dropped: int = 0

    async def start(self, width: int, height: int) -> bool:
        self.cdp.on("Page.screencastFrame", self._frame)
        await self.cdp.send(
            "Page.startScreencast",
            {"format": "jpeg", "quality": 70, "maxWidth": width, "maxHeight": height, "everyNthFrame": 1},
        )
        self.running = True
        return True

    def _frame(self, event: dict[str, Any]) -> None:
        asyncio.ensure_future(self._ack(event["sessionId"]))
        if not self.running:
            return
        if len(self.frames) >= MAX_FRAMES:
            self.dropped += 1
            return
        stamp = float(event.get("metadata", {}).get("timestamp") or 0.0)
        self.frames.append((stamp, base64.b64decode(event["data"])))

    async def _ack(self, session_id: int) -> None:
        try:
            await self.cdp.send("Page.screencastFrameAck", {"sessionId": session_id})
        except Exception:  # noqa: BLE001  the page may be closing; a lost ack only ends the stream
            pass

    async def stop(self) -> None:
        if self.running:
            self.running = False
            await self.cdp.send("Page.stopScreencast")


def encode(
    frames: list[tuple[float, bytes]], width: int, height: int, timeout: float, ffmpeg: str | None = None
) -> tuple[bytes | None, str]:
    """WebM (VP8) bytes and a note, or None and the reason no video could be made."""
    ffmpeg = ffmpeg or shutil.which("ffmpeg")
    if not ffmpeg:
        return None, "no video: ffmpeg is not installed (apt-get install ffmpeg)"
    if not frames:
        return None, "no video: the browser sent no screencast frames"
    with tempfile.TemporaryDirectory(prefix="ek-video-") as folder:
        base = Path(folder)
        lines = []
        for index, (stamp, data) in enumerate(frames):
            name = f"f{index:05d}.jpg"
            (base / name).write_bytes(data)
            following = frames[index + 1][0] if index + 1 < len(frames) else stamp + 0.5
            duration = min(max(following - stamp, 0.02), 10.0)
            lines.append(f"file '{name}'\nduration {duration:.3f}")
        # The concat demuxer ignores the last duration unless the last file is listed again.
        lines.append(f"file 'f{len(frames) - 1:05d}.jpg'")
        (base / "frames.txt").write_text("\n".join(lines) + "\n")
        scale = (
            f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,format=yuv420p"
        )
        command = [
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            "frames.txt",
            "-vf",
            scale,
            "-fps_mode",
            "vfr",
            "-c:v",
            "libvpx",
            "-b:v",
            "1M",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-an",
            "video.webm",
        ]
        try:
            done = subprocess.run(command, cwd=base, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return None, f"no video: encoding took longer than {timeout:.0f} s"
        out = base / "video.webm"
        if done.returncode != 0 or not out.is_file():
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            return None, "no video: ffmpeg failed: " + (reason[-1] if reason else f"exit {done.returncode}")
        span = frames[-1][0] - frames[0][0] + 0.5
        return out.read_bytes(), f"{len(frames)} frames over {span:.1f} s (CDP screencast, VP8 WebM)"
