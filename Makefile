# Two commands for everything a newcomer needs:
#   make lab   - set up .venv and start JupyterLab on the course
#   make test  - set up .venv with the test tools and run the whole suite
#   (make lecture copies the lessons to the git-ignored lecture/ and starts JupyterLab there)
#   (make test-fast runs only the unit tier, about a minute, while you work)
#   (instructors: make release / grade / feedback / report [LESSON=...], make formgrader)
#   (make lint checks style with ruff: lint rules and formatting, as CI does)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LAB_ARGS ?=
# JupyterLab refuses to start as root (containers, cloud VMs) without this flag.
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
PYTEST_ARGS ?=

.PHONY: lab lecture test test-fast lint install install-test clean-venv release grade feedback report demo formgrader

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else "Python 3.10 to 3.13 is needed; found " + sys.version.split()[0] + ". Run: make PYTHON=python3.12 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# rfc3987-syntax arrives through jsonschema[format-nongpl] and spends about a second building
# parsers whenever nbformat is imported (every nbgrader command, every kernel start-up check).
# It only checks the "iri" string format, which no Jupyter schema uses, so it is removed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

lab: $(VENV)/.installed
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(ROOT_FLAG) $(LAB_ARGS)

# Lecturing never touches a tracked file: the lessons and their live-only twins are copied
# to lecture/ (git-ignored, rewritten on each run; see course/lecture.py) and served from there.
lecture: $(VENV)/.installed
	$(BIN)/python -m course.lecture copy --dest lecture
	$(BIN)/jupyter lab --ServerApp.root_dir=lecture $(ROOT_FLAG) $(LAB_ARGS)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The unit tier, about a minute: no lesson notebooks (nbval), no autograder runs, no
# JupyterLab or browser. The markers are given by file in conftest.py.
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "not slow and not notebook and not grading and not browser" $(PYTEST_ARGS)

# Lint rules and formatting (configured in pyproject.toml); CI runs this before the tests.
# `$(BIN)/ruff format .` rewrites the files that --check reports.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Instructor commands (autograder/README.md): the same as `.venv/bin/python -m autograder ...`.
# LESSON names one lesson (e.g. LESSON=01_finite_differences); empty means every lesson.
# AUTOGRADER_ARGS passes more options, e.g. AUTOGRADER_ARGS="--workers 2 --timeout 120".
LESSON ?=
AUTOGRADER_ARGS ?=
AUTOGRADER := $(BIN)/python -m autograder

release: $(VENV)/.installed
	$(AUTOGRADER) release $(LESSON) $(AUTOGRADER_ARGS)

grade: $(VENV)/.installed
	$(AUTOGRADER) grade $(LESSON) $(AUTOGRADER_ARGS)

feedback: $(VENV)/.installed
	$(AUTOGRADER) feedback $(LESSON) $(AUTOGRADER_ARGS)

report: $(VENV)/.installed
	$(AUTOGRADER) report $(LESSON) $(AUTOGRADER_ARGS)

demo: $(VENV)/.installed
	$(AUTOGRADER) demo $(LESSON) $(AUTOGRADER_ARGS)

# nbgrader's formgrader on the course root (where nbgrader_config.py is), so that its links to
# source/, release/ and submitted/ resolve; it opens at /formgrader. nbgrader's exchange-based
# Assignment List and Courses are switched off (this course hands out and collects through an LMS:
# `release`, `collect`): see autograder/README.md, "Using nbgrader's UI".
# .venv/bin goes first on PATH: nbgrader runs `alembic` from PATH when it creates gradebook.db.
FORMGRADER_OFF := 'nbgrader.server_extensions.assignment_list': False, 'nbgrader.server_extensions.course_list': False
formgrader: $(VENV)/.installed
	PATH="$(abspath $(BIN)):$$PATH" \
	JUPYTER_CONFIG_PATH="$(CURDIR)/autograder/jupyter-config$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	$(BIN)/jupyter lab --ServerApp.root_dir=. --ServerApp.default_url=/formgrader \
	"--ServerApp.jpserver_extensions={$(FORMGRADER_OFF)}" $(ROOT_FLAG) $(LAB_ARGS)

clean-venv:
	rm -rf $(VENV)
