"""The head journal: a witness of every ledger head, kept outside the case folder.

Whoever can write to a case folder can cut the ledger's last events and leave a chain that is intact
up to the cut. The journal, in the investigator's own data folder, gets one line per event as it is
committed (case id, seq, entry hash), appended and fsynced; verify consults it when it exists, so a cut
below a journalled head is a finding even when no timestamp or export witnessed it.

Location: ``$EVIDENCE_KIT_JOURNAL``, else ``$XDG_DATA_HOME/evidence-kit/heads``, else
``~/.local/share/evidence-kit/heads``. One file per case *instance*: ``<case id>-<first 16 hex digits of
event 1's entry hash>.jsonl`` (two cases with the same id in different folders never share one).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

FORMAT = "evidence-kit-head-journal/1"


def default_dir() -> Path:
    if os.environ.get("EVIDENCE_KIT_JOURNAL"):
        return Path(os.environ["EVIDENCE_KIT_JOURNAL"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "evidence-kit" / "heads"


def path_for(directory: Path, case_id: str, first_entry_hash: str) -> Path:
    return directory / f"{case_id}-{first_entry_hash.split(':', 1)[-1][:16]}.jsonl"


def append(path: Path, case_id: str, heads: Iterable[tuple[int, str]]) -> None:
    """Add committed heads. One write per call with O_APPEND: concurrent writers never interleave lines."""
    lines = "".join(
        json.dumps({"format": FORMAT, "case_id": case_id, "seq": seq, "entry_hash": entry_hash}, sort_keys=True) + "\n"
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


def read(path: Path, case_id: str) -> tuple[dict[int, str], list[str]]:
    """The journalled heads (seq -> entry hash) and the lines that could not be read, by number."""
    heads: dict[int, str] = {}
    problems: list[str] = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                entry = json.loads(raw)
                seq, entry_hash = int(entry["seq"]), str(entry["entry_hash"])
                if entry.get("case_id") != case_id:
                    raise ValueError(f"names case {entry.get('case_id')!r}")
            except (ValueError, KeyError, TypeError) as exc:
                if raw.endswith(b"\n"):  # a last line without its newline is a write cut by a crash
                    problems.append(f"line {number}: {exc}")
                continue
            if heads.get(seq, entry_hash) != entry_hash:
                problems.append(f"line {number}: event {seq} journalled with two different hashes")
            heads[seq] = entry_hash
    return heads, problems
