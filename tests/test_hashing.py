"""The verifier's file digests, read through a memory map or into a buffer, are the digests of the bytes,
whatever the size (empty, one byte, around a slice boundary)."""

from __future__ import annotations

import hashlib
import os

import blake3
import pytest

from chain_of_custody import hashing


@pytest.mark.parametrize(
    "size",
    [0, 1, hashing.SLICE - 1, hashing.SLICE, 4 * hashing.MIB + 3, hashing.FAST_SLICE + 1],
)
def test_every_way_of_reading_a_file_gives_its_digests(tmp_path, size):
    data = os.urandom(size)
    path = tmp_path / "file"
    path.write_bytes(data)
    b3, sha = "blake3:" + blake3.blake3(data).hexdigest(), "sha256:" + hashlib.sha256(data).hexdigest()
    seen: list[int] = []
    assert hashing.blake3_file(path, all_cores=True, on_progress=seen.append) == (b3, size)
    assert hashing.blake3_file(path, all_cores=False) == (b3, size)
    assert hashing.sha256_file(path) == (sha, size)
    assert hashing.hash_file_here(path) == hashing.Digests(b3, sha, size)
    assert seen == sorted(seen) and (not size or seen[-1] == size)  # progress goes forward, to the end


def test_two_readers_on_one_thread_never_share_a_buffer(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.write_bytes(b"a" * (2 * hashing.SLICE))
    second.write_bytes(b"b" * (2 * hashing.SLICE))
    one, other = hashing.read_pieces(first), hashing.read_pieces(second)
    a, b = next(one), next(other)
    assert bytes(a[:1]) == b"a" and bytes(b[:1]) == b"b"  # the second read did not overwrite the first
    assert all(bytes(piece) == b"a" * hashing.SLICE for piece in one)
    assert all(bytes(piece) == b"b" * hashing.SLICE for piece in other)
