"""nbgrader preprocessor `TidyTracebacks`: tracebacks in feedback show the student's code, not ours.

A visible test fails inside a check helper (`course.checks.assert_close` raises the
AssertionError), so its traceback ended in the helper's own frame, under the grading machine's
absolute path. In a feedback page each traceback keeps the frames of the student's cells and of
libraries, drops the frames of `course/checks.py` (the message already says what was checked),
and names files by a short path: `numpy/linalg/_linalg.py`, `course/data.py`, never
`/home/grader/.../site-packages/...`.
"""

from __future__ import annotations

import re

from nbconvert.filters import strip_ansi
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool

FRAME = re.compile(r'^  File "(?P<path>[^"]+)", line \d+')
# Frames of these files are the check helpers' own: hidden from a student's traceback.
HIDDEN_FILES = ("course/checks.py",)
SHORT_PATH_AFTER = ("site-packages/", "dist-packages/")


def short_path(path: str) -> str:
    """A path a student can read: relative to site-packages or to the `course` package."""
    if not path.startswith("/"):
        return path  # "<cell 3>", "<string>"
    for marker in SHORT_PATH_AFTER:
        if marker in path:
            return path.rsplit(marker, 1)[1]
    if "/course/" in path:
        return "course/" + path.rsplit("/course/", 1)[1]
    match = re.search(r"/lib/python\d+\.\d+/(.+)$", path)
    return match.group(1) if match else path.rsplit("/", 1)[-1]


def tidy_traceback(text: str) -> str:
    """`text` (one traceback) without check-helper frames and with short file names."""
    lines = strip_ansi(text).split("\n")
    kept, skipping = [], False
    for line in lines:
        frame = FRAME.match(line)
        if frame:
            path = frame.group("path")
            skipping = path.replace("\\", "/").endswith(HIDDEN_FILES)
            if not skipping:
                line = line.replace(f'"{path}"', f'"{short_path(path)}"', 1)
        elif skipping and line.startswith("    "):
            continue  # the hidden frame's source lines
        else:
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


class TidyTracebacks(Preprocessor):
    """Tidy every error output's traceback (see the module docstring)."""

    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            outputs = []
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error" and output.get("traceback"):
                    output = NotebookNode(
                        dict(output, traceback=[tidy_traceback(t) for t in output.traceback])
                    )
                outputs.append(output)
            cell.outputs = outputs
        return cell, resources
