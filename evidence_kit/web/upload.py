"""Files uploaded to the UI, streamed to disk as they arrive and hashed on the way, never held whole.

Each file part of a ``multipart/form-data`` body goes chunk by chunk into a locked temporary file in the
case's staging folder (``artefacts/.incoming``, where a killed UI's leftovers are proved and cleaned like
any other command's), while BLAKE3 and SHA-256 are computed over the same chunks. ``Case.add_files`` then
stores and records the files (it hashes them again as it stores them); the two digests must agree, so the
stored bytes are the bytes the browser sent.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import blake3

from ..errors import InvalidInput
from ..staging import locked_temp

MAX_FIELD_BYTES = 64 * 1024  # a text field of the upload form (the source); files have no such bound


@dataclass
class Received:
    name: str  # the file's name on the sender's computer
    path: Path  # the temporary file
    size: int = 0
    blake3: str = ""
    sha256: str = ""


@dataclass
class Upload:
    files: list[Received] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


class _Receiver:
    def __init__(self, folder: Path, stack: ExitStack):
        self.folder, self.stack, self.upload = folder, stack, Upload()
        self._headers: dict[bytes, bytes] = {}
        self._field_name = b""
        self._header_field = b""
        self._header_value = b""
        self._sink: BinaryIO | None = None
        self._file: Received | None = None
        self._hashes: tuple[Any, Any] | None = None
        self._text = bytearray()
        self._name: str | None = None

    # python-multipart callbacks ----------------------------------------------------------------
    def on_part_begin(self) -> None:
        self._headers, self._sink, self._file, self._text, self._name = {}, None, None, bytearray(), None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is not None:
            name = os.path.basename(filename.decode("utf-8", "replace").replace("\\", "/"))
            if not name:
                return  # an empty file input: no file chosen
            sink, path = self.stack.enter_context(locked_temp(self.folder, "upload"))
            self._sink, self._file = sink, Received(name, path)
            self._hashes = (blake3.blake3(), hashlib.sha256())

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._sink is not None and self._hashes is not None and self._file is not None:
            self._sink.write(chunk)
            self._hashes[0].update(chunk)
            self._hashes[1].update(chunk)
            self._file.size += len(chunk)
        elif self._file is None and self._name:
            if len(self._text) + len(chunk) > MAX_FIELD_BYTES:
                raise InvalidInput(f"the form field {self._name!r} is longer than {MAX_FIELD_BYTES:,} bytes")
            self._text.extend(chunk)

    def on_part_end(self) -> None:
        if self._sink is not None and self._file is not None and self._hashes is not None:
            self._sink.flush()
            os.fsync(self._sink.fileno())
            self._file.blake3 = "blake3:" + self._hashes[0].hexdigest()
            self._file.sha256 = "sha256:" + self._hashes[1].hexdigest()
            self.upload.files.append(self._file)
        elif self._name:
            self.upload.fields[self._name] = self._text.decode("utf-8", "replace")


async def receive(content_type: str, chunks: AsyncIterator[bytes], folder: Path, stack: ExitStack) -> Upload:
    """Read a multipart body from ``chunks`` into temporary files in ``folder`` (removed when ``stack`` closes)."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidInput("an upload must be sent as multipart/form-data")
    receiver = _Receiver(folder, stack)
    callbacks: Any = {
        name: getattr(receiver, name)
        for name in (
            "on_part_begin",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
            "on_part_data",
            "on_part_end",
        )
    }
    parser = MultipartParser(boundary, callbacks)
    async for chunk in chunks:
        parser.write(chunk)
    parser.finalize()
    return receiver.upload
