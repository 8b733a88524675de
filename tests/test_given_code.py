"""One source for given code (issue 16, item 3): what a lesson gives agrees with the answer key.

A lesson's *given* cells are its code cells that are neither exercises (nbgrader `solution`)
nor tests (nbgrader `grade`). From each lesson's given cells this module executes only the
imports and the `def`/`class` statements (no experiment runs, no CIFAR-10), then compares
every function or class whose name also exists in `solutions` with the reference on random
inputs, through the hidden-test harness (`check_against_reference`, `optimizer_run`,
`schedule_run`). A given copy that drifts from the answer key fails here, as does a new
given copy that has no cases below.
"""

import ast
import inspect
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.grader.harness import Case, check_against_reference, optimizer_run, schedule_run
from solutions import finite_diff, gd, lr_finder, optim, schedulers, sgd_theory, softmax

REPO = Path(__file__).resolve().parent.parent
LESSONS = sorted(REPO.glob("notebooks/[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))
SOLUTION_MODULES = (finite_diff, gd, lr_finder, optim, schedulers, sgd_theory, softmax)


def _reference_names():
    names = {}
    for module in SOLUTION_MODULES:
        for name, value in vars(module).items():
            if not name.startswith("_") and callable(value) and value.__module__ == module.__name__:
                names[name] = value
    return names


REFERENCE = _reference_names()


def _is_given(cell):
    grading = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and not grading.get("solution") and not grading.get("grade")


def given_definitions(path):
    """The imports, functions and classes of a lesson's given cells, as one module AST."""
    statements = []
    for cell in nbformat.read(path, as_version=4).cells:
        if _is_given(cell):
            for node in ast.parse(cell.source).body:
                if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
                    statements.append(node)
    return ast.Module(body=statements, type_ignores=[])


def given_namespace(path):
    namespace = {"__name__": f"given_{path.stem}"}
    exec(compile(given_definitions(path), str(path), "exec"), namespace)
    return namespace


def shared_names(path):
    defined = {node.name for node in given_definitions(path).body if hasattr(node, "name")}
    return sorted(defined & set(REFERENCE))


# ---------------------------------------------------------------- cases, by name


def _cubic(x):
    return x**3 - 2.0 * x + np.sin(3.0 * x)


def _bowl(x):
    return float(np.sum(np.sin(x) * x**2) + np.sum(x) ** 2)


def _optimizer_cases(hparam_sets):
    """Whole runs, as optimizer_run compares them: a noisy quadratic, fixed and changing lr."""

    def cases(rng):
        built = []
        for hparams in hparam_sets:
            w0, noise = rng.normal(size=3), rng.normal(size=(6, 3))
            lrs = hparams["lr"] * rng.uniform(0.2, 1.0, size=6)
            built.append(Case(f"{hparams}", (w0, noise, hparams, 0.5)))
            built.append(Case(f"{hparams}, changing lr", (w0, noise, hparams, 0.5, lrs)))
        return built

    return cases


def _compare_optimizer(given, reference, cases):
    """Hyperparameters the given copy does not take (lesson 04's sgd has no weight_decay) are
    left out of its cases; a case that then repeats an earlier one is dropped."""
    accepted = set(inspect.signature(given).parameters)
    kept, seen = [], []
    for case in cases:
        w0, noise, hparams, *rest = case.args
        hparams = {key: value for key, value in hparams.items() if key in accepted}
        if (hparams, len(rest)) not in seen:
            seen.append((hparams, len(rest)))
            kept.append(Case(case.label, (w0, noise, hparams, *rest)))
    check_against_reference(given.__name__, optimizer_run(given), optimizer_run(reference), kept)


def _compare_plain(given, reference, cases):
    check_against_reference(given.__name__, given, reference, cases)


def _compare_schedule(given, reference, cases):
    check_against_reference(given.__name__, schedule_run(given), schedule_run(reference), cases)


def _plateau_lrs(cls):
    def run(metrics, **params):
        plateau = cls(**params)
        return [plateau.step(metric) for metric in metrics]

    return run


def _compare_plateau(given, reference, cases):
    check_against_reference(given.__name__, _plateau_lrs(given), _plateau_lrs(reference), cases)


def _random_pairs(rng):
    return [Case(f"pair {i}", tuple(rng.normal(size=2))) for i in range(5)]


def _gradients(rng):
    return [Case(f"shape {shape}", (rng.normal(size=shape),)) for shape in [(3,), (2, 4), (1,)]]


def _differences(rng):
    return [
        Case(f"x {i}, h {h}", (_cubic, float(rng.normal())), {"h": h}) for i in range(3) for h in (1e-3, 1e-2)
    ]


def _numerical_gradients(rng):
    return [
        Case(f"{method}, shape {shape}", (_bowl, rng.normal(size=shape)), {"method": method})
        for method in ("central", "forward", "backward")
        for shape in [(3,), (2, 3)]
    ]


def _error_pairs(rng):
    a = rng.normal(size=(3, 4))
    return [
        Case("close arrays", (a, a + 1e-6 * rng.normal(size=a.shape))),
        Case("different arrays", (a, rng.normal(size=a.shape))),
        Case("zeros in both", (np.zeros(3), np.array([0.0, 1e-9, 2.0]))),
    ]


def _init_cases(rng):
    return [
        Case(f"K {K}, D {D}, {dtype.__name__}", (K, D), {"std": std, "seed": seed, "dtype": dtype})
        for K, D, std, seed, dtype in [(10, 7, 1e-3, 0, np.float32), (3, 5, 0.1, 4, np.float64)]
    ]


def _one_cycle_cases(rng):
    return [
        Case(
            f"{params}",
            (np.arange(params["total_steps"] + 1),),
            params,
        )
        for params in [
            {"max_lr": 0.1, "total_steps": 40},
            {"max_lr": 1.0, "total_steps": 25, "pct_start": 0.4, "anneal_strategy": "linear"},
            {"max_lr": 0.5, "total_steps": 30, "three_phase": True, "div_factor": 10.0},
        ]
    ]


def _plateau_cases(rng):
    metrics = np.concatenate([np.linspace(1.0, 0.5, 5), np.full(12, 0.5), rng.uniform(0.4, 0.6, 20)])
    return [
        Case(f"{params}", (metrics,), params)
        for params in [
            {"lr0": 0.1, "patience": 2},
            {"lr0": 1.0, "factor": 0.5, "patience": 1, "cooldown": 2, "min_lr": 0.05},
            {"lr0": 0.3, "patience": 0, "threshold": 0.1},
        ]
    ]


# Lesson 07 keeps softmax regression's parameters in a dict {"W", "b"} (the optimizers' params),
# and its given init_params reads the lesson's n_classes and n_features: adapters say so.
LESSON_07_SHAPE = (10, 6)


def _dict_params(W, b):
    return {"W": W, "b": b}


def _compare_dict_init(given, reference, cases):
    given.__globals__.update(n_classes=LESSON_07_SHAPE[0], n_features=LESSON_07_SHAPE[1])
    check_against_reference(
        "init_params (lesson 07)",
        given,
        lambda seed: _dict_params(*reference(*LESSON_07_SHAPE, seed=seed, dtype=np.float32)),
        cases,
    )


def _compare_dict_accuracy(given, reference, cases):
    check_against_reference(
        "accuracy (lesson 07)", given, lambda params, X, y: reference(params["W"], params["b"], X, y), cases
    )


def _dict_accuracy_cases(rng):
    K, D, N = 4, 5, 50
    params = _dict_params(rng.normal(size=(K, D)), rng.normal(size=K))
    return [Case(f"N {N}, K {K}", (params, rng.normal(size=(N, D)), rng.integers(0, K, size=N)))]


OPTIMIZER_HPARAMS = {
    "sgd": [{"lr": 0.1}, {"lr": 0.05, "weight_decay": 0.1}],
    "momentum": [
        {"lr": 0.1, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.01},
        {"lr": 0.1, "momentum": 0.0, "dampening": 0.5},  # torch ignores dampening without momentum
    ],
    "adam_no_bias_correction": [{"lr": 0.01}, {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1}],
    "adam": [
        {"lr": 0.01},
        {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
        {"lr": 0.02, "amsgrad": True},
    ],
}

# name -> (how to compare, how to build cases); (lesson, name) entries override the name.
COMPARISONS = {
    "graph_forward_backward": (_compare_plain, _random_pairs),
    "steepest_descent_direction": (_compare_plain, _gradients),
    "forward_difference": (_compare_plain, _differences),
    "numerical_gradient": (_compare_plain, _numerical_gradients),
    "relative_error": (_compare_plain, _error_pairs),
    "init_params": (_compare_plain, _init_cases),
    "one_cycle": (_compare_schedule, _one_cycle_cases),
    "ReduceLROnPlateau": (_compare_plateau, _plateau_cases),
    **{name: (_compare_optimizer, _optimizer_cases(sets)) for name, sets in OPTIMIZER_HPARAMS.items()},
    ("07", "init_params"): (_compare_dict_init, lambda rng: [Case(f"seed {s}", (s,)) for s in (0, 3)]),
    ("07", "accuracy"): (_compare_dict_accuracy, _dict_accuracy_cases),
}

SHARED = [(path, name) for path in LESSONS for name in shared_names(path)]


@pytest.mark.parametrize("path", LESSONS, ids=[path.parent.name for path in LESSONS])
def test_every_lessons_given_definitions_execute(path):
    namespace = given_namespace(path)
    assert any(inspect.isfunction(value) for value in namespace.values()) or not given_definitions(path).body


def test_the_lessons_give_functions_the_answer_key_also_has():
    """Guards against a parser that finds nothing (every comparison below would vanish)."""
    assert len(SHARED) >= 15, SHARED
    assert {path.parent.name[:2] for path, _ in SHARED} >= {"01", "02", "03", "04", "05", "06", "07"}


@pytest.mark.parametrize(
    "path, name", SHARED, ids=[f"{path.parent.name[:2]}-{name}" for path, name in SHARED]
)
def test_given_copy_agrees_with_the_answer_key(path, name):
    lesson = path.parent.name[:2]
    entry = COMPARISONS.get((lesson, name)) or COMPARISONS.get(name)
    assert entry is not None, f"lesson {lesson} gives {name}, also in solutions: add its cases to COMPARISONS"
    compare, make_cases = entry
    given = given_namespace(path)[name]
    compare(given, REFERENCE[name], make_cases(np.random.default_rng(sum(map(ord, lesson + name)))))
