"""nbgrader preprocessor `GetGradesWithPending`: feedback tells a written answer awaiting a grader
from a 0.

nbgrader's GetGrades puts each grade cell's score into the cell's metadata for the feedback page,
and its `score` is 0 for an answer nobody has graded yet. This subclass also marks such a cell
`pending` (no automatic and no manual score) and adds the pending points of the notebook to
`resources["nbgrader"]["pending_points"]`, so that the page (autograder/templates/feedback) says
"needs manual grading" instead of a score of 0.
"""

from nbgrader.preprocessors import GetGrades


class GetGradesWithPending(GetGrades):
    """GetGrades, plus `pending` on the cells that await a manual grade."""

    def preprocess(self, nb, resources):
        resources.setdefault("nbgrader", {})["pending_points"] = 0.0
        return super().preprocess(nb, resources)

    def _get_score(self, cell, resources):
        super()._get_score(cell, resources)
        grade = self.gradebook.find_grade(
            cell.metadata["nbgrader"]["grade_id"], self.notebook_id, self.assignment_id, self.student_id
        )
        pending = bool(grade.needs_manual_grade and grade.manual_score is None and grade.auto_score is None)
        cell.metadata.nbgrader["pending"] = pending
        if pending:
            resources["nbgrader"]["pending_points"] += float(grade.max_score)
