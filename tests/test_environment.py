"""environment.yml (conda) and pyproject.toml (pip) must list the same packages and bounds."""

import re
import sys

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")
yaml = pytest.importorskip("yaml")

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$")


def parse(requirement):
    name, spec = REQUIREMENT.match(requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def test_environment_yml_matches_pyproject(repo_root):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    wanted = dict(parse(r) for r in project["dependencies"] + project["optional-dependencies"]["test"])
    wanted["python"] = project["requires-python"].replace(" ", "")
    environment = yaml.safe_load((repo_root / "environment.yml").read_text())
    conda = [entry for entry in environment["dependencies"] if isinstance(entry, str)]
    pip_section = [entry for entry in environment["dependencies"] if isinstance(entry, dict)]
    from_pypi = [r for section in pip_section for r in section["pip"] if r != "-e ."]  # taken from PyPI
    listed = dict(parse(r) for r in conda + from_pypi if parse(r)[0] != "pip")
    assert listed == wanted, "environment.yml and pyproject.toml disagree"
    assert "conda-forge" in environment["channels"]
    assert pip_section and "-e ." in pip_section[0]["pip"], "environment.yml must install the project itself"
