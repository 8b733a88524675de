"""Root conftest: the whole suite, nbval's lesson runs included, works in grading mode.

Set before any kernel starts, so notebook kernels (nbval, nbgrader) inherit it.
"""

import os

os.environ.setdefault("COURSE_GRADING_MODE", "1")
