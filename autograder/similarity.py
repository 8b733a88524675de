"""`similarity ASSIGNMENT`: how much solution code each pair of students shares, with copydetect.

For each submission in `submitted/<student>/<assignment>/`, the code the student wrote is
extracted, notebook by notebook: the solution cells (nbgrader metadata `solution: true`) and the
code cells the student added or edited (no nbgrader metadata, text not one of the given cells).
The released starter code (every code cell of `release/<assignment>/`, or, before a release, the
source with its solution regions replaced by the code stub, which is what a release holds) is
copydetect's boilerplate: matches inside it never count. copydetect tokenises the code (names
become one letter, whitespace and comments are dropped, so renaming variables or reformatting
does not hide a copy) and compares k-gram fingerprints (winnowing).

For each pair it reports the share of A's own code (starter excluded) also found in B, the share
of B's found in A, their mean (the ranking key, as JPlag's "average similarity") and the matched
length in tokens. The report is a lead for a human to read, not a verdict: short exercises have
few ways to be written, so honest pairs share some code.
"""

from __future__ import annotations

import csv
import html
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .course import CourseError
from .notebooks import (
    BEGIN_SOLUTION,
    END_SOLUTION,
    InvalidNotebook,
    is_solution_cell,
    nbgrader_metadata,
    notebook_files,
    read_notebook,
    without_region,
)

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from .course import Course

# copydetect's defaults: matches shorter than 25 characters of tokenised code are noise; every
# k-gram is a fingerprint (window 1), which is exact and fast enough for a class.
NOISE_THRESHOLD = 25
GUARANTEE_THRESHOLD = 25
# Pairs at or above this similarity get their code side by side in the HTML report (copydetect's
# own display threshold); the top SHOWN_AT_LEAST pairs are shown whatever their score.
DISPLAY_THRESHOLD = 0.33
SHOWN_AT_LEAST = 3
CSV_COLUMNS = ("rank", "student_a", "student_b", "similarity", "share_of_a_in_b", "share_of_b_in_a", "tokens")


@dataclass
class Pair:
    student_a: str
    student_b: str
    share_a: float  # share of A's own code (starter excluded) also found in B
    share_b: float
    tokens: int  # matched tokens of the tokenised code
    slices_a: object = None  # copydetect's 2xN start/end offsets of the matches in A's raw code
    slices_b: object = None

    @property
    def similarity(self):
        return (self.share_a + self.share_b) / 2


@dataclass
class SimilarityResult:
    assignment: str
    pairs: list  # ranked, most similar first
    code: dict  # {student: the code compared}
    starter_origin: str
    csv_path: Path = None
    html_path: Path = None
    notes: list = field(default_factory=list)  # submissions skipped or without code of their own


def student_code(notebook: NotebookNode, given: frozenset[str] = frozenset()) -> str:
    """The code a student wrote in one notebook, in order: the solution cells, and the cells without
    nbgrader metadata whose text is not one of the `given` (starter) cells' (added or edited)."""
    parts = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if is_solution_cell(cell) or (not nbgrader_metadata(cell) and cell.source.strip() not in given):
            parts.append(cell.source)
    return "\n\n".join(parts)


def starter_code(course: Course, assignment: str) -> Starter:
    """(the starter as a `Starter`: the notebooks the students were given, where they came from)."""
    released = course.step_dir("release") / assignment
    if notebook_files(released):
        notebooks = [read_notebook(path) for path in notebook_files(released)]
        return Starter(notebooks, f"release/{assignment}")
    stub = _code_stub(course)
    notebooks = []
    for name in course.notebook_names(assignment):
        notebook = read_notebook(course.step_dir("source") / assignment / f"{name}.ipynb")
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.source = without_region(cell.source, BEGIN_SOLUTION, END_SOLUTION, replacement=stub)
        notebooks.append(notebook)
    return Starter(notebooks, f"the source of {assignment} with its solutions replaced by the stub")


def _code_stub(course):
    stub = course.config.ClearSolutions.get("code_stub", {})
    return (
        stub.get("python", "# YOUR CODE HERE\nraise NotImplementedError()") if isinstance(stub, dict) else ""
    )


@dataclass
class Starter:
    notebooks: list
    origin: str

    @cached_property
    def cells(self):
        """The stripped text of every given code cell."""
        return frozenset(
            cell.source.strip() for nb in self.notebooks for cell in nb.cells if cell.cell_type == "code"
        )

    def code(self):
        """Every code cell, and the solution cells joined as `student_code` joins them, so that a
        submission left as released matches the starter everywhere, across cell boundaries too."""
        every_cell = "\n\n".join(
            cell.source for nb in self.notebooks for cell in nb.cells if cell.cell_type == "code"
        )
        as_submitted = "\n\n".join(student_code(nb, self.cells) for nb in self.notebooks)
        return as_submitted + "\n\n" + every_cell


def submissions(
    course: Course, assignment: str, given: frozenset[str] = frozenset()
) -> tuple[dict[str, str], list[str]]:
    """({student: code}, notes) for every submission of `assignment` under submitted/."""
    names = course.notebook_names(assignment)
    folders = sorted(p for p in course.step_dir("submitted").glob(f"*/{assignment}") if p.is_dir())
    code, notes = {}, []
    for folder in folders:
        student = folder.parent.name
        parts = []
        for name in names:
            path = folder / f"{name}.ipynb"
            if not path.is_file():
                notes.append(f"{student}: no {name}.ipynb")
                continue
            try:
                parts.append(student_code(read_notebook(path), given))
            except InvalidNotebook as error:
                notes.append(f"{student}: skipped, {error}")
        if parts:
            code[student] = "\n\n".join(part for part in parts if part)
    return code, notes


def compare(
    code: dict[str, str],
    starter: Starter,
    noise: float = NOISE_THRESHOLD,
    guarantee: float = GUARANTEE_THRESHOLD,
) -> tuple[list[Pair], Any]:
    """(ranked Pairs for every two students of {student: code}, students with no code of their own),
    the starter's fingerprints excluded."""
    from copydetect import CodeFingerprint, compare_files

    window = guarantee - noise + 1
    with tempfile.TemporaryDirectory(prefix="optdl-similarity-") as folder:
        folder = Path(folder)
        starter_path = folder / "starter.py"
        starter_path.write_text(starter, encoding="utf-8")
        boilerplate = sorted(CodeFingerprint(str(starter_path), noise, 1).hashes)
        prints = {}
        for index, (student, text) in enumerate(sorted(code.items())):
            path = folder / f"{index:04d}.py"  # the student id stays out of the tokenizer's file name
            path.write_text(text, encoding="utf-8")
            prints[student] = CodeFingerprint(str(path), noise, window, boilerplate=boilerplate)
    pairs = []
    for a, b in combinations(sorted(prints), 2):
        tokens, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
        pairs.append(Pair(a, b, float(share_a), float(share_b), int(tokens), slices_a, slices_b))
    pairs.sort(key=lambda p: (-p.similarity, -p.tokens, p.student_a, p.student_b))
    starter_only = sorted(student for student, prints_of in prints.items() if not prints_of.hashes)
    return pairs, starter_only


def similarity(course: Course, assignment: str, out_dir: str | Path | None = None) -> SimilarityResult:
    """Compare every pair of `assignment`'s submissions; write the CSV and HTML reports."""
    course.notebook_names(assignment)  # CourseError for an unknown assignment
    starter = starter_code(course, assignment)
    code, notes = submissions(course, assignment, starter.cells)
    if len(code) < 2:
        raise CourseError(
            f"{len(code)} readable submission(s) of {assignment} under "
            f"{course.step_dir('submitted')}: nothing to compare (run `collect` first)"
        )
    pairs, starter_only = compare(code, starter.code())
    notes += [f"{student}: no code of their own (starter code only)" for student in starter_only]
    result = SimilarityResult(assignment, pairs, code, starter.origin, notes=notes)
    out_dir = Path(out_dir) if out_dir is not None else course.state_dir / "similarity"
    out_dir.mkdir(parents=True, exist_ok=True)
    result.csv_path = out_dir / f"{assignment}.csv"
    result.html_path = out_dir / f"{assignment}.html"
    write_csv(pairs, result.csv_path)
    result.html_path.write_text(render_html(result), encoding="utf-8")
    return result


def write_csv(pairs: list[Pair], path: str | Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for rank, pair in enumerate(pairs, start=1):
            writer.writerow(
                [
                    rank,
                    pair.student_a,
                    pair.student_b,
                    f"{pair.similarity:.3f}",
                    f"{pair.share_a:.3f}",
                    f"{pair.share_b:.3f}",
                    pair.tokens,
                ]
            )


def summary(result: SimilarityResult, top: int = 10) -> str:
    lines = [f"{result.assignment}: {len(result.pairs)} pair(s) of {len(result.code)} submissions compared"]
    for rank, pair in enumerate(result.pairs[:top], start=1):
        lines.append(
            f"  {rank:3d}. {pair.similarity:6.1%}  {pair.student_a} / {pair.student_b} "
            f"({pair.share_a:.0%} of {pair.student_a}'s code in {pair.student_b}'s, "
            f"{pair.share_b:.0%} the other way; {pair.tokens} tokens)"
        )
    lines += [f"note: {note}" for note in result.notes]
    lines += [f"wrote {result.csv_path}", f"wrote {result.html_path}"]
    return "\n".join(lines)


_STYLE = """
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; }
td, th { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: right; }
td.name, th.name { text-align: left; }
.side { display: flex; gap: 1em; }
.side > div { flex: 1; min-width: 0; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 85%; }
.hl { background: #ffd27f; }
"""


def render_html(result: SimilarityResult) -> str:
    """A self-contained page: the ranked table, then the top pairs' code with the matches marked."""
    from copydetect.utils import highlight_overlap

    esc = html.escape
    rows = []
    for rank, pair in enumerate(result.pairs, start=1):
        rows.append(
            f"<tr><td>{rank}</td><td class='name'><a href='#pair{rank}'>{esc(pair.student_a)}</a></td>"
            f"<td class='name'>{esc(pair.student_b)}</td><td>{pair.similarity:.1%}</td>"
            f"<td>{pair.share_a:.1%}</td><td>{pair.share_b:.1%}</td><td>{pair.tokens}</td></tr>"
        )
    sections = []
    for rank, pair in enumerate(result.pairs, start=1):
        if rank > SHOWN_AT_LEAST and pair.similarity < DISPLAY_THRESHOLD:
            break
        sides = []
        for student, slices, share in (
            (pair.student_a, pair.slices_a, pair.share_a),
            (pair.student_b, pair.slices_b, pair.share_b),
        ):
            raw = result.code[student]
            if pair.tokens and slices is not None and slices.shape[-1]:
                marked, _ = highlight_overlap(raw, slices, "<span class='hl'>", "</span>", escape_html=True)
            else:
                marked = esc(raw)
            sides.append(f"<div><h3>{esc(student)} ({share:.0%} matched)</h3><pre>{marked}</pre></div>")
        sections.append(
            f"<h2 id='pair{rank}'>{rank}. {esc(pair.student_a)} / {esc(pair.student_b)}: "
            f"{pair.similarity:.1%}</h2><div class='side'>{''.join(sides)}</div>"
        )
    notes = "".join(f"<li>{esc(note)}</li>" for note in result.notes)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>Similarity: {esc(result.assignment)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>Similarity of the students' code: {esc(result.assignment)}</h1>"
        f"<p>{len(result.code)} submissions, {len(result.pairs)} pairs. Compared: solution cells and "
        f"cells the students added or edited. Excluded: the starter code ({esc(result.starter_origin)}). "
        "Tokenised by copydetect (names, whitespace and comments do not matter); matches shorter than "
        f"{NOISE_THRESHOLD} characters of tokenised code are ignored. <em>share A in B</em> is the part "
        "of A's own code also found in B; the similarity is the mean of both shares. A high score is a "
        "reason to read the two notebooks, not a verdict: short exercises have few ways to be written.</p>"
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + "<table><tr><th>rank</th><th class='name'>student A</th><th class='name'>student B</th>"
        "<th>similarity</th><th>share A in B</th><th>share B in A</th><th>tokens</th></tr>"
        + "".join(rows)
        + "</table>"
        + f"<p>Code of the pairs at or above {DISPLAY_THRESHOLD:.0%}, and at least the top {SHOWN_AT_LEAST}; "
        "matched code is highlighted.</p>" + "".join(sections) + "</body></html>\n"
    )
