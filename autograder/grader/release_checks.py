"""nbgrader preprocessors for GenerateAssignment: the checks of `python -m autograder release`.

Registered in nbgrader_config.py (through `nbgrader_settings`) after nbgrader's own, so every
way of generating an assignment (`nbgrader generate_assignment`, the formgrader's Generate
button, `python -m autograder release`) gets them:

- `RemoveJupytextPairing`: students must not get the jupytext pairing (their Jupyter would write
  a .py twin beside the notebook);
- `CheckReleaseForLeaks`: the released notebook, and every other file already copied into the
  release folder, is scanned for nbgrader's markers and for distinctive lines of the source's
  solution and hidden-test regions (autograder.release.find_leaks). A hit raises, and nbgrader
  then deletes the assignment's release folder and reports the failure with the leak lines.

`python -m autograder release` turns the second one off and runs the same scan itself over the
finished folder, so that it can list every leak, keep the folder for inspection and exit 1.
"""

from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool


class ReleaseLeakError(Exception):
    """A released file shows a solution, a hidden test or an nbgrader marker."""


class RemoveJupytextPairing(Preprocessor):
    """Drop the notebook's jupytext metadata (its pairing with a .py twin)."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        nb.metadata.pop("jupytext", None)
        return nb, resources


class CheckReleaseForLeaks(Preprocessor):
    """Raise ReleaseLeakError when the released notebook or a copied file leaks the source's secrets."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        from nbgrader.coursedir import CourseDirectory

        from ..release import _file_leaks, _notebook_leaks, secret_lines

        info = (resources or {}).get("nbgrader", {})
        assignment, notebook = info.get("assignment"), info.get("notebook")
        if not assignment:
            raise ReleaseLeakError("cannot check the release: nbgrader did not name the assignment")
        coursedir = CourseDirectory(parent=self)
        source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
        release = Path(coursedir.format_path(coursedir.release_directory, ".", assignment))
        secrets = secret_lines(source)
        leaks = _notebook_leaks(release / f"{notebook}.ipynb", secrets, nb)
        if release.is_dir():
            for path in sorted(p for p in release.rglob("*") if p.is_file() and p.suffix != ".ipynb"):
                leaks.extend(_file_leaks(path, secrets))
        if leaks:
            listing = "\n".join(f"  {leak}" for leak in leaks)
            raise ReleaseLeakError(
                f"{len(leaks)} leak(s) in the release of {assignment}; nothing was released:\n{listing}"
            )
        return nb, resources
