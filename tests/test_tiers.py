"""The test tiers: the markers `make test-fast` deselects are registered and given by file."""

import importlib.util
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TIERS = {"slow", "notebook", "grading", "browser"}


def _root_conftest():
    spec = importlib.util.spec_from_file_location("root_conftest", REPO / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _FakeItem:
    def __init__(self, path):
        self.path = Path(path)
        self.markers = set()

    def add_marker(self, marker):
        self.markers.add(marker)


def test_make_test_fast_deselects_exactly_the_registered_tiers(pytestconfig):
    registered = {line.split(":")[0].strip() for line in pytestconfig.getini("markers")}
    assert TIERS <= registered
    recipe = re.search(r"^test-fast:.*\n\t(.*)$", (REPO / "Makefile").read_text(), re.M).group(1)
    expression = re.search(r'-m "([^"]*)"', recipe).group(1)
    assert set(re.findall(r"not (\w+)", expression)) == TIERS
    assert expression.count(" and ") == len(TIERS) - 1 and " or " not in expression


@pytest.mark.parametrize(
    "path, expected",
    [
        ("notebooks/02_gradient_descent/02_gradient_descent.ipynb", {"notebook"}),
        ("tests/test_autograder_grade.py", {"grading"}),
        ("tests/test_full_and_zero_marks.py", {"grading"}),
        ("tests/test_browser.py", {"browser", "slow"}),
        ("tests/test_lab.py", {"browser", "slow"}),
        ("tests/test_optim.py", set()),
        ("tests/test_softmax.py", set()),
    ],
)
def test_markers_are_given_by_file(path, expected):
    item = _FakeItem(REPO / path)
    _root_conftest().pytest_collection_modifyitems(None, [item])
    assert item.markers == expected


def test_every_file_pattern_still_names_a_test_file():
    """A renamed file would otherwise drop silently into the fast tier."""
    for pattern in _root_conftest()._TIER_MARKERS_BY_FILE:
        assert list((REPO / "tests").glob(pattern)), pattern
