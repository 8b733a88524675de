"""Every module imports, and `course` (what students get) never reaches `solutions` (the answers)."""

import ast
import importlib
import pkgutil
import subprocess
import sys

import pytest

PACKAGES = ["course", "solutions", "autograder"]


def modules_of(package_name):
    package = importlib.import_module(package_name)
    names = [package_name]
    for info in pkgutil.walk_packages(package.__path__, prefix=package_name + "."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return names


@pytest.mark.parametrize("module", [m for p in PACKAGES for m in modules_of(p)])
def test_module_imports(module):
    importlib.import_module(module)


def test_course_source_never_names_solutions(repo_root):
    offenders = []
    for path in sorted((repo_root / "course").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module",
                "__import__",
            ):
                names = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
            else:
                continue
            offenders += [
                f"{path.name}:{node.lineno} {n}" for n in names if str(n).split(".")[0] == "solutions"
            ]
    assert offenders == [], f"course imports solutions: {offenders}"


def test_course_works_without_solutions_installed(repo_root):
    """Import every course module in a fresh interpreter where `import solutions` is impossible."""
    code = (
        "import sys, importlib, pkgutil, course\n"
        "sys.modules['solutions'] = None  # any import of it now raises ImportError\n"
        "for info in pkgutil.walk_packages(course.__path__, prefix='course.'):\n"
        "    importlib.import_module(info.name)\n"
        "assert not any(name.startswith('solutions.') for name in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=repo_root,
        capture_output=True,
        text=True,
        env={"MPLBACKEND": "Agg", "PATH": ""},
    )
    assert result.returncode == 0, result.stderr


def test_course_version_is_the_installed_distributions(repo_root):
    import re

    import course

    declared = re.search(r'^version = "([^"]+)"', (repo_root / "pyproject.toml").read_text(), re.M).group(1)
    assert course.__version__ == declared
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        course.no_such_name  # noqa: B018
