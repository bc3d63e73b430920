"""After 'add' with a TSA configured: described, stamped, and 'case show' has nothing left to warn about."""

from __future__ import annotations

import json
from pathlib import Path


def test_add_is_described_and_stamped_with_nothing_left_pending(cli, tsa_settings, tmp_path: Path):
    from PIL import Image

    photo = tmp_path / "flat.jpg"
    Image.new("RGB", (64, 48), "blue").save(photo, format="JPEG")
    assert cli("case", "create", "OP-7", "--title", "t", "--investigator", "Insp. A").exit_code == 0
    assert cli("add", str(photo), "--case", "OP-7").exit_code == 0
    shown = json.loads(cli("case", "show", "OP-7", "--json").stdout)
    actions = [e["action"] for e in json.loads(cli("ledger", "OP-7", "--json").stdout)]
    assert actions == ["case-create", "add", "describe", "timestamp"]
    assert shown["timestamp_pending"] == [] or not shown["timestamp_pending"]
    # The stamp's own token, manifest and certificates are proofs, not evidence to describe.
    assert not [w for w in shown.get("warnings", []) if "not described" in w], shown.get("warnings")
    roles = {a["role"] for a in shown["artefacts"]}
    assert {"added-file", "metadata"} <= roles
    table = cli("case", "show", "OP-7").stdout
    assert "RFC 3161 timestamps" in table and "stamped" in table
