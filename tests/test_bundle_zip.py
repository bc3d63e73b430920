"""Opening a bundle zip safely, and reading manifests, as properties over many generated inputs."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chain_of_custody import bagit_check, safezip

segment = st.one_of(
    st.just(".."), st.text("abcXYZ019-_.é ", min_size=1, max_size=8).filter(lambda s: s not in (".", ".."))
)


def _archive(names: list[str]) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"x")
    buffer.seek(0)
    return zipfile.ZipFile(buffer)


@given(
    st.lists(st.lists(segment, min_size=1, max_size=4), min_size=1, max_size=5, unique_by=tuple),
    st.booleans(),
)
def test_check_zip_refuses_exactly_the_paths_that_leave_the_folder(paths, absolute):
    names = [("/" if absolute else "") + "/".join(p) for p in paths]
    escaping = absolute or any(".." in p for p in paths)
    # a file that is also another entry's folder cannot be unpacked as written: refused too
    clash = any(other.startswith(name + "/") for name in names for other in names)
    if escaping or clash:
        with pytest.raises(safezip.UnsafeBundle):
            safezip.check_zip(_archive(names))
    else:
        safezip.check_zip(_archive(names))


@pytest.mark.parametrize(
    ("names", "says"),
    [
        (["b/bagit.txt", "b/./bagit.txt"], "'b/./bagit.txt' is the same file as 'b/bagit.txt'"),
        (["bagit.txt", "./bagit.txt"], "'./bagit.txt' is the same file as 'bagit.txt'"),
        (["b/data/x", "b/data//x"], "is the same file as"),
        (["b/data/x", "b/data/x/y"], "is both a file and a folder"),
        (["b/data/x/y", "b/data/x"], "is both a file and a folder"),
    ],
)
def test_two_entries_unpacking_to_one_place_are_refused_by_name(tmp_path, names, says):
    archive = tmp_path / "b.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for name in names:
            out.writestr(name, b"x")
    with pytest.raises(safezip.UnsafeBundle, match=says):
        safezip.extract_zip(archive, tmp_path / "dest")
    assert not any(p.is_file() for p in (tmp_path / "dest").rglob("*"))  # refused before a byte is written


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(segment.filter(lambda s: s != ".."), min_size=1, max_size=3),
        min_size=1,
        max_size=4,
        unique_by=lambda p: "/".join(p),
    )
)
def test_safe_zip_extracts_only_inside_the_destination(tmp_path_factory, paths):
    names = ["b/bagit.txt"] + [f"b/data/{'/'.join(p)}" for p in paths]
    # a file and a folder of the same name cannot both exist: keep only leaves
    names = [n for n in names if not any(other.startswith(n + "/") for other in names)]
    if len(set(names)) != len(names):
        return
    folder = tmp_path_factory.mktemp("unzip")
    archive = folder / "b.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for name in names:
            out.writestr(name, name.encode())
    root = safezip.extract_zip(archive, folder / "dest")
    assert root == (folder / "dest" / "b").resolve()
    written = sorted(p for p in (folder / "dest").rglob("*") if p.is_file())
    assert len(written) == len(names)
    assert all(p.resolve().is_relative_to((folder / "dest").resolve()) for p in written)


@given(st.text(min_size=1, max_size=30).filter(lambda s: s.strip() == s and "\0" not in s))
def test_manifest_paths_round_trip_through_percent_encoding(name):
    path = f"data/{name}"
    line = f"{'ab' * 32}  {bagit_check.encode_manifest_path(path)}\n"
    manifest = Path(__import__("tempfile").mkdtemp()) / "manifest-sha256.txt"
    manifest.write_text(line, "utf-8")
    entries, bad = bagit_check.read_manifest(manifest)
    assert bad == [] and entries == {path: "ab" * 32}
    assert "\n" not in bagit_check.encode_manifest_path(path).rstrip("\n")


def test_pure_posix_parts_catch_nested_parent_references():
    assert ".." in PurePosixPath("a/../../b").parts


def test_repetitive_but_real_evidence_is_not_taken_for_a_bomb():
    page = b"".join(b"<p>row %d LARGE-PAGE-ROW " % i + b"x" * 220 + b"</p>\n" for i in range(12000))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("b/bagit.txt", b"x")
        archive.writestr("b/data/artefacts/E01-warc-0123456789ab.warc", page)
    buffer.seek(0)
    safezip.check_zip(zipfile.ZipFile(buffer))
