"""How a user's error ends a command: one line on stderr and an exit code, the same for every command.

Kept apart from the Typer application (:mod:`.app`) so that ``verify``, which runs without the
command-line library (:mod:`.verify_command`), ends its errors exactly as every other command does.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import NoReturn

from chain_of_custody.errors import CustodyError

# Last resort for operating-system errors only a user's input or machine can cause (a 5,000-character
# name, a folder without permission, a full disk) where no layer below names them; other errors are bugs.
USER_OS_ERRORS = {
    errno.ENAMETOOLONG: 2,
    errno.ENOTDIR: 2,
    errno.EACCES: 2,
    errno.EPERM: 2,
    errno.EROFS: 2,
    errno.ELOOP: 2,
    errno.ENOSPC: 3,
    errno.EDQUOT: 3,
}
LONG_WORD = re.compile(r"\S{201,}")


def shorten(text: str) -> str:
    """One readable line: a 5,000-character id or path is cut in the middle, saying how long it was."""
    text = " ".join(text.splitlines())
    return LONG_WORD.sub(lambda m: f"{m[0][:80]}…{m[0][-40:]} ({len(m[0]):,} characters)", text)


def fail(message: str, exit_code: int) -> NoReturn:
    sys.stderr.write(f"error: {shorten(message)}\n")
    sys.stderr.flush()
    raise SystemExit(exit_code)


def user_error(exc: BaseException) -> tuple[str, int] | None:
    """The line and exit code for an error the user's input or machine caused; None for a bug (which
    keeps its traceback)."""
    if isinstance(exc, CustodyError):
        return str(exc), exc.exit_code
    if isinstance(exc, OSError) and exc.errno in USER_OS_ERRORS:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}", USER_OS_ERRORS[exc.errno]
    # A ledger file that is no SQLite database (damaged, overwritten) is the user's data, not a bug;
    # "database is locked" and the like (OperationalError) are ours and keep their traceback.
    sqlite3 = sys.modules.get("sqlite3")  # not loaded yet: the error cannot be SQLite's
    if sqlite3 is not None and isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return f"a case's ledger database is damaged and cannot be read ({exc})", 2
    return None


@contextmanager
def in_one_line() -> Iterator[None]:
    """Inside: an error the user caused (:func:`user_error`) ends the command in one line; a bug goes on."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - every other error goes on as it was
        known = user_error(exc)
        if known is None:
            raise
        fail(*known)


def undecodable(arg: str) -> bool:
    """Text from argv holding bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    return any("\udc80" <= ch <= "\udcff" for ch in arg)


def refuse_undecodable(args: Iterable[str]) -> None:
    """A file name may hold any bytes (it is recorded with \\xNN escapes); text that goes into the ledger as
    it is (a note, a title, a case id) must be UTF-8, or signing it would fail midway."""
    for arg in args:
        value = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
        if undecodable(value) and not os.path.lexists(value):
            shown = os.fsencode(value).decode("utf-8", "backslashreplace")
            fail(f"'{shown}' is not UTF-8 text (only names of existing files may hold other bytes)", 2)
