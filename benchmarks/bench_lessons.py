"""Wall time of every lesson run top to bottom in full mode on a 50,000-image training set.

Each lesson notebook is executed in its own kernel (nbclient) with COURSE_GRADING_MODE=0 and
one BLAS thread (OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1), the setting the course
recommends for a shared 2-core machine. Goal: every lesson at most 3 minutes.

Data: CIFAR10_DIR (or the course cache). When it holds fewer than 50,000 training images (the
course machine has a 5,085-image subset), the script builds a full-size copy in a temporary
folder by tiling the subset: each of the five training batches and the test batch is repeated
until it has 10,000 rows. It says so: such timings measure speed, not accuracy (a tiled set has
no more information than the subset). The folder is deleted at the end.

Usage:
    CIFAR10_DIR=... .venv/bin/python benchmarks/bench_lessons.py \
        [--lessons 03 07] [--timeout 1800] [--grading]

Prints one line per lesson: wall time, the CPU seconds of its kernel (user + system, read from
the reaped kernel process; on a busy machine wall time exceeds it by the time the kernel waited
for a core), cells that raised, and the load average before and after.
"""

import argparse
import os
import pickle
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from course.data import META_FILE, TEST_BATCH, TRAIN_BATCHES, locate_cifar10, read_batch  # noqa: E402

GOAL_SECONDS = 180
ROWS_PER_BATCH = 10_000


def load_average():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def full_size_folder(source, target):
    """Copy or tile the batches of `source` into `target` so that each batch has 10,000 rows.

    Returns True when tiling was needed (the source was a subset)."""
    tiled = False
    for name in TRAIN_BATCHES + (TEST_BATCH,):
        rows, labels = read_batch(source / name)
        if len(rows) < ROWS_PER_BATCH:
            tiled = True
            repeat = -(-ROWS_PER_BATCH // len(rows))
            rows = np.tile(rows, (repeat, 1))[:ROWS_PER_BATCH]
            labels = np.tile(labels, repeat)[:ROWS_PER_BATCH]
        with open(target / name, "wb") as handle:
            pickle.dump(
                {
                    b"data": np.ascontiguousarray(rows, dtype=np.uint8),
                    b"labels": [int(label) for label in labels],
                },
                handle,
                protocol=2,
            )
    if (source / META_FILE).exists():
        shutil.copy(source / META_FILE, target / META_FILE)
    return tiled


def run_lesson(path, env, timeout):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(str(path), as_version=4)
    old_env = dict(os.environ)
    os.environ.update(env)
    try:
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(path.parent)}},
        )
        start = time.perf_counter()
        client.execute()  # starts, runs and shuts down (reaps) the kernel
        seconds = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(old_env)
    errors = [
        f"cell {index}: {output.get('ename')}: {str(output.get('evalue'))[:80]}"
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    return seconds, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", nargs="*", help="lesson numbers to run, e.g. 03 07 (default: all)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell before giving up")
    parser.add_argument(
        "--grading",
        action="store_true",
        help="grading mode instead (COURSE_GRADING_MODE=1, the data as found, no tiling)",
    )
    args = parser.parse_args()

    folders = sorted(
        p for p in (REPO / "notebooks").iterdir() if p.is_dir() and re.match(r"^\d{2}_\w+$", p.name)
    )
    if args.lessons:
        folders = [p for p in folders if p.name[:2] in args.lessons]
    source = locate_cifar10(download=False)
    with tempfile.TemporaryDirectory(prefix="bench-lessons-cifar-") as temporary:
        target = Path(temporary)
        if args.grading:
            target = source
            print(f"grading mode; data: {source}")
        else:
            tiled = full_size_folder(source, target)
            print(
                f"full mode; data: {source}"
                + (
                    f" holds a subset; tiled to 50,000 training and 10,000 test images in {target}"
                    " (timings only: a tiled set carries no more information than the subset)"
                    if tiled
                    else f" copied to {target}"
                )
            )
        env = {
            "CIFAR10_DIR": str(target),
            "COURSE_GRADING_MODE": "1" if args.grading else "0",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "MPLBACKEND": "Agg",
        }
        print(
            f"{'lesson':26s} {'seconds':>8s}  {'goal':>5s}  {'kernel CPU s':>12s}  {'errors':>6s}  "
            "load average before -> after"
        )
        total = 0.0
        for folder in folders:
            before = load_average()
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            seconds, errors = run_lesson(folder / f"{folder.name}.ipynb", env, args.timeout)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
            total += seconds
            verdict = (
                "-"
                if args.grading
                else ("met" if seconds <= GOAL_SECONDS else f"+{seconds - GOAL_SECONDS:.0f}s")
            )
            print(
                f"{folder.name:26s} {seconds:8.1f}  {verdict:>5s}  {cpu:12.1f}  {len(errors):6d}  "
                f"{before} -> {load_average()}",
                flush=True,
            )
            for error in errors[:3]:
                print(f"    {error}")
        print(f"{'total':26s} {total:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
