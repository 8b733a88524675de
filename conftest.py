"""Root conftest: the whole suite, nbval's lesson runs included, works in grading mode.

Set before any kernel starts, so notebook kernels (nbval, nbgrader) inherit it.
"""

import os

os.environ.setdefault("COURSE_GRADING_MODE", "1")
# The lessons' matrix products are small: a second BLAS thread gains nothing and, when the two
# cores are shared with another kernel, makes them 10-30x slower (measured on lessons 03-07).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
