"""Every hyperparameter of every exercise changes the result of some hidden case.

For each hidden-test block of every lesson, each student function it tests is replaced by the
reference with one parameter of the exercise's signature (as the solution cell defines it) pinned
to its default (a student who ignores that
parameter); the block, run as the grader runs it (autograder.grader.execute.run_hidden), must
then fail. A correct reference must pass. No sandbox is needed: the stand-in session calls the
functions directly.
"""

import ast
import re
import time

import pytest
from grading_runs import DirectSession, repository_course

from autograder.grader.execute import run_hidden, split_hidden, student_names
from autograder.grader.harness import reference
from autograder.notebooks import grade_id, is_autograded_test, is_solution_cell, read_notebook

REFERENCE = re.compile(r"""["'](solutions\.[a-z_]+):([a-z_]+)["']""")
# Parameters that cannot change a result by design, with the reason.
EXEMPT = {}


def _hidden_blocks():
    course = repository_course()
    for lesson in course.lessons():
        notebook = read_notebook(course.step_dir("source") / lesson / f"{lesson}.ipynb")
        signatures = _exercise_signatures(notebook)
        for cell in notebook.cells:
            if is_autograded_test(cell):
                _, hidden = split_hidden(cell.source)
                yield pytest.param(
                    lesson, grade_id(cell), hidden, signatures, id=f"{lesson}:{grade_id(cell)}"
                )


def _exercise_signatures(notebook):
    """{function: [(parameter, default literal)]} of the functions the solution cells define."""
    signatures = {}
    for cell in notebook.cells:
        if cell.cell_type != "code" or not is_solution_cell(cell):
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.FunctionDef):
                args = node.args
                with_default = args.args[len(args.args) - len(args.defaults) :]
                positional = list(zip(with_default, args.defaults, strict=False))
                kw_pairs = zip(args.kwonlyargs, args.kw_defaults, strict=False)
                keyword = [(a, d) for a, d in kw_pairs if d is not None]
                signatures[node.name] = [(a.arg, _literal(d)) for a, d in positional + keyword]
    return signatures


def _literal(node):
    """A default's value: a literal, or arithmetic on literals such as 1.0 / 3 (our own source)."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        return eval(compile(ast.Expression(node), "<default>", "eval"), {"__builtins__": {}})


def _references(code):
    """{student function name: reference function} for the names a hidden block tests."""
    found = {name: reference(f"{module}:{name}") for module, name in REFERENCE.findall(code)}
    return {name: found[name] for name in student_names(code) if name in found}


def _pinned(function, parameter, default):
    def variant(*args, **kwargs):
        kwargs[parameter] = default
        return function(*args, **kwargs)

    return variant


@pytest.mark.parametrize("lesson, test_name, code, signatures", list(_hidden_blocks()))
def test_the_reference_passes_and_ignoring_any_parameter_fails(lesson, test_name, code, signatures):
    functions = _references(code)
    assert functions, f"{test_name}: no reference found for {student_names(code)}"
    verdict = run_hidden(code, test_name, DirectSession(functions), time.monotonic() + 600)
    assert verdict["passed"], verdict["message"]
    survivors = []
    for name, function in functions.items():
        for parameter, default in signatures[name]:
            if (name, parameter) in EXEMPT:
                continue
            variant = dict(functions, **{name: _pinned(function, parameter, default)})
            verdict = run_hidden(code, test_name, DirectSession(variant), time.monotonic() + 600)
            if verdict["passed"]:
                survivors.append(f"{name}({parameter}={default!r} always)")
    assert survivors == [], f"{test_name}: hidden cases cannot tell these apart from the reference"


@pytest.mark.parametrize("lesson, test_name, code, signatures", list(_hidden_blocks()))
def test_hidden_blocks_use_only_numpy_and_the_exercises_functions(lesson, test_name, code, signatures):
    """Hidden blocks run in the grader, where only `np` and proxies for the notebook's exercise
    functions exist: anything else they named would be looked up in the student's notebook."""
    assert set(student_names(code)) <= set(signatures), (
        f"{test_name} uses {sorted(set(student_names(code)) - set(signatures))}: "
        "import it inside the hidden block"
    )


@pytest.mark.parametrize(
    "lesson, test_name, function, untuned",
    [
        ("03_softmax_cifar10", "test_tuned_setting", "tuned_setting", {"lr": 1e-3, "reg": 0.0}),
        ("07_lr_schedules", "test_chosen_learning_rate", "chosen_learning_rate", 1e-3),
        ("03_softmax_cifar10", "test_tuned_setting", "tuned_setting", {"lr": 1.0, "reg": 0.0}),
        ("03_softmax_cifar10", "test_tuned_setting", "tuned_setting", {"lr": 0.1, "reg": 1.0}),
        ("07_lr_schedules", "test_chosen_learning_rate", "chosen_learning_rate", 1.0),
    ],
)
def test_an_untuned_experiment_setting_fails_the_held_out_check(lesson, test_name, function, untuned):
    """The experiment tasks (lessons 03 and 07) have no parameter to pin: their hidden tests must
    instead reject a setting that trains too slowly (lr 1e-3, a hundred times below the tuned one),
    one that oscillates (lr 1.0) and one regularized into underfitting (reg 1.0)."""
    from course.data import CIFAR10NotFoundError, locate_cifar10

    try:
        locate_cifar10(download=False)
    except CIFAR10NotFoundError:
        pytest.skip("needs CIFAR-10 (set CIFAR10_DIR)")
    course = repository_course()
    notebook = read_notebook(course.step_dir("source") / lesson / f"{lesson}.ipynb")
    cell = next(c for c in notebook.cells if grade_id(c) == test_name)
    _, code = split_hidden(cell.source)
    session = DirectSession({function: lambda: untuned})
    verdict = run_hidden(code, test_name, session, time.monotonic() + 600)
    assert not verdict["passed"] and "held-out images" in verdict["message"], verdict["message"]
