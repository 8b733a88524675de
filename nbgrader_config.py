"""nbgrader configuration for this repository (run nbgrader and `python -m autograder` from here)."""

import os
import sys

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "optdl"
# Lessons live in notebooks/<NN_name>/; release/, submitted/, autograded/, feedback/ are generated.
c.CourseDirectory.source_directory = "notebooks"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# The jupytext .py twins hold the solutions: they must never reach a release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py"]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Per-cell limit when nbgrader runs a notebook; `python -m autograder grade --timeout` overrides it.
# Lessons run top to bottom in well under a minute in grading mode.
c.Execute.timeout = 120

# Feedback must never show hidden tests: even plain `nbgrader generate_feedback` (or the
# formgrader's button) rewrites the autograded notebook through WithholdHiddenTests before
# rendering. If `autograder` cannot be imported, nbgrader stops here rather than leak.
try:
    import autograder  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from autograder.feedback import feedback_config  # noqa: E402

c.merge(feedback_config())
