"""The README's lesson table names every lesson with the points its notebook really carries."""

import re

from autograder.notebooks import autograded_points, manual_points, read_notebook


def test_readme_lesson_table_matches_the_notebooks(repo_root):
    readme = (repo_root / "README.md").read_text()
    rows = dict(re.findall(r"^\| `(\d\d_\w+)` \| .* \| (\d+) \|$", readme, re.M))
    actual, written = {}, 0.0
    for path in sorted((repo_root / "notebooks").glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb")):
        notebook = read_notebook(path)
        actual[path.parent.name] = f"{autograded_points(notebook):g}"
        written += manual_points(notebook)
    assert rows == actual
    stated = re.search(r"written question \(2–3 points, (\d+) in\s+all\)", readme)
    assert stated and float(stated.group(1)) == written, f"the written questions carry {written:g} points"
