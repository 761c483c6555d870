"""Run every benchmark in ``bench/`` one after the other, then print one table of their figures.

Each script prints its own report as it runs, plus a ``SUMMARY {json}`` line per headline
figure (see ``_loopback.summary``); those lines become the table. A script that prints none is
listed with its exit status and time, its figures being in its report above. Exits 1 when a
script failed (the load and fault scripts fail when a mail or a registration is lost or
doubled); a missed performance target is marked in the table but fails nothing.

    python bench/run_all.py             # each script at its default size (what `make bench` runs)
    python bench/run_all.py --quick     # smaller sizes where a script has a size option
    python bench/run_all.py outbox_kill two_servers     # only these
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
QUICK = {  # sizes that keep each script to a minute or so
    "load_registration.py": ["--registrants", "150"],
    "outbox_kill.py": ["--mails", "2000"],
    "two_servers.py": ["--registrants", "100", "--focal-points", "400"],
    "report_figures.py": ["--scale", "0.1"],
}
VERDICTS = {True: "met", False: "MISSED", None: ""}


def scripts() -> list[Path]:
    """The benchmarks: every script in bench/ but this one and the shared helpers (``_*``)."""
    return [
        path
        for path in sorted(BENCH.glob("*.py"))
        if path.name != Path(__file__).name and not path.name.startswith("_")
    ]


def run(script: Path, options: list[str]) -> tuple[int, float, list[dict]]:
    """Run one script, echoing its output; its exit status, seconds and SUMMARY records."""
    print(f"\n### {script.name} {' '.join(options)}".rstrip(), flush=True)
    started = time.monotonic()
    records = []
    with subprocess.Popen(
        [sys.executable, str(script), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        try:
            for line in process.stdout:
                print(line, end="", flush=True)
                if line.startswith("SUMMARY "):
                    records.append(json.loads(line.removeprefix("SUMMARY ")))
        finally:  # stopped ourselves: let the script stop its servers and drop its schemas
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=120)
    return process.returncode, time.monotonic() - started, records


def table(rows: list[list[str]]) -> str:
    """Rows as aligned columns under a header line."""
    header = ["script", "figure", "value", "versus the baseline", "target", "verdict"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a first look")
    parser.add_argument("names", nargs="*", help="run only these scripts (e.g. outbox_kill)")
    args = parser.parse_args()
    rows, failed = [], []
    for script in scripts():
        if args.names and script.stem not in args.names and script.name not in args.names:
            continue
        options = QUICK.get(script.name, []) if args.quick else []
        status, seconds, records = run(script, options)
        name = f"{script.stem} ({seconds:.0f} s)"
        if status != 0:
            failed.append(script.name)
            rows.append([name, "the script failed", f"exit status {status}", "", "", "FAILED"])
        if not records and status == 0:
            rows.append([name, "(figures in its report above)", "", "", "", ""])
        for record in records:
            verdict = VERDICTS[record.get("met")]
            rows.append(
                [
                    name,
                    record["figure"],
                    record["value"],
                    record.get("versus", ""),
                    record.get("target", ""),
                    verdict,
                ]
            )
            name = ""
    print("\n" + table(rows))
    if failed:
        raise SystemExit(f"\nFailed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
