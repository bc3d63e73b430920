"""Embedded metadata with exiftool: EXIF, XMP, IPTC, GPS, camera, software, creation times.

One exiftool process serves a whole batch (``-stay_open``): starting Perl costs ~0.2 s, more than
reading a file. A command that describes in several batches (a capture describes each page as it is
stored) keeps one process for all of them (:class:`KeptRunning`). GPS positions are turned into
readable degrees and a decimal pair and flagged, because an uploader's location is often the most
valuable thing a photo says.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from chain_of_custody.canonical import floats_as_text

from ..errors import OperationFailed

# Facts about our stored copy, not about the evidence: leaving them in would mislead a reader.
_STORE_TAGS = {
    "SourceFile",
    "File:FileName",
    "File:Directory",
    "File:FileModifyDate",
    "File:FileAccessDate",
    "File:FileInodeChangeDate",
    "File:FilePermissions",
    "System:FileName",
    "System:Directory",
    "System:FileModifyDate",
    "System:FileAccessDate",
    "System:FileInodeChangeDate",
    "System:FilePermissions",
    "ExifTool:ExifToolVersion",
}
_INTERESTING = (
    "Make",
    "Model",
    "LensModel",
    "Software",
    "Artist",
    "Creator",
    "Author",
    "Copyright",
    "OwnerName",
    "SerialNumber",
    "BodySerialNumber",
    "DateTimeOriginal",
    "CreateDate",
    "ModifyDate",
    "CreationDate",
    "Producer",
    "Title",
    "By-line",
    "City",
    "Country",
)


@dataclass(frozen=True)
class Gps:
    latitude: str  # decimal degrees as text, 6 places ("42.697500"): canonical JSON holds no floats
    longitude: str
    readable: str  # 42°41'51.00"N 23°19'18.84"E
    altitude: str | None = None
    time: str | None = None

    @property
    def value(self) -> str:
        return f"{self.latitude},{self.longitude}"

    def to_json(self) -> dict[str, Any]:
        return {
            "latitude": self.latitude,
            "longitude": self.longitude,
            "readable": self.readable,
            "altitude": self.altitude,
            "time": self.time,
            "map": f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}#map=17/"
            f"{self.latitude}/{self.longitude}",
        }


@dataclass(frozen=True)
class Embedded:
    tags: dict[str, Any]  # exiftool's tags, "Group:Name" → value (numbers as int or text)
    gps: Gps | None = None
    highlights: dict[str, str] = field(default_factory=dict)  # camera, software, times, authors
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "tags": self.tags,
            "gps": self.gps.to_json() if self.gps else None,
            "highlights": self.highlights,
            "error": self.error,
        }


def _dms(value: Decimal, positive: str, negative: str) -> str:
    hemisphere = positive if value >= 0 else negative
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = (minutes_full - minutes) * 60
    return f"{degrees}°{minutes:02d}'{seconds:05.2f}\"{hemisphere}"


def gps_from(numeric: dict[str, Any]) -> Gps | None:
    """A GPS fix from exiftool's numeric (``-n``) tags, or None when there is none or it is 0,0."""

    def first(*names: str) -> Any:
        # Composite tags first: they carry the sign; GPS:/EXIF: ones are unsigned beside a Ref tag.
        for name in names:
            for key in sorted(numeric, key=lambda k: not k.startswith("Composite:")):
                if key.split(":")[-1] == name and numeric[key] not in (None, ""):
                    return numeric[key]
        return None

    lat, lon = first("GPSLatitude"), first("GPSLongitude")
    if lat is None or lon is None:
        return None
    try:
        lat_d, lon_d = Decimal(str(lat)), Decimal(str(lon))
    except ArithmeticError:
        return None
    # Composite tags carry the sign; bare EXIF ones need their Ref.
    if numeric.get("Composite:GPSLatitude") is None:
        if str(first("GPSLatitudeRef") or "N").upper().startswith("S"):
            lat_d = -abs(lat_d)
        if str(first("GPSLongitudeRef") or "E").upper().startswith("W"):
            lon_d = -abs(lon_d)
    if lat_d == 0 and lon_d == 0 or abs(lat_d) > 90 or abs(lon_d) > 180:
        return None
    altitude = first("GPSAltitude")
    when = first("GPSDateTime", "GPSDateStamp")
    return Gps(
        f"{lat_d:.6f}",
        f"{lon_d:.6f}",
        f"{_dms(lat_d, 'N', 'S')} {_dms(lon_d, 'E', 'W')}",
        f"{Decimal(str(altitude)):.1f} m" if altitude is not None else None,
        str(when) if when is not None else None,
    )


class ExifBatch:
    """One long-lived exiftool process; ``read`` many files through it."""

    def __init__(self) -> None:
        import exiftool

        try:
            # Readable values (no -n) for people; -G1 names the exact group (EXIF:, XMP-dc:, IPTC:, GPS:).
            self._tool = exiftool.ExifToolHelper(common_args=["-G1", "-a", "-charset", "filename=utf8"])
            self._tool.run()
        except (FileNotFoundError, OSError, exiftool.exceptions.ExifToolException) as exc:
            raise OperationFailed(f"cannot start exiftool: {exc}") from None
        self.version = f"exiftool {self._tool.version}"

    @property
    def running(self) -> bool:
        """Whether the exiftool process is still alive (one that died on a file is not used again)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyExifTool warns when it finds its process dead
            return bool(self._tool.running)

    @property
    def pid(self) -> int:
        """The exiftool process id (the same for every read of a batch)."""
        return int(self._tool._process.pid)

    def close(self) -> None:
        if self.running:
            self._tool.terminate()

    def read(self, paths: Sequence[Path]) -> list[Embedded]:
        if not paths:
            return []
        import exiftool

        names = [str(p) for p in paths]
        try:
            readable = self._tool.get_metadata(names)
            numeric = self._tool.get_tags(
                names,
                [
                    "GPSLatitude",
                    "GPSLongitude",
                    "GPSLatitudeRef",
                    "GPSLongitudeRef",
                    "GPSAltitude",
                    "GPSDateTime",
                ],
                params=["-n"],
            )
        except exiftool.exceptions.ExifToolException:
            # One unreadable file fails the whole call: fall back to one file at a time.
            if len(paths) == 1:
                return [Embedded({}, error="exiftool could not read this file")]
            return [item for path in paths for item in self.read([path])]
        out = []
        for tags, gps_tags in zip(readable, numeric, strict=True):
            clean = {k: floats_as_text(v) for k, v in tags.items() if k not in _STORE_TAGS}
            highlights = {k: str(v) for k, v in clean.items() if k.split(":")[-1] in _INTERESTING}
            out.append(
                Embedded(
                    clean,
                    gps_from(gps_tags),
                    highlights,
                    str(clean.get("ExifTool:Error")) if "ExifTool:Error" in clean else None,
                )
            )
        return out


class KeptRunning:
    """One exiftool process for every batch of one command, started by whichever thread asks first and
    closed by :meth:`close`; reads come from one thread at a time (a capture's store thread).

    A capture describes each page as it is stored: without it every page would start Perl and load
    exiftool's modules again (measured here: a fresh batch of 8 files 0.11 s of processor time, the same
    read through a running process 0.045 s). A process that died (on a hostile file) is replaced at the
    next batch, as a fresh batch would have been. Start it on the thread that reads through it:
    PyExifTool has the kernel end exiftool when the thread that started it ends (``PR_SET_PDEATHSIG``).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tool: ExifBatch | None = None
        self._closed = False

    def tool(self) -> ExifBatch:
        with self._lock:
            if self._closed:
                raise OperationFailed("cannot start exiftool: the command had already closed it")
            if self._tool is None or not self._tool.running:
                if self._tool is not None:
                    self._tool.close()
                self._tool = ExifBatch()
            return self._tool

    def start(self) -> None:
        """Start the process now (a capture does, while Chromium starts). A failure is met again, and
        said in the description, at the first batch."""
        try:
            self.tool()
        except OperationFailed:
            pass

    def close(self) -> None:
        with self._lock:
            self._closed = True
            tool, self._tool = self._tool, None
        if tool is not None:
            tool.close()


_THREAD = threading.local()


def keep_running(kept: KeptRunning | None) -> None:
    """From now on :func:`batch` on the calling thread reads through ``kept`` (None: a process per batch)."""
    _THREAD.kept = kept


@contextmanager
def batch() -> Iterator[ExifBatch]:
    """``with exif.batch() as tool: tool.read(paths)``: the process lives exactly as long as the block,
    unless this thread keeps one running for its command (:func:`keep_running`)."""
    kept: KeptRunning | None = getattr(_THREAD, "kept", None)
    if kept is not None:
        yield kept.tool()
        return
    tool = ExifBatch()
    try:
        yield tool
    finally:
        tool.close()
