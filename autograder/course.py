"""A course folder: nbgrader_config.py plus nbgrader's step folders, and the NbGraderAPI on it.

Every subcommand works on one course folder (default: the current directory). The repository
itself is one; the demo and the tests build temporary ones by copying nbgrader_config.py and
lessons into them.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from .notebooks import notebook_files

CONFIG_NAME = "nbgrader_config.py"
# Lesson folders are named like 01_finite_differences.
LESSON_PATTERN = re.compile(r"^\d{2}_[A-Za-z0-9_]+$")
# Where this tool keeps its own records, beside gradebook.db; the folder ignores itself in git.
STATE_DIR = "grading"
STATUS_FILE = "status.json"
# The repository holding the `autograder`, `course` and `solutions` packages; kernels need it on
# their path to run hidden tests, wherever the course folder is.
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


class CourseError(RuntimeError):
    """The course folder is not usable (no config, unknown assignment, not released yet)."""


@dataclass
class Course:
    root: Path
    config: Config

    @classmethod
    def open(cls, root="."):
        """Load `root`/nbgrader_config.py; raise CourseError if the folder has none."""
        root = Path(root).resolve()
        if not (root / CONFIG_NAME).is_file():
            raise CourseError(f"no {CONFIG_NAME} in {root}: run from the course folder or pass --course DIR")
        prepare_environment()
        config = PyFileConfigLoader(CONFIG_NAME, path=str(root)).load_config()
        config.CourseDirectory.root = str(root)
        return cls(root=root, config=config)

    def coursedir(self):
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(config=self.config)

    def api(self, extra_config=None):
        """An NbGraderAPI on this course, quiet unless something goes wrong."""
        from nbgrader.apps import NbGraderAPI

        config = Config(self.config)
        if extra_config is not None:
            config.merge(extra_config)
        config.NbGraderAPI.log_level = logging.WARNING
        return NbGraderAPI(config=config)

    def step_dir(self, step_name):
        """The folder of an nbgrader step ("source", "release", "submitted", ...)."""
        coursedir = self.coursedir()
        name = getattr(coursedir, f"{step_name}_directory")
        return self.root / name

    def assignment_dir(self, step_name, assignment, student="."):
        return Path(
            self.coursedir().format_path(
                getattr(self.coursedir(), f"{step_name}_directory"), student, assignment
            )
        )

    def lessons(self):
        """Assignments found in the source folder: NN_name folders holding a notebook, sorted."""
        source = self.step_dir("source")
        if not source.is_dir():
            return []
        return sorted(
            p.name
            for p in source.iterdir()
            if p.is_dir() and LESSON_PATTERN.match(p.name) and notebook_files(p)
        )

    def notebook_names(self, assignment):
        """Notebook names (without .ipynb) of an assignment's source folder."""
        folder = self.step_dir("source") / assignment
        if not folder.is_dir():
            raise CourseError(f"unknown assignment {assignment!r}: no folder {folder}")
        names = [p.stem for p in notebook_files(folder)]
        if not names:
            raise CourseError(f"assignment {assignment!r} has no notebook in {folder}")
        return names

    def resolve_assignments(self, requested):
        """`requested` checked against the source folder; every lesson when it is empty."""
        known = self.lessons()
        if not requested:
            if not known:
                raise CourseError(f"no lessons found under {self.step_dir('source')}")
            return known
        for name in requested:
            self.notebook_names(name)
        return list(requested)

    @property
    def state_dir(self):
        folder = self.root / STATE_DIR
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# written by python -m autograder: grading state, never committed\n*\n")
        return folder

    def load_status(self):
        """{assignment: {student: record}} as written by `grade`; empty before the first run."""
        path = self.root / STATE_DIR / STATUS_FILE
        if not path.exists():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))

    def save_status(self, status):
        path = self.state_dir / STATUS_FILE
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(status, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)


def prepare_environment() -> None:
    """Make `autograder`, `course` and `solutions` importable here, and nbgrader's tools findable.

    nbgrader runs the `alembic` executable from PATH when it creates a gradebook; with the venv's
    python called by path (not activated), its bin folder is not on PATH.
    """
    root = str(PACKAGE_ROOT)
    if root not in sys.path:
        sys.path.insert(0, root)
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "").split(os.pathsep)
    if bin_dir not in path:
        os.environ["PATH"] = os.pathsep.join([bin_dir] + [p for p in path if p])


def child_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for grading subprocesses and their kernels: package root on PYTHONPATH."""
    env = dict(os.environ)
    paths = [str(PACKAGE_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.update(extra or {})
    return env
