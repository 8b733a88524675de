"""Grading throughput: release time, median time per submission, a class graded with 1 and 2 workers.

Builds a temporary course with lesson 01 (the synthetic lesson if lesson 01 does not exist yet),
releases it, submits N copies of the correct submission and grades the class once per worker
count. Every figure is measured in this run; the speed-up is the ratio of two wall times.

    python benchmarks/bench_grading.py                 # 50 students, --workers 1 then 2
    python benchmarks/bench_grading.py --students 10 --workers 2
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

from autograder.course import Course  # noqa: E402
from autograder.demo import make_course, with_solutions  # noqa: E402
from autograder.grade import GRADED, grade  # noqa: E402
from autograder.notebooks import read_notebook  # noqa: E402
from autograder.release import release  # noqa: E402
from synthetic_lesson import SYNTHETIC_LESSON, write_synthetic_lesson  # noqa: E402

import nbformat  # noqa: E402


def build_course(root, lesson):
    """A course at `root` with `lesson` (or the synthetic lesson when `lesson` is None)."""
    repository = Course.open(REPO)
    if lesson is not None:
        return make_course(repository, [lesson], root), lesson
    root.mkdir(parents=True)
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    write_synthetic_lesson(root / "notebooks", SYNTHETIC_LESSON)
    return Course.open(root), SYNTHETIC_LESSON


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
    args = parser.parse_args()
    if args.students < 1 or args.rounds < 1 or any(w < 1 for w in args.workers):
        parser.error("--students, --rounds and --workers must be at least 1")

    lessons = Course.open(REPO).lessons()
    lesson = args.lesson or next((name for name in lessons if name.startswith("01_")), None)
    root = Path(tempfile.mkdtemp(prefix="bench-grading-")) / "course"
    try:
        course, lesson = build_course(root, lesson)
        print(f"lesson: {lesson}{' (synthetic: lesson 01 does not exist yet)' if lesson == SYNTHETIC_LESSON else ''}")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
              f"students: {args.students}")

        (first,) = release(course, [lesson])
        (again,) = release(course, [lesson])
        assert first.ok and again.ok, (first.error, first.leaks)
        print(f"release: {first.seconds:.2f} s (first, creates the gradebook), {again.seconds:.2f} s (again)")

        names = submit_copies(course, lesson, args.students)
        walls = {workers: [] for workers in args.workers}
        # Rounds alternate the worker counts, so a machine that gets busier or quieter during the
        # run (other jobs) biases every count alike; the load average is printed beside each run.
        for round_index in range(args.rounds):
            for workers in args.workers:
                load_before = os.getloadavg()[0]
                start = time.perf_counter()
                outcomes = grade(course, lesson, workers=workers, timeout=120, total_timeout=900,
                                 students=names, progress=False)
                wall = time.perf_counter() - start
                walls[workers].append(wall)
                bad = [o for o in outcomes if o.status != GRADED]
                print(f"round {round_index + 1}, --workers {workers}: {wall:.1f} s for {len(names)} submissions "
                      f"({wall / len(names):.2f} s each); median time per submission "
                      f"{statistics.median(o.seconds for o in outcomes):.2f} s; not graded: {len(bad)}; "
                      f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after", flush=True)
        if len(walls) > 1:
            base = min(walls)
            for workers, times in sorted(walls.items()):
                if workers != base:
                    ratio = statistics.median(walls[base]) / statistics.median(times)
                    print(f"speed-up of --workers {workers} over --workers {base} (median of rounds): {ratio:.2f}x")
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
