"""`student-bundle`: the student edition, a folder (and a zip of it) ready to publish.

It holds
- `lessons/NN_name/*.ipynb`: the released notebooks (from release/, so `release` must run first);
- `optdl_student-<version>-py3-none-any.whl`: the `course` package alone, as distribution
  `optdl-student`, depending only on what `course` imports (numpy, matplotlib, ipywidgets, tqdm)
  and JupyterLab; no `solutions`, no `autograder`, no nbgrader. `course/lecture.py` is left out:
  it is the lecturer's tool for copying the source notebooks (which students do not have);
- `src/course/` and `pyproject.toml`, which build the same wheel (`pip wheel .`);
- `README.md` for students, `requirements.txt` and `environment.yml` (Binder, Colab, conda).

The wheel is written with `zipfile` (METADATA, WHEEL and RECORD by hand): no network, no build
backend, and the same bytes for the same sources.

Before anything is written to the output folder, every file of the bundle, the files inside the
wheel and the zip included, goes through the release's leak scan (`autograder.release`), with the
secrets of every lesson of the course:
- notebooks exactly as the release scans them, with their own lesson's secrets: any nbgrader
  marker, or any distinctive line of a solution or hidden-test region; and, for every other
  lesson not declared closed (`--closed`: its deadline has passed), no run of COPIED_BLOCK_LINES
  consecutive code lines of that lesson's regions. Later lessons give earlier answers as starter
  code (lesson 02 holds lesson 01's numerical gradient), so a bundle of lessons 01 and 02 is
  refused, and lesson 02 alone needs `--closed 01`;
- other text files (README, metadata) with the line rule and every lesson's secrets;
- Python files of `course`: any nbgrader marker, any module-level name equal to an exercise
  function of a lesson, and any run of COPIED_BLOCK_LINES consecutive code lines that are all
  distinctive region lines. Single lines are not enough here: library code shares generic lines
  with the solutions (`if replace:`, `rows = []`, `return losses`), which the line rule would flag
  although nothing was copied. A copy with renamed variables escapes this scan; the behavioural
  test tests/test_course_leaks.py covers that case.
A bundle that leaks is refused (BundleLeak) and the output folder is left untouched.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .course import PACKAGE_ROOT, CourseError
from .notebooks import is_solution_cell, notebook_files, read_notebook
from .release import Leak, _file_leaks, _line_problem, _notebook_leaks, secret_lines

if TYPE_CHECKING:
    from .course import Course

DISTRIBUTION = "optdl-student"
WHEEL_NAME = "optdl_student"
# What `course` imports (IPython and traitlets come with ipywidgets), plus JupyterLab to open the
# lessons. Their version floors are taken from the main pyproject.toml, so the two stay in step.
DEPENDENCIES = ("numpy", "matplotlib", "ipywidgets", "tqdm", "jupyterlab")
# Lecturer-only modules: they read the source notebooks, which hold the solutions.
EXCLUDED_MODULES = ("lecture.py",)
COPIED_BLOCK_LINES = 3
BUNDLE_MARKER = ".optdl-student-bundle"  # identifies a folder this command wrote (safe to replace)
ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: the same sources give the same zip bytes


class BundleLeak(CourseError):
    """The bundle would contain a solution, a hidden test or an exercise's name: nothing written."""

    def __init__(self, leaks):
        self.leaks = leaks
        lines = "\n".join(f"  {leak}" for leak in leaks[:50])
        more = f"\n  ... and {len(leaks) - 50} more" if len(leaks) > 50 else ""
        super().__init__(f"the student bundle leaks, nothing was written:\n{lines}{more}")


@dataclass
class BundleResult:
    folder: Path
    zip_path: Path
    wheel: Path
    version: str
    lessons: list
    files: list = field(default_factory=list)  # paths relative to `folder`

    @property
    def install_command(self):
        return f"pip install {self.wheel.name}"


def project_metadata(pyproject: Path = PACKAGE_ROOT / "pyproject.toml") -> tuple[str, str, dict[str, str]]:
    """(version, requires-python, {name: requirement}) of the main package's pyproject.toml."""
    text = Path(pyproject).read_text(encoding="utf-8")
    project = re.search(r"^\[project\]\n(.*?)(?=^\[)", text, re.M | re.S)
    if not project:
        raise CourseError(f"{pyproject}: no [project] table")
    body = project.group(1)
    version = re.search(r'^version\s*=\s*"([^"]+)"', body, re.M)
    python = re.search(r'^requires-python\s*=\s*"([^"]+)"', body, re.M)
    deps = re.search(r"^dependencies\s*=\s*\[(.*?)\]", body, re.M | re.S)
    if not (version and python and deps):
        raise CourseError(f"{pyproject}: [project] lacks version, requires-python or dependencies")
    requirements = {}
    for spec in re.findall(r'"([^"]+)"', deps.group(1)):
        name = re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower()
        requirements[name] = spec
    missing = [name for name in DEPENDENCIES if name not in requirements]
    if missing:
        raise CourseError(f"{pyproject}: dependencies lack {missing}, which the student package needs")
    return version.group(1), python.group(1), {name: requirements[name] for name in DEPENDENCIES}


def course_files(package_dir: Path = PACKAGE_ROOT / "course") -> dict[str, bytes]:
    """{path inside the wheel: source path} of the student package's modules."""
    package_dir = Path(package_dir)
    files = {}
    for path in sorted(package_dir.rglob("*.py")):
        relative = path.relative_to(package_dir)
        if "__pycache__" in relative.parts or str(relative) in EXCLUDED_MODULES:
            continue
        files[f"course/{relative.as_posix()}"] = path
    return files


def exercise_functions(course: Course) -> dict[str, tuple[str, str | None]]:
    """{function name: (lesson, grade_id)} of every function a lesson's solution cells define."""
    from .demo import defined_functions
    from .notebooks import grade_id

    names = {}
    for lesson in course.lessons():
        for path in notebook_files(course.step_dir("source") / lesson):
            for cell in read_notebook(path).cells:
                if cell.cell_type == "code" and is_solution_cell(cell):
                    for name in defined_functions(cell.source):
                        names[name] = (lesson, grade_id(cell))
    return names


def build_student_bundle(
    course: Course,
    out: str | Path,
    assignments: Sequence[str] | None = None,
    make_zip: bool = True,
    package_dir: Path | None = None,
    closed: Iterable[str] = (),
) -> BundleResult:
    """Write the student edition of `assignments` (default: every lesson) into `out` (+ `out`.zip).

    `closed`: lessons whose deadline has passed, whose answers other lessons may show.
    `package_dir` is the `course` package to ship (default: the repository's). Raises CourseError
    (BundleLeak if a file leaks); on any error the output folder is left as it was.
    """
    out = Path(out).resolve()
    lessons = course.resolve_assignments(assignments or [])
    released = {}
    for lesson in lessons:
        release_dir = course.assignment_dir("release", lesson)
        notebooks = notebook_files(release_dir) if release_dir.is_dir() else []
        if not notebooks:
            raise CourseError(
                f"{lesson} has no release in {release_dir}: run `python -m autograder release {lesson}` first"
            )
        newest_source = max(p.stat().st_mtime for p in notebook_files(course.step_dir("source") / lesson))
        if min(p.stat().st_mtime for p in notebooks) < newest_source:
            raise CourseError(
                f"release/{lesson} is older than its source notebook: run "
                f"`python -m autograder release {lesson}` again"
            )
        released[lesson] = notebooks
    _check_output_folder(out)
    version, python, requirements = project_metadata()
    secrets = Secrets.of(course, closed)

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        folder = staging / out.name
        folder.mkdir()
        for lesson, notebooks in released.items():
            (folder / "lessons" / lesson).mkdir(parents=True)
            for path in notebooks:
                shutil.copy2(path, folder / "lessons" / lesson / path.name)
        files = course_files() if package_dir is None else course_files(package_dir)
        for inside, source in files.items():
            target = folder / "src" / inside
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        wheel = folder / f"{WHEEL_NAME}-{version}-py3-none-any.whl"
        write_wheel(wheel, files, version, python, requirements)
        (folder / "pyproject.toml").write_text(_pyproject(version, python, requirements), encoding="utf-8")
        (folder / "requirements.txt").write_text(_requirements(wheel.name), encoding="utf-8")
        (folder / "environment.yml").write_text(_environment(wheel.name, python, requirements), "utf-8")
        (folder / "README.md").write_text(_readme(wheel.name, released), encoding="utf-8")
        (folder / BUNDLE_MARKER).write_text("written by python -m autograder student-bundle\n")
        leaks = scan_bundle(folder, secrets)
        zip_path = None
        if make_zip:
            zip_path = staging / f"{out.name}.zip"
            _write_zip(zip_path, folder)
            leaks += scan_bundle(zip_path, secrets)
        if leaks:
            for leak in leaks:  # name files by their place in the bundle, not the staging folder
                if Path(leak.path).is_relative_to(staging):
                    leak.path = Path(leak.path).relative_to(staging).as_posix()
            raise BundleLeak(leaks)
        if out.exists():
            shutil.rmtree(out)
        folder.rename(out)
        final_zip = out.with_name(out.name + ".zip")
        if zip_path is not None:
            zip_path.replace(final_zip)
        listed = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
        return BundleResult(out, final_zip if make_zip else None, out / wheel.name, version, lessons, listed)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_output_folder(out):
    if out.exists() and not out.is_dir():
        raise CourseError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / BUNDLE_MARKER).exists():
        raise CourseError(f"{out} is not empty and not a previous student bundle: choose another --out")
    if out == PACKAGE_ROOT or PACKAGE_ROOT.is_relative_to(out):
        raise CourseError(f"{out} holds the repository: choose another --out")


# ------------------------------------------------------------------------------------ the wheel
def write_wheel(
    path: Path, files: Mapping[str, bytes], version: str, python: str, requirements: Sequence[str]
) -> Path:
    """A pure-Python wheel of `files` ({path inside: source path}) with its dist-info."""
    dist_info = f"{WHEEL_NAME}-{version}.dist-info"
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: {DISTRIBUTION}\n"
        f"Version: {version}\n"
        "Summary: Optimization for Deep Learning: the course library for students (no solutions)\n"
        "License: MIT\n"
        f"Requires-Python: {python}\n" + "".join(f"Requires-Dist: {spec}\n" for spec in requirements.values())
    )
    wheel_text = (
        "Wheel-Version: 1.0\nGenerator: autograder.bundle\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    members = [(inside, Path(source).read_bytes()) for inside, source in sorted(files.items())]
    members += [
        (f"{dist_info}/METADATA", metadata.encode()),
        (f"{dist_info}/WHEEL", wheel_text.encode()),
        (f"{dist_info}/top_level.txt", b"course\n"),
    ]
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            _add(archive, name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{name},sha256={digest},{len(data)}")
        record.append(f"{dist_info}/RECORD,,")
        _add(archive, f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode())
    return path


def _add(archive, name, data, mode=0o644):
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100000 | mode) << 16
    archive.writestr(info, data)


def _write_zip(path, folder):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            _add(archive, f"{folder.name}/{file.relative_to(folder).as_posix()}", file.read_bytes())


# ------------------------------------------------------------------------------------ the scan
@dataclass
class Secrets:
    """What the bundle must not contain: each lesson's region lines and exercise functions.

    `closed` lessons (their deadline has passed) may have their answers in other lessons'
    notebooks: later lessons give earlier answers as starter code (lesson 02 ships lesson 01's
    numerical gradient, lesson 06 lesson 05's Adam)."""

    by_lesson: dict
    exercises: dict
    closed: frozenset = frozenset()

    @classmethod
    def of(cls, course, closed=()):
        by_lesson = {lesson: secret_lines(course.step_dir("source") / lesson) for lesson in course.lessons()}
        unknown = sorted(set(closed) - set(by_lesson))
        if unknown:
            raise CourseError(f"--closed names no lesson of this course: {unknown}")
        return cls(by_lesson, exercise_functions(course), frozenset(closed))

    @property
    def every_line(self):
        return set().union(*self.by_lesson.values()) if self.by_lesson else set()


def scan_bundle(path: Path, secrets: Secrets) -> list[Leak]:
    """Leaks in a folder, a wheel or a zip (archives are opened and their members scanned)."""
    path = Path(path)
    if path.is_dir():
        leaks = []
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            leaks += scan_bundle(file, secrets)
        return leaks
    if path.suffix in (".whl", ".zip"):
        with tempfile.TemporaryDirectory() as unpacked:
            with zipfile.ZipFile(path) as archive:
                archive.extractall(unpacked)
            leaks = scan_bundle(Path(unpacked), secrets)
            for leak in leaks:  # name the member as archive!member (nested: outer!inner!member)
                if Path(leak.path).is_relative_to(unpacked):
                    leak.path = Path(leak.path).relative_to(unpacked).as_posix()
                leak.path = f"{path.name}!{leak.path}"
            return leaks
    if path.suffix == ".ipynb":
        return notebook_leaks(path, secrets)
    if path.suffix == ".py":
        return python_leaks(path, secrets)
    return _file_leaks(path, secrets.every_line)


def notebook_leaks(path: Path, secrets: Secrets) -> list[Leak]:
    """The release's scan with the notebook's own lesson, plus copied blocks of other lessons."""
    lesson = Path(path).parent.name
    own = secrets.by_lesson.get(lesson)
    if own is None:  # a notebook outside lessons/<lesson>/: every lesson's lines are its secrets
        return _notebook_leaks(path, secrets.every_line)
    leaks = _notebook_leaks(path, own)
    for other, lines in sorted(secrets.by_lesson.items()):
        if other == lesson or other in secrets.closed:
            continue
        for index, cell in enumerate(read_notebook(path).cells):
            for first, last in _copied_blocks(cell.source.split("\n"), lines):
                leaks.append(
                    Leak(
                        path,
                        f"cell {index} lines {first}-{last}",
                        f"{last - first + 1} lines of {other}'s solutions: publish this lesson after "
                        f"{other}'s deadline, with --closed {other}",
                    )
                )
    return leaks


def _copied_blocks(lines, secret):
    """(first, last) line numbers of runs of >= COPIED_BLOCK_LINES code lines all in `secret`."""
    blocks, run = [], []
    code = [(n, line.strip()) for n, line in enumerate(lines, start=1) if line.strip()]
    for number, stripped in [c for c in code if not c[1].startswith("#")] + [(None, None)]:
        if stripped is not None and stripped in secret:
            run.append(number)
            continue
        if len(run) >= COPIED_BLOCK_LINES:
            blocks.append((run[0], run[-1]))
        run = []
    return blocks


def python_leaks(path: Path, secrets: Secrets) -> list[Leak]:
    """Markers, exercise names defined at module level, and copied blocks of any lesson's regions."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    leaks = []
    for number, line in enumerate(text.split("\n"), start=1):
        problem = _line_problem(line, ())
        if problem:
            leaks.append(Leak(path, f"line {number}", problem))
    for first, last in _copied_blocks(text.split("\n"), secrets.every_line):
        leaks.append(Leak(path, f"lines {first}-{last}", f"{last - first + 1} lines of a solution region"))
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        return leaks + [Leak(path, f"line {error.lineno}", "not valid Python")]
    for name, line in _module_names(tree):
        if name in secrets.exercises:
            lesson, exercise_id = secrets.exercises[name]
            leaks.append(
                Leak(path, f"line {line}", f"defines {name!r}, the exercise {exercise_id} of {lesson}")
            )
    return leaks


def _module_names(tree):
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name, node.lineno
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                yield (alias.asname or alias.name).split(".")[0], node.lineno
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for item in ast.walk(target):
                    if isinstance(item, ast.Name):
                        yield item.id, node.lineno


# ------------------------------------------------------------------------------------ the texts
def _pyproject(version, python, requirements):
    deps = "".join(f'    "{spec}",\n' for spec in requirements.values())
    return (
        "# Builds the same wheel as the one in this folder: pip wheel --no-deps .\n"
        "[build-system]\n"
        'requires = ["setuptools>=77"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        "[project]\n"
        f'name = "{DISTRIBUTION}"\n'
        f'version = "{version}"\n'
        'description = "Optimization for Deep Learning: the course library for students (no solutions)"\n'
        f'requires-python = "{python}"\n'
        'license = "MIT"\n'
        f"dependencies = [\n{deps}]\n\n"
        "[tool.setuptools.packages.find]\n"
        'where = ["src"]\n'
        'include = ["course*"]\n'
    )


def _requirements(wheel_name):
    return (
        "# Binder (repo2docker) and Colab: pip install -r requirements.txt, run in this folder.\n"
        "# The wheel brings its dependencies (numpy, matplotlib, ipywidgets, tqdm, jupyterlab).\n"
        f"./{wheel_name}\n"
    )


def _environment(wheel_name, python, requirements):
    floor = re.search(r">=\s*([0-9.]+)", python)
    conda_specs = [f"python>={floor.group(1)}" if floor else "python"]
    conda_specs += [spec.replace(" ", "") for spec in requirements.values()]
    return (
        "# conda env create -f environment.yml && conda activate optdl-student (Binder reads it too)\n"
        "name: optdl-student\n"
        "channels:\n"
        "  - conda-forge\n"
        "dependencies:\n" + "".join(f"  - {spec}\n" for spec in conda_specs) + "  - pip\n"
        "  - pip:\n"
        f"      - ./{wheel_name}\n"
    )


def _readme(wheel_name, released):
    lessons = "\n".join(
        f"- `lessons/{lesson}/{notebooks[0].name}`" for lesson, notebooks in sorted(released.items())
    )
    return f"""# Optimization for Deep Learning: student edition

This folder holds the lessons you will complete and the `course` library they import.

## Install (one command)

With Python 3.10 to 3.13, in this folder (ideally inside a fresh virtual environment,
`python -m venv .venv` then `source .venv/bin/activate`, on Windows `.venv\\Scripts\\activate`):

```bash
pip install {wheel_name}
```

This installs `course` and what it needs: numpy, matplotlib, ipywidgets, tqdm and JupyterLab.
With conda instead: `conda env create -f environment.yml`, then `conda activate optdl-student`.

## Open the lessons

```bash
jupyter lab lessons
```

{lessons}

## Run the visible tests

In each lesson, every cell that starts with `# YOUR CODE HERE` is an exercise: replace the line
`raise NotImplementedError(...)` with your solution and run the cell, then run the test cell
below it. The visible tests check the values worked out in the lesson and print a message when
they pass; an `AssertionError` says which value was wrong. When your work is graded, hidden tests
try more cases (other shapes, edge cases, several optimizer steps, and whether your function
modifies its inputs), so a passing visible test is necessary, not sufficient. Do not rename the
functions or change their arguments: the grader calls them by name.

## CIFAR-10 (lessons 03 to 07)

The first lesson that needs CIFAR-10 downloads it (170 MB, checked against its published MD5)
into your cache folder (`~/.cache/optdl-course`, or the folder in `OPTDL_CACHE_DIR`), once.
If you already have the "python version" batches (`cifar-10-batches-py`), point to them before
starting Jupyter:

```bash
export CIFAR10_DIR=/path/to/cifar-10-batches-py     # Windows: set CIFAR10_DIR=...
jupyter lab lessons
```

A running Jupyter does not see a variable exported later: restart it, or pass the folder in
the notebook, `load_cifar10(data_dir="/path/to/cifar-10-batches-py")`.

## Binder and Colab

- Binder: publish this folder as a Git repository; Binder installs `environment.yml`
  (or `requirements.txt`).
- Colab: upload this folder (or the zip) to your Drive or the session, then run
  `!pip install {wheel_name}` in the folder holding the wheel and open a lesson.

## What is here

- `lessons/`: the notebooks, one folder per lesson.
- `{wheel_name}`: the `course` library (no solutions, no hidden tests).
- `src/course/` and `pyproject.toml`: its source; `pip wheel --no-deps .` rebuilds the wheel.
- `requirements.txt`, `environment.yml`: the same installation for Binder, Colab and conda.
"""
