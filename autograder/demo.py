"""`demo`: a synthetic class built from the release, graded, and checked against what it must get.

The class (one submission each, built from the released notebook so the cell metadata is exactly
what students receive):
    correct        the reference solutions in the solution cells (from the source notebook, whose
                   hidden tests never reach a student copy anyway)     -> graded, every test point;
                   its written answers (the model answers) await manual grading
    blank          the release unchanged                              -> graded, 0 (unanswered
                   written questions are 0, nothing to grade by hand)
    one_bug        correct, but the first exercise's function returns a wrong value
                                                                       -> graded, all points but
                   those of the test cells that use it, directly or through later definitions
    infinite_loop  correct, but `while True: pass` opens the first solution cell -> timed out
    kernel_dies    correct, but `os._exit(1)` opens the first solution cell     -> kernel died
"""

from __future__ import annotations

import ast
import re
import shutil
import symtable
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from .course import CONFIG_NAME, Course, CourseError
from .grade import GRADED, KERNEL_DIED, TIMED_OUT, grade
from .notebooks import (
    BEGIN_SOLUTION,
    END_SOLUTION,
    autograded_points,
    grade_id,
    is_autograded_test,
    is_solution_cell,
    manual_points,
    read_notebook,
    without_marker_lines,
)
from .release import release
from .report import grade_rows, summary, text_histogram

if TYPE_CHECKING:
    from .grade import SandboxOptions

DEMO_STUDENTS = ("correct", "blank", "one_bug", "infinite_loop", "kernel_dies")

PERTURB_SOURCE = '''
# --- demo student "one_bug": the one known bug, added after the correct solution ---
def _demo_perturbed(value):
    """Move every number by at least 1 and by at least its own size; flip booleans."""
    import numpy as _np
    if isinstance(value, (bool, _np.bool_)):
        return not value
    if isinstance(value, dict):
        return {key: _demo_perturbed(item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        items = [_demo_perturbed(item) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if isinstance(value, (int, float, _np.number, _np.ndarray)):
        return value + _np.maximum(1.0, _np.abs(value))
    return value


_demo_correct_{name} = {name}


def {name}(*args, **kwargs):
    return _demo_perturbed(_demo_correct_{name}(*args, **kwargs))
'''


@dataclass
class Expectation:
    status: str
    score: object  # None when the status is not "graded"
    reason: str
    manual: float = 0.0  # points of written answers awaiting manual grading (not in score)


@dataclass
class DemoResult:
    course_root: Path
    assignment: str
    expected: dict
    actual: dict
    text: str
    pending: dict = field(default_factory=dict)  # {student: points awaiting manual grading}

    @property
    def ok(self):
        return all(
            self.actual.get(student) == (exp.status, exp.score)
            and self.pending.get(student, 0.0) == exp.manual
            for student, exp in self.expected.items()
        )


def pick_demo_assignment(course: Course, requested: str | None = None) -> str:
    """`requested`, else lesson 01, else the first lesson found."""
    lessons = course.lessons()
    if requested:
        course.notebook_names(requested)
        return requested
    if not lessons:
        raise CourseError(f"no lessons under {course.step_dir('source')} to build a demo class from")
    first = [name for name in lessons if name.startswith("01_")]
    return first[0] if first else lessons[0]


def make_course(source_course: str | Path, assignments: Sequence[str], root: str | Path) -> Course:
    """A fresh course folder at `root` with `source_course`'s config and the given lessons."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source_course.root / CONFIG_NAME, root / CONFIG_NAME)
    course = Course.open(root)
    for assignment in assignments:
        target = course.step_dir("source") / assignment
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(
            source_course.step_dir("source") / assignment,
            target,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
    return course


def first_exercise(notebook: nbformat.NotebookNode) -> tuple[str, str]:
    """(grade_id, function name) of the first solution code cell defining a tested function."""
    tested = set()
    for cell in notebook.cells:
        if is_autograded_test(cell):
            tested |= referenced_names(cell.source)
    for cell in notebook.cells:
        if cell.cell_type == "code" and is_solution_cell(cell):
            for name in defined_functions(cell.source):
                if name in tested:
                    return grade_id(cell), name
    raise CourseError("no solution cell defines a function that a test cell uses: cannot plant a bug")


def tests_broken_by(
    notebook: nbformat.NotebookNode, function_name: str, exercise_id: str
) -> list[str | None]:
    """grade_ids of the test cells that read `function_name`, directly or through values made from it.

    `exercise_id` is the grade_id of the solution cell where the bug is planted: the function is
    tainted from the end of that cell on.

    A forward data-flow pass over the code cells in order, statement by statement: a statement
    that reads a tainted name taints every name it binds; one that does not, cleans them (the
    name was rebound from good values). A test cell breaks if one of its statements reads a
    tainted name. Approximate by nature (a read need not change the outcome), so the demo
    checks it against the real grades rather than trusting it.
    """
    tainted = set()
    broken = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        reads_tainted = False
        for reads, binds in statement_flow(cell.source):
            if reads & tainted:
                reads_tainted = True
                tainted |= binds
            else:
                tainted -= binds
        if grade_id(cell) == exercise_id:
            tainted.add(function_name)
        if is_autograded_test(cell) and reads_tainted:
            broken.append(grade_id(cell))
    return broken


def build_class(
    course: Course, assignment: str, students: Sequence[str] = DEMO_STUDENTS
) -> dict[str, Expectation]:
    """Write the demo submissions into submitted/; return {student: Expectation}."""
    unknown = set(students) - set(DEMO_STUDENTS)
    if unknown:
        raise ValueError(f"students must be among {DEMO_STUDENTS}, got {sorted(unknown)}")
    expectations = {}
    notebooks = course.notebook_names(assignment)
    totals = {"max": 0.0, "lost_to_bug": 0.0, "manual": 0.0}
    broken, function = [], None
    for index, name in enumerate(notebooks):
        source = read_notebook(course.step_dir("source") / assignment / f"{name}.ipynb")
        released = read_notebook(course.assignment_dir("release", assignment) / f"{name}.ipynb")
        totals["max"] += autograded_points(source)
        totals["manual"] += manual_points(source)
        correct = with_solutions(released, source)
        versions = {"correct": correct, "blank": released}
        if index == 0 and set(students) & {"one_bug", "infinite_loop", "kernel_dies"}:
            exercise_id, function = first_exercise(source)
            cell_index = [grade_id(cell) for cell in correct.cells].index(exercise_id)
            broken = tests_broken_by(source, function, exercise_id)
            totals["lost_to_bug"] = sum(
                float(c.metadata["nbgrader"].get("points", 0))
                for c in source.cells
                if is_autograded_test(c) and grade_id(c) in broken
            )
            versions["one_bug"] = _edited(
                correct, cell_index, append=PERTURB_SOURCE.replace("{name}", function)
            )
            versions["infinite_loop"] = _edited(correct, cell_index, prepend="while True:\n    pass\n")
            versions["kernel_dies"] = _edited(correct, cell_index, prepend="import os\nos._exit(1)\n")
        else:  # later notebooks of a multi-notebook assignment: correct for the broken students
            for student in ("one_bug", "infinite_loop", "kernel_dies"):
                versions[student] = correct
        for student in students:
            folder = course.assignment_dir("submitted", assignment, student)
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(versions[student], str(folder / f"{name}.ipynb"))

    reasons = {
        "correct": Expectation(
            GRADED, totals["max"], "reference solutions: every test point", totals["manual"]
        ),
        "blank": Expectation(GRADED, 0.0, "the release unchanged: no test can pass"),
        "one_bug": Expectation(
            GRADED,
            totals["max"] - totals["lost_to_bug"],
            f"{function} returns wrong values: loses {', '.join(broken)}",
            totals["manual"],
        ),
        "infinite_loop": Expectation(TIMED_OUT, None, "while True: pass in the first solution cell"),
        "kernel_dies": Expectation(KERNEL_DIED, None, "os._exit(1) in the first solution cell"),
    }
    for student in students:
        expectations[student] = reasons[student]
    return expectations


def with_solutions(released: nbformat.NotebookNode, source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The released notebook with each solution cell's source taken from the source notebook."""
    solutions = {grade_id(cell): cell.source for cell in source.cells if is_solution_cell(cell)}
    notebook = nbformat.from_dict(released)
    for cell in notebook.cells:
        if is_solution_cell(cell) and grade_id(cell) in solutions:
            cell.source = without_marker_lines(solutions[grade_id(cell)], BEGIN_SOLUTION, END_SOLUTION)
    return notebook


def _edited(notebook, cell_index, prepend="", append=""):
    copy = nbformat.from_dict(notebook)
    cell = copy.cells[cell_index]
    cell.source = prepend + cell.source + append
    return copy


def run_demo(
    assignment: str | None = None,
    *,
    source_course: str | Path = ".",
    into: str | Path | None = None,
    workers: int = 2,
    timeout: float = 30,
    total_timeout: float = 600,
    progress: bool = True,
    students: Sequence[str] = DEMO_STUDENTS,
    sandbox: SandboxOptions | None = None,
) -> DemoResult:
    """Build, release, submit, grade and check the demo class; returns a DemoResult."""
    source = source_course if isinstance(source_course, Course) else Course.open(source_course)
    assignment = pick_demo_assignment(source, assignment)
    temporary = into is None
    root = Path(tempfile.mkdtemp(prefix="optdl-demo-")) if temporary else Path(into)
    try:
        course = make_course(source, [assignment], root)
        for result in release(course, [assignment]):
            if not result.ok:
                problem = result.error or "\n".join(str(leak) for leak in result.leaks)
                raise CourseError(f"the release of {assignment} failed its check:\n{problem}")
        expected = build_class(course, assignment, students)
        grade(
            course,
            assignment,
            workers=workers,
            timeout=timeout,
            total_timeout=total_timeout,
            progress=progress,
            sandbox=sandbox,
        )
        rows = [row for row in grade_rows(course) if row.assignment == assignment]
        actual, pending = {}, {}
        for row in rows:  # one notebook per lesson; several notebooks add up
            pending[row.student] = pending.get(row.student, 0.0) + row.manual_pending
            status, score = actual.get(row.student, (row.status, None if row.score is None else 0.0))
            if row.status != GRADED:
                status, score = row.status, None
            elif score is not None:
                score += row.score
            actual[row.student] = (status, score)
        text = _demo_text(course, assignment, expected, actual, pending, rows, kept=not temporary)
        if not temporary:  # a kept demo course shows the rest of the pipeline too
            from .feedback import feedback
            from .report import report

            pages = feedback(course, [assignment])
            csv_path = course.state_dir / "grades.csv"
            report(course, csv_path)
            text += (
                f"\nfeedback: {len(pages.written)} page(s) under {course.root / 'feedback'}"
                + (f" ({len(pages.errors)} error(s): {pages.errors[0]})" if pages.errors else "")
                + f"\ngrades: {csv_path}"
            )
        return DemoResult(course.root, assignment, expected, actual, text, pending)
    finally:
        if temporary:
            shutil.rmtree(root, ignore_errors=True)


def _demo_text(course, assignment, expected, actual, pending, rows, kept=True):
    where = (
        f"in {course.root}"
        if kept
        else "in a temporary folder, removed when the demo ends (keep it with --into DIR)"
    )
    lines = [
        f"demo class for {assignment} {where}",
        summary(rows),
        text_histogram(rows),
        "",
        f"{'student':<15} {'expected':<34} {'got':<34} check",
    ]
    ok = True
    for student, exp in expected.items():
        got = actual.get(student, ("not graded", None))
        waiting = pending.get(student, 0.0)
        match = got == (exp.status, exp.score) and waiting == exp.manual
        ok = ok and match
        lines.append(
            f"{student:<15} {_show(exp.status, exp.score, exp.manual):<34} {_show(*got, waiting):<34} "
            f"{'ok' if match else 'MISMATCH'}   {exp.reason}"
        )
    lines.append(
        "demo: every student got exactly the expected status and score"
        if ok
        else "demo: MISMATCH between expected and actual grades (see above)"
    )
    return "\n".join(lines)


def _show(status, score, manual=0.0):
    if score is None:
        return status
    return f"{status} {score:g}" + (f" + {manual:g} needs manual grading" if manual else "")


def referenced_names(source: str) -> set[str]:
    """Identifiers a cell reads (ast Name loads); every identifier when the cell does not parse."""
    tree = _parse(source)
    if tree is None:
        return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source))
    return {
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def defined_functions(source: str) -> list[str]:
    tree = _parse(source)
    if tree is None:
        return []
    return [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def statement_flow(source: str) -> list[tuple[set[str], set[str]]]:
    """[(global names read, names bound)] per top-level statement of a cell, in order.

    Scopes come from `symtable`: a def reads the globals its body uses (when called), not its
    parameters or locals. A top-level `for` binds its target before the body reads it. A cell
    that does not parse is one statement reading and binding every identifier in it.
    """
    tree = _parse(source)
    if tree is None:
        names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source))
        return [(names, names)]
    flow = []
    for statement in tree.body:
        reads, binds = _scoped_names(ast.unparse(statement))
        if isinstance(statement, (ast.For, ast.AsyncFor)):
            targets = {n.id for n in ast.walk(statement.target) if isinstance(n, ast.Name)}
            iterated = _scoped_names(ast.unparse(statement.iter))[0]
            reads -= targets - iterated
        flow.append((reads, binds))
    return flow


def _scoped_names(code):
    table = symtable.symtable(code, "<cell>", "exec")
    reads = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    binds = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    pending = list(table.get_children())
    while pending:
        child = pending.pop()
        reads |= {s.get_name() for s in child.get_symbols() if s.is_global() and s.is_referenced()}
        binds |= {s.get_name() for s in child.get_symbols() if s.is_declared_global() and s.is_assigned()}
        pending.extend(child.get_children())
    return reads, binds


def _parse(source):
    cleaned = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))
    try:
        return ast.parse(cleaned)
    except SyntaxError:
        return None
