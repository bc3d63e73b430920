"""The README's main job on a bundled local sample: capture → describe → timestamp → export → verify.

    python -m evidence_kit.demo [--out demo-output]

Serves the bundled sample recruitment-ad site and a real RFC 3161 time-stamping authority (OpenSSL) on
127.0.0.1, then runs the same commands an investigator types, printing each one first. Everything is
written under ``--out`` (its own cases folder, keys and settings), never into your real cases.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def run(
    args: list[str], env: dict[str, str], check: bool = True, quiet: bool = False
) -> subprocess.CompletedProcess[str]:
    shown = "evidence-kit " + " ".join(shlex.quote(a) for a in args)
    print(f"\n$ {shown}", flush=True)
    result = subprocess.run([sys.executable, "-m", "evidence_kit", *args], env=env, text=True, capture_output=quiet)
    if check and result.returncode != 0:
        if quiet:
            sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"demo: '{shown}' failed with exit code {result.returncode}")
    return result


# The demo's MLA form: plausible values for the sample case, so a newcomer sees complete annexes. One
# required field is left empty on purpose, to show how a missing field is listed (in the annexes, on
# stderr and in --json) instead of being silently blank.
LEFT_EMPTY = "request.reference"


def demo_form(template: str, today: str) -> dict[str, Any]:
    """The form ``evidence-kit mla-form`` prints, filled as an investigator of the sample case would."""
    from .export.mla import parse_form

    form = parse_form(template)
    form["request"].update(
        {
            "date": today,
            "reference": "",  # LEFT_EMPTY: the reference number the requesting office gives the request
            "type": "new",
            "urgency": "urgent",
            "urgency_reason": "the advertisements are taken down and re-posted under new names within days",
        }
    )
    form["requested_authority"] = {
        "name": "Department of Justice, Central Authority for Mutual Legal Assistance",
        "country": "Ireland",
        "address": "51 St Stephen's Green, Dublin 2, Ireland (demo address)",
    }
    form["requesting_authority"] = {
        "organisation": "Demo Anti-Trafficking Unit, General Directorate National Police",
        "person_in_charge": "Insp. A. Petrova",
        "address": "Demo Street 1, 1000 Sofia, Bulgaria",
        "phone": "+359 2 000 0000",
        "email": "a.petrova@demo-police.example",
        "office_hours": "08:30-17:30",
        "time_zone": "Europe/Sofia (UTC+02:00)",
        "preferred_channel": "24/7 network (Art. 35)",
    }
    form["confirmation_contact"] = {
        "name": "Chief Insp. D. Georgiev",
        "phone": "+359 2 000 0001",
        "email": "d.georgiev@demo-police.example",
    }
    form["investigating_authority"] = {
        "organisation": "Sofia City Prosecutor's Office (demo)",
        "contact": "+359 2 000 0002",
    }
    form["case_references"] = {
        "prosecution": "Pr. 1234/2026 (demo)",
        "court": "",
        "related_decisions": "order of the supervising prosecutor to secure online evidence (demo)",
    }
    form["earlier_requests"] = []
    form["legal_basis"] = (
        "Council of Europe Convention on Cybercrime (ETS 185), Articles 29 and 31; Criminal Procedure Code"
    )
    form["offence"] = {
        "name": "trafficking in human beings",
        "legal_provisions": "Criminal Code Art. 159a",
        "maximum_penalty": "up to 8 years of imprisonment",
    }
    form["summary_of_facts"] = (
        "Advertisements on the sample site offer modelling and hostess work abroad with high pay, travel and "
        "housing paid; witnesses say recruits had their passports taken on arrival and were forced to work."
    )
    form["preservation"] = {
        "why_necessary": "the advertisements and the accounts behind them can be deleted at any time",
        "relation_to_offence": "the advertisements recruit the victims; their authors' accounts "
        "identify the recruiters",
        "period_days": 90,
    }
    return form


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="demo-output", help="folder for the demo's cases and bundle")
    options = parser.parse_args()
    out = Path(options.out).resolve()
    out.mkdir(parents=True, exist_ok=True)

    from .devtools.local_tsa import start_local_tsa
    from .sample_site import serve

    site = serve.start()
    tsa = start_local_tsa(out / "tsa", name="evidence-kit demo TSA")
    settings_path = out / "config.json"
    settings_path.write_text(
        json.dumps(
            {
                "investigator": "Insp. A. Petrova",
                "organisation": "Demo Anti-Trafficking Unit",
                "tsas": [tsa.settings_entry()],
            },
            indent=2,
        )
    )
    env = {
        **os.environ,
        "EVIDENCE_KIT_HOME": str(out / "cases"),
        "EVIDENCE_KIT_KEYS": str(out / "keys"),
        "EVIDENCE_KIT_CONFIG": str(settings_path),
        "EVIDENCE_KIT_JOURNAL": str(out / "journal"),  # the head journal, outside the case folder
        "COLUMNS": os.environ.get("COLUMNS", "120"),
    }
    case_id = "DEMO-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    try:
        print(f"Sample site on {site.base_url}, local time-stamping authority on {tsa.url}")
        run(
            [
                "case",
                "create",
                case_id,
                "--title",
                "Star Models recruitment ads (demo)",
                "--investigator",
                "Insp. A. Petrova",
                "--jurisdiction",
                "BG",
                "--region",
                "BG",
                "--offence",
                "trafficking in human beings (Criminal Code Art. 159a)",
            ],
            env,
        )
        run(
            [
                "capture",
                *site.pages,
                "--case",
                case_id,
                "--allow-private",
                "--purpose",
                "recruitment advertisement, suspected trafficking",
            ],
            env,
        )
        # A photo a witness handed over: the same picture the agency posted, so the case shows one
        # stored copy with two custody events and a re-used-photo match.
        witness_photo = Path(__file__).parent / "sample_site" / "img" / "office-dubai.jpg"
        run(["add", str(witness_photo), "--case", case_id, "--source", "handed over by witness W-3"], env)
        run(
            [
                "ledger",
                "record",
                case_id,
                "--action",
                "handover",
                "--to",
                "Prosecutor M. Ionescu",
                "--note",
                "sealed USB, bag 44",
            ],
            env,
        )
        run(["timestamp", case_id], env)
        run(["selectors", case_id], env)
        form = out / "mla-form.json"
        template = run(["mla-form"], env, quiet=True).stdout
        form.write_text(json.dumps(demo_form(template, datetime.now(UTC).date().isoformat()), indent=2), "utf-8")
        print(f"(filled {form.name} with the demo's sample values; {LEFT_EMPTY} is left empty on purpose)")
        bundle = out / f"{case_id}-bundle.zip"
        run(["export", case_id, "--out", str(bundle), "--zip", "--mla", str(form)], env)
        run(["verify", case_id], env)
        # The court expert pins the investigator's key fingerprint, given out of band (printed by case create).
        lead = json.loads((out / "cases" / case_id / "case.json").read_text("utf-8"))["investigators"][0]
        run(["verify", str(bundle), "--trust", lead["fingerprint"]], env)
        print(f"\nDone. The case is in {out / 'cases' / case_id}; the bundle for the prosecutor is {bundle}.")
    finally:
        tsa.stop()
        site.stop()


if __name__ == "__main__":
    main()
