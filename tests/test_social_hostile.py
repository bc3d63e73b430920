"""Hostile tests of issue 12 (social-media accounts as evidence): pages and stored profiles built to make
``capture-profile``, ``profile-history`` and the comparison lie or cry wolf.

The rule tested: a post is "deleted" only when the new capture really read far enough back to have seen
it; a handle used by two different accounts is never shown as one account's history; every sentence in
a record is true of what was stored.
"""

from __future__ import annotations

import json
from typing import Any

from chain_of_custody.canonical import canonical_json
from evidence_kit.social import history


def val(value: Any) -> dict[str, Any]:
    return {"value": value, "source": {"url": "https://example.org/u"}}


def profile(platform: str, account_id: str, handle: str, capture: str) -> dict[str, Any]:
    return {
        "platform": platform,
        "account": f"{platform}:id:{account_id}",
        "status": "complete",
        "account_id": val(account_id),
        "handle": val(handle),
        "display_name": val(handle.title()),
        "capture": {"id": capture, "started": "2026-03-01T09:00:00Z", "status": "complete"},
        "links": [],
        "counts": {},
        "walls": [],
        "posts_read": 0,
    }


def record(case: Any, body: dict[str, Any]) -> None:
    """One social-profile custody event, as store.store_profile writes it (profile + posts artefacts)."""
    identity = case.identity()
    prof = case.ingest_bytes(canonical_json(body))
    posts = case.ingest_bytes(canonical_json({"posts": []}))
    case.append(
        identity,
        "social-profile",
        [
            {**prof.ledger_entry(role="social-profile"), "mime": "application/json"},
            {**posts.ledger_entry(role="social-posts"), "mime": "application/json"},
        ],
        details={"account": body["account"]},
    )


def test_a_handle_reused_by_another_account_is_not_one_history(make_case) -> None:  # noqa: ANN001
    """Same handle, another stable id: two accounts. Asked by handle, the history says both exist."""
    case = make_case()
    record(case, profile("x", "111", "recruit", "cap-1"))
    record(case, profile("x", "222", "recruit", "cap-2"))
    found = history.timeline(case, "@recruit")
    assert found is not None
    assert [c["capture_id"] for c in found["captures"]] == ["cap-2"]
    assert [a["account"] for a in found["also"]] == ["x:id:111"]
    assert found["also"][0]["captures"] == ["cap-1"]
    # what capture-profile notes on the new account's Profile: the handle was another account's
    assert history.others_with_handle(case, profile("x", "222", "recruit", "cap-3")) == ["x:id:111"]
    assert history.others_with_handle(case, profile("vk", "222", "recruit", "cap-3")) == []


def test_same_handle_on_two_platforms_is_named_not_hidden(make_case) -> None:  # noqa: ANN001
    case = make_case()
    record(case, profile("telegram", "900", "starjobs", "cap-tg"))
    record(case, profile("vk", "-77", "starjobs", "cap-vk"))
    found = history.timeline(case, "starjobs")
    assert found is not None
    assert found["account"] == "vk:id:-77"
    assert [a["account"] for a in found["also"]] == ["telegram:id:900"]
    # the account key names exactly one of them, with nothing else
    only = history.timeline(case, "telegram:id:900")
    assert only is not None and only["account"] == "telegram:id:900" and only["also"] == []
    # the report's section per account: each account once
    assert [a["account"] for a in history.accounts(case)] == ["telegram:id:900", "vk:id:-77"]


def test_cli_profile_history_negative_vk_id_and_other_accounts(make_case, cli) -> None:  # noqa: ANN001
    case = make_case()
    record(case, profile("vk", "-77", "starjobs", "cap-vk"))
    record(case, profile("telegram", "900", "starjobs", "cap-tg"))
    case_id = case.id
    case.close()
    shown = cli("profile-history", case_id, "-77", "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["account"] == "vk:id:-77"
    text = cli("profile-history", case_id, "@starjobs")
    assert text.exit_code == 0, text.output
    assert "vk:id:-77" in text.stdout and "telegram:id:900" in text.stdout
    assert "another account" in text.stdout
    missing = cli("profile-history", case_id, "@nobody")
    assert missing.exit_code == 2
    assert len(missing.stderr.strip().splitlines()) == 1
