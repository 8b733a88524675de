"""The README's lesson table names every lesson with the points its notebook really carries."""

import re

import nbformat


def test_readme_lesson_table_matches_the_notebooks(repo_root):
    rows = dict(
        re.findall(r"^\| `(\d\d_\w+)` \| .* \| (\d+) \|$", (repo_root / "README.md").read_text(), re.M)
    )
    actual = {}
    for path in sorted((repo_root / "notebooks").glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        graded = [c.metadata.get("nbgrader", {}) for c in cells]
        actual[path.parent.name] = str(sum(m.get("points", 0) for m in graded if m.get("grade")))
    assert rows == actual
