"""The content-addressed store: one pass, dual digests, read-only, duplicates stored once."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import blake3
import pytest

from chain_of_custody.hashing import CHUNK, hash_bytes
from evidence_kit.errors import InvalidInput


def test_ingest_stores_read_only_under_the_blake3_address(make_case, tmp_path):
    case = make_case()
    data = b"%PDF-1.4\n" + bytes(range(256)) * 40000  # > 2 chunks to exercise the pipeline
    source = tmp_path / "statement.pdf"
    source.write_bytes(data)
    [added] = case.add_files([source], case.identity(), source="e-mail from NGO")
    artefact = added.artefact
    assert artefact.blake3 == "blake3:" + blake3.blake3(data).hexdigest()
    assert artefact.sha256 == "sha256:" + hashlib.sha256(data).hexdigest()
    assert artefact.size == len(data) > 2 * CHUNK
    assert artefact.mime == "application/pdf"
    hex_digest = artefact.blake3.split(":")[1]
    assert artefact.path == case.path / "artefacts" / hex_digest[:2] / hex_digest
    assert artefact.path.read_bytes() == data
    assert stat.S_IMODE(artefact.path.stat().st_mode) == 0o444
    assert added.event.details["source"] == "e-mail from NGO"
    assert added.event.artefacts[0]["sha256"] == artefact.sha256


def test_same_bytes_twice_are_stored_once_with_two_events(make_case, tmp_path):
    case = make_case()
    (tmp_path / "a.jpg").write_bytes(b"same")
    (tmp_path / "b.jpg").write_bytes(b"same")
    first, second = case.add_files([tmp_path / "a.jpg", tmp_path / "b.jpg"], case.identity(), then_pipeline=False)
    assert first.artefact.path == second.artefact.path
    assert (first.artefact.new, second.artefact.new) == (True, False)
    assert second.event.details["duplicate_of_stored"] is True
    assert [e.action for e in case.events()] == ["case-create", "add", "add"]
    assert len(list((case.path / "artefacts").glob("??/*"))) == 1


def test_empty_file_is_evidence_too(make_case, tmp_path):
    case = make_case()
    (tmp_path / "empty").write_bytes(b"")
    [added] = case.add_files([tmp_path / "empty"], case.identity())
    assert added.artefact.digests == hash_bytes(b"")
    assert added.artefact.mime == "application/x-empty"


def test_type_comes_from_content_not_name(make_case, tmp_path):
    case = make_case()
    liar = tmp_path / "invoice.pdf"
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(liar, format="PNG")
    [added] = case.add_files([liar], case.identity())
    assert added.artefact.mime == "image/png"


@pytest.mark.parametrize("make_bad", ["missing", "folder"])
def test_a_bad_path_in_the_list_stores_nothing(make_case, tmp_path, make_bad):
    case = make_case()
    good = tmp_path / "good.txt"
    good.write_bytes(b"fine")
    bad = tmp_path / "bad"
    if make_bad == "folder":
        bad.mkdir()
    with pytest.raises(InvalidInput):
        case.add_files([good, bad], case.identity())
    assert [e.action for e in case.events()] == ["case-create"]
    assert not list((case.path / "artefacts").glob("??/*"))


def _fifo(tmp_path):
    import os

    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def _socket(tmp_path):
    import socket

    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    return path


@pytest.mark.parametrize(
    ("make_special", "kind"),
    [
        (_fifo, "named pipe"),
        (lambda tmp_path: Path("/dev/zero"), "character device"),
        (_socket, "socket"),
    ],
)
def test_what_is_not_a_regular_file_is_refused_before_reading(make_case, tmp_path, make_special, kind):
    """A FIFO used to hang the ingest and /dev/zero to fill the disk; a symlink to one is refused too."""
    case = make_case()
    good = tmp_path / "good.txt"
    good.write_bytes(b"fine")
    special = make_special(tmp_path)
    link = tmp_path / "innocent.jpg"
    link.symlink_to(special)
    for path in (special, link):
        with pytest.raises(InvalidInput, match=f"is a {kind}.*, not a regular file"):
            case.add_files([good, path], case.identity())
        with pytest.raises(InvalidInput, match=kind):
            case.store.ingest_file(path)
    assert [e.action for e in case.events()] == ["case-create"]
    assert not list((case.path / "artefacts").glob("??/*"))
    assert not list((case.path / "artefacts" / ".incoming").glob("*"))


def test_ingest_names_its_temporary_file_after_the_writer_and_locks_it(make_case):
    """While bytes stream in, the temporary file is ``ingest-<pid>-<random>.partial`` and locked."""
    import io
    import os

    from chain_of_custody.leftovers import held, leftovers

    case = make_case()
    seen = []

    class Reader(io.RawIOBase):
        def readinto(self, buffer):
            if seen:
                return 0
            [partial] = (case.path / "artefacts" / ".incoming").iterdir()
            seen.append((partial.name, held(partial), leftovers(case.path)))
            buffer[:4] = b"data"
            return 4

        def readable(self):
            return True

    case.store.ingest_stream(Reader())
    [(name, locked, found)] = seen
    assert name.startswith(f"ingest-{os.getpid()}-") and name.endswith(".partial")
    assert locked and found == []
    assert not list((case.path / "artefacts" / ".incoming").iterdir())
