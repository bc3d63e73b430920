"""Speed and memory of the foundation, as ratios against baselines measured in the same run.

    python -m benchmarks [--gib 2] [--events 100000]

Baselines: ``hashlib.sha256`` alone over the same files (the court hash, the bottleneck of a
dual-hash pass), ``hashlib.sha256`` plus a plain copy (for ``add``), and ``b3sum`` where installed.
Targets (issue 3): verify >= 0.85x sha256 throughput; add <= 1.2x sha256+copy; >= 2,000 signed appends/s;
verify of a 100,000-event ledger <= 10 s; memory flat in file size and ledger length.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
import tracemalloc
from pathlib import Path

from chain_of_custody.hashing import hash_file
from chain_of_custody.ledger import PendingEvent
from chain_of_custody.verify import verify_case
from evidence_kit import config
from evidence_kit.case import Case

MIB = 1024 * 1024


def sha256_only(paths: list[Path]) -> None:
    for path in paths:
        digest = hashlib.sha256()
        with open(path, "rb", buffering=0) as handle:
            while chunk := handle.read(4 * MIB):
                digest.update(chunk)


def sha256_and_copy(source: Path, target: Path) -> None:
    digest = hashlib.sha256()
    with open(source, "rb", buffering=0) as reader, open(target, "wb") as writer:
        while chunk := reader.read(4 * MIB):
            digest.update(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())


def timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def best_of(n: int, function, *args) -> float:
    return min(timed(function, *args) for _ in range(n))


def make_files(folder: Path, total_gib: float, count: int = 4) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    size = int(total_gib * 1024 * MIB / count)
    paths = []
    for index in range(count):
        path = folder / f"artefact-{index}.bin"
        if not path.exists() or path.stat().st_size != size:
            with open(path, "wb") as handle:
                remaining = size
                block = os.urandom(16 * MIB)
                while remaining:
                    step = min(remaining, len(block))
                    handle.write(block[:step])
                    remaining -= step
                    block = block[1:] + block[:1]
        paths.append(path)
    return paths


def row(name: str, value: str, ratio: float | None = None, target: str = "") -> None:
    verdict = ""
    if ratio is not None and target:
        op, bound = target[:2], float(target[2:])
        met = ratio >= bound if op == ">=" else ratio <= bound
        verdict = "met" if met else "MISSED"
    print(f"{name:<44} {value:>22}  {('' if ratio is None else f'{ratio:.2f}x'):>7}  {target:>7}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gib", type=float, default=2.0, help="total artefact size for hashing runs")
    parser.add_argument("--events", type=int, default=100_000, help="events for the long-ledger run")
    args = parser.parse_args()
    data = Path(__file__).parent / ".data"
    files = make_files(data / "files", args.gib)
    total = sum(p.stat().st_size for p in files)
    print(f"{len(files)} files, {total / MIB / 1024:.2f} GiB, {os.cpu_count()} cores\n")
    print(f"{'measure':<44} {'value':>22}  {'ratio':>7}  {'target':>7}")

    sha256_only(files)  # warm the page cache
    base = best_of(2, sha256_only, files)
    row("baseline: hashlib.sha256 alone", f"{total / base / 1e9:.2f} GB/s")
    if shutil.which("b3sum"):
        b3 = best_of(2, lambda: subprocess.run(["b3sum", *map(str, files)], check=True, capture_output=True))
        row("baseline: b3sum (multi-threaded BLAKE3)", f"{total / b3 / 1e9:.2f} GB/s")
    dual = best_of(2, lambda: [hash_file(p) for p in files])
    row("hash_file: BLAKE3 + SHA-256 in one pass", f"{total / dual / 1e9:.2f} GB/s", base / dual, ">=0.85")

    with tempfile.TemporaryDirectory(dir=data) as tmp:
        tmp_path = Path(tmp)
        os.environ["EVIDENCE_KIT_KEYS"] = str(tmp_path / "keys")
        # The head journals of this run's cases only: those of earlier runs would be read by verify too.
        os.environ["EVIDENCE_KIT_JOURNAL"] = str(tmp_path / "journal")
        settings = config.load(tmp_path / "cases")
        case = Case.create(settings, "BENCH", "benchmark", "Bench Investigator")
        identity = case.identity()
        big = files[0]
        copy_time = best_of(2, sha256_and_copy, big, tmp_path / "plain-copy")
        (tmp_path / "plain-copy").unlink()
        # Best of two like the baseline: a second ingest of the same bytes streams, hashes, writes and
        # fsyncs them just the same before it finds the stored copy and drops the temporary file.
        add_time = best_of(2, case.add_files, [big], identity)
        row("add of one large file", f"{big.stat().st_size / add_time / 1e9:.2f} GB/s", add_time / copy_time, "<=1.20")
        case.add_files(files[1:], identity)
        case.close()
        verify_case(case.path)
        verify_time = best_of(2, verify_case, case.path)
        row("verify of a case (artefacts)", f"{total / verify_time / 1e9:.2f} GB/s", base / verify_time, ">=0.85")
        tracemalloc.start()
        verify_case(case.path)
        peak_files = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        row("verify peak Python memory (files)", f"{peak_files / MIB:.1f} MiB")

        ledger_case = Case.create(settings, "BENCH-LEDGER", "benchmark", "Bench Investigator")
        n = 5000
        start = time.perf_counter()
        for index in range(n):
            ledger_case.append(identity, "note", details={"n": index})
        single = n / (time.perf_counter() - start)
        row("signed appends, one transaction each", f"{single:,.0f} events/s", single / 2000, ">=1.00")
        batch = [PendingEvent("note", [], {"n": i}) for i in range(args.events - n - 1)]
        start = time.perf_counter()
        for offset in range(0, len(batch), 10_000):
            ledger_case.append_many(identity, batch[offset : offset + 10_000])
        batched = len(batch) / (time.perf_counter() - start)
        row("signed appends, batches of 10,000", f"{batched:,.0f} events/s")
        ledger_case.close()
        verify_case(ledger_case.path)  # warm the page cache, as for the files above
        start = time.perf_counter()
        report = verify_case(ledger_case.path)
        long_verify = time.perf_counter() - start
        # Memory is measured in a separate run: tracemalloc slows Python several-fold.
        tracemalloc.start()
        verify_case(ledger_case.path)
        peak_ledger = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert report.ok and report.facts["events"] == args.events, report.findings[:3]
        row(f"verify of a {args.events:,}-event ledger", f"{long_verify:.2f} s", long_verify / 10, "<=1.00")
        row(
            "verify peak Python memory (ledger)",
            f"{peak_ledger / MIB:.1f} MiB ({peak_ledger / args.events:.0f} B/event)",
        )


if __name__ == "__main__":
    main()
