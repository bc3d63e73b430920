

def test_both_verifiers_agree_on_fast(many_files_case):
    """Issue 10 §2 holds for --fast too: the same checks, counts, findings and statement from both."""
    case, digests = many_files_case
    _flip(case, digests[2], 0)
    kit = _cli("-m", "evidence_kit", "verify", str(case.path), "--fast", "--json")
    court = _cli("-m", "chain_of_custody", "verify", str(case.path), "--fast", "--json")
    assert kit.returncode == court.returncode == 1, kit.stderr + court.stderr
    a, b = json.loads(kit.stdout), json.loads(court.stdout)
    assert [(c["name"], c["checked"], c["failed"]) for c in a["checks"]] == [
        (c["name"], c["checked"], c["failed"]) for c in b["checks"]
    ]
    assert a["findings"] == b["findings"] and a["not_checked"] == b["not_checked"] == ["SHA-256 of the artefacts"]
    assert {c["name"] for c in a["checks"]} <= set(checks.ALL)
