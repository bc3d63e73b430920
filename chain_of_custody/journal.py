"""The head journal: a witness of every ledger head, kept outside the case folder.

Whoever can write to a case folder can cut the ledger's last events and leave a chain that is intact
up to the cut. The journal, in the investigator's own data folder, gets one line per event as it is
committed (case id, seq, entry hash), appended and fsynced; verify consults it when it exists, so a cut
below a journalled head is a finding even when no timestamp or export witnessed it.

Location: ``$EVIDENCE_KIT_JOURNAL``, else ``$XDG_DATA_HOME/evidence-kit/heads``, else
``~/.local/share/evidence-kit/heads``. One file per case *instance*: ``<case id>-<first 16 hex digits of
event 1's entry hash>.jsonl`` (two cases with the same id never share one). Each line also names the case
folder it was written for, so a ledger rewritten from its very first event (which would look up another
file) is still caught: the journal of the same folder begins with another event 1.

Verify reads the journal *before* the ledger: a head is journalled only after its commit, so everything the
journal holds then must be in the ledger it reads next, even while other commands keep writing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = "evidence-kit-head-journal/1"


def default_dir() -> Path:
    if os.environ.get("EVIDENCE_KIT_JOURNAL"):
        return Path(os.environ["EVIDENCE_KIT_JOURNAL"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "evidence-kit" / "heads"


SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


def _stem(case_id: str) -> str:
    """The file-name stem for a case id (an id no case could have is named by its digest)."""
    if SAFE_ID.match(case_id):
        return case_id
    return "case-" + hashlib.sha256(case_id.encode("utf-8", "replace")).hexdigest()[:32]


def path_for(directory: Path, case_id: str, first_entry_hash: str) -> Path:
    return directory / f"{_stem(case_id)}-{first_entry_hash.split(':', 1)[-1][:16]}.jsonl"


def append(path: Path, case_id: str, heads: Iterable[tuple[int, str]], folder: Path | None = None) -> None:
    """Add committed heads. One write per call with O_APPEND: concurrent writers never interleave lines."""
    where = {"folder": str(folder.resolve())} if folder is not None else {}
    lines = "".join(
        json.dumps(
            {"format": FORMAT, "case_id": case_id, "seq": seq, "entry_hash": entry_hash, **where}, sort_keys=True
        )
        + "\n"
        for seq, entry_hash in heads
    ).encode("utf-8")
    if not lines:
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, lines)
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Journal:
    """One journal file as read: its heads, the case folders it was written for, what could not be read."""

    path: Path
    heads: dict[int, str] = field(default_factory=dict)
    folders: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def snapshot(directory: Path, case_id: str) -> list[Journal]:
    """Every journal file of cases with this id (read before the ledger: see the module docstring)."""
    return take(directory, case_id)()


# A journal file up to this size is taken as bytes and its lines read later (verify reads them while its
# workers check signatures); a larger one is read at once, line by line (memory stays flat).
TAKE_IN_MEMORY = 256 * 1024 * 1024


def take(directory: Path, case_id: str) -> Callable[[], list[Journal]]:
    """Read every journal file of cases with this id now (before the ledger), its lines when called."""
    # This case id's journals (one per first event, see path_for), not those of a case whose id begins
    # with it: verifying OP-ADS must not read OP-ADS-2's journal (every line of it parsed, to no end).
    named = re.compile(re.escape(_stem(case_id)) + r"-[0-9a-f]{16}\.jsonl")
    try:
        names = sorted(p for p in directory.iterdir() if named.fullmatch(p.name))
    except OSError:
        return list
    found: list[Journal | tuple[Path, bytes]] = []
    for path in names:
        try:
            with open(path, "rb") as handle:
                # Its size first: read(TAKE_IN_MEMORY + 1) would allocate the whole bound for a small file.
                # Lines appended after this look are not needed: the ledger, opened later, holds them.
                size = os.fstat(handle.fileno()).st_size
                found.append((path, handle.read(size)) if size <= TAKE_IN_MEMORY else read_journal(path, case_id))
        except OSError as exc:
            found.append(Journal(path, problems=[f"cannot be read: {exc.strerror}"]))

    def lines() -> list[Journal]:
        return [
            item if isinstance(item, Journal) else _read_lines(Journal(item[0]), io.BytesIO(item[1]), case_id)
            for item in found
        ]

    return lines


def read(path: Path, case_id: str) -> tuple[dict[int, str], list[str]]:
    """The journalled heads (seq -> entry hash) and the lines that could not be read, by number."""
    journal = read_journal(path, case_id)
    return journal.heads, journal.problems


_TEXT = rb'"([\x20\x21\x23-\x5b\x5d-\x7e]*)"'  # a JSON string of printable ASCII without escapes
# A line exactly as append writes it: read without the JSON parser (a journal has a line per event);
# any other line is parsed as JSON, so both read the same.
_PLAIN_LINE = re.compile(
    rb'\{"case_id": ' + _TEXT + rb', "entry_hash": ' + _TEXT + rb", (?:\"folder\": " + _TEXT + rb", )?"
    rb'"format": "' + re.escape(FORMAT.encode()) + rb'", "seq": (-?(?:0|[1-9][0-9]{0,17}))\}\n'
)


def read_journal(path: Path, case_id: str) -> Journal:
    with open(path, "rb") as handle:
        return _read_lines(Journal(path), handle, case_id)


def _read_lines(journal: Journal, handle: Iterable[bytes], case_id: str) -> Journal:
    heads, problems = journal.heads, journal.problems
    mine = case_id.encode("ascii") if case_id.isascii() else None
    folders: set[bytes] = set()
    for number, raw in enumerate(handle, 1):
        plain = _PLAIN_LINE.fullmatch(raw)
        if plain is not None and plain[1] == mine:
            seq, entry_hash = int(plain[4]), plain[2].decode("ascii")
            if plain[3] is not None and plain[3] not in folders:
                folders.add(plain[3])
                journal.folders.add(plain[3].decode("ascii"))
            if heads.get(seq, entry_hash) != entry_hash:
                problems.append(f"line {number}: event {seq} journalled with two different hashes")
            heads[seq] = entry_hash
            continue
        try:
            entry = json.loads(raw)
            if not isinstance(entry, dict):
                raise ValueError("not a JSON object")
            seq, entry_hash = int(entry["seq"]), str(entry["entry_hash"])
            if entry.get("case_id") != case_id:
                raise ValueError(f"names case {entry.get('case_id')!r}")
            if isinstance(entry.get("folder"), str):
                journal.folders.add(entry["folder"])
        except (ValueError, KeyError, TypeError, OverflowError, RecursionError) as exc:
            if raw.endswith(b"\n"):  # a last line without its newline is a write cut by a crash
                problems.append(f"line {number}: {exc}")
            continue
        if heads.get(seq, entry_hash) != entry_hash:
            problems.append(f"line {number}: event {seq} journalled with two different hashes")
        heads[seq] = entry_hash
    return journal
