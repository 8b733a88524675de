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

c.ClearSolutions.code_stub = {
    "python": '# YOUR CODE HERE\nraise NotImplementedError("replace this line with your solution")'
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Grading is the course's own (autograder/grader): the release restores the graded cells'
# metadata, each submission runs in a sandbox, hidden tests run in the grader's process, and
# feedback withholds them. Even plain `nbgrader autograde` / `generate_feedback` (or the
# formgrader's buttons) go through it. The same settings make every generate_assignment (the
# formgrader's Generate button too) remove the jupytext pairing and refuse a release that leaks,
# render feedback offline (math as MathML), and make `nbgrader export` write each submission's
# grading status with no score unless it was graded (autograder/README.md, "Using nbgrader's UI").
# If `autograder` cannot be imported, nbgrader stops here rather than grade unsafely.
try:
    import autograder  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from autograder.grader import nbgrader_settings  # noqa: E402

c.merge(nbgrader_settings())

# Per-cell limit (also for one test cell's hidden checks); `python -m autograder grade --timeout`
# overrides it. Lessons run top to bottom in well under a minute in grading mode.
c.SandboxedExecute.timeout = 120
# Sandbox limits (defaults shown); see autograder/README.md, "Threat model".
# c.SandboxedExecute.memory_limit = 2 * 1024**3
# c.SandboxedExecute.process_limit = 64
# c.SandboxedExecute.allow_weak_isolation = False
