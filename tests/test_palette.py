"""One colour per optimizer, Okabe–Ito, the same in the widgets and in the lessons' static plots.

The expected colours are typed from Okabe & Ito, "Color Universal Design" (2008), not read from
course.widgets: vermillion #D55E00, blue #0072B2, bluish green #009E73, orange #E69F00, sky blue
#56B4E9, reddish purple #CC79A7, black #000000 (plus Paul Tol's olive #999933 for Nadam).
The lesson checks read the jupytext twins with `ast` (no kernel), so they take well under a second.
"""

import ast
import re
from pathlib import Path

import matplotlib
import matplotlib.colors
import pytest

from course.widgets import optimizer_color, optimizer_colors, use_palette
from course.widgets.race import OptimizerRace

LESSONS = sorted(Path(__file__).resolve().parents[1].glob("notebooks/[0-9][0-9]_*/[0-9][0-9]_*.py"))

# Display names as the lessons and widgets write them -> the Okabe–Ito colour of that optimizer.
EXPECTED = {
    "SGD": "#D55E00",
    "GD": "#D55E00",
    "gradient descent": "#D55E00",
    "momentum 0.9": "#0072B2",
    "SGD + momentum": "#0072B2",
    "Nesterov 0.9": "#009E73",
    "AdaGrad": "#E69F00",
    "RMSProp": "#56B4E9",
    "Adadelta": "#CC79A7",
    "Adam": "#000000",
    "Nadam": "#999933",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_optimizer_has_its_fixed_colour(name):
    assert optimizer_color(name).upper() == EXPECTED[name]


def test_the_seven_optimizers_of_lesson_05_are_told_apart():
    names = ["SGD", "momentum", "Nesterov", "AdaGrad", "RMSProp", "Adadelta", "Adam", "Nadam", "AMSGrad"]
    assert len({optimizer_color(name) for name in names}) == len(names)


def test_the_race_draws_each_optimizer_in_its_colour():
    def step(w, dw, state=None, *, lr):
        return w - lr * dw, state

    race = OptimizerRace({"SGD": (step, {"lr": 0.01}), "Adam": (step, {"lr": 0.01})}, n_steps=5)
    drawn = {
        line.get_label(): line.get_color()
        for line in race.ax_path.get_lines()
        if line.get_label() in {"SGD", "Adam"}
    }
    assert {name: matplotlib.colors.to_hex(color).upper() for name, color in drawn.items()} == {
        "SGD": EXPECTED["SGD"],
        "Adam": EXPECTED["Adam"],
    }


def test_optimizer_colors_are_distinct_and_keep_the_table_colour_where_free():
    colors = optimizer_colors(["GD (B = N)", "minibatch (B = 256)", "SGD (B = 1)"])
    assert colors["SGD (B = 1)"].upper() == EXPECTED["SGD"]
    assert len(set(colors.values())) == 3


def test_use_palette_makes_okabe_ito_the_default_cycle():
    with matplotlib.rc_context():
        use_palette()
        assert [matplotlib.colors.to_hex(f"C{i}").upper() for i in range(4)] == [
            "#D55E00",
            "#0072B2",
            "#009E73",
            "#E69F00",
        ]


# ------------------------------------------------------------------ the lessons' static plots
OPTIMIZER_WORDS = re.compile(
    r"\b(S?GD|sign GD|gradient descent|momentum|Nesterov|AdaGrad|RMSProp|Adadelta|Adam\w*|Nadam|AMSGrad)\b",
    re.IGNORECASE,
)
PLOT_METHODS = {
    "plot",
    "semilogx",
    "semilogy",
    "loglog",
    "scatter",
    "step",
    "errorbar",
    "fill_between",
    "hist",
}


def literal_text(node):
    """The text of a string literal or f-string (placeholders as {}), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    return None


def optimizer_plots_with_a_fixed_colour(source):
    """Plot calls whose written label names an optimizer but whose colour is not computed.

    A colour is computed when `color=` is an expression (optimizer_color(...), a dict lookup, a
    loop variable); a literal colour, a colour in the format string ("k--") or none at all (the
    default cycle) is flagged.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in PLOT_METHODS:
            continue
        keywords = {keyword.arg: keyword.value for keyword in node.keywords}
        label = literal_text(keywords["label"]) if "label" in keywords else None
        if label is None or not OPTIMIZER_WORDS.search(label):
            continue
        color = keywords.get("color", keywords.get("c"))
        if color is None or literal_text(color) is not None:
            found.append(f"line {node.lineno}: label {label!r}")
    return found


def test_the_check_flags_a_literal_colour_and_passes_a_computed_one():
    flagged = optimizer_plots_with_a_fixed_colour(
        'ax.plot(x, y, color="C3", label="GD")\n'
        'ax.plot(x, y, "k--", label=f"Adam, lr {lr}")\n'
        'ax.plot(x, y, color=optimizer_color("SGD"), label="SGD")\n'
        'ax.plot(x, y, color="k", label="minimum")\n'
    )
    assert [entry.split(":")[0] for entry in flagged] == ["line 1", "line 2"]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_lesson_plots_of_optimizers_take_their_colour_from_the_palette(lesson):
    flagged = optimizer_plots_with_a_fixed_colour(lesson.read_text(encoding="utf-8"))
    assert not flagged, f"{lesson.name}: use optimizer_color(name) for " + "; ".join(flagged)


@pytest.mark.parametrize("stem", ["01", "02", "03", "07", "08"])
def test_lessons_switch_their_static_plots_to_the_palette(stem):
    (lesson,) = [path for path in LESSONS if path.name.startswith(stem)]
    calls = [
        node
        for node in ast.walk(ast.parse(lesson.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "use_palette"
    ]
    assert calls, f"{lesson.name} does not call use_palette()"
