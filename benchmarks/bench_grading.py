"""Grading throughput: release time, time per submission, sandboxed against in-kernel grading.

Builds a temporary course with lesson 01 (the synthetic lesson if lesson 01 does not exist yet),
releases it, submits N copies of the correct submission and grades the class once per worker
count and per mode. Modes: "sandboxed" (the course's grading: a sandbox per submission, hidden
tests decided in the grader) and "in-kernel" (nbgrader's own Execute, hidden tests in the
student's kernel: how grading worked before the sandbox; a copy of the course whose
nbgrader_config.py restores nbgrader's preprocessors). Rounds alternate the modes and worker
counts; every figure is measured in this run, ratios are of medians.

    python benchmarks/bench_grading.py                          # 50 students, --workers 1 then 2
    python benchmarks/bench_grading.py --students 10 --workers 1 --modes in-kernel sandboxed --rounds 3
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the synthetic lesson is test support, not shipped

import nbformat  # noqa: E402
from synthetic_lesson import SYNTHETIC_LESSON, write_synthetic_lesson  # noqa: E402

from autograder.course import Course  # noqa: E402
from autograder.demo import make_course, with_solutions  # noqa: E402
from autograder.grade import GRADED, grade  # noqa: E402
from autograder.notebooks import read_notebook  # noqa: E402
from autograder.release import release  # noqa: E402


def build_course(root, lesson):
    """A course at `root` with `lesson` (or the synthetic lesson when `lesson` is None)."""
    repository = Course.open(REPO)
    if lesson is not None:
        return make_course(repository, [lesson], root), lesson
    root.mkdir(parents=True)
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    write_synthetic_lesson(root / "notebooks", SYNTHETIC_LESSON)
    return Course.open(root), SYNTHETIC_LESSON


MODES = ("in-kernel", "sandboxed", "dask")
IN_KERNEL_CONFIG = """
# bench_grading.py: grading as it was before the sandbox, nbgrader's own preprocessors; the
# hidden tests run in the student's kernel, which imports `solutions` from the repository.
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds,
                                    Execute, IgnorePattern, LimitOutput, OverwriteCells,
                                    OverwriteKernelspec, SaveAutoGrades)
from nbconvert.preprocessors import ClearMetadataPreprocessor
c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                                      CheckCellMetadata]
c.Autograde.autograde_preprocessors = [Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
c.Execute.timeout = 120
"""


def in_kernel_copy(course, root):
    """A copy of `course` (release, submissions, gradebook) graded the pre-sandbox way."""
    shutil.copytree(course.root, root)
    config = root / "nbgrader_config.py"
    config.write_text(config.read_text() + IN_KERNEL_CONFIG)
    return Course.open(root)


def submit_copies(course, lesson, students):
    source = read_notebook(course.step_dir("source") / lesson / f"{lesson}.ipynb")
    released = read_notebook(course.assignment_dir("release", lesson) / f"{lesson}.ipynb")
    correct = with_solutions(released, source)
    names = [f"student{index:03d}" for index in range(students)]
    for name in names:
        folder = course.assignment_dir("submitted", lesson, name)
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(correct, str(folder / f"{lesson}.ipynb"))
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds over the worker counts")
    parser.add_argument("--lesson", help="default: 01_* if it exists, else the synthetic lesson")
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=MODES,
        default=["sandboxed"],
        help="sandboxed (the course's grading), in-kernel (nbgrader's Execute), dask (the "
        "sandboxed grading as tasks on a LocalCluster of --workers single-threaded workers)",
    )
    args = parser.parse_args()
    if args.students < 1 or args.rounds < 1 or any(w < 1 for w in args.workers):
        parser.error("--students, --rounds and --workers must be at least 1")

    lessons = Course.open(REPO).lessons()
    lesson = args.lesson or next((name for name in lessons if name.startswith("01_")), None)
    root = Path(tempfile.mkdtemp(prefix="bench-grading-")) / "course"
    try:
        course, lesson = build_course(root, lesson)
        print(
            f"lesson: {lesson}"
            f"{' (synthetic: lesson 01 does not exist yet)' if lesson == SYNTHETIC_LESSON else ''}"
        )
        print(
            f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
            f"students: {args.students}"
        )

        (first,) = release(course, [lesson])
        (again,) = release(course, [lesson])
        assert first.ok and again.ok, (first.error, first.leaks)
        print(f"release: {first.seconds:.2f} s (first, creates the gradebook), {again.seconds:.2f} s (again)")

        names = submit_copies(course, lesson, args.students)
        courses = {"sandboxed": course, "dask": course}
        if "in-kernel" in args.modes:
            courses["in-kernel"] = in_kernel_copy(course, root.parent / "in-kernel")
        walls = {(mode, workers): [] for mode in args.modes for workers in args.workers}
        per_submission = {key: [] for key in walls}
        # Rounds alternate modes and worker counts, so a machine that gets busier or quieter during
        # the run (other jobs) biases every setting alike; the load average is printed beside each.
        for round_index in range(args.rounds):
            for mode in args.modes:
                for workers in args.workers:
                    client = cluster = None
                    if mode == "dask":  # the cluster's start-up is not part of the grading time
                        from autograder.cluster import close, open_client

                        client, cluster = open_client(local_workers=workers)
                    load_before = os.getloadavg()[0]
                    start = time.perf_counter()
                    outcomes = grade(
                        courses[mode],
                        lesson,
                        workers=workers,
                        timeout=120,
                        total_timeout=900,
                        students=names,
                        progress=False,
                        dask_client=client,
                    )
                    wall = time.perf_counter() - start
                    if client is not None:
                        close(client, cluster)
                    walls[(mode, workers)].append(wall)
                    median = statistics.median(o.seconds for o in outcomes)
                    per_submission[(mode, workers)].append(median)
                    bad = [o for o in outcomes if o.status != GRADED] if mode != "in-kernel" else []
                    print(
                        f"round {round_index + 1}, {mode}, --workers {workers}: {wall:.1f} s for "
                        f"{len(names)} submissions ({wall / len(names):.2f} s each); median time per "
                        f"submission {median:.2f} s; "
                        f"{len(names) / (wall / 60) / workers:.1f} submissions per core-minute; "
                        f"not graded: {len(bad)}; "
                        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
                        flush=True,
                    )
        for workers in args.workers:
            if ("sandboxed", workers) in walls and ("in-kernel", workers) in walls:
                ratio = statistics.median(per_submission[("sandboxed", workers)]) / statistics.median(
                    per_submission[("in-kernel", workers)]
                )
                print(
                    f"--workers {workers}: sandboxed / in-kernel time per submission (median of rounds): "
                    f"{ratio:.2f} ({100 * (ratio - 1):+.0f}%)"
                )
            if ("sandboxed", workers) in walls and ("dask", workers) in walls:
                ratio = statistics.median(walls[("sandboxed", workers)]) / statistics.median(
                    walls[("dask", workers)]
                )
                print(
                    f"{workers} workers: throughput of dask / local grading (median of rounds): {ratio:.2f} "
                    f"({100 * (ratio - 1):+.0f}%)"
                )
        for mode in args.modes:
            if len(args.workers) > 1:
                base = min(args.workers)
                for workers in sorted(args.workers):
                    if workers != base:
                        ratio = statistics.median(walls[(mode, base)]) / statistics.median(
                            walls[(mode, workers)]
                        )
                        print(
                            f"{mode}: speed-up of --workers {workers} over --workers {base} "
                            f"(median of rounds): {ratio:.2f}x"
                        )
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
