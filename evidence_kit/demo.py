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
        form.write_text(run(["mla-form"], env, quiet=True).stdout)
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
