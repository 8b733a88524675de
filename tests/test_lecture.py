"""course.lecture: lecture copies and live-only notebooks (issue 13, items 5 and 6).

- ``cell_names`` and ``live_only_cells`` find the cells a lesson's Live lecture section
  needs: on every lesson the kept cells define everything the section reads, and the
  experiment cells are left out;
- every committed lesson notebook carries the ``language_info`` block JupyterLab adds
  on opening (tests/test_browser.py checks in a real browser that opening then leaves
  the file unmodified);
- ``copy_lessons`` writes only into its destination;
- (slow) each live-only notebook runs without errors, timed.
"""

import os
import time
from pathlib import Path

import nbformat
import pytest

from course.lecture import (
    cell_names,
    copy_lessons,
    lesson_notebooks,
    live_only_cells,
    live_only_notebook,
    live_section_start,
)

REPO = Path(__file__).resolve().parent.parent
LESSONS = lesson_notebooks()
lessons = pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])


def test_cell_names_reads_globals_inside_functions_and_skips_locals():
    source = (
        "import numpy as np\n"
        "from course.widgets import OptimizerRace\n"
        "%matplotlib inline\n"
        "def f(x, lr=0.1):\n"
        "    y = x * scale\n"
        "    return np.sin(y) + [k for k in table]\n"
        "race = OptimizerRace({n: (f, {}) for n in names})\n"
    )
    defined, used = cell_names(source)
    assert defined == {"np", "OptimizerRace", "f", "race"}
    assert used == {"np", "OptimizerRace", "scale", "table", "f", "names"}


def test_live_only_cells_follow_definitions_backwards():
    cells = [
        nbformat.v4.new_code_cell(s)
        for s in (
            "import numpy as np",  # 0: needed by 2
            "data = np.ones(10**6)\nslow = data.sum()",  # 1: an experiment nobody needs
            "def sgd(w, dw, state=None, *, lr):\n    return w - lr * np.asarray(dw), state",  # 2
            "sgd = sgd",  # 3: the last definition of sgd before the section
        )
    ]
    cells.append(nbformat.v4.new_markdown_cell("## Live lecture\nRace."))
    cells.append(nbformat.v4.new_code_cell("race = make_race(sgd)\nrace"))
    cells.append(nbformat.v4.new_code_cell("def make_race(step):\n    return step"))
    assert live_only_cells(cells) == [0, 2, 3, 4, 5, 6]


@lessons
def test_live_only_notebook_keeps_what_the_section_reads_and_no_experiments(path):
    notebook = nbformat.read(str(path), as_version=4)
    kept = live_only_cells(notebook.cells)
    start = live_section_start(notebook.cells)
    assert kept[-(len(notebook.cells) - start) :] == list(range(start, len(notebook.cells)))
    defined = set()
    for index in kept:
        cell = notebook.cells[index]
        if cell.cell_type != "code":
            continue
        cell_defined, used = cell_names(cell.source)
        earlier = {
            n
            for i in range(index)
            if notebook.cells[i].cell_type == "code"
            for n in cell_names(notebook.cells[i].source)[0]
        }
        # Every name a kept cell reads that some earlier cell defines is defined by a kept cell.
        missing = (used & earlier) - defined - cell_defined
        assert not missing, f"{path.stem} cell {index} reads {sorted(missing)}, defined only in dropped cells"
        defined |= cell_defined
    support = [i for i in kept if i < start]
    assert len(support) < start / 2, f"{path.stem}: {len(support)} of {start} cells kept: {support}"
    live = live_only_notebook(path)
    assert "live lecture only" in live.cells[0].source
    assert all("nbgrader" not in c.metadata for c in live.cells)


@lessons
def test_committed_notebook_has_the_language_info_jupyterlab_adds(path):
    info = nbformat.read(str(path), as_version=4).metadata.get("language_info")
    assert info is not None, (
        f"{path.name}: no language_info (JupyterLab adds it on opening: the file turns dirty)"
    )
    assert (
        info["name"] == "python" and info["pygments_lexer"] == "ipython3" and info["version"].startswith("3.")
    )


def test_copy_lessons_writes_only_into_its_destination(tmp_path):
    before = {p: p.read_bytes() for p in LESSONS}
    written = copy_lessons(tmp_path / "lecture")
    assert len(written) == 2 * len(LESSONS)
    assert all(tmp_path in p.parents for p in written)
    assert {p: p.read_bytes() for p in LESSONS} == before
    for path in LESSONS:
        assert (tmp_path / "lecture" / path.parent.name / path.name).read_bytes() == before[path]
    assert (REPO / ".gitignore").read_text().splitlines().count("lecture/") == 1


@pytest.mark.slow
@lessons
def test_live_only_notebook_runs(path, tmp_path):
    """The live-only twin runs on its own (the suite's grading mode; full-mode times are in the README)."""
    from nbclient import NotebookClient

    if (
        path.parent.name.startswith("03")
        and not os.environ.get("CIFAR10_DIR")
        and not (Path.home() / ".cache" / "optdl-course").exists()
    ):
        pytest.skip("lesson 03's live section needs CIFAR-10 (set CIFAR10_DIR)")
    notebook = live_only_notebook(path)
    started = time.monotonic()
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    elapsed = time.monotonic() - started
    errors = [
        o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    print(f"{path.stem}: live-only run {elapsed:.1f} s (load {os.getloadavg()[0]:.1f})")
    assert not errors, errors
