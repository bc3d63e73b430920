"""The UI's bundle downloads take the case id from the request path (web/state.py): '..' or a made-up
id is never a folder to serve from, and a GET creates no folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence_kit import config
from evidence_kit.errors import InvalidInput
from evidence_kit.web import state


def test_the_bundles_folder_takes_only_a_case_id(isolated_env: Path) -> None:
    settings = config.load()
    for bad in ("..", ".", "a..b", "x/y"):
        with pytest.raises(InvalidInput):
            state.bundles_folder(settings, bad)
    assert not (settings.home / "bundles").exists()
    folder = state.bundles_folder(settings, "OP-1", create=False)
    assert folder == settings.home / ".ui" / "OP-1" / "bundles" and not folder.exists()
