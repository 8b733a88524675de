"""The student edition (`python -m autograder student-bundle`): what it holds, what it refuses,
and that it works on its own in a fresh virtual environment.

One bundle is built for the module through the command line: a temporary course with every
lesson's source (so the leak scan knows every lesson's answers) and lesson 01 released.

The fresh-venv test, honestly stated:
- the venv is new (`python -m venv --without-pip` from the base interpreter of this test's
  Python), and the student wheel is installed into it by pip (`pip --python <venv> install
  --no-deps --no-index <wheel>`), from the file the bundle holds;
- its dependencies are not downloaded (installing JupyterLab and its ~90 packages from PyPI
  would take minutes). Instead the venv sees, through one `.pth` line, a folder of symlinks to
  exactly the installed files of the wheel's `Requires-Dist` and their dependencies, resolved
  from the metadata here (environment markers evaluated, extras left out). So the declared
  dependencies must suffice: a module `course` imports but does not declare fails to import.
  What this does not check is pip's resolution of those dependencies from PyPI;
- it then checks that `import course` comes from the venv, that `import solutions` and
  `import autograder` fail there (run from the lesson folder, with PYTHONPATH unset, as a
  student's kernel starts), that every `course` module imports, and runs the released lesson 01,
  with its solution cells filled from the source notebook, top to bottom in a kernel of that
  venv: every visible test cell must pass.
"""

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograder import cli
from autograder.bundle import DEPENDENCIES, BundleLeak, build_student_bundle
from autograder.course import PACKAGE_ROOT, Course
from autograder.demo import make_course, with_solutions
from autograder.notebooks import is_autograded_test, is_solution_cell, read_notebook

LESSON = "01_finite_differences"
LATER = "02_gradient_descent"  # gives lesson 01's numerical gradient as starter code


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("bundle")
    source = Course.open(PACKAGE_ROOT)
    course = make_course(source, source.lessons(), root / "course")
    assert cli.main(["release", "--course", str(course.root), LESSON, LATER]) == 0
    out = root / "optdl-student"
    assert cli.main(["student-bundle", "--course", str(course.root), "--out", str(out), LESSON]) == 0
    return course, out


def _wheel(out):
    (wheel,) = out.glob("optdl_student-*-py3-none-any.whl")
    return wheel


def test_bundle_holds_the_release_a_course_only_wheel_and_the_install_files(built):
    course, out = built
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    wheel = _wheel(out)
    for name in ("README.md", "pyproject.toml", "requirements.txt", "environment.yml", wheel.name):
        assert name in files
    assert [f for f in files if f.startswith("lessons/")] == [f"lessons/{LESSON}/{LESSON}.ipynb"]
    released = course.assignment_dir("release", LESSON) / f"{LESSON}.ipynb"
    assert (out / "lessons" / LESSON / f"{LESSON}.ipynb").read_bytes() == released.read_bytes()

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        requires = [
            line.split(": ", 1)[1]
            for line in archive.read(next(n for n in names if n.endswith("METADATA"))).decode().splitlines()
            if line.startswith("Requires-Dist: ")
        ]
    assert {name.split("/")[0] for name in names} == {"course", wheel.name.split("-py3")[0] + ".dist-info"}
    expected_modules = {
        f"course/{p.relative_to(PACKAGE_ROOT / 'course').as_posix()}"
        for p in (PACKAGE_ROOT / "course").rglob("*.py")
        if "__pycache__" not in p.parts and p.name != "lecture.py"
    }
    assert {n for n in names if n.startswith("course/")} == expected_modules
    assert sorted(Requirement(r).name for r in requires) == sorted(DEPENDENCIES)
    assert not any("nbgrader" in r or "jupytext" in r for r in requires)

    # the folder's pyproject.toml and src/ are the same wheel's source
    assert {f"course/{f[len('src/course/') :]}" for f in files if f.startswith("src/")} == expected_modules
    assert f"./{wheel.name}" in (out / "requirements.txt").read_text().splitlines()
    assert f"- ./{wheel.name}" in (out / "environment.yml").read_text()
    readme = (out / "README.md").read_text()
    assert (
        f"pip install {wheel.name}" in readme and "CIFAR10_DIR" in readme and "jupyter lab lessons" in readme
    )
    # the main README's Students section gives the same command, with the version as a wildcard
    main_readme = (PACKAGE_ROOT / "README.md").read_text()
    command = re.search(r"^pip install (optdl_student-\S+\.whl)", main_readme, re.M)
    assert command and fnmatch.fnmatch(wheel.name, command.group(1))

    # the zip is the folder
    with zipfile.ZipFile(out.with_name(out.name + ".zip")) as archive:
        assert sorted(archive.namelist()) == sorted(f"{out.name}/{f}" for f in files)
        assert archive.read(f"{out.name}/{wheel.name}") == wheel.read_bytes()


def test_the_bundles_pyproject_builds_the_same_modules(built, tmp_path):
    _, out = built
    copy = shutil.copytree(out, tmp_path / "copy")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q"]
        + ["-w", str(tmp_path / "wheels"), str(copy)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (rebuilt,) = (tmp_path / "wheels").glob("*.whl")
    assert rebuilt.name == _wheel(out).name
    with zipfile.ZipFile(rebuilt) as a, zipfile.ZipFile(_wheel(out)) as b:
        ours = {n: b.read(n) for n in b.namelist() if n.startswith("course/")}
        assert {n: a.read(n) for n in a.namelist() if n.startswith("course/")} == ours


def test_student_bundle_requires_a_release(built, tmp_path, capsys):
    course, _ = built
    code = cli.main(
        ["student-bundle", "--course", str(course.root), "--out", str(tmp_path / "b"), "03_softmax_cifar10"]
    )
    assert code == 2
    assert "run `python -m autograder release 03_softmax_cifar10` first" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_a_later_lesson_showing_an_open_lessons_answer_needs_it_closed(built, tmp_path, capsys):
    """Lesson 02 ships lesson 01's numerical gradient: with 01 still open that is 01's answer."""
    course, _ = built
    out = tmp_path / "week2"
    command = ["student-bundle", "--course", str(course.root), "--out", str(out), LATER]
    assert cli.main(command) == 1
    err = capsys.readouterr().err
    assert (
        f"of {LESSON}'s solutions: publish this lesson after {LESSON}'s deadline, with --closed {LESSON}"
        in err
    )
    assert not out.exists()
    assert cli.main(command + ["--closed", LESSON]) == 0
    assert (out / "lessons" / LATER / f"{LATER}.ipynb").is_file()


def test_a_bundle_that_leaks_is_refused_and_nothing_is_written(built, tmp_path):
    course, _ = built
    package = shutil.copytree(
        PACKAGE_ROOT / "course", tmp_path / "course", ignore=shutil.ignore_patterns("__pycache__")
    )
    with open(package / "checks.py", "a") as module:
        module.write("\n\ndef central_difference(f, x, h):\n    return (f(x + h) - f(x - h)) / (2 * h)\n")
    out = tmp_path / "leaky"
    with pytest.raises(BundleLeak) as refused:
        build_student_bundle(course, out, [LESSON], package_dir=package)
    assert "defines 'central_difference', the exercise" in str(refused.value)
    assert "optdl_student-" in str(refused.value) and ".whl!course/checks.py" in str(refused.value)
    assert not out.exists() and not out.with_name("leaky.zip").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["course"]  # no staging folder left behind

    # a solution marker in a released notebook is refused the same way
    released = course.assignment_dir("release", LESSON) / f"{LESSON}.ipynb"
    original = released.read_bytes()
    try:
        notebook = nbformat.read(released, as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"))
        nbformat.write(notebook, released)
        with pytest.raises(BundleLeak, match="nbgrader marker"):
            build_student_bundle(course, out, [LESSON])
        assert not out.exists()
    finally:
        released.write_bytes(original)


# ----------------------------------------------------------------------------- the fresh venv
def _dependency_closure(requirements):
    """Installed distributions needed by `requirements` (markers evaluated, no extras)."""
    installed = {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions()}
    todo, closure = [Requirement(r) for r in requirements], {}
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in closure:
            continue
        assert name in installed, f"{name} (needed by the student wheel) is not installed here"
        closure[name] = installed[name]
        for spec in closure[name].requires or []:
            child = Requirement(spec)
            if child.marker is None or child.marker.evaluate({"extra": ""}):
                todo.append(child)
    return closure


def _mirror(distributions, folder):
    """A folder of symlinks to the top-level files of `distributions` (their modules, dist-info)."""
    folder.mkdir()
    for distribution in distributions.values():
        site = Path(distribution.locate_file(""))
        for file in distribution.files or []:
            top = Path(file).parts[0]
            if top == ".." or top.endswith(".pth") or (folder / top).exists():
                continue
            (folder / top).symlink_to(site / top)
    return folder


def test_fresh_venv_installs_the_wheel_and_runs_a_lesson(built, tmp_path):
    course, out = built
    wheel = _wheel(out)
    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q"]
        + [str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    with zipfile.ZipFile(wheel) as archive:
        meta = archive.read(next(n for n in archive.namelist() if n.endswith("METADATA"))).decode()
    requires = [line.split(": ", 1)[1] for line in meta.splitlines() if line.startswith("Requires-Dist: ")]
    closure = _dependency_closure(requires)
    assert not {"nbgrader", "optdl-course", "jupytext"} & set(closure)
    deps = _mirror(closure, tmp_path / "deps")
    assert not {"course", "solutions", "autograder"} & {p.name for p in deps.iterdir()}
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "student_dependencies.pth").write_text(f"{deps}\n")

    lesson_dir = out / "lessons" / LESSON
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = (
        "import importlib, pkgutil, sys, course\n"
        f"assert course.__file__.startswith({site!r}), course.__file__\n"
        "for info in pkgutil.walk_packages(course.__path__, prefix='course.'):\n"
        "    importlib.import_module(info.name)\n"
        "for name in ('solutions', 'autograder', 'nbgrader'):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError:\n"
        "        print(name, 'missing')\n"
        "    else:\n"
        "        sys.exit(name + ' is importable in the student venv')\n"
    )
    result = subprocess.run(
        [str(python), "-c", probe], cwd=lesson_dir, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split("\n")[:3] == ["solutions missing", "autograder missing", "nbgrader missing"]

    # lesson 01 as released, with correct answers filled in, in a kernel of the fresh venv
    released = read_notebook(lesson_dir / f"{LESSON}.ipynb")
    source = read_notebook(course.step_dir("source") / LESSON / f"{LESSON}.ipynb")
    notebook = with_solutions(released, source)
    filled = [c for c in notebook.cells if is_solution_cell(c) and c.cell_type == "code"]
    assert filled and not any("NotImplementedError" in c.source for c in filled)
    tests = [c for c in notebook.cells if is_autograded_test(c)]
    assert tests
    notebook.cells.append(
        nbformat.v4.new_code_cell(
            f"import course, sys\nassert course.__file__.startswith({site!r})\nprint(sys.executable)"
        )
    )
    kernels = tmp_path / "kernels"
    (kernels / "student").mkdir(parents=True)
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "language": "python",
    }
    (kernels / "student" / "kernel.json").write_text(json.dumps({**spec, "display_name": "student venv"}))
    manager = KernelManager(
        kernel_name="student", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)])
    )
    previous = os.environ.pop("PYTHONPATH", None)
    try:
        NotebookClient(
            notebook, km=manager, timeout=120, resources={"metadata": {"path": str(lesson_dir)}}
        ).execute()
    finally:
        if previous is not None:
            os.environ["PYTHONPATH"] = previous
    assert notebook.cells[-1].outputs[0]["text"].strip() == str(python)
    for cell in tests:  # a failed assertion would have stopped execute(); each test cell ran
        assert cell.get("execution_count"), cell.metadata["nbgrader"]["grade_id"]
