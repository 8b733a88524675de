"""Lecture copies of the lesson notebooks: lecturing never touches a tracked file.

``make lecture`` (or ``python -m course.lecture copy``) copies every lesson's source
notebook (``notebooks/NN_name/NN_name.ipynb``) into the git-ignored folder ``lecture/``,
and writes beside each a *live-only* notebook, ``NN_name_live.ipynb``: the lesson's
"Live lecture" section plus only the cells it needs (the exercise functions it uses and
what they use in turn), without the experiments above it. ``make lecture`` then starts
JupyterLab in ``lecture/``; run a copy or its live-only twin there.

How the needed cells are found (:func:`live_only_cells`): Python's ``symtable`` gives,
for every code cell, the top-level names it defines (assignments, imports, ``def``,
``class``) and the global names it uses (at top level and inside its functions). Starting
from the names the live section uses, each is looked up in the *last* earlier cell that
defines it; that cell is kept and its own uses are looked up in the cells before it, and
so on. Only names are tracked, not in-place changes (``rng`` advanced by a kept cell,
a list appended to by a dropped one): the live section should not rely on those.

Usage::

    python -m course.lecture copy [--dest lecture]          # what `make lecture` runs first
    python -m course.lecture live notebooks/04_momentum_nesterov/04_momentum_nesterov.ipynb out.ipynb
"""

from __future__ import annotations

import argparse
import ast
import builtins
import re
import shutil
import symtable
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
LIVE_HEADING = re.compile(r"^#{1,6}\s*Live lecture\b", re.MULTILINE)
_BUILTINS = set(dir(builtins)) | {"__name__", "__file__", "display", "get_ipython"}


def _python_source(source):
    """A cell's source with IPython magics and shell escapes blanked (so it parses)."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append("" if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


def cell_names(source: str) -> tuple[set[str], set[str]]:
    """(defined, used): top-level names a code cell defines, and global names it reads.

    Example::

        cell_names("import numpy as np\\ndef f(x):\\n    return np.sin(x) + a")
        # ({'np', 'f'}, {'np', 'a'})
    """
    try:
        table = symtable.symtable(_python_source(source), "<cell>", "exec")
    except SyntaxError:
        return set(), set()
    defined, used = set(), set()
    for symbol in table.get_symbols():
        name = symbol.get_name()
        if symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace():
            defined.add(name)
        if symbol.is_referenced():
            used.add(name)

    def visit(scope):
        for child in scope.get_children():
            for symbol in child.get_symbols():
                if symbol.is_referenced() and symbol.is_global():
                    used.add(symbol.get_name())
            visit(child)

    visit(table)
    return defined, used - _BUILTINS


class _Reads(ast.NodeVisitor):
    """Names a statement reads when it runs (not inside function bodies, which run later;
    not a comprehension's own loop variables)."""

    def __init__(self):
        self.names, self._bound = set(), []

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and not any(node.id in b for b in self._bound):
            self.names.add(node.id)

    def visit_FunctionDef(self, node):
        for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if expr is not None:
                self.visit(expr)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        for expr in [*node.args.defaults, *node.args.kw_defaults]:
            if expr is not None:
                self.visit(expr)

    def visit_AugAssign(self, node):
        if isinstance(node.target, ast.Name):
            self.names.add(node.target.id)
        self.generic_visit(node)

    def _comprehension(self, node):
        bound = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        self.visit(node.generators[0].iter)  # evaluated outside the comprehension's scope
        self._bound.append(bound)
        for generator in node.generators:
            if generator is not node.generators[0]:
                self.visit(generator.iter)
            for condition in generator.ifs:
                self.visit(condition)
        for part in ("elt", "key", "value"):
            if hasattr(node, part):
                self.visit(getattr(node, part))
        self._bound.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension


def _reads(node):
    visitor = _Reads()
    visitor.visit(node)
    return visitor.names


def _stores(node):
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            found.add(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            found |= {(a.asname or a.name).split(".")[0] for a in sub.names}
    return found


def read_before_defined(source: str, defined: set[str]) -> set[str]:
    """Names in ``defined`` that the cell reads before its own first definition of them.

    ``sgd = sgd`` or ``x += 1`` need an earlier cell's ``sgd``/``x``; ``for n in ...: print(n)``
    does not. Top-level statements in order; an assignment's value is read before its targets
    are bound.
    """
    try:
        tree = ast.parse(_python_source(source))
    except SyntaxError:
        return set()
    bound, needed = set(), set()
    for statement in tree.body:
        if isinstance(statement, (ast.For, ast.AsyncFor)):
            needed |= (_reads(statement.iter) & defined) - bound
            bound |= _stores(statement.target)
            needed |= (set().union(*(_reads(s) for s in statement.body + statement.orelse)) & defined) - bound
        elif isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return)):
            needed |= (_reads(statement) & defined) - bound
        else:  # def, class, import, with, if, try: bound names first (a rough but common order)
            needed |= (_reads(statement) & defined) - bound - _stores(statement)
        bound |= _stores(statement)
    return needed


def live_section_start(cells: Sequence[nbformat.NotebookNode]) -> int:
    """Index of the markdown cell whose heading is "Live lecture"; ValueError if none."""
    for index, cell in enumerate(cells):
        if cell.cell_type == "markdown" and LIVE_HEADING.search(cell.source):
            return index
    raise ValueError("the notebook has no 'Live lecture' heading")


def live_only_cells(cells: Sequence[nbformat.NotebookNode]) -> list[int]:
    """Indices of the cells a live-only notebook keeps: the needed code cells, then the live section.

    A name the live section (or a kept cell) uses is looked up in the last cell before it
    that defines it; names defined nowhere before (builtins, names the section defines
    itself) need nothing.
    """
    start = live_section_start(cells)
    names = [cell_names(c.source) if c.cell_type == "code" else (set(), set()) for c in cells]
    keep = set()
    pending = []  # (name, look in cells before this index)
    for index in range(start, len(cells)):
        defined_before_in_section = (
            set().union(*(names[i][0] for i in range(start, index))) if index > start else set()
        )
        defined, used = names[index]
        own = read_before_defined(cells[index].source, defined & used)
        pending += [(n, start) for n in (used - defined) | own if n not in defined_before_in_section]
    seen = set()
    while pending:
        name, before = pending.pop()
        if (name, before) in seen:
            continue
        seen.add((name, before))
        for index in range(before - 1, -1, -1):
            if name in names[index][0]:
                if index not in keep:
                    keep.add(index)
                    defined, used = names[index]
                    pending += [
                        (n, index)
                        for n in (used - defined) | read_before_defined(cells[index].source, defined & used)
                    ]
                break
    return sorted(keep) + list(range(start, len(cells)))


def live_only_notebook(path: str | Path) -> nbformat.NotebookNode:
    """The live-only notebook for a lesson notebook at path (see the module docstring)."""
    notebook = nbformat.read(str(path), as_version=4)
    kept = live_only_cells(notebook.cells)
    start = live_section_start(notebook.cells)
    support = [i for i in kept if i < start]
    header = nbformat.v4.new_markdown_cell(
        f"# {Path(path).stem}: live lecture only\n\n"
        f"Generated by `python -m course.lecture` from `{Path(path).name}` (do not edit; it is "
        "rebuilt by `make lecture`). It holds the lesson's *Live lecture* section and the "
        f"{len(support)} code cells it needs (cells {', '.join(str(i) for i in support)} of the lesson: "
        "the functions and data it uses), not the experiments. Run All, then lecture."
    )
    cells = [header]
    for index in kept:
        cell = nbformat.from_dict(notebook.cells[index])
        cell.metadata.pop("nbgrader", None)  # a lecture copy, not an assignment
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    live = nbformat.v4.new_notebook(metadata=notebook.metadata)
    live.cells = cells
    return live


def lesson_notebooks(root: str | Path = NOTEBOOKS) -> list[Path]:
    return sorted(
        p / f"{p.name}.ipynb"
        for p in Path(root).iterdir()
        if p.is_dir() and re.match(r"^\d{2}_\w+$", p.name) and (p / f"{p.name}.ipynb").is_file()
    )


def copy_lessons(dest: str | Path, root: str | Path = NOTEBOOKS) -> list[Path]:
    """Copy every lesson notebook into dest/NN_name/ and write its live-only twin; returns the paths."""
    dest = Path(dest)
    written = []
    for source in lesson_notebooks(root):
        folder = dest / source.parent.name
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / source.name
        shutil.copyfile(source, target)
        live = folder / f"{source.stem}_live.ipynb"
        nbformat.write(live_only_notebook(source), str(live))
        written += [target, live]
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    copy = sub.add_parser("copy", help="copy the lessons and their live-only twins into a folder")
    copy.add_argument("--dest", default=str(REPO / "lecture"))
    live = sub.add_parser("live", help="write one lesson's live-only notebook")
    live.add_argument("source")
    live.add_argument("target")
    args = parser.parse_args(argv)
    if args.command == "copy":
        for path in copy_lessons(args.dest):
            print(path)
    else:
        nbformat.write(live_only_notebook(args.source), args.target)
        print(args.target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
