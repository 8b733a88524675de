"""Run All against live-only: wall time per lesson, full mode (a script, not a test).

For each lesson it executes, with nbclient and a fresh kernel, (1) the committed source
notebook (Run All, with the reference solutions) and (2) its live-only twin from
course.lecture, both in FULL mode (COURSE_GRADING_MODE unset: the lessons' real data
sizes), BLAS single-threaded, and prints the wall times and the load average around
each run. CIFAR-10 comes from $CIFAR10_DIR.

Usage:  python benchmarks/bench_lecture.py [--live-only] [--grading] [--lessons 04 05]

--grading runs both in grading mode instead (COURSE_GRADING_MODE=1: small data). With only a
CIFAR-10 subset, full mode of lessons 04-07 uses the images there are (fewer than the 15,000
they ask for) and prints that it did (course.experiments.load_split).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course.lecture import lesson_notebooks, live_only_notebook  # noqa: E402


def run(notebook, cwd):
    started = time.monotonic()
    error = ""
    try:
        NotebookClient(
            notebook, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
        ).execute()
    except Exception as exc:  # noqa: BLE001 - reported in the table
        error = type(exc).__name__
    return time.monotonic() - started, error


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--live-only", action="store_true", help="skip the Run All runs")
    parser.add_argument("--lessons", nargs="*", default=None, help="lesson numbers, e.g. 04 05")
    parser.add_argument("--grading", action="store_true", help="grading mode instead of full mode")
    args = parser.parse_args()
    if args.grading:
        os.environ["COURSE_GRADING_MODE"] = "1"
    else:
        os.environ.pop("COURSE_GRADING_MODE", None)
    print(f"mode: {'grading' if args.grading else 'full'}; load average at start {os.getloadavg()}")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    print(f"{'lesson':<24} {'Run All (s)':>11} {'load':>5} {'live-only (s)':>13} {'load':>5}", flush=True)
    for path in lesson_notebooks():
        if args.lessons and path.parent.name[:2] not in args.lessons:
            continue
        full, full_error, full_load = float("nan"), "", float("nan")
        if not args.live_only:
            full, full_error = run(nbformat.read(str(path), as_version=4), path.parent)
            full_load = os.getloadavg()[0]
        live, live_error = run(live_only_notebook(path), path.parent)
        live_load = os.getloadavg()[0]
        print(
            f"{path.stem:<24} {full:>11.1f} {full_load:>5.1f} {live:>13.1f} {live_load:>5.1f} "
            f"{full_error} {live_error}",
            flush=True,
        )
    print("load: 1-minute load average right after each run (2 cores)")


if __name__ == "__main__":
    main()
