"""Root conftest: the whole suite, nbval's lesson runs included, works in grading mode.

Set before any kernel starts, so notebook kernels (nbval, nbgrader) inherit it.
"""

import fnmatch
import os

os.environ.setdefault("COURSE_GRADING_MODE", "1")
# The lessons' matrix products are small: a second BLAS thread gains nothing and, when the two
# cores are shared with another kernel, makes them 10-30x slower (measured on lessons 03-07).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


# Test tiers. `make test` runs everything; `make test-fast` only the unit tier, deselecting
# these markers (registered in pyproject.toml). They are given by file here, so that the test
# files themselves need no marks.
_TIER_MARKERS_BY_FILE = {
    "test_autograder_*.py": ("grading",),
    "test_full_and_zero_marks.py": ("grading",),
    "test_hostile_class.py": ("grading", "slow"),
    "test_hidden_coverage.py": ("grading",),
    "test_student_bundle.py": ("grading",),
    "test_course_leaks.py": ("grading",),
    "test_sandbox.py": ("grading",),
    "test_dask_grading.py": ("grading", "slow"),
    "test_claims.py": ("slow",),
    "test_browser.py": ("browser", "slow"),
    "test_lab.py": ("browser", "slow"),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.suffix == ".ipynb":  # a lesson cell run by nbval
            item.add_marker("notebook")
        for pattern, markers in _TIER_MARKERS_BY_FILE.items():
            if fnmatch.fnmatch(item.path.name, pattern):
                for marker in markers:
                    item.add_marker(marker)
