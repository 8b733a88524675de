"""No lesson lets the test set choose anything: test data never reaches a training run, a sweep,
a scheduler or an `evaluate=` callback.

The check reads each lesson's jupytext source (its .py twin, kept equal to the .ipynb by
test_notebook_format). Test data is X_test / y_test (as names or attributes, e.g. data.X_test);
a function whose body mentions test data, and a variable assigned from an expression that does,
count as test data too (followed to a fixed point over the whole file). A call is flagged when
test data appears in its `evaluate=` argument, or in any argument of train, fit, sweep,
tune_and_compare, lr_range_test or a `.step(...)` (the schedulers' step, e.g. ReduceLROnPlateau),
or of a choice: max, min, sorted, argmax, argmin, best (e.g. the best λ by a "test_accuracy" key).
The analysis ignores the order of statements, so in a file that does break the rule it may flag
more lines than the one at fault; on a clean file it flags none.
"""

import ast
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = sorted(
    p / f"{p.name}.py" for p in NOTEBOOKS.iterdir() if p.is_dir() and re.match(r"^\d{2}_\w+$", p.name)
)
TEST_DATA = re.compile(r"^[xy]_test$", re.IGNORECASE)
SELECTING_CALLS = {
    "train",
    "fit",
    "sweep",
    "tune_and_compare",
    "lr_range_test",
    "step",
    "max",
    "min",
    "sorted",
    "argmax",
    "argmin",
    "best",
}
TEST_KEY = re.compile(r"^test_")


def _names(node):
    """Identifiers (names and attribute names) mentioned anywhere in node."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            yield sub.id
        elif isinstance(sub, ast.Attribute):
            yield sub.attr
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and TEST_KEY.match(sub.value):
            yield "X_test"  # a result looked up by a key such as "test_accuracy"


def _mentions(node, tainted):
    return any(TEST_DATA.match(name) or name in tainted for name in _names(node))


def _target_names(target):
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    if isinstance(target, (ast.Subscript, ast.Attribute)):
        return _target_names(target.value)
    return []


def _tainted(tree):
    tainted = set()
    while True:
        before = len(tainted)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.Lambda)) and isinstance(node, ast.FunctionDef):
                if any(_mentions(statement, tainted) for statement in node.body):
                    tainted.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if (
                        isinstance(target, ast.Tuple)
                        and isinstance(node.value, ast.Tuple)
                        and len(target.elts) == len(node.value.elts)
                    ):
                        pairs = zip(target.elts, node.value.elts, strict=False)
                    else:
                        pairs = [(target, node.value)]
                    for sub_target, value in pairs:
                        if _mentions(value, tainted):
                            tainted.update(_target_names(sub_target))
        if len(tainted) == before:
            return tainted


def _call_name(call):
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def violations(source):
    """(line, description) for every call that hands test data to a selection."""
    tree = ast.parse(source)
    tainted = _tainted(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg == "evaluate" and _mentions(keyword.value, tainted):
                found.append((node.lineno, f"evaluate= of {_call_name(node)}() sees test data"))
        if _call_name(node) in SELECTING_CALLS:
            arguments = list(node.args) + [
                keyword.value for keyword in node.keywords if keyword.arg != "evaluate"
            ]
            if any(_mentions(argument, tainted) for argument in arguments):
                found.append((node.lineno, f"{_call_name(node)}() is given test data"))
    return found


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_no_lesson_selects_on_test_data(lesson):
    assert violations(lesson.read_text(encoding="utf-8")) == []


BAD_PATTERNS = {
    "evaluate lambda": "train(loss, p, sgd, {}, X, y, epochs=1, batch_size=8,\n"
    "      evaluate=lambda q: accuracy(q, cifar.X_test, cifar.y_test))",
    "evaluate function": "def test_accuracy(p):\n    return acc(p, X_test, y_test)\n"
    "train(loss, p, sgd, {}, X, y, epochs=1, batch_size=8, evaluate=test_accuracy)",
    "plateau on a test loss": "def validation_loss(p):\n    return loss(p, X_test, y_test)[0]\n"
    "val_loss = validation_loss(params)\nlr = scheduler.step(val_loss)",
    "best λ by test accuracy": "def run(lam):\n    p = fit_it(lam)\n"
    "    return {'test_accuracy': acc(p, cifar.X_test, cifar.y_test)}\n"
    "results = [run(lam) for lam in lambdas]\nbest = max(results, key=lambda r: r['test_accuracy'])",
    "sweep fed test rows": "Xt, yt = data.X_test, data.y_test\nsplit = Split(X, y, Xt, yt)\n"
    "results = sweep(lambda lr: fit(loss, p, sgd, {'lr': lr}, split, epochs=1, batch_size=8), [0.1])",
}


@pytest.mark.parametrize("name", sorted(BAD_PATTERNS))
def test_the_check_catches_selection_on_test_data(name):
    assert violations(BAD_PATTERNS[name]), name


def test_the_check_allows_one_final_test_evaluation():
    source = (
        "split = split_validation(data.X_train, data.y_train, n_val=100)\n"
        "result = fit(loss, p, sgd, {'lr': 0.1}, split, epochs=1, batch_size=8)\n"
        "test_loss, test_accuracy = mlp_evaluate(result['params'], data.X_test, data.y_test)\n"
        "print(test_loss, test_accuracy)\n"
    )
    assert violations(source) == []
