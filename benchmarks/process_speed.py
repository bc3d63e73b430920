"""Speed as a user runs the commands (issue 16): whole processes, each against a baseline process measured
in the same run over the same files or pages, page cache warm.

    python -m benchmarks.process_speed [--scale 1.0] [--runs 3] [--only verify,export,...] [--curve-urls 100]

Rows (the issue's table), each a ratio against its baseline with its target and whether it was met:

- ``verify`` of a case holding one 2 GiB artefact vs ``python -c`` hashlib.sha256 over that file;
- ``verify`` of 320 artefacts (2.5 GiB) vs single-stream hashlib.sha256 over them;
- ``verify --fast`` vs ``b3sum`` over the same files;
- ``export`` (folder) of that case vs ``cp -r`` of the case folder;
- ``capture`` (all artefacts, no video) of six varied pages and of the bundled sample site vs a bare
  Playwright goto + scroll + full-page screenshot of the same pages (``benchmarks/bare_capture.py``);
- the default concurrency against 1, 2 and 4 on the same 100 pages (``--curve-urls`` for another length);
- ``verify`` of a 100,000-event ledger;
- ``evidence-kit --help`` and ``verify`` of an empty case, beside ``python -c pass``.

Baseline and ours run alternately, ``--runs`` times each, and the best of each counts: on a shared machine
this keeps a burst of load from landing on one side only. Results go to benchmarks/.data/speed.json,
from which ``python -m benchmarks.readme_table`` writes the README's table. ``--scale`` (or
EVIDENCE_KIT_BENCH_SCALE) shrinks the data for a quick run; targets are for scale 1. Data is kept under
benchmarks/.data/process (git-ignored) and reused.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from evidence_kit import config
from evidence_kit.case import Case

MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data" / "process"
RESULTS = Path(__file__).resolve().parent / ".data" / "speed.json"
# The 100-page concurrency curve runs last: it keeps both cores busy for minutes, and the load average
# it leaves behind (a one-minute average) would be printed beside the rows measured after it.
SECTIONS = ("verify", "export", "capture", "ledger", "startup", "concurrency")
# The baseline a court expert would write: hashlib.file_digest, one file after another.
SHA256_FILES = (
    "import hashlib, sys\n"
    "for name in sys.argv[1:]:\n"
    "    with open(name, 'rb') as handle:\n"
    "        print(hashlib.file_digest(handle, 'sha256').hexdigest(), name)\n"
)


@dataclass
class Row:
    """One line of the table: what was measured, ours against the baseline, the target and the verdict."""

    key: str
    what: str
    ours: str
    baseline: str
    ratio: str
    target: str
    met: bool | None
    load: float = 0.0  # the 1-minute load average when the row was measured (other work on the machine)
    when: str = ""


ROWS: list[Row] = []


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "EVIDENCE_KIT_HOME": str(DATA / "cases"),
        "EVIDENCE_KIT_KEYS": str(DATA / "keys"),
        "EVIDENCE_KIT_JOURNAL": str(DATA / "journal"),
        "XDG_CONFIG_HOME": str(DATA / "config"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }


def write_random(path: Path, size: int) -> None:
    block = bytearray(os.urandom(16 * MIB))
    with open(path, "wb") as handle:
        remaining = size
        while remaining:
            step = min(remaining, len(block))
            handle.write(memoryview(block)[:step])
            remaining -= step
            block[0] = (block[0] + 1) % 256  # every block differs


def settings() -> config.Settings:
    os.environ.update({k: v for k, v in environment().items() if k.startswith(("EVIDENCE_KIT_", "XDG_"))})
    return config.load(DATA / "cases")


def case_with(case_id: str, count: int, size: int) -> tuple[Path, list[Path]]:
    """A case holding ``count`` artefacts of ``size`` bytes (made once, then reused); its stored files."""
    home = settings()
    folder = home.home / case_id
    if folder.is_dir():
        with Case.open(home, case_id) as case:
            stored = [case.store.path_of(row["blake3"]) for row in case.artefact_rows()]
        if len(stored) == count and all(p.stat().st_size == size for p in stored):
            return folder, stored
        shutil.rmtree(folder)
    staging = DATA / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    with Case.create(home, case_id, "process benchmark", "Bench Investigator") as case:
        identity = case.identity()
        for index in range(count):
            source = staging / f"{case_id}-{index:04}.bin"
            write_random(source, size)
            case.add_files([source], identity, then_pipeline=False)
            source.unlink()
        stored = [case.store.path_of(row["blake3"]) for row in case.artefact_rows()]
    return folder, stored


def ledger_case(case_id: str, events: int) -> Path:
    """A case whose ledger holds ``events`` signed events (made once, in batches of 10,000, then reused)."""
    from chain_of_custody.ledger import PendingEvent

    home = settings()
    folder = home.home / case_id
    if folder.is_dir():
        with Case.open(home, case_id) as case:
            if case.ledger.count() == events:
                return folder
        shutil.rmtree(folder)
    with Case.create(home, case_id, "ledger benchmark", "Bench Investigator") as case:
        identity = case.identity()
        left = events - case.ledger.count()
        while left > 0:
            step = min(left, 10_000)
            case.append_many(identity, [PendingEvent("note", [], {"n": i}) for i in range(step)])
            left -= step
    return folder


def run(command: list[str], before: Callable[[], None] | None = None) -> float:
    """Seconds one whole process takes (it must succeed); ``before`` runs first, untimed."""
    if before is not None:
        before()
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=environment(), cwd=ROOT)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} … failed ({done.returncode}): {done.stderr.decode()[-800:]}")
    return took


def paired(
    runs: int,
    baseline: list[str],
    ours: list[str],
    before: Callable[[], None] | None = None,
) -> tuple[float, float]:
    """Best of ``runs`` for the baseline and for ours, run alternately; (baseline, ours) in seconds."""
    base, mine = [], []
    for _ in range(runs):
        base.append(run(baseline, before))
        mine.append(run(ours, before))
    return min(base), min(mine)


def row(key: str, what: str, ours: float, base: float | None, target: str, higher_is_better: bool) -> None:
    """Record and print one row. ``target`` is ">=0.85x", "<=2x" or "<=0.15 s"."""
    bound = float(target[2:].rstrip("xs ").strip())
    if target.endswith("s"):  # an absolute time
        ratio, value = None, ours
    else:
        assert base is not None
        ratio = base / ours if higher_is_better else ours / base
        value = ratio
    met = value >= bound if target.startswith(">=") else value <= bound
    shown = "" if ratio is None else f"{ratio:.2f}x"
    base_text = "" if base is None else f"{base:.2f} s"
    ROWS.append(Row(key, what, f"{ours:.2f} s", base_text, shown, target, met, *_now()))
    print(f"{what:<62} {ours:7.2f} s {base_text:>9}  {shown:>7}  {target:>9}  {'met' if met else 'MISSED'}", flush=True)


def _now() -> tuple[float, str]:
    return round(os.getloadavg()[0], 1), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def note(key: str, what: str, text: str) -> None:
    ROWS.append(Row(key, what, text, "", "", "", None, *_now()))
    print(f"{what:<62} {text}", flush=True)


def bench_verify(args: argparse.Namespace, kit: list[str]) -> None:
    one_size = int(2048 * MIB * args.scale)
    many_count = max(2, int(320 * args.scale))
    one, one_files = case_with(f"ONE-{one_size}", 1, one_size)
    many, many_files = case_with(f"MANY-{many_count}", many_count, 8 * MIB)
    gib_one = one_size / 1024 / MIB
    gib_many = sum(p.stat().st_size for p in many_files) / 1024 / MIB
    sha_one = [sys.executable, "-c", SHA256_FILES, *map(str, one_files)]
    sha_many = [sys.executable, "-c", SHA256_FILES, *map(str, many_files)]
    run(sha_one), run(sha_many)  # warm the page cache
    base, ours = paired(args.runs, sha_one, [*kit, "verify", str(one), "--json"])
    row("verify-one", f"`verify`, one {gib_one:.2f} GiB artefact, vs python -c sha256", ours, base, ">=0.85x", True)
    base, ours = paired(args.runs, sha_many, [*kit, "verify", str(many), "--json"])
    what = f"`verify`, {many_count} artefacts {gib_many:.2f} GiB, vs one-stream sha256"
    row("verify-many", what, ours, base, ">=1.4x", True)
    if not shutil.which("b3sum"):
        note("verify-fast", "`verify --fast` vs b3sum", "b3sum not installed")
        return
    b3 = ["b3sum", *map(str, many_files)]
    base, ours = paired(args.runs, b3, [*kit, "verify", str(many), "--fast", "--json"])
    row("verify-fast", f"`verify --fast`, {many_count} artefacts, vs b3sum", ours, base, ">=0.8x", True)
    b3 = ["b3sum", *map(str, one_files)]
    base, ours = paired(args.runs, b3, [*kit, "verify", str(one), "--fast", "--json"])
    row("verify-fast-one", f"`verify --fast`, one {gib_one:.2f} GiB artefact, vs b3sum", ours, base, ">=0.8x", True)


def bench_export(args: argparse.Namespace, kit: list[str]) -> None:
    many_count = max(2, int(320 * args.scale))
    many, many_files = case_with(f"MANY-{many_count}", many_count, 8 * MIB)
    gib = sum(p.stat().st_size for p in many_files) / 1024 / MIB
    out = DATA / "export-out"

    def clear() -> None:
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run(["sync"], check=True)  # earlier runs' writes are on disk before the next is timed

    base, ours = paired(
        args.runs, ["cp", "-r", str(many), str(out)], [*kit, "export", many.name, "--out", str(out)], clear
    )
    clear()
    row("export", f"`export` (folder), {many_count} files {gib:.2f} GiB, vs cp -r", ours, base, "<=2x", False)


def capture_case(name: str) -> str:
    home = settings()
    if not (home.home / name).is_dir():
        Case.create(home, name, "capture benchmark", "Bench Investigator").close()
    return name


def bench_capture(args: argparse.Namespace, kit: list[str]) -> None:
    from benchmarks import varied_pages
    from evidence_kit.sample_site.serve import start

    case = capture_case("CAPTURE")
    shots = DATA / "bare-shots"
    bare = [sys.executable, str(ROOT / "benchmarks" / "bare_capture.py"), str(shots)]
    ours = [*kit, "capture", "--case", case, "--no-video", "--allow-private", "--json"]
    with tempfile.TemporaryDirectory(prefix="ek-pages-") as folder, varied_pages.serving(Path(folder)) as urls:
        base, took = paired(args.runs, [*bare, *urls], [*ours, *urls])
        row("capture-varied", "`capture` (no video), six varied pages, vs bare Playwright", took, base, "<=1.4x", False)
    with start() as site:
        base, took = paired(args.runs, [*bare, *site.pages], [*ours, *site.pages])
        what = f"`capture` (no video), sample site ({len(site.pages)} pages), vs bare Playwright"
        row("capture-sample", what, took, base, "<=1.4x", False)
    shutil.rmtree(shots, ignore_errors=True)


def bench_concurrency(args: argparse.Namespace, kit: list[str]) -> None:
    from evidence_kit.capture.concurrency import default_concurrency
    from evidence_kit.sample_site.serve import start

    case = "CONCURRENCY"
    chosen = default_concurrency()

    def fresh() -> None:  # every level starts from an empty case, so none pays for the captures before it
        home = settings()
        shutil.rmtree(home.home / case, ignore_errors=True)
        Case.create(home, case, "concurrency benchmark", "Bench Investigator").close()

    with start() as site:
        urls = (site.pages * (args.curve_urls // len(site.pages) + 1))[: args.curve_urls]
        command = [*kit, "capture", "--case", case, "--no-video", "--allow-private", "--json", *urls]
        curve = {}
        for level in sorted({1, 2, 4, chosen}):
            curve[level] = run([*command, "--concurrency", str(level)], fresh)
        default = run(command, fresh)  # no --concurrency: what the investigator gets
    points = ", ".join(f"{level}: {seconds:.1f} s" for level, seconds in curve.items())
    note("concurrency-curve", f"`capture` of {len(urls)} local pages, by --concurrency", points)
    best = min(curve.values())
    what = f"`capture` of {len(urls)} pages, default concurrency ({chosen}) vs the best level"
    row("concurrency-default", what, default, best, "<=1.15x", False)


def bench_ledger(args: argparse.Namespace, kit: list[str]) -> None:
    events = int(100_000 * args.scale)
    folder = ledger_case(f"LEDGER-{events}", events)
    command = [*kit, "verify", str(folder), "--json"]
    run(command)  # warm the page cache
    took = min(run(command) for _ in range(args.runs))
    row("ledger", f"`verify` of a {events:,}-event ledger", took, None, "<=3 s", False)


def bench_startup(args: argparse.Namespace, kit: list[str]) -> None:
    _, _ = case_with("EMPTY", 0, 0)
    empty = DATA / "cases" / "EMPTY"
    runs = max(10, args.runs * 3)
    bare = min(run([sys.executable, "-c", "pass"]) for _ in range(runs))
    for key, label, command in (
        ("help", "`evidence-kit --help`", [*kit, "--help"]),
        ("verify-empty", "`evidence-kit verify` of an empty case", [*kit, "verify", str(empty)]),
        (
            "verify-empty-standalone",
            "`python -m chain_of_custody verify` of an empty case",
            [sys.executable, "-m", "chain_of_custody", "verify", str(empty)],
        ),
    ):
        took = min(run(command) for _ in range(runs))
        row(key, f"{label} (python -c pass: {bare * 1000:.0f} ms)", took, bare, "<=0.15 s", False)


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{model or platform.processor()}, {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=float(os.environ.get("EVIDENCE_KIT_BENCH_SCALE", "1")))
    parser.add_argument("--runs", type=int, default=3, help="runs of each side (the best counts)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"some of: {','.join(SECTIONS)}")
    parser.add_argument("--curve-urls", type=int, default=100, help="pages for the concurrency curve")
    args = parser.parse_args()
    # Byte-compiled as an installed package is (pip compiles on install): with PYTHONDONTWRITEBYTECODE
    # set, a source tree would be compiled again by every process, about 60 ms of start-up.
    for package in ("chain_of_custody", "evidence_kit"):
        compileall.compile_dir(ROOT / package, quiet=1)
    kit = [sys.executable, "-m", "evidence_kit"]
    load = os.getloadavg()[0]
    print(f"whole processes on {machine()}; load {load:.1f}; scale {args.scale} (targets are for scale 1)\n")
    print(f"{'measure':<62} {'ours':>9} {'baseline':>9}  {'ratio':>7}  {'target':>9}")
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    for name in SECTIONS:
        if name in chosen:
            globals()[f"bench_{name}"](args, kit)
    previous = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    rows = {r["key"]: r for r in previous.get("rows", [])} if previous.get("scale") == args.scale else {}
    rows.update({r.key: asdict(r) for r in ROWS})
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "machine": machine(),
                "load": max(load, os.getloadavg()[0]),
                "scale": args.scale,
                "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "rows": list(rows.values()),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwritten to {RESULTS.relative_to(ROOT)} (python -m benchmarks.readme_table puts it in the README)")


if __name__ == "__main__":
    main()
