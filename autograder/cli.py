"""`python -m autograder` / `optdl-autograder`: release, student-bundle, collect, grade, feedback,
report, demo.

Each subcommand is a thin layer over nbgrader's NbGraderAPI on one course folder (--course,
default: the current directory, which must hold nbgrader_config.py). See autograder/README.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .course import Course, CourseError


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    from .grader.isolation import IsolationUnavailable
    from .grader.session import SandboxStartError

    try:
        return args.handler(args)
    except (CourseError, ValueError, IsolationUnavailable, SandboxStartError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="The course's nbgrader pipeline: release -> collect -> grade -> feedback -> report.",
    )
    commands = parser.add_subparsers(metavar="COMMAND")

    def command(name, handler, help_text, **kwargs):
        sub = commands.add_parser(name, help=help_text, description=help_text, **kwargs)
        sub.add_argument(
            "--course",
            default=".",
            metavar="DIR",
            help="course folder holding nbgrader_config.py (default: current directory)",
        )
        sub.set_defaults(handler=handler)
        return sub

    sub = command("release", _release, "write student versions into release/ and check them for leaks")
    sub.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every lesson")

    sub = command(
        "student-bundle",
        _student_bundle,
        "the student edition: released lessons, a wheel of `course` alone, README, requirements (+ zip)",
    )
    sub.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every lesson")
    sub.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write (and DIR.zip)")
    sub.add_argument("--no-zip", action="store_true", help="write the folder only")
    sub.add_argument(
        "--closed",
        nargs="+",
        default=[],
        metavar="LESSON",
        help="lessons past their deadline: other lessons may show their answers (as starter code)",
    )

    sub = command("collect", _collect, "import LMS downloads (a zip or a folder) into submitted/")
    sub.add_argument("source", metavar="ZIP_OR_DIR")
    sub.add_argument("--assignment", help="every notebook in SOURCE belongs to this assignment")

    sub = command("grade", _grade, "autograde every submission, each in its own sandbox")
    sub.add_argument(
        "assignment", nargs="?", metavar="ASSIGNMENT", help="default: every lesson that has submissions"
    )
    _add_grading_options(sub)
    cluster = sub.add_mutually_exclusive_group()
    cluster.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="grade each submission as a task on this Dask scheduler (tcp://host:8786)",
    )
    cluster.add_argument(
        "--dask-local",
        type=int,
        metavar="N",
        help="start a local Dask cluster of N single-threaded workers and grade on it",
    )
    sub.add_argument(
        "--only-missing",
        action="store_true",
        help="grade only submissions without a final status (after a stopped batch)",
    )

    sub = command("feedback", _feedback, "HTML feedback per student into feedback/ (hidden tests withheld)")
    sub.add_argument("assignment", nargs="?", metavar="ASSIGNMENT", help="default: every graded assignment")

    sub = command("report", _report, "grades CSV with a status column, a summary and a histogram")
    sub.add_argument(
        "assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment graded so far"
    )
    sub.add_argument(
        "--csv", type=Path, help="default: grading/grades.csv (grades-canvas.csv, grades-moodle.csv)"
    )
    sub.add_argument(
        "--format",
        choices=("csv", "canvas", "moodle"),
        default="csv",
        help="csv: this tool's rows; canvas/moodle: that LMS's gradebook import (needs --roster)",
    )
    sub.add_argument("--roster", type=Path, help="CSV mapping student ids to LMS ids (see autograder/lms.py)")
    sub.add_argument(
        "--items",
        action="store_true",
        help="also per test cell and hidden case: students who failed it, known mistakes found "
        "(a table, and a CSV beside the grades CSV: grades-items.csv)",
    )
    sub.add_argument(
        "--canvas-id",
        action="append",
        default=[],
        metavar="ASSIGNMENT=ID",
        help="the Canvas assignment id of an assignment (repeatable); without it Canvas matches by name",
    )
    sub.add_argument("--png", type=Path, help="also draw the score histogram into this PNG")

    sub = command("similarity", _similarity, "rank pairs of submissions by shared solution code (copydetect)")
    sub.add_argument("assignment", metavar="ASSIGNMENT")
    sub.add_argument(
        "--out", type=Path, metavar="DIR", help="default: grading/similarity/ in the course folder"
    )

    sub = command("demo", _demo, "grade a synthetic class built from the release, and check the result")
    sub.add_argument(
        "assignment", nargs="?", metavar="ASSIGNMENT", help="default: lesson 01, else the first lesson found"
    )
    sub.add_argument(
        "--into",
        type=Path,
        metavar="DIR",
        help="build the demo course here (default: a temporary folder, removed afterwards)",
    )
    _add_grading_options(sub, default_timeout=30, default_total=600, default_workers=2)

    worker = commands.add_parser("_autograde-one")  # internal: one submission, run by `grade`
    worker.add_argument("--course", default=".")
    worker.add_argument("assignment")
    worker.add_argument("student")
    worker.add_argument("--timeout", type=int, required=True)
    worker.add_argument("--result", type=Path, required=True)
    _add_sandbox_options(worker)
    worker.set_defaults(handler=_autograde_one)
    return parser


def _add_grading_options(sub, default_timeout=None, default_total=None, default_workers=1):
    from .grade import DEFAULT_CELL_TIMEOUT, DEFAULT_TOTAL_TIMEOUT

    sub.add_argument(
        "--workers",
        type=int,
        default=default_workers,
        help=f"submissions graded in parallel (default: {default_workers})",
    )
    sub.add_argument(
        "--timeout",
        type=float,
        default=default_timeout or DEFAULT_CELL_TIMEOUT,
        help="seconds one cell may run (default: %(default)s)",
    )
    sub.add_argument(
        "--total-timeout",
        type=float,
        default=default_total or DEFAULT_TOTAL_TIMEOUT,
        help="seconds one submission may take in all (default: %(default)s)",
    )
    _add_sandbox_options(sub)


def _add_sandbox_options(sub):
    sub.add_argument(
        "--memory-mb",
        type=int,
        default=2048,
        help="address-space limit of one submission, in MiB (default: %(default)s)",
    )
    sub.add_argument(
        "--processes",
        type=int,
        default=64,
        help="processes and threads one submission may run (default: %(default)s)",
    )
    sub.add_argument(
        "--allow-weak-isolation",
        action="store_true",
        help="grade even if this host lacks an isolation layer (the report marks those rows)",
    )


def _sandbox_options(args):
    from .grade import SandboxOptions

    for name in ("memory_mb", "processes"):
        value = getattr(args, name)
        if value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be a positive integer, got {value}")
    return SandboxOptions(
        allow_weak_isolation=args.allow_weak_isolation, memory_mb=args.memory_mb, processes=args.processes
    )


def _release(args):
    from .release import release

    course = Course.open(args.course)
    assignments = course.resolve_assignments(args.assignments)
    failed = False
    for result in release(course, assignments):
        if result.error:
            failed = True
            print(
                f"{result.assignment}: nbgrader could not generate the release:\n{result.error}",
                file=sys.stderr,
            )
        elif result.leaks:
            failed = True
            print(
                f"{result.assignment}: LEAK, do not distribute release/{result.assignment}:", file=sys.stderr
            )
            for leak in result.leaks:
                print(f"  {leak}", file=sys.stderr)
        else:
            print(
                f"{result.assignment}: released in {result.seconds:.1f} s, no solution or hidden test found"
            )
    return 1 if failed else 0


def _student_bundle(args):
    from .bundle import BundleLeak, build_student_bundle

    course = Course.open(args.course)
    try:
        bundle = build_student_bundle(
            course, args.out, args.assignments, make_zip=not args.no_zip, closed=args.closed
        )
    except BundleLeak as error:
        print(f"LEAK: {error}", file=sys.stderr)
        return 1
    for name in bundle.files:
        print(f"  {name}  ({(bundle.folder / name).stat().st_size:,} bytes)")
    print(f"wrote {bundle.folder} ({len(bundle.lessons)} lesson(s), no solution or hidden test found)")
    if bundle.zip_path:
        print(f"wrote {bundle.zip_path} ({bundle.zip_path.stat().st_size:,} bytes)")
    print(f"students install with: {bundle.install_command}")
    return 0


def _collect(args):
    from .collect import collect

    course = Course.open(args.course)
    result = collect(course, args.source, assignment=args.assignment)
    for line in result.imported:
        print(f"imported {line}")
    for line in result.notes:
        print(f"note: {line}")
    for line in result.errors:
        print(f"error: {line}", file=sys.stderr)
    print(f"{len(result.imported)} notebook(s) imported, {len(result.errors)} rejected")
    return 1 if result.errors else 0


def _grade(args):
    from .grade import students_of

    course = Course.open(args.course)
    if args.assignment:
        assignments = course.resolve_assignments([args.assignment])
    else:
        submitted = {p.name for p in course.step_dir("submitted").glob("*/*") if p.is_dir()}
        assignments = [a for a in course.lessons() if a in submitted]
        if not assignments:
            raise CourseError("no submissions found under submitted/: run `collect` first")
    if not students_of(course):
        raise CourseError("no submissions found under submitted/: run `collect` first")
    grader_errors = 0
    client = cluster = None
    if args.dask or args.dask_local is not None:
        from .cluster import open_client

        if args.dask_local is not None and args.dask_local < 1:
            raise ValueError(f"--dask-local must be a positive number of workers, got {args.dask_local}")
        client, cluster = open_client(args.dask, args.dask_local)
    try:
        grader_errors = _grade_each(course, assignments, args, client)
    finally:
        if client is not None:
            from .cluster import close

            close(client, cluster)
    if grader_errors:
        print(
            f"error: {grader_errors} submission(s) hit a grader error: fix the grader and grade again; "
            f"these are not the students' zeros",
            file=sys.stderr,
        )
        return 1
    return 0


def _grade_each(course, assignments, args, client):
    from .grade import GRADER_ERROR, grade, summarize_times
    from .report import grade_rows

    grader_errors = 0
    for assignment in assignments:
        outcomes = grade(
            course,
            assignment,
            workers=args.workers,
            timeout=args.timeout,
            total_timeout=args.total_timeout,
            sandbox=_sandbox_options(args),
            dask_client=client,
            only_missing=args.only_missing,
        )
        counts = {}
        for outcome in outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        times = summarize_times(outcomes)
        timing = f"; median {times['median_s']:.1f} s per submission" if times else ""
        print(f"{assignment}: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) + timing)
        waiting = [row for row in grade_rows(course) if row.assignment == assignment and row.manual_pending]
        if waiting:
            print(
                f"{assignment}: {len(waiting)} submission(s) need manual grading of written answers "
                f"({sum(row.manual_pending for row in waiting):g} points in all): grade them in the "
                "formgrader (autograder/README.md, 'Manual grading')"
            )
        grader_errors += counts.get(GRADER_ERROR, 0)
    return grader_errors


def _feedback(args):
    from .feedback import feedback

    course = Course.open(args.course)
    assignments = [args.assignment] if args.assignment else None
    result = feedback(course, assignments)
    for line in result.written:
        print(f"wrote {line}")
    for line in result.errors:
        print(f"error: {line}", file=sys.stderr)
    return 1 if result.errors else 0


def _report(args):
    from .report import report

    course = Course.open(args.course)
    if args.assignments:
        course.resolve_assignments(args.assignments)
    if args.format != "csv":
        return _lms_report(course, args)
    if args.roster is not None or args.canvas_id:
        raise ValueError("--roster and --canvas-id apply to --format canvas or moodle")
    csv_path = args.csv if args.csv is not None else course.state_dir / "grades.csv"
    text, graded_anything = report(course, csv_path, png_path=args.png, assignments=args.assignments)
    print(text)
    if args.items:
        from .items import items_report

        text, _ = items_report(course, args.assignments, csv_path.with_name(f"{csv_path.stem}-items.csv"))
        print(text)
    return 0 if graded_anything else 1


def _lms_report(course, args):
    from .lms import export_grades
    from .report import grade_rows

    if args.roster is None:
        raise ValueError(f"--format {args.format} needs --roster FILE (see autograder/README.md, report)")
    if args.png is not None or args.items:
        raise ValueError("--png and --items apply to --format csv only")
    rows = grade_rows(course)
    if not rows:
        print("nothing graded yet: run `python -m autograder grade` first", file=sys.stderr)
        return 1
    out = args.csv if args.csv is not None else course.state_dir / f"grades-{args.format}.csv"
    text, notes, _ = export_grades(rows, args.format, args.roster, out, args.assignments, args.canvas_id)
    print(text)
    if notes:
        print(notes, file=sys.stderr)
    return 0


def _similarity(args):
    from .similarity import similarity, summary

    course = Course.open(args.course)
    course.resolve_assignments([args.assignment])
    print(summary(similarity(course, args.assignment, out_dir=args.out)))
    return 0


def _demo(args):
    from .demo import run_demo

    demo = run_demo(
        args.assignment,
        source_course=args.course,
        into=args.into,
        workers=args.workers,
        timeout=args.timeout,
        total_timeout=args.total_timeout,
        progress=True,
        sandbox=_sandbox_options(args),
    )
    print(demo.text)
    return 0 if demo.ok else 1


def _autograde_one(args):
    from .grade import autograde_one

    return autograde_one(
        Course.open(args.course),
        args.assignment,
        args.student,
        args.timeout,
        args.result,
        sandbox=_sandbox_options(args),
    )


if __name__ == "__main__":
    sys.exit(main())
