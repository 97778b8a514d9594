"""Run every benchmark, ``benchmarks/bench_*.py``, one after the other (``make bench``).

    .venv/bin/python benchmarks/run.py                 # all of them
    .venv/bin/python benchmarks/run.py dispatch racks  # those whose name contains a word

Each benchmark runs in its own process (so one-time imports and caches of one
do not flatter the next) with the interpreter running this script; its output
is passed through as it comes.  The exit status is non-zero when any
benchmark failed, and a summary lists each one's wall time and status.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if any(word in s.stem for word in argv)]
        if not scripts:
            print(f"no benchmark matches {' '.join(argv)}; there are: "
                  + ", ".join(s.stem for s in sorted(HERE.glob('bench_*.py'))), file=sys.stderr)
            return 2
    summary = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        t0 = time.perf_counter()
        status = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        summary.append((script.name, time.perf_counter() - t0, status))
        print(flush=True)
    print("== summary")
    for name, wall, status in summary:
        print(f"{name:28s} {wall:8.1f} s  {'ok' if status == 0 else f'FAILED (exit {status})'}")
    return 0 if all(status == 0 for _, _, status in summary) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
