"""`make lint` is what CI runs first, with one pinned ruff everywhere (issue 16, item 1)."""

import re

import yaml


def test_ruff_is_pinned_once_for_the_test_extra_and_the_pre_commit_hooks(repo_root):
    pyproject = (repo_root / "pyproject.toml").read_text()
    (pin,) = re.findall(r'"ruff==([0-9.]+)"', pyproject)
    hooks = yaml.safe_load((repo_root / ".pre-commit-config.yaml").read_text())
    ruff_hooks = [hook for repo in hooks["repos"] for hook in repo["hooks"] if hook["id"].startswith("ruff")]
    assert {hook["id"] for hook in ruff_hooks} == {"ruff-check", "ruff-format"}
    assert all(hook["additional_dependencies"] == [f"ruff=={pin}"] for hook in ruff_hooks)
    assert f"ruff=={pin}" in (repo_root / "environment.yml").read_text()


def test_ci_runs_make_lint_before_the_suite(repo_root):
    recipe = re.search(r"^lint:.*\n((?:\t.*\n)+)", (repo_root / "Makefile").read_text(), re.M).group(1)
    assert "$(BIN)/ruff check ." in recipe and "$(BIN)/ruff format --check ." in recipe
    ci = (repo_root / ".ci" / "run").read_text()
    assert "set -euo pipefail" in ci
    assert 0 <= ci.index("\nmake lint\n") < ci.index("make test PYTEST_ARGS")
